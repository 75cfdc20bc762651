//! Writing that does not get a newcomer silenced: every post says how long it took to
//! write (`lib/new_post_manager.rb`, `is_fast_typer?`: a trust level 0 member's first
//! post typed faster than `min_first_post_typing_time` is queued and the member
//! silenced); and after an answer that was lost, a "too similar" refusal or a post
//! waiting for a moderator means the first attempt landed: found, not sent again.

use crate::support::discourse_forum::{Forum, Post, User};
use crate::support::discourse_standin::{Pending, StandIn, World};
use crate::{backend, bounded, reply, roomy, standin, user_key};
use axum::http::Method;
use serde_json::{Value, json};
use threadmark::model::{OutboxState, Typing};
use threadmark::remote::{Backend, Submitted};
use threadmark::store::{Credential, DataDir, Outbox, Secret};
use threadmark::sync::Pacing;
use threadmark::sync::flush::{Urgency, flush};

const NEWBIE_KEY: &str = "newbie-user-api-key";

/// The rich forum with two new members (trust level 0, nothing posted yet).
async fn with_newcomers() -> StandIn {
    let mut forum = Forum::rich();
    for (id, name) in [(7, "newbie"), (8, "hasty")] {
        forum.users.push(User {
            id,
            username: name.into(),
            trust_level: 0,
            ..User::default()
        });
    }
    let mut world = World::new(forum);
    world
        .user_api_keys
        .insert(NEWBIE_KEY.into(), "newbie".into());
    world
        .user_api_keys
        .insert("hasty-key".into(), "hasty".into());
    StandIn::start(world).await
}

#[tokio::test]
async fn a_first_post_says_how_long_it_took_and_the_member_is_not_silenced() {
    bounded(async {
        let server = with_newcomers().await;
        // What Discourse does to a first post that does not say: queued, and the member
        // silenced (NewPostManager.default_handler, UserSilencer).
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/posts.json", server.url))
            .header("User-Api-Key", "hasty-key")
            .json(&json!({"topic_id": 410, "raw": "My very first post, typed in no time."}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["action"], "enqueued");
        assert!(server.world().forum.user_named("hasty").unwrap().silenced);

        let newbie = Credential::DiscourseUserApiKey {
            key: Secret::new(NEWBIE_KEY),
            client_id: "device".into(),
        };
        let mut discourse = backend(&server, Some(newbie), roomy());
        let mut entry = reply("410", None, "My first post, written in the composer.");
        entry.typing = Some(Typing {
            typing_ms: 45_000,
            open_ms: 60_000,
        });
        let posted = discourse.submit(&entry).await.unwrap();
        assert!(matches!(posted, Submitted::Posted { .. }), "{posted:?}");
        assert!(!server.world().forum.user_named("newbie").unwrap().silenced);
        let sent: Value =
            serde_json::from_str(&server.requests_to(&Method::POST, "/posts.json")[1].body)
                .unwrap();
        assert_eq!(sent["typing_duration_msecs"], 45_000);
        assert_eq!(sent["composer_open_duration_msecs"], 60_000);

        // A reply from a file: how long it took is unknown; Discourse's minimum is sent.
        let from_file = reply("410", None, "A second post, read from a file.");
        discourse.submit(&from_file).await.unwrap();
        let sent: Value =
            serde_json::from_str(&server.requests_to(&Method::POST, "/posts.json")[2].body)
                .unwrap();
        assert_eq!(sent["typing_duration_msecs"], 3_000);
        assert_eq!(sent["composer_open_duration_msecs"], 3_000);
    })
    .await;
}

#[tokio::test]
async fn a_too_similar_refusal_after_a_lost_answer_finds_the_post_instead_of_failing() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let body = "Sent once; the answer was lost on the way back.";
        // The first attempt landed (its answer never came back).
        {
            let mut world = server.world();
            world.forum.next_post_id += 1;
            let id = world.forum.next_post_id;
            let topic = world.forum.topics.get_mut(&410).unwrap();
            let number = topic.highest_post_number() + 1;
            let now = jiff::Timestamp::now();
            topic.posts.push(Post {
                id,
                number,
                user_id: 2,
                raw: body.into(),
                created_at: now,
                updated_at: now,
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
        }
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("meta");
        let outbox = Outbox::open(&dir);
        let mut entry = reply("410", None, body);
        entry.first_attempt_at = Some(jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1));
        outbox.enqueue(&entry).unwrap();

        let mut discourse = backend(&server, Some(user_key()), roomy());
        let mut pacing = Pacing::default();
        let first = flush(
            &mut discourse,
            &outbox,
            &mut pacing,
            jiff::Timestamp::now(),
            Urgency::Now,
        )
        .await
        .unwrap();
        assert_eq!(first.failed, 0, "not a failure: {first:?}");
        let (entries, _) = outbox.list().unwrap();
        assert_eq!(entries[0].state, OutboxState::Unknown, "{:?}", entries[0]);

        let second = flush(
            &mut discourse,
            &outbox,
            &mut pacing,
            jiff::Timestamp::now(),
            Urgency::Now,
        )
        .await
        .unwrap();
        assert_eq!(second.sent, 1, "{second:?}");
        assert_eq!(
            server.requests_to(&Method::POST, "/posts.json").len(),
            1,
            "looked for, not sent again"
        );
        let copies = server.world().forum.topics[&410]
            .posts
            .iter()
            .filter(|p| p.raw == body)
            .count();
        assert_eq!(copies, 1);
    })
    .await;
}

#[tokio::test]
async fn a_post_waiting_for_a_moderator_is_found_after_a_lost_answer() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let body = "Queued for approval; the answer was lost.";
        server.world().pending.push(Pending {
            username: "bob".into(),
            raw: body.into(),
            topic_id: Some(410),
        });
        let data = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(&DataDir::new(data.path()).account("meta"));
        let mut entry = reply("410", None, body);
        entry.state = OutboxState::Unknown;
        outbox.enqueue(&entry).unwrap();
        let other = reply("410", None, "Never sent anywhere, this one.");
        let mut discourse = backend(&server, Some(user_key()), roomy());
        assert!(!discourse.awaiting_approval(&other).await.unwrap());

        let report = flush(
            &mut discourse,
            &outbox,
            &mut Pacing::default(),
            jiff::Timestamp::now(),
            Urgency::Now,
        )
        .await
        .unwrap();
        assert_eq!(report.awaiting_approval, 1, "{report:?}");
        let (entries, _) = outbox.list().unwrap();
        assert_eq!(
            entries.iter().find(|e| e.key == entry.key).unwrap().state,
            OutboxState::AwaitingApproval
        );
        assert!(server.requests_to(&Method::POST, "/posts.json").is_empty());
        let asked = server.requests_to(&Method::GET, "/posts/bob/pending.json");
        assert!(!asked.is_empty());
    })
    .await;
}
