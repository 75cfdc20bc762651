//! Reading synced with Discourse: what is read here goes out as `/topics/timings`
//! (`app/controllers/topics_controller.rb#timings`, `app/models/post_timing.rb`), batched
//! per topic, only for posts shown, within the budget; what was read on the web comes in
//! from the topic lists' `last_read_post_number` (`listable_topic_serializer.rb`) and
//! sets the tree's unread counts.

use crate::cli::{account_with, sign_in, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::{admin_key, backend, bounded, prefetch, standin, sync, user_key};
use axum::http::Method;
use serde_json::Value;
use std::collections::BTreeMap;
use threadmark::config::Prefetch;
use threadmark::model::{Limit, Limits, ReadState, ThreadId};
use threadmark::remote::Backend;
use threadmark::remote::discourse::DiscourseSettings;

fn numbers(timing: &crate::support::discourse_standin::Timing) -> Vec<u64> {
    timing.timings.keys().copied().collect()
}

/// Each thread's unread count as `threadmark tree --json` gives it.
async fn unread_counts(home: &std::path::Path) -> BTreeMap<String, u64> {
    let out = threadmark(home, &["tree", "--json"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let mut counts = BTreeMap::new();
    for section in tree["sections"].as_array().unwrap() {
        for area in section["areas"].as_array().unwrap() {
            for thread in area["threads"].as_array().unwrap() {
                counts.insert(
                    thread["id"].as_str().unwrap().to_owned(),
                    thread["unread"].as_u64().unwrap(),
                );
            }
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threadmark_mark_sends_timings_batched_per_topic_for_the_posts_read() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        // Every topic downloaded, so each post can be shown.
        account_with(
            home,
            &server.url,
            "requests_per_minute = 100000\nprefetch = \"all\"",
            Some(&admin_key("bob")),
        )
        .await;
        let ok = |out: std::process::Output| {
            assert!(out.status.success(), "{}", text(&out.stderr));
            text(&out.stdout)
        };
        ok(threadmark(home, &["sync"], "").await);
        assert!(server.world().timings.is_empty(), "nothing read yet");

        // Read up to #2 of "Research agenda" (topic 400, 4 posts) and all of "How we
        // enable" (410): one request per topic, the read posts' numbers only.
        ok(threadmark(
            home,
            &["mark", "Research agenda", "--read", "--to", "#2"],
            "",
        )
        .await);
        ok(threadmark(home, &["mark", "How we enable", "--read"], "").await);
        ok(threadmark(home, &["sync"], "").await);
        let sent = server.world().timings.clone();
        let mut topics: Vec<u64> = sent.iter().map(|t| t.topic_id).collect();
        topics.sort_unstable();
        assert_eq!(topics, [400, 410], "one request per topic: {sent:?}");
        let research = sent.iter().find(|t| t.topic_id == 400).unwrap();
        assert_eq!(numbers(research), [1, 2]);
        assert_eq!(research.topic_time, research.timings.values().sum::<u64>());
        assert!(research.timings.values().all(|&ms| ms > 0));
        assert!(!research.present, "not present: no reader open");
        assert_eq!(research.username, "bob");
        assert_eq!(
            server.world().last_read[&(2, 400)],
            2,
            "the web has it read to #2"
        );
        let requests = server.requests_to(&Method::POST, "/topics/timings");
        assert_eq!(requests.len(), 2);
        assert!(
            requests
                .iter()
                .all(|r| r.header("discourse-present").is_none())
        );

        // Nothing new read: nothing sent again.
        ok(threadmark(home, &["sync"], "").await);
        assert_eq!(server.world().timings.len(), 2);

        // Read on: only the posts not sent yet, in one request.
        ok(threadmark(home, &["mark", "Research agenda", "--read"], "").await);
        ok(threadmark(home, &["sync"], "").await);
        let sent = server.world().timings.clone();
        assert_eq!(sent.len(), 3);
        assert_eq!((sent[2].topic_id, numbers(&sent[2])), (400, vec![3, 4]));

        // "Mark unread" stays here: nothing is sent, and the forum's marker (unchanged)
        // does not undo it at the next sync.
        let said = ok(threadmark(
            home,
            &["mark", "Research agenda", "--unread", "--to", "#3"],
            "",
        )
        .await);
        assert!(said.contains("unread from #3"), "{said}");
        ok(threadmark(home, &["sync"], "").await);
        assert_eq!(server.world().timings.len(), 3);
        assert_eq!(unread_counts(home).await["400"], 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_read_on_the_web_sets_the_trees_unread_counts() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        sign_in(home, &server.url).await;
        {
            let mut w = server.world();
            // bob read "Newsletter plans" (420, 3 posts) to #2 and tracks it; read
            // "Research agenda" (400, 4 posts) to #1 at the normal level.
            w.last_read.insert((2, 420), 2);
            w.topic_levels.insert(420, 2);
            w.last_read.insert((2, 400), 1);
        }
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let counts = unread_counts(home).await;
        assert_eq!(counts["420"], 1, "{counts:?}");
        assert_eq!(counts["400"], 3, "{counts:?}");
        assert_eq!(counts["410"], 2, "never opened: all unread");
        assert!(
            server.world().timings.is_empty(),
            "what came from the forum is not sent back"
        );

        // Read further on the web: the count follows; it never moves back.
        server.world().last_read.insert((2, 420), 3);
        // (The listing shows the change once the topic is listed again.)
        server.world().forum.topics.get_mut(&420).unwrap().bumped_at = jiff::Timestamp::now();
        threadmark(home, &["sync"], "").await;
        assert_eq!(unread_counts(home).await["420"], 0);
        server.world().last_read.insert((2, 420), 1);
        server.world().forum.topics.get_mut(&420).unwrap().bumped_at = jiff::Timestamp::now();
        threadmark(home, &["sync"], "").await;
        assert_eq!(
            unread_counts(home).await["420"],
            0,
            "read-up-to only moves forward"
        );
    })
    .await;
}

#[tokio::test]
async fn posts_never_downloaded_are_never_reported_and_timings_keep_to_the_budget() {
    // Boxed: several backends live in this one future.
    bounded(Box::pin(async {
        let server = standin(Forum::rich()).await;
        // Headers only: no post body is downloaded but the focused topic's.
        let settings = DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(100_000)])),
            prefetch: Some(prefetch(Prefetch::None)),
            read_sync: true,
            ..DiscourseSettings::default()
        };
        let mut discourse = backend(&server, Some(user_key()), settings);
        let first = sync(&mut discourse, None, Some("400")).await;
        let mut read = ReadState::default();
        read.thread_mut(&ThreadId::new("400")).mark_all_read(4);
        read.thread_mut(&ThreadId::new("420")).mark_all_read(3);
        discourse.set_read_state(&read);
        server.clear_requests();
        // The reader is open (a thread in focus): the user is present.
        let second = sync(&mut discourse, first.cursor.as_ref(), Some("400")).await;
        let sent = server.world().timings.clone();
        assert_eq!(sent.len(), 1, "420 was never downloaded: {sent:?}");
        assert_eq!(
            (sent[0].topic_id, numbers(&sent[0])),
            (400, vec![1, 2, 3, 4])
        );
        assert!(sent[0].present);

        // A spent budget holds timings back, without a refusal from the forum.
        let tight = |per_minute| DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(per_minute)])),
            prefetch: Some(prefetch(Prefetch::None)),
            read_sync: true,
            ..DiscourseSettings::default()
        };
        let mut limited = backend(&server, Some(user_key()), tight(1));
        limited.set_read_state(&read);
        server.clear_requests();
        let batch = limited
            .pull(second.cursor.as_ref(), Some(&ThreadId::new("420")))
            .await
            .unwrap();
        assert!(batch.pause.is_some(), "the rest waits for the budget");
        assert_eq!(server.requests().len(), 1, "the minute's one request");
        assert!(server.requests().iter().all(|r| r.status != 429));
        assert_eq!(server.world().timings.len(), 1, "420's reading waits");

        // With room, 420 is opened (downloaded) and its reading goes, counted like
        // every request.
        let mut room = backend(&server, Some(user_key()), tight(30));
        room.set_read_state(&read);
        server.clear_requests();
        let third = sync(&mut room, second.cursor.as_ref(), Some("420")).await;
        let sent = server.world().timings.clone();
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert_eq!((sent[1].topic_id, numbers(&sent[1])), (420, vec![1, 2, 3]));
        let used = room.budget().unwrap().windows[0].used as usize;
        assert_eq!(used, server.requests().len(), "every request counted");
        assert!(server.requests().iter().all(|r| r.status != 429));

        // read_sync off: nothing is sent.
        let mut private = backend(
            &server,
            Some(user_key()),
            DiscourseSettings {
                read_sync: false,
                ..crate::roomy()
            },
        );
        assert!(!private.sends_read_marks());
        let before = server.world().timings.len();
        read.thread_mut(&ThreadId::new("410")).mark_all_read(2);
        private.set_read_state(&read);
        sync(&mut private, third.cursor.as_ref(), Some("410")).await;
        assert_eq!(server.world().timings.len(), before);
    }))
    .await;
}
