//! The hand-made fixtures of the official API client, served byte for byte: padded keys,
//! duplicate ids, a `raw` that is an array, `null` names and mixed time offsets all
//! decode, and nothing of them is mistaken for something else.

use crate::support::discourse_forum::{Forum, base_time};
use crate::support::discourse_standin::StandIn;
use crate::{ADMIN_KEY, admin_key, bounded, reply, roomy, sync};
use serde_json::{Value, json};
use threadmark::model::{OutboxEntry, Target};
use threadmark::remote::discourse::DiscourseBackend;
use threadmark::remote::{Backend, Submitted};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/discourse/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn fixture_server() -> StandIn {
    let mut forum = Forum::empty("Fixtures");
    forum.add_topic(1, 1, "Test topic", base_time(), 0);
    forum.add_topic(4, 2, "This is a markdown post", base_time(), 1);
    forum.users.push(crate::support::discourse_forum::User {
        id: 11,
        username: "testuser".to_owned(),
        name: Some("Test User".to_owned()),
        admin: true,
        ..crate::support::discourse_forum::User::default()
    });
    let mut world = crate::support::discourse_standin::World::new(forum);
    world.admin_api_keys.push(ADMIN_KEY.to_owned());
    // /site.json lists the fixture's category objects as they are, padded key included.
    let categories: Value = serde_json::from_slice(&fixture("categories.json")).unwrap();
    world.forum.categories = categories["category_list"]["categories"]
        .as_array()
        .unwrap()
        .clone();
    let json = |bytes: Vec<u8>| ("application/json".to_owned(), bytes);
    let files = &mut world.files;
    // /latest.json pages: latest.json says there is more; category_latest_topics.json
    // (pinned topic 5 first) ends the list.
    files.insert(
        "/latest.json?order=activity&ascending=false&page=0".into(),
        json(fixture("latest.json")),
    );
    files.insert(
        "/latest.json?order=activity&ascending=false&page=1".into(),
        json(fixture("category_latest_topics.json")),
    );
    files.insert("/t/57.json".into(), json(fixture("topic.json")));
    // Topic 5's one post comes through /t/5/posts.json, answered by topic_posts.json.
    files.insert(
        "/t/5.json".into(),
        json(
            json!({"id": 5, "title": "About the category", "category_id": 2,
            "post_stream": {"posts": [], "stream": [123_456]}})
            .to_string()
            .into_bytes(),
        ),
    );
    files.insert("/t/5/posts.json".into(), json(fixture("topic_posts.json")));
    files.insert("/posts/11.json".into(), json(fixture("post.json")));
    files.insert(
        "/posts.json".into(),
        json(fixture("create_topic_with_tags.json")),
    );
    files.insert("/user_actions.json".into(), json(fixture("replies.json")));
    files.insert(
        "/posts/48.json".into(),
        json(
            json!({"id": 48, "post_number": 3, "topic_id": 39, "username": "testuser",
            "name": "Test User", "raw": "Test Reply #1", "cooked": "<p>Test Reply #1</p>",
            "created_at": "2016-06-29T20:27:55.767Z", "version": 1})
            .to_string()
            .into_bytes(),
        ),
    );
    StandIn::start(world).await
}

#[tokio::test]
async fn the_quirky_fixtures_decode() {
    bounded(async {
        let server = fixture_server().await;
        let mut discourse = DiscourseBackend::new(&server.url, None, roomy()).unwrap();
        let synced = sync(&mut discourse, None, Some("57")).await;

        let forum = synced.batches[0].forum.clone().unwrap();
        let titles: Vec<&str> = forum.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["test1", "test2", "test3"]);
        let description = forum.sections[0].areas[0].description.as_deref();
        assert_eq!(
            description,
            Some("Test category #1."),
            "no description_text: the excerpt"
        );

        // topic.json: stream [83, 84, 86, 226] with post numbers 1, 2, 3, 14.
        let posts = synced.posts("57");
        let summary: Vec<(&str, u32)> = posts.iter().map(|p| (p.id.as_str(), p.seq)).collect();
        assert_eq!(summary, [("83", 1), ("84", 2), ("86", 3), ("226", 4)]);
        assert_eq!(
            posts[3].reply_to.as_ref().unwrap().as_str(),
            "83",
            "reply_to_post_number 1 → post 83"
        );
        assert_eq!(
            posts[0].created_at.to_string(),
            "2013-02-04T20:26:26.278Z",
            "-05:00 stored as UTC"
        );
        assert_eq!(
            posts[0].edited_at.unwrap().to_string(),
            "2013-04-30T18:33:37.273Z",
            "-04:00 stored as UTC"
        );
        assert_eq!(posts[0].version, 5);
        assert_eq!(posts[0].author.badge.as_deref(), Some("staff"));
        assert!(posts[0].body.text.starts_with("<p>Welcome!</p>"));
        assert_eq!(
            &*synced.thread("57").unwrap().title,
            "THIS SITE IS A SANDBOX -- it is reset every day"
        );

        // category_latest_topics.json: "visible    " and "unpinned    " keys; 5 pinned.
        // Its listing entries are recorded in the cursor, times in UTC; the pinned topic 5
        // (bumped later) is left out of the high-water mark, the newest of both pages.
        let cursor = synced.cursor.clone().unwrap();
        assert_eq!(
            cursor["topics"]["5"]["mark"]["bumped_at"],
            "2014-04-17T17:35:01.102Z"
        );
        assert_eq!(cursor["topics"]["4"]["mark"]["posts_count"], 2);
        assert_eq!(cursor["high_water"], "2014-04-16T18:31:37.371Z");
        // topic_posts.json: raw is an array, so cooked is used.
        let post = &synced.posts("5")[0];
        assert_eq!(
            (post.id.as_str(), post.body.text.as_str()),
            ("123456", "<p>Some text.</p>")
        );
        assert_eq!(post.author.name, "Someones Name");
        // latest.json: three entries share id 1; the topic is read once.
        let reads = server
            .requests_to(&axum::http::Method::GET, "/t/1.json")
            .len();
        assert_eq!(reads, 1);
    })
    .await;
}

#[tokio::test]
async fn fixture_posts_answer_writes_and_lookups() {
    bounded(async {
        let server = fixture_server().await;
        let mut discourse =
            DiscourseBackend::new(&server.url, Some(admin_key("testuser")), roomy()).unwrap();

        // post.json answers the lookup of the post replied to (id 11 is number 1 of topic 8);
        // create_topic_with_tags.json answers the post itself (name null).
        let entry = reply("8", Some("11"), "Replying to the welcome post.");
        let Submitted::Posted { post, .. } = discourse.submit(&entry).await.unwrap() else {
            panic!("posted expected");
        };
        let sent = server.requests_to(&axum::http::Method::POST, "/posts.json");
        let body: Value = serde_json::from_str(&sent[0].body).unwrap();
        assert_eq!(body["reply_to_post_number"], 1);
        assert_eq!(post.author.name, "blake");
        assert_eq!(post.client_key.as_deref(), Some(entry.key.as_str()));

        let topic = OutboxEntry::new(
            Target::NewThread {
                area: threadmark::model::AreaId::new("2"),
                title: "Tags".into(),
            },
            "cb8ee24eb3c5a81139958cf2b6bee9bd".into(),
            jiff::Timestamp::now(),
        );
        let Submitted::Posted {
            thread: Some(thread),
            ..
        } = discourse.submit(&topic).await.unwrap()
        else {
            panic!("a new thread expected");
        };
        assert_eq!((thread.id.as_str(), thread.area.as_str()), ("21", "2"));

        // replies.json lists reply 48 in topic 39, whose raw is ours.
        let mut sent_before = reply("39", None, "Test Reply #1");
        sent_before.first_attempt_at = Some("2016-06-29T20:27:00Z".parse().unwrap());
        let found = discourse
            .find_submitted(&sent_before)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id.as_str(), "48");
        let mut other = reply("39", None, "Something else entirely");
        other.first_attempt_at = sent_before.first_attempt_at;
        assert_eq!(discourse.find_submitted(&other).await.unwrap(), None);
    })
    .await;
}
