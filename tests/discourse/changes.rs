//! Edits, deletions and likes on Discourse: the calls' shapes
//! (`app/controllers/posts_controller.rb#update`/`#destroy`,
//! `app/controllers/post_actions_controller.rb`), conflicts through `original_text` and
//! its 409, refusals of what is not ours, the request budget, and what the next pull
//! brings back to the cache.

use crate::cli::{sign_in, text, threadmark};
use crate::support::discourse_changes::{EDIT_CONFLICT, WITHDRAWN};
use crate::support::discourse_forum::Forum;
use crate::{backend, bounded, code, roomy, standin, sync, user_key};
use axum::http::Method;
use serde_json::Value;
use threadmark::model::{Limit, Limits, OutboxEntry, Post, Target, ThreadId};
use threadmark::remote::discourse::DiscourseSettings;
use threadmark::remote::{Backend, Submitted};

fn entry(target: Target, body: &str) -> OutboxEntry {
    OutboxEntry::new(target, body.to_owned(), jiff::Timestamp::now())
}

fn edit_of(post: &Post, body: &str) -> OutboxEntry {
    entry(
        Target::Edit {
            thread: post.thread.clone(),
            post: post.id.clone(),
            base_version: post.version,
            original: post.body.text.clone(),
        },
        body,
    )
}

fn like_of(post: &Post, like: bool) -> OutboxEntry {
    let (thread, post) = (post.thread.clone(), post.id.clone());
    let target = if like {
        Target::Like { thread, post }
    } else {
        Target::Unlike { thread, post }
    };
    entry(target, "")
}

fn delete_of(post: &Post) -> OutboxEntry {
    entry(
        Target::Delete {
            thread: post.thread.clone(),
            post: post.id.clone(),
            base_version: post.version,
        },
        "",
    )
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

/// Topic 400 "Research agenda": #1 by alice, #2 by bob (the user key's), #3 by carol.
const TOPIC: u64 = 400;

#[tokio::test]
async fn edit_delete_like_and_unlike_go_out_in_discourses_shapes_and_come_back_in_the_cache() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("400")).await;
        let cached = first.posts("400");
        let (alices, bobs) = (cached[0].clone(), cached[1].clone());
        let raw_before = server.world().forum.topics[&TOPIC].posts[1].raw.clone();
        assert_eq!(bobs.author.name, "bob");

        // Edit: `post[raw]` and `post[original_text]` (the raw the edit started from,
        // read from the post first: the cache holds cooked HTML).
        server.clear_requests();
        let edit = edit_of(&bobs, "Post 2, with the typo fixed.");
        let Submitted::Posted { post, .. } = discourse.submit(&edit).await.unwrap() else {
            panic!("the edit should be taken");
        };
        assert_eq!(post.id, bobs.id);
        assert_eq!(post.version, 2);
        let put = server.requests_to(&Method::PUT, &format!("/posts/{}.json", bobs.id));
        assert_eq!(put.len(), 1, "one edit request");
        let body = json(&put[0].body);
        assert_eq!(body["post"]["raw"], "Post 2, with the typo fixed.");
        assert_eq!(body["post"]["original_text"], raw_before.as_str());
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2, with the typo fixed."
        );

        // Like alice's post: `id` and `post_action_type_id` 2; the count and "mine" come
        // back from `actions_summary`.
        let Submitted::Posted { post, .. } =
            discourse.submit(&like_of(&alices, true)).await.unwrap()
        else {
            panic!("the like should be taken");
        };
        assert_eq!((post.reactions.likes, post.reactions.liked), (1, true));
        let like_calls = server.requests_to(&Method::POST, "/post_actions.json");
        assert_eq!(like_calls.len(), 1);
        let body = json(&like_calls[0].body);
        assert_eq!(body["id"], alices.id.as_str().parse::<u64>().unwrap());
        assert_eq!(body["post_action_type_id"], 2);

        // A second pull brings the edit and the like into the cache, though the topic
        // did not move (Discourse bumps nothing for either).
        let second = sync(&mut discourse, first.cursor.as_ref(), None).await;
        let now = second.posts("400");
        let liked = now
            .iter()
            .find(|p| p.id == alices.id)
            .expect("alice's post again");
        assert_eq!((liked.reactions.likes, liked.reactions.liked), (1, true));
        let edited = now
            .iter()
            .find(|p| p.id == bobs.id)
            .expect("bob's post again");
        assert!(
            edited.body.text.contains("typo fixed"),
            "{}",
            edited.body.text
        );
        assert!(edited.edited_at.is_some());

        // Unlike: `DELETE /post_actions/{id}` with `post_action_type_id=2`.
        let Submitted::Posted { post, .. } =
            discourse.submit(&like_of(&alices, false)).await.unwrap()
        else {
            panic!("the unlike should be taken");
        };
        assert_eq!((post.reactions.likes, post.reactions.liked), (0, false));
        let unlikes = server.requests_to(
            &Method::DELETE,
            &format!("/post_actions/{}.json", alices.id),
        );
        assert_eq!(unlikes.len(), 1);
        assert_eq!(unlikes[0].query_values("post_action_type_id"), ["2"]);
        assert!(
            server.world().forum.topics[&TOPIC].posts[0]
                .likes
                .is_empty()
        );

        // Delete (on the version the edit made): the author's post is withdrawn.
        let mut edited_now = bobs.clone();
        edited_now.version = 2;
        let Submitted::Posted { post, .. } =
            discourse.submit(&delete_of(&edited_now)).await.unwrap()
        else {
            panic!("the deletion should be taken");
        };
        assert!(post.deleted);
        assert_eq!(
            server
                .requests_to(&Method::DELETE, &format!("/posts/{}.json", bobs.id))
                .len(),
            1
        );
        let stored = server.world().forum.topics[&TOPIC].posts[1].clone();
        assert!(stored.user_deleted && stored.raw == WITHDRAWN);
        let third = sync(&mut discourse, second.cursor.as_ref(), None).await;
        let gone = third.posts("400");
        let gone = gone
            .iter()
            .find(|p| p.id == bobs.id)
            .expect("bob's post again");
        assert!(gone.deleted && gone.body.text.is_empty(), "{gone:?}");
    })
    .await;
}

#[tokio::test]
async fn an_edit_of_a_post_changed_meanwhile_is_a_conflict_holding_the_servers_text() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("400")).await;
        let bobs = first.posts("400")[1].clone();

        // Edited elsewhere (a new version) while ours waited offline.
        {
            let mut w = server.world();
            let post = &mut w.forum.topics.get_mut(&TOPIC).unwrap().posts[1];
            post.raw = "Post 2, rewritten on the web.".into();
            post.version += 1;
        }
        server.clear_requests();
        let Submitted::Conflict { current } = discourse
            .submit(&edit_of(&bobs, "Post 2, my offline fix."))
            .await
            .unwrap()
        else {
            panic!("a conflict expected");
        };
        assert_eq!(current.body.text, "Post 2, rewritten on the web.");
        assert_eq!(current.version, 2);
        assert!(
            server
                .requests_to(&Method::PUT, &format!("/posts/{}.json", bobs.id))
                .is_empty(),
            "nothing overwritten"
        );

        // Edited within the grace period (same version, other text): a conflict too.
        {
            let mut w = server.world();
            let post = &mut w.forum.topics.get_mut(&TOPIC).unwrap().posts[1];
            post.raw = "Post 2, touched again in the grace period.".into();
        }
        let mut based = bobs.clone();
        based.version = 2;
        based.body.text = "<p>Post 2, rewritten on the web.</p>".into();
        let Submitted::Conflict { current } = discourse
            .submit(&edit_of(&based, "Post 2, my offline fix."))
            .await
            .unwrap()
        else {
            panic!("a conflict expected");
        };
        assert_eq!(
            current.body.text,
            "Post 2, touched again in the grace period."
        );

        // Changed between our read and our write: the server's 409 (original_text no
        // longer its raw) is a conflict as well, with the text read again.
        based.body.text = "<p>Post 2, touched again in the grace period.</p>".into();
        let path = format!("/posts/{}.json", bobs.id);
        server.script(
            Method::PUT,
            &path,
            409,
            &[("content-type", "application/json; charset=utf-8")],
            &format!(r#"{{"errors":["{EDIT_CONFLICT}"]}}"#),
        );
        let Submitted::Conflict { current } = discourse
            .submit(&edit_of(&based, "Post 2, my offline fix."))
            .await
            .unwrap()
        else {
            panic!("a conflict expected");
        };
        assert_eq!(
            current.body.text,
            "Post 2, touched again in the grace period."
        );
        assert_eq!(server.requests_to(&Method::PUT, &path).len(), 1);
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2, touched again in the grace period.",
            "theirs kept"
        );

        // Keeping mine: based on the conflict's version and text, it goes through.
        let mine = entry(
            Target::Edit {
                thread: ThreadId::new("400"),
                post: bobs.id.clone(),
                base_version: current.version,
                original: current.body.text.clone(),
            },
            "Post 2, my offline fix.",
        );
        assert!(matches!(
            discourse.submit(&mine).await.unwrap(),
            Submitted::Posted { .. }
        ));
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2, my offline fix."
        );
    })
    .await;
}

#[tokio::test]
async fn what_is_not_ours_is_refused_and_a_repeat_finds_the_first_attempt() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        let first = sync(&mut discourse, None, Some("400")).await;
        let cached = first.posts("400");
        let (alices, bobs) = (cached[0].clone(), cached[1].clone());

        // alice's post is not bob's to edit or delete: 403, kept as a refusal.
        for change in [
            edit_of(&alices, "Rewriting alice's words."),
            delete_of(&alices),
        ] {
            let e = discourse.submit(&change).await.unwrap_err();
            assert_eq!(
                (e.status(), code(&e)),
                (Some(403), Some("forbidden")),
                "{e}"
            );
        }
        assert!(
            server.world().forum.topics[&TOPIC].posts[0]
                .raw
                .starts_with("Post 1"),
            "untouched"
        );
        // One's own post cannot be liked.
        let e = discourse.submit(&like_of(&bobs, true)).await.unwrap_err();
        assert_eq!(e.status(), Some(403), "{e}");

        // A like whose answer was lost is found on the post, not sent again; sending
        // it again anyway is taken as done (the server says 403, the post says liked).
        let like = like_of(&alices, true);
        discourse.submit(&like).await.unwrap();
        let found = discourse
            .find_submitted(&like)
            .await
            .unwrap()
            .expect("found");
        assert!(found.reactions.liked);
        assert!(matches!(
            discourse.submit(&like).await.unwrap(),
            Submitted::Posted { .. }
        ));
        assert_eq!(server.world().forum.topics[&TOPIC].posts[0].likes, [2]);
        // A deletion seen done is done.
        let mut withdrawn = bobs.clone();
        discourse.submit(&delete_of(&withdrawn)).await.unwrap();
        withdrawn.version = 2;
        let found = discourse
            .find_submitted(&delete_of(&withdrawn))
            .await
            .unwrap()
            .expect("found deleted");
        assert!(found.deleted);
    })
    .await;
}

#[tokio::test]
async fn changes_wait_for_the_budget_without_touching_the_network() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let settings = DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(12)])),
            ..roomy()
        };
        let mut reader = backend(&server, Some(user_key()), roomy());
        let alices = sync(&mut reader, None, Some("400")).await.posts("400")[0].clone();
        server.clear_requests();
        let mut discourse = backend(&server, Some(user_key()), settings);
        // Spend the minute on likes and unlikes (each a request of the user's).
        let mut like = true;
        let e = loop {
            match discourse.submit(&like_of(&alices, like)).await {
                Ok(_) => like = !like,
                Err(e) => break e,
            }
        };
        assert_eq!(
            (e.status(), code(&e)),
            (Some(429), Some("rate_limited")),
            "{e}"
        );
        let sent = server.requests().len();
        assert_eq!(sent, 12, "the budget's 12, not one more");
        assert!(
            server.requests().iter().all(|r| r.status != 429),
            "the forum never had to refuse"
        );
    })
    .await;
}

/// The outbox as `threadmark outbox --json` lists it.
async fn outbox(home: &std::path::Path) -> Vec<Value> {
    let out = threadmark(home, &["outbox", "--json"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    json(&text(&out.stdout))["entries"]
        .as_array()
        .unwrap()
        .clone()
}

/// A post as the client's cache holds it.
fn cached(home: &std::path::Path, thread: &str, seq: u32) -> Post {
    let setup =
        threadmark::account::Setup::load(Some(&home.join("config.toml")), Some(&home.join("data")))
            .unwrap();
    let account = setup.account(Some("meta")).unwrap();
    let mut cache = threadmark::store::Cache::open(account.dir.clone());
    cache
        .load_thread(&ThreadId::new(thread))
        .unwrap()
        .unwrap()
        .posts
        .into_iter()
        .find(|p| p.seq == seq)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threadmark_edit_like_and_delete_on_a_discourse_account_and_a_conflict_keeps_both_texts() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ok = |out: std::process::Output| {
            assert!(out.status.success(), "{}", text(&out.stderr));
            text(&out.stdout)
        };
        let file = home.join("fix.md");
        std::fs::write(&file, "Post 2 of Research agenda, fixed.").unwrap();
        let file = file.display().to_string();

        // Queued offline-first like replies, then sent by one sync.
        let said = ok(threadmark(home, &["edit", "400#2", "--file", &file], "").await);
        assert!(said.contains("Queued edit"), "{said}");
        ok(threadmark(home, &["like", "400#1"], "").await);
        let said = ok(threadmark(home, &["sync"], "").await);
        assert!(said.contains("2 sent"), "{said}");
        let puts = server
            .requests()
            .into_iter()
            .filter(|r| r.method == Method::PUT)
            .count();
        assert_eq!(puts, 1, "the edit went once");
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2 of Research agenda, fixed."
        );
        assert_eq!(server.world().forum.topics[&TOPIC].posts[0].likes, [2]);
        // The same sync read both posts again: the cache has the edit and the like.
        let liked = cached(home, "400", 1);
        assert_eq!((liked.reactions.likes, liked.reactions.liked), (1, true));
        let read = ok(threadmark(home, &["read", "Research agenda", "--width", "100"], "").await);
        assert!(read.contains("fixed."), "{read}");
        ok(threadmark(home, &["sync"], "").await);
        assert_eq!(outbox(home).await, Vec::<Value>::new(), "both done");

        // Edited on the web while our next edit waits: a conflict, both texts kept.
        std::fs::write(home.join("fix.md"), "Post 2, my second thoughts.").unwrap();
        ok(threadmark(home, &["edit", "400#2", "--file", &file], "").await);
        {
            let mut w = server.world();
            let post = &mut w.forum.topics.get_mut(&TOPIC).unwrap().posts[1];
            post.raw = "Post 2, rewritten on the web.".into();
            post.version += 1;
        }
        ok(threadmark(home, &["sync"], "").await);
        let entries = outbox(home).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["state"], "conflict", "{}", entries[0]);
        assert_eq!(entries[0]["theirs"], "Post 2, rewritten on the web.");
        assert_eq!(entries[0]["body"], "Post 2, my second thoughts.");
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2, rewritten on the web.",
            "never sent blindly"
        );
        // Keep mine: it goes on the server's text.
        let key = entries[0]["key"].as_str().unwrap().to_owned();
        ok(threadmark(home, &["outbox", "keep", &key], "").await);
        ok(threadmark(home, &["sync"], "").await);
        assert_eq!(
            server.world().forum.topics[&TOPIC].posts[1].raw,
            "Post 2, my second thoughts."
        );

        // Delete: the author's post is withdrawn, and the cache shows it deleted.
        ok(threadmark(home, &["delete", "400#2"], "").await);
        ok(threadmark(home, &["sync"], "").await);
        assert!(server.world().forum.topics[&TOPIC].posts[1].user_deleted);
        assert!(cached(home, "400", 2).deleted);
    })
    .await;
}
