//! Lemmy's notifications reach the inbox: replies to alice's posts and comments, mentions
//! of `@alice` and private messages to her, each of the right kind, read ones as read,
//! her own messages left out; marking them read reaches the instance through each list's
//! own request (the stand-in follows Lemmy 0.19's `send_local_notifs` and notification
//! handlers, see `tests/support/lemmy/inbox.rs`). A rate-limit answer leaves the list to
//! the next call; anonymous reading asks for nothing.

use crate::instance::generated;
use crate::lemmy::world::{Api, ago};
use crate::{backend, bounded, settings, standin, sync};
use axum::http::Method;
use threadmark::model::InboxKind;
use threadmark::remote::Backend;

/// alice's post, answered by bob; a comment of bob's naming @alice; messages both ways.
fn with_notices() -> crate::lemmy::world::Instance {
    let mut i = generated("lemmy.test");
    let alice = i.person_named("alice").unwrap().id;
    let bob = i.person_named("bob").unwrap().id;
    let rust = i.communities.iter().find(|c| c.name == "rust").unwrap().id;
    let post = i.add_post(rust, alice, "Alice asks", "Anyone?", ago(5));
    let answer = i.add_comment(post, None, bob, "Bob answers", ago(4));
    i.add_comment(post, Some(answer), alice, "Thanks bob", ago(3));
    let other = i.add_post(rust, bob, "Bob's own", "Hello", ago(5));
    i.add_comment(other, None, bob, "Ask @alice, she knows.", ago(2));
    i.add_message(bob, alice, "A word in private", ago(1));
    i.add_message(alice, bob, "My answer", ago(1));
    i
}

#[tokio::test]
async fn replies_mentions_and_messages_arrive_and_are_marked_read_on_the_instance() {
    bounded(async {
        let (server, token) = standin(Api::V3, with_notices()).await;
        let mut b = backend(&server, Some(&token), settings());
        let synced = sync(&mut b, None, None).await;
        let inbox: Vec<_> = synced
            .batches
            .iter()
            .flat_map(|b| b.inbox.clone())
            .collect();
        let mut kinds: Vec<(InboxKind, String, String)> = inbox
            .iter()
            .map(|i| (i.kind, i.author.name.to_string(), i.excerpt.clone()))
            .collect();
        kinds.sort_by_key(|(_, _, text)| text.clone());
        assert_eq!(
            kinds,
            [
                (InboxKind::Message, "bob".into(), "A word in private".into()),
                (
                    InboxKind::Mention,
                    "bob".into(),
                    "Ask @alice, she knows.".into()
                ),
                (InboxKind::Reply, "bob".into(), "Bob answers".into()),
            ],
            "alice's own message and her own comment are not news to her"
        );
        let reply = inbox.iter().find(|i| i.kind == InboxKind::Reply).unwrap();
        assert_eq!(reply.thread_title, "Alice asks");
        assert_eq!(reply.seq, 2, "the reply's place in its thread");
        assert!(inbox.iter().all(|i| !i.read));

        assert!(b.syncs_inbox());
        let ids: Vec<String> = inbox.iter().map(|i| i.id.clone()).collect();
        b.send_inbox_read("k1", &ids).await.unwrap();
        for path in [
            "/comment/mark_as_read",
            "/user/mention/mark_as_read",
            "/private_message/mark_as_read",
        ] {
            assert_eq!(server.requests_to(&Method::POST, path).len(), 1, "{path}");
        }
        {
            let w = server.world();
            assert_eq!(w.instance.replies_read.len(), 1);
            assert_eq!(w.instance.mentions_read.len(), 1);
            assert!(
                w.instance
                    .messages
                    .iter()
                    .filter(|m| m.content == "A word in private")
                    .all(|m| m.read)
            );
        }

        // The next time the lists are read, the instance says they are read.
        let mut cursor = synced.cursor;
        let mut again = Vec::new();
        for _ in 0..3 {
            let next = sync(&mut b, cursor.as_ref(), None).await;
            again.extend(next.batches.iter().flat_map(|b| b.inbox.clone()));
            cursor = next.cursor;
        }
        assert_eq!(again.len(), 3, "read once more within two rounds");
        assert!(again.iter().all(|i| i.read), "{again:?}");
    })
    .await;
}

#[tokio::test]
async fn a_rate_limited_list_is_read_on_the_next_call_and_anonymous_reading_asks_nothing() {
    bounded(async {
        let (server, token) = standin(Api::V3, with_notices()).await;
        // 0.19 names no wait: the instance's published window (2 s here) is waited out.
        server.world().message.seconds = 2;
        server.script(
            Method::GET,
            "/user/mention",
            400,
            &[],
            r#"{"error":"rate_limit_error"}"#,
        );
        let mut b = backend(&server, Some(&token), settings());
        let synced = sync(&mut b, None, None).await;
        let kinds: Vec<InboxKind> = synced
            .batches
            .iter()
            .flat_map(|b| b.inbox.iter().map(|i| i.kind))
            .collect();
        assert!(kinds.contains(&InboxKind::Mention), "{kinds:?}");
        assert_eq!(server.requests_to(&Method::GET, "/user/mention").len(), 2);

        let (anonymous, _) = standin(Api::V3, with_notices()).await;
        let mut b = backend(&anonymous, None, settings());
        let synced = sync(&mut b, None, None).await;
        assert!(synced.batches.iter().all(|b| b.inbox.is_empty()));
        assert!(!b.syncs_inbox());
        assert!(
            anonymous
                .requests_to(&Method::GET, "/user/replies")
                .is_empty()
        );
        assert!(
            anonymous
                .requests_to(&Method::GET, "/private_message/list")
                .is_empty()
        );
    })
    .await;
}
