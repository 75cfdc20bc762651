//! Writing to Lemmy: a reply goes out as `POST /comment` with `post_id`, `parent_id` and
//! `content`; a new thread as `POST /post`; the refusals (a locked post, a community
//! only moderators post in) are final with Lemmy's reason; and after an attempt whose
//! answer never came, our own comment is looked for before anything is sent again.

use crate::instance::generated;
use crate::{BOTH, backend, bounded, code, reply, settings, standin, sync};
use axum::http::Method;
use std::time::Duration;
use threadmark::model::{AreaId, OutboxEntry, PostId, Target};
use threadmark::remote::{Backend, RemoteError, Submitted, Timeouts};

#[tokio::test]
async fn a_reply_to_a_comment_names_the_post_and_the_parent() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            let trees = synced.thread_titled("Trees all the way down").unwrap();
            let posts = synced.posts(&trees.id);
            let second = &posts[1];
            let entry = reply(
                &trees.id,
                Some(second.id.clone()),
                "An answer from the terminal",
            );
            let Submitted::Posted { post, .. } = b.submit(&entry).await.unwrap() else {
                panic!("posted");
            };
            assert_eq!(post.reply_to.as_ref(), Some(&second.id));
            assert_eq!(post.client_key.as_deref(), Some(entry.key.as_str()));
            let sent = server.requests_to(&Method::POST, "/comment");
            assert_eq!(sent.len(), 1);
            let body = sent[0].json();
            assert_eq!(body["post_id"].to_string(), trees.id.as_str());
            assert_eq!(
                format!("c{}", body["parent_id"]),
                second.id.as_str(),
                "{api:?}: the comment answered"
            );
            assert_eq!(body["content"], "An answer from the terminal");
            assert!(
                sent[0]
                    .header("authorization")
                    .unwrap()
                    .starts_with("Bearer ")
            );

            // Answering the post itself sends no parent.
            let top = reply(
                &trees.id,
                Some(PostId::new(format!("p{}", trees.id))),
                "To the post",
            );
            b.submit(&top).await.unwrap();
            let body = server.requests_to(&Method::POST, "/comment")[1].json();
            assert!(body.get("parent_id").is_none(), "{body}");

            // The next pull brings both back with their places.
            let after = sync(&mut b, synced.cursor.as_ref(), None).await;
            let mine: Vec<_> = after
                .posts(&trees.id)
                .into_iter()
                .filter(|p| p.author.name == "alice")
                .collect();
            assert_eq!(mine.len(), 2, "{api:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_locked_post_and_a_moderators_only_community_refuse_for_good() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            let locked = synced.thread_titled("Locked for good").unwrap();
            let error = b
                .submit(&reply(&locked.id, None, "Too late"))
                .await
                .unwrap_err();
            assert_eq!(code(&error), Some("locked"), "{api:?}: {error}");
            assert!(!error.is_retryable());
            assert!(error.to_string().contains("locked"), "{error}");

            let news = synced
                .forum()
                .unwrap()
                .sections
                .iter()
                .flat_map(|s| &s.areas)
                .find(|a| a.title == "news")
                .unwrap()
                .id
                .clone();
            let new_thread = OutboxEntry::new(
                Target::NewThread {
                    area: news,
                    title: "My own post".into(),
                },
                "Hello".into(),
                jiff::Timestamp::now(),
            );
            let error = b.submit(&new_thread).await.unwrap_err();
            assert_eq!(code(&error), Some("forbidden"), "{api:?}: {error}");
            assert!(error.to_string().contains("only moderators"), "{error}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_new_thread_is_a_post_in_the_community() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            let rust: AreaId = synced
                .forum()
                .unwrap()
                .sections
                .iter()
                .flat_map(|s| &s.areas)
                .find(|a| a.title == "rust")
                .unwrap()
                .id
                .clone();
            let entry = OutboxEntry::new(
                Target::NewThread {
                    area: rust.clone(),
                    title: "Borrowing, again".into(),
                },
                "Why does this not compile?".into(),
                jiff::Timestamp::now(),
            );
            let Submitted::Posted { post, thread } = b.submit(&entry).await.unwrap() else {
                panic!("posted");
            };
            let thread = thread.expect("a new thread");
            assert_eq!(
                (thread.area.clone(), &*thread.title),
                (rust, "Borrowing, again")
            );
            assert_eq!(post.seq, 1);
            let body = server.requests_to(&Method::POST, "/post")[0].json();
            assert_eq!(body["name"], "Borrowing, again");
            assert_eq!(body["body"], "Why does this not compile?");
        }
    })
    .await;
}

#[tokio::test]
async fn after_a_lost_answer_our_comment_is_found_instead_of_sent_again() {
    // Boxed: the backend's futures, several alive at once, are large.
    bounded(Box::pin(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let mut b = backend(&server, Some(&token), settings());
            let synced = sync(&mut b, None, None).await;
            let trees = synced.thread_titled("Trees all the way down").unwrap();
            let parent = synced.posts(&trees.id)[3].id.clone();

            // Nothing there yet.
            let entry = reply(&trees.id, Some(parent.clone()), "Sent once, answered never");
            assert_eq!(b.find_submitted(&entry).await.unwrap(), None, "{api:?}");

            // The instance stores the comment but the answer never comes in time.
            server.world().reply_delay = Some(Duration::from_secs(4));
            let mut slow = threadmark::remote::lemmy::LemmyBackend::new(
                &server.url,
                Some(&threadmark::store::Secret::new(token.clone())),
                settings(),
                Timeouts::parse("total=2").unwrap(),
            )
            .unwrap();
            let lost = slow.submit(&entry).await.unwrap_err();
            assert_eq!(lost, RemoteError::Timeout, "{api:?}");
            server.world().reply_delay = None;

            let found = b.find_submitted(&entry).await.unwrap().expect("found");
            assert_eq!(found.reply_to.as_ref(), Some(&parent));
            assert_eq!(found.client_key.as_deref(), Some(entry.key.as_str()));
            assert_eq!(found.thread, trees.id);
            // Same text elsewhere, or another parent: not ours.
            let elsewhere = reply(&trees.id, None, "Sent once, answered never");
            assert_eq!(b.find_submitted(&elsewhere).await.unwrap(), None);
            assert_eq!(server.requests_to(&Method::POST, "/comment").len(), 1);
        }
    }))
    .await;
}
