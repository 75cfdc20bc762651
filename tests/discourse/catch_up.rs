//! Catching up through the real engine into a real cache: a round that finds nothing new
//! costs at most two requests and reads no categories; a new post comes with its one
//! topic; on a site that lazy-loads its categories (`/site.json` lists the sidebar's
//! only) every category is found.

use crate::support::discourse_forum::{Forum, Post};
use crate::{backend, bounded, standin, user_key};
use threadmark::model::{Limit, Limits};
use threadmark::remote::discourse::DiscourseSettings;
use threadmark::store::{Cache, DataDir};
use threadmark::sync::Engine;

/// 45 categories: three `/categories.json` pages of 20.
const CATEGORIES: u64 = 45;
const WATCHED_TOPIC: u64 = 10_000;

#[tokio::test]
async fn a_quiet_round_costs_two_requests_and_every_lazy_loaded_category_is_found() {
    bounded(async {
        let server = standin(Forum::sized(180, CATEGORIES)).await;
        {
            let mut world = server.world();
            // The sidebar's two categories only; category 100 is watched.
            world.lazy_categories = Some(vec![100, 101]);
            world.category_levels.insert(100, 3);
        }
        let settings = DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(100_000)])),
            ..DiscourseSettings::default()
        };
        let discourse = backend(&server, Some(user_key()), settings);
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("forum");
        let mut engine = Engine::new(discourse, dir.clone()).unwrap();
        engine.sync_once(&mut |_| {}).await.unwrap();

        let mut cache = Cache::open(dir.clone());
        let forum = cache.load_forum().unwrap().unwrap();
        let areas: Vec<&str> = forum
            .sections
            .iter()
            .flat_map(|s| &s.areas)
            .map(|a| a.id.as_str())
            .collect();
        // The categories' 45, and the Messages area of a signed-in account.
        assert_eq!(areas.len(), 46, "{areas:?}");
        assert_eq!(areas.first(), Some(&threadmark::model::MESSAGES_AREA));
        assert_eq!(cache.load_index().unwrap().len(), 180);

        // Nothing changed on the forum: the next round asks what changed, once or twice,
        // and never reads the categories again.
        server.clear_requests();
        engine.sync_once(&mut |_| {}).await.unwrap();
        let quiet: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        assert!(
            (1..=2).contains(&quiet.len()),
            "a quiet round cost {quiet:?}"
        );
        assert!(
            !quiet
                .iter()
                .any(|p| p.contains("categor") || p == "/site.json"),
            "{quiet:?}"
        );

        // A new post in a watched topic: that topic is read, and its post is cached.
        {
            let mut world = server.world();
            world.forum.next_post_id += 1;
            let id = world.forum.next_post_id;
            let topic = world.forum.topics.get_mut(&WATCHED_TOPIC).unwrap();
            let at = jiff::Timestamp::now();
            let number = topic.highest_post_number() + 1;
            topic.posts.push(Post {
                id,
                number,
                user_id: 3,
                raw: "A late answer to the first topic.".to_owned(),
                created_at: at,
                updated_at: at,
                reply_to_post_number: None,
                version: 1,
                removed: false,
                hidden: false,
                whisper: false,
                cooked: None,
                action_code: None,
                poll: None,
                likes: Vec::new(),
                user_deleted: false,
            });
            topic.bumped_at = at;
        }
        server.clear_requests();
        engine.sync_once(&mut |_| {}).await.unwrap();
        let busy: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        let topic_reads: Vec<&String> = busy.iter().filter(|p| p.starts_with("/t/")).collect();
        assert_eq!(
            topic_reads,
            [&format!("/t/{WATCHED_TOPIC}.json")],
            "only the changed topic is read: {busy:?}"
        );
        assert!(busy.len() <= 4, "{busy:?}");
        let file = cache
            .load_thread(&threadmark::model::ThreadId::new(WATCHED_TOPIC.to_string()))
            .unwrap()
            .unwrap();
        assert!(
            file.posts
                .iter()
                .any(|p| p.body.text.contains("A late answer to the first topic.")),
            "{:?}",
            file.posts.iter().map(|p| &p.body.text).collect::<Vec<_>>()
        );
    })
    .await;
}

/// A new post at `at` in `topic` (bumping it), as Discourse's `PostCreator` does.
fn add_post(server: &crate::support::discourse_standin::StandIn, topic: u64, at: jiff::Timestamp) {
    let mut world = server.world();
    world.forum.next_post_id += 1;
    let id = world.forum.next_post_id;
    let topic = world.forum.topics.get_mut(&topic).unwrap();
    let number = topic.highest_post_number() + 1;
    topic.posts.push(Post {
        id,
        number,
        user_id: 3,
        raw: format!("Answer number {number}, written just now."),
        created_at: at,
        updated_at: at,
        reply_to_post_number: None,
        version: 1,
        removed: false,
        hidden: false,
        whisper: false,
        cooked: None,
        action_code: None,
        poll: None,
        likes: Vec::new(),
        user_deleted: false,
    });
    topic.bumped_at = at;
}

/// Discourse serves anonymous GETs from `Middleware::AnonymousCache`
/// (`lib/middleware/anonymous_cache.rb`), so a listing may be a minute older than the
/// topic read after it. What the read saw is recorded from the topic's own answer: the
/// next round, with the fresh listing, finds nothing new and reads no topic again.
#[tokio::test]
async fn the_topic_answer_not_a_cached_listing_says_how_far_a_topic_was_read() {
    bounded(async {
        const TOPIC: u64 = 10_009;
        let server = standin(Forum::sized(10, 2)).await;
        let mut discourse = backend(&server, None, crate::roomy());
        let first = crate::sync(&mut discourse, None, None).await;
        let query = server.requests_to(&axum::http::Method::GET, "/latest.json")[0]
            .query
            .clone();

        // One new post; the listing is cached now; a second new post after it.
        let now = jiff::Timestamp::now();
        add_post(&server, TOPIC, now - jiff::SignedDuration::from_mins(2));
        let cached = reqwest::get(format!("{}/latest.json?{query}", server.url))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        add_post(&server, TOPIC, now - jiff::SignedDuration::from_mins(1));
        let highest = server.world().forum.topics[&TOPIC].highest_post_number();
        server.world().files.insert(
            "/latest.json".to_owned(),
            ("application/json".to_owned(), cached),
        );

        // The stale listing says the topic changed: it is read, and both posts come.
        server.clear_requests();
        let second = crate::sync(&mut discourse, first.cursor.as_ref(), None).await;
        let thread = TOPIC.to_string();
        assert_eq!(
            server
                .requests_to(&axum::http::Method::GET, &format!("/t/{TOPIC}.json"))
                .len(),
            1
        );
        let posts = second.posts(&thread);
        assert_eq!(
            posts.last().map(|p| p.seq),
            Some(u32::try_from(highest).unwrap()),
            "{posts:?}"
        );

        // The cache expires: the fresh listing is what the topic read already saw.
        server.world().files.clear();
        server.clear_requests();
        crate::sync(&mut discourse, second.cursor.as_ref(), None).await;
        let quiet: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        assert!(
            !quiet.iter().any(|p| p.starts_with("/t/")),
            "nothing new since the topic was read: {quiet:?}"
        );
    })
    .await;
}
