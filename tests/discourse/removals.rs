//! What the forum removed or changed, threadmark removes or changes — through the real
//! binary: `sync` (the Discourse backend, the ingest, the cache), then `read` (the text
//! the reader shows). Deleted posts leave `post_stream.stream` (Post's default scope hides
//! them from all but staff) and come as tombstones with no version; hidden posts stay in
//! the stream with `version: 1` for everyone but staff (`PostSerializer#version`,
//! `BasicPostSerializer#cooked_hidden`); edits within the grace period keep their version
//! (`lib/post_revisor.rb`, `should_create_new_version?`: a ninja edit changes `raw`,
//! `cooked` and `updated_at` only).

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::{Forum, base_time};
use crate::{admin_key, bounded, standin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_hidden_and_quietly_edited_posts_change_in_the_cache_and_the_reader() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(
            home,
            &server.url,
            "requests_per_minute = 100000\nprefetch = \"all\"",
            Some(&admin_key("bob")),
        )
        .await;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let read = || async {
            let out =
                threadmark(home, &["read", "The long discussion", "--width", "120"], "").await;
            assert!(out.status.success(), "{}", text(&out.stderr));
            text(&out.stdout)
        };
        let before = read().await;
        for shown in [
            "Post 2 of The long discussion.",
            "Post 3 of The long discussion.",
            "Post 10 of The long discussion.",
            "Post 64 of The long discussion.",
        ] {
            assert!(before.contains(shown), "{shown}:\n{before}");
        }

        {
            let mut world = server.world();
            let topic = world.forum.topics.get_mut(&500).unwrap();
            topic.post_mut(10).removed = true;
            topic.post_mut(3).hidden = true;
            let later = base_time() + jiff::SignedDuration::from_mins(3);
            for (n, text) in [(2, "Post 2, a typo fixed."), (64, "Post 64, a typo fixed.")] {
                let post = topic.post_mut(n);
                post.raw = text.to_owned();
                post.updated_at = later;
                assert_eq!(post.version, 1, "no new version");
            }
            // A new reply bumps the topic, so the next round reads it again.
            let mut reply = topic.posts.last().unwrap().clone();
            reply.id += 1_000;
            reply.number += 1;
            reply.raw = "A reply that bumps the topic.".to_owned();
            reply.created_at = later;
            reply.updated_at = later;
            topic.posts.push(reply);
            topic.bumped_at = later;
        }
        let out = threadmark(home, &["sync"], "").await;
        let summary = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            summary.contains("1 new post, 2 edited, 2 removed posts"),
            "{summary}"
        );

        let after = read().await;
        for gone in [
            "Post 3 of The long",
            "Post 10 of The long",
            "temporarily hidden",
        ] {
            assert!(!after.contains(gone), "{gone} still shown:\n{after}");
        }
        for shown in [
            "Post 2, a typo fixed.",
            "Post 64, a typo fixed.",
            "A reply that bumps the topic.",
        ] {
            assert!(after.contains(shown), "{shown}:\n{after}");
        }
        assert_eq!(
            after.matches("[deleted]").count(),
            before.matches("[deleted]").count() + 2,
            "the two removed posts keep their place as tombstones"
        );
    })
    .await;
}
