//! Auth headers, replies, new topics, moderation, the unknown outcome, and read-only mode.

use crate::support::discourse_forum::Forum;
use crate::{
    ADMIN_KEY, CLIENT_ID, USER_KEY, admin_key, backend, bounded, code, reply, roomy, standin, sync,
    user_key,
};
use axum::http::Method;
use serde_json::Value;
use std::time::Duration;
use threadmark::model::{AreaId, ForumMode, OutboxEntry, Target};
use threadmark::remote::discourse::{DiscourseSettings, READ_ONLY_TEXT};
use threadmark::remote::{Backend, RemoteError, Submitted, Timeouts};

const AUTH_HEADERS: [&str; 4] = [
    "user-api-key",
    "user-api-client-id",
    "api-key",
    "api-username",
];

#[tokio::test]
async fn auth_headers_are_exactly_what_discourse_expects() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let cases = [
            (
                Some(user_key()),
                vec![
                    ("user-api-key", USER_KEY),
                    ("user-api-client-id", CLIENT_ID),
                ],
            ),
            (
                Some(admin_key("carol")),
                vec![("api-key", ADMIN_KEY), ("api-username", "carol")],
            ),
            (None, vec![]),
        ];
        for (credential, expected) in cases {
            server.clear_requests();
            let mut discourse = backend(&server, credential, roomy());
            let shown = format!("{discourse:?}");
            assert!(
                !shown.contains(USER_KEY) && !shown.contains(ADMIN_KEY),
                "keys stay out of Debug"
            );
            discourse.pull(None, None).await.unwrap();
            discourse.refresh_status().await.unwrap();
            let site = &server.requests_to(&Method::GET, "/site.json")[0];
            let sent: Vec<(&str, &str)> = AUTH_HEADERS
                .iter()
                .filter_map(|h| site.header(h).map(|v| (*h, v)))
                .collect();
            assert_eq!(sent, expected);
            let status = &server.requests_to(&Method::GET, "/site/basic-info.json");
            let status = status.last().unwrap();
            assert!(
                AUTH_HEADERS.iter().all(|h| status.header(h).is_none()),
                "status checks go without a key"
            );
        }

        let stranger = threadmark::store::Credential::DiscourseUserApiKey {
            key: threadmark::store::Secret::new("not-a-key"),
            client_id: "x".into(),
        };
        // A key the forum does not know (revoked, expired) is refused with 403
        // invalid_access on every request (lib/auth/default_current_user_provider.rb):
        // a login to renew.
        let mut discourse = backend(&server, Some(stranger), roomy());
        let e = discourse.pull(None, None).await.unwrap_err();
        assert_eq!(code(&e), Some("unauthorized"), "{e}");
        assert!(e.to_string().contains("log in again"), "{e}");
        let mut discourse = backend(&server, Some(user_key()), roomy());
        assert_eq!(
            discourse.current_username().await.unwrap().as_deref(),
            Some("bob")
        );
    })
    .await;
}

#[tokio::test]
async fn a_reply_answers_its_post_by_number_and_comes_back_with_a_stable_seq() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("500")).await;
        let parent = server.world().forum.topics[&500].posts[23].clone();
        assert_eq!(parent.number, 24);

        let entry = reply(
            "500",
            Some(&parent.id.to_string()),
            "I agree with the point above.",
        );
        let Submitted::Posted { post, thread } = discourse.submit(&entry).await.unwrap() else {
            panic!("posted expected");
        };
        assert!(thread.is_none());
        let sent = server.requests_to(&Method::POST, "/posts.json");
        assert_eq!(sent.len(), 1);
        let body: Value = serde_json::from_str(&sent[0].body).unwrap();
        assert_eq!(body["topic_id"], 500);
        assert_eq!(body["raw"], "I agree with the point above.");
        assert_eq!(body["reply_to_post_number"], 24, "the number, not the id");
        assert_eq!(sent[0].header("user-api-key"), Some(USER_KEY));
        assert_eq!(
            post.reply_to.as_ref().unwrap().as_str(),
            parent.id.to_string()
        );
        assert_eq!(post.client_key.as_deref(), Some(entry.key.as_str()));
        assert_eq!((post.thread.as_str(), post.seq), ("500", 66));
        assert_eq!(post.author.name, "bob");

        let next = sync(&mut discourse, first.cursor.as_ref(), Some("500")).await;
        let again = next
            .posts("500")
            .into_iter()
            .find(|p| p.id == post.id)
            .unwrap();
        assert_eq!(again.seq, 66);

        // Without a synced cursor the post number is asked for.
        let mut fresh = backend(&server, Some(user_key()), roomy());
        server.clear_requests();
        let entry = reply(
            "500",
            Some(&parent.id.to_string()),
            "Another answer to post 24.",
        );
        fresh.submit(&entry).await.unwrap();
        let asked = server.requests_to(&Method::GET, &format!("/posts/{}.json", parent.id));
        assert_eq!(asked.len(), 1);
        let body: Value =
            serde_json::from_str(&server.requests_to(&Method::POST, "/posts.json")[0].body)
                .unwrap();
        assert_eq!(body["reply_to_post_number"], 24);
    })
    .await;
}

#[tokio::test]
async fn new_topics_and_moderated_posts() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(admin_key("alice")), roomy());
        let entry = OutboxEntry::new(
            Target::NewThread {
                area: AreaId::new("21"),
                title: "A plan for the spring newsletter".into(),
            },
            "Here is what I propose for the newsletter.".into(),
            jiff::Timestamp::now(),
        );
        let Submitted::Posted {
            post,
            thread: Some(thread),
        } = discourse.submit(&entry).await.unwrap()
        else {
            panic!("a new thread expected");
        };
        let body: Value =
            serde_json::from_str(&server.requests_to(&Method::POST, "/posts.json")[0].body)
                .unwrap();
        assert_eq!(body["category"], 21);
        assert_eq!(body["title"], "A plan for the spring newsletter");
        assert_eq!(thread.area.as_str(), "21");
        assert_eq!(
            (&*thread.title, thread.last_seq),
            ("A plan for the spring newsletter", 1)
        );
        assert_eq!((post.seq, post.thread.as_str()), (1, thread.id.as_str()));

        server.world().require_approval = true;
        let entry = reply("410", None, "This one waits for a moderator.");
        assert_eq!(
            discourse.submit(&entry).await.unwrap(),
            Submitted::AwaitingApproval
        );
    })
    .await;
}

#[tokio::test]
async fn a_timeout_after_the_server_stored_the_post_is_found_not_resent() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().reply_delay = Some(Duration::from_secs(4));
        let settings = DiscourseSettings {
            timeouts: Timeouts {
                connect: Duration::from_secs(2),
                read: Duration::from_millis(800),
                total: Duration::from_millis(1500),
            },
            ..roomy()
        };
        let mut discourse = backend(&server, Some(user_key()), settings);
        let entry = reply("410", None, "Posted over a slow link.");
        let e = discourse.submit(&entry).await.unwrap_err();
        assert_eq!(e, RemoteError::Timeout);
        let stored: Vec<u64> = server.world().forum.topics[&410]
            .posts
            .iter()
            .filter(|p| p.raw == "Posted over a slow link.")
            .map(|p| p.id)
            .collect();
        assert_eq!(stored.len(), 1, "the server kept it although we gave up");

        server.world().reply_delay = None;
        let found = discourse
            .find_submitted(&entry)
            .await
            .unwrap()
            .expect("our post is found");
        assert_eq!(found.id.as_str(), stored[0].to_string());
        assert_eq!(found.client_key.as_deref(), Some(entry.key.as_str()));
        assert_eq!(
            server.requests_to(&Method::POST, "/posts.json").len(),
            1,
            "nothing was sent twice"
        );

        // The same for a new topic: found as the opening post of a topic of ours.
        server.world().reply_delay = Some(Duration::from_secs(4));
        let mut topic = OutboxEntry::new(
            Target::NewThread {
                area: AreaId::new("21"),
                title: "Slow link, new topic".into(),
            },
            "Opening a topic over a slow link.".into(),
            jiff::Timestamp::now(),
        );
        topic.first_attempt_at = Some(topic.created_at);
        assert_eq!(
            discourse.submit(&topic).await.unwrap_err(),
            RemoteError::Timeout
        );
        server.world().reply_delay = None;
        let opening = discourse
            .find_submitted(&topic)
            .await
            .unwrap()
            .expect("the opening post");
        assert_eq!(opening.seq, 1);
        let topics = server
            .world()
            .forum
            .topics
            .values()
            .filter(|t| t.title == "Slow link, new topic")
            .count();
        assert_eq!(topics, 1);

        let never_sent = reply("410", None, "This one never left.");
        assert_eq!(discourse.find_submitted(&never_sent).await.unwrap(), None);
        let mut too_old = reply("410", None, "Posted over a slow link.");
        too_old.first_attempt_at =
            Some(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2));
        assert_eq!(
            discourse.find_submitted(&too_old).await.unwrap(),
            None,
            "a post older than the first attempt is someone else's"
        );
    })
    .await;
}

#[tokio::test]
async fn read_only_holds_writes_then_opens_again() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        server.world().read_only = true;
        discourse.pull(None, None).await.unwrap();
        assert_eq!(discourse.state().mode, ForumMode::ReadOnly);
        assert_eq!(
            discourse.state().banner.as_ref().unwrap().text,
            READ_ONLY_TEXT
        );

        let entry = reply("410", None, "Written during the gray-out.");
        let e = discourse.submit(&entry).await.unwrap_err();
        assert_eq!(
            (e.status(), code(&e)),
            (Some(503), Some("read_only")),
            "{e}"
        );
        assert!(
            e.to_string().contains("read only mode"),
            "the server's words: {e}"
        );
        assert!(
            server.world().forum.topics[&410]
                .posts
                .iter()
                .all(|p| p.raw != entry.body)
        );

        server.world().read_only = false;
        discourse.refresh_status().await.unwrap();
        assert_eq!(discourse.state().mode, ForumMode::Open);
        assert!(discourse.state().banner.is_none());
        assert!(matches!(
            discourse.submit(&entry).await.unwrap(),
            Submitted::Posted { .. }
        ));
    })
    .await;
}
