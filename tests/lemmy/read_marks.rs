//! threadmark's read marks reach Lemmy: a post read in full here is opened as the account
//! (`GET /post` with the token), which is how Lemmy records that the account read a post
//! and its comments — Lemmy 0.19.20 `crates/api_crud/src/post/read.rs` and 1.0
//! `crates/api/api_crud/src/post/read.rs` (`mark_post_as_read` / `PostActions::
//! mark_as_read`, then `update_read_comments` with the post's count); the stand-in does
//! the same. Partly read posts, posts the instance already counts read, `read_sync =
//! false` and anonymous reading send nothing. Then through the engine and the real
//! binary: the read state saved by the reader is what `threadmark sync` sends.

use crate::cli::{sign_in, text, threadmark};
use crate::instance::generated;
use crate::lemmy::standin::StandIn;
use crate::lemmy::world::{Api, ago};
use crate::{BOTH, backend, bounded, settings, standin, sync};
use axum::http::Method;
use threadmark::model::{ReadState, ThreadId};
use threadmark::remote::Backend;
use threadmark::store::{Cache, DataDir};

/// The ids of the posts the account opened (`GET /post` with a token).
fn opened_as_account(server: &StandIn) -> Vec<String> {
    server
        .requests_to(&Method::GET, "/post")
        .into_iter()
        .filter(|r| r.header("authorization").is_some())
        .filter_map(|r| r.query_value("id"))
        .collect()
}

/// What the instance says alice read of `post`: `read_comments`, if anything.
fn read_on_instance(server: &StandIn, post: &ThreadId) -> Option<i64> {
    let world = server.world();
    let alice = world.instance.person_named("alice")?.id;
    let post: i64 = post.as_str().parse().ok()?;
    world
        .instance
        .read
        .get(&(alice, post))
        .map(|m| m.read_comments)
}

fn post_id(server: &StandIn, title: &str) -> ThreadId {
    let world = server.world();
    let (id, _) = world
        .instance
        .posts
        .iter()
        .find(|(_, p)| p.name == title)
        .unwrap();
    ThreadId::new(id.to_string())
}

#[tokio::test]
async fn a_post_read_in_full_here_is_marked_read_on_the_instance_once() {
    bounded(async {
        for api in BOTH {
            let (server, token) = standin(api, generated("lemmy.test")).await;
            let trees = post_id(&server, "Trees all the way down");
            let locked = post_id(&server, "Locked for good");
            let mut b = backend(&server, Some(&token), settings());
            assert!(b.sends_read_marks(), "logged in, read_sync on");
            let first = sync(&mut b, None, None).await;
            assert!(opened_as_account(&server).is_empty(), "nothing read yet");
            let last = first.posts(&trees).last().unwrap().seq;
            assert_eq!(last, 15, "the post and its fourteen comments");

            // Read: the whole of one post; only the opening post of another.
            let mut read = ReadState::default();
            read.thread_mut(&trees).mark_all_read(last);
            read.thread_mut(&locked).mark_read(1);
            b.set_read_state(&read);
            server.clear_requests();
            let second = sync(&mut b, first.cursor.as_ref(), None).await;
            assert_eq!(
                opened_as_account(&server),
                vec![trees.as_str().to_owned()],
                "{api:?}: only the post read in full"
            );
            let count = server
                .world()
                .instance
                .comment_count(trees.as_str().parse().unwrap());
            assert_eq!(
                read_on_instance(&server, &trees),
                Some(count),
                "{api:?}: the post and its comments count as read on the instance"
            );
            assert_eq!(read_on_instance(&server, &locked), None, "{api:?}");
            assert!(
                server
                    .requests_to(&Method::POST, "/post/mark_as_read")
                    .is_empty(),
                "{api:?}: mark_as_read would leave the comments new"
            );

            // Told once: the next round sends nothing again.
            server.clear_requests();
            let third = sync(&mut b, second.cursor.as_ref(), None).await;
            assert!(opened_as_account(&server).is_empty(), "{api:?}: sent once");

            // A new comment: unread here, so the instance is not told it was read …
            {
                let mut world = server.world();
                let carol = world
                    .instance
                    .persons
                    .iter()
                    .find(|p| p.name == "carol")
                    .unwrap()
                    .id;
                let post = trees.as_str().parse().unwrap();
                world
                    .instance
                    .add_comment(post, None, carol, "A late thought", ago(0));
            }
            server.clear_requests();
            let fourth = sync(&mut b, third.cursor.as_ref(), None).await;
            let newest = fourth.posts(&trees).last().unwrap().seq;
            assert_eq!(newest, 16, "{api:?}: the new comment came");
            assert!(
                opened_as_account(&server).is_empty(),
                "{api:?}: the new comment is unread here"
            );
            assert_eq!(read_on_instance(&server, &trees), Some(count), "{api:?}");
            // … until it is read here.
            read.thread_mut(&trees).mark_all_read(newest);
            b.set_read_state(&read);
            server.clear_requests();
            sync(&mut b, fourth.cursor.as_ref(), None).await;
            assert_eq!(opened_as_account(&server), vec![trees.as_str().to_owned()]);
            assert_eq!(
                read_on_instance(&server, &trees),
                Some(count + 1),
                "{api:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn read_sync_off_or_reading_anonymously_tells_the_instance_nothing() {
    bounded(Box::pin(async {
        let (server, token) = standin(Api::V4, generated("lemmy.test")).await;
        let trees = post_id(&server, "Trees all the way down");
        let mut read = ReadState::default();
        read.thread_mut(&trees).mark_all_read(100);

        let mut private = settings();
        private.read_sync = false;
        let mut off = backend(&server, Some(&token), private);
        assert!(!off.sends_read_marks());
        let mut anonymous = backend(&server, None, settings());
        assert!(!anonymous.sends_read_marks());
        for b in [&mut off, &mut anonymous] {
            b.set_read_state(&read);
            let first = sync(b, None, None).await;
            sync(b, first.cursor.as_ref(), None).await;
            assert!(
                !first.posts(&trees).is_empty(),
                "the post itself was synced"
            );
        }
        assert!(opened_as_account(&server).is_empty());
        assert_eq!(read_on_instance(&server, &trees), None);
    }))
    .await;
}

/// The reader saves what was read (`read.json` in the account's folder); the next
/// `threadmark sync` tells the instance, and a second one does not repeat it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threadmark_sync_sends_what_the_reader_saved_as_read() {
    bounded(async {
        let (server, _) = standin(Api::V3, generated("lemmy.test")).await;
        let home = tempfile::tempdir().unwrap();
        sign_in(home.path(), "lw", &server, None).await;
        let out = threadmark(home.path(), &["sync"], "", &[]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(opened_as_account(&server).is_empty(), "nothing read yet");

        let trees = post_id(&server, "Trees all the way down");
        let account = DataDir::new(home.path().join("data")).account("lw");
        let mut cache = Cache::open(account);
        let thread = cache.load_thread(&trees).unwrap().unwrap();
        let last = thread.posts.iter().map(|p| p.seq).max().unwrap();
        assert_eq!(last, 15, "the post and its comments are cached");
        let mut read = cache.load_read_state().unwrap();
        read.thread_mut(&trees).mark_all_read(last);
        cache.save_read_state(&read).unwrap();

        let out = threadmark(home.path(), &["sync"], "", &[]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(opened_as_account(&server), vec![trees.as_str().to_owned()]);
        assert!(read_on_instance(&server, &trees).is_some_and(|n| n > 0));

        server.clear_requests();
        let out = threadmark(home.path(), &["sync"], "", &[]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(opened_as_account(&server).is_empty(), "told once");
    })
    .await;
}
