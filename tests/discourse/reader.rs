//! The reader on a Discourse account: the real binary in a pseudo-terminal against the
//! stand-in. A thread known by its listing only is marked in the tree and says so in the
//! reader, enter fetches it through the sync engine, and a long thread downloaded in part
//! loads its earlier posts when the reader scrolls up to them; spoilers stay veiled until asked for, polls show their votes.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::{Forum, Poll, base_time};
use crate::support::pty_session::PtySession;
use crate::{bounded, standin, user_key};
use axum::http::Method;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadmark::model::{SeqRange, ThreadId};
use threadmark::store::{Cache, DataDir};

const TOPIC: &str = "500";
const CTRL_B: &str = "\x02";

/// What the cache lacks of the long topic now.
fn missing(home: &Path) -> Vec<SeqRange> {
    let dir = DataDir::new(home.join("data")).account("meta");
    Cache::open(dir)
        .load_thread(&ThreadId::new(TOPIC))
        .unwrap()
        .map(|t| t.summary.missing.to_vec())
        .unwrap_or_default()
}

/// Waits (bounded) until the long topic's missing posts are `check`ed true.
fn wait_missing(home: &Path, what: &str, check: impl Fn(&[SeqRange]) -> bool) -> Vec<SeqRange> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = missing(home);
        if check(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: still missing {now:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pages up from the bottom of the thread until the row of posts not downloaded is on
/// screen or `loaded` says its posts came (bounded): scrolling to the row loads them, so
/// it may change or go before the screen is looked at.
fn page_to(s: &mut PtySession, loaded: impl Fn() -> bool) {
    s.send("G");
    for _ in 0..30 {
        s.settle(Duration::from_millis(150));
        if s.screen().contains(ROW) || loaded() {
            return;
        }
        s.send(CTRL_B);
    }
    panic!(
        "{ROW:?} is nowhere in the thread; the screen shows:\n{}",
        s.screen()
    );
}

const ROW: &str = "are not downloaded: enter loads earlier posts";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_known_by_its_headers_is_fetched_from_the_reader_then_its_earlier_posts() {
    bounded(async {
        let server = Arc::new(standin(Forum::rich()).await);
        let home = tempfile::tempdir().unwrap();
        let home: PathBuf = home.path().to_owned();
        // Nothing prefetched: every topic is listed by its headers only.
        account_with(
            &home,
            &server.url,
            "prefetch = \"none\"\nprefetch_posts = 20\nrequests_per_minute = 100000",
            Some(&user_key()),
        )
        .await;
        let out = threadmark(&home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        // The read the reader makes when the thread is opened fails (a server error on
        // this topic): the thread stays undownloaded until the user asks again.
        server.script(
            Method::GET,
            "/t/500.json",
            500,
            &[("content-type", "application/json")],
            r#"{"errors":["Oops! That page doesn't exist or is private."],"error_type":"server_error"}"#,
        );

        let standin = Arc::clone(&server);
        tokio::task::spawn_blocking(move || {
            let mut s = PtySession::start(&home, &[], &[], 160, 40);
            s.wait_for_text("○ Welcome to the forum");
            s.send("/\u{15}long discussion\r");
            s.wait_for_text("○ The long discussion");
            s.send("\r");
            s.wait_for("the open-time read refused", |_| {
                standin
                    .requests_to(&Method::GET, "/t/500.json")
                    .iter()
                    .any(|r| r.status == 500)
            });
            s.wait_for_text("not downloaded — enter fetches it");

            // Enter fetches it: its first posts and its newest come; the middle does not.
            s.send("\r");
            s.wait_for_text("Post 1 of The long discussion.");
            let gap = wait_missing(&home, "the newest posts", |m| {
                m.len() == 1 && m[0].from > 1
            })[0];
            s.wait_for("the tree marker gone", |screen| {
                !screen.contains("○ The long discussion")
            });
            // Scrolling up to the row is enough (no enter): the newest of the earlier
            // posts come, the row shrinks.
            let fetched_before = standin.requests_to(&Method::GET, "/t/500/posts.json").len();
            let less = |m: &[SeqRange], than: SeqRange| {
                m.iter().map(|r| r.count()).sum::<u32>() < than.count()
            };
            page_to(&mut s, || less(&missing(&home), gap));
            let smaller = wait_missing(&home, "the earlier posts", |m| {
                m.iter().map(|r| r.count()).sum::<u32>() < gap.count()
            });
            assert!(
                standin.requests_to(&Method::GET, "/t/500/posts.json").len() > fetched_before,
                "fetched through the forum's posts endpoint"
            );
            match smaller.first() {
                Some(&rest) => {
                    assert_eq!(rest.from, gap.from, "the earlier posts came newest first");
                    // The row left is a new one: scrolling up to it loads more, and the
                    // keys repeating over it ask no more than that.
                    page_to(&mut s, || less(&missing(&home), rest));
                    s.send("kkkjjjkkk");
                    wait_missing(&home, "more earlier posts", |m| {
                        m.iter().map(|r| r.count()).sum::<u32>() < rest.count()
                    });
                }
                None => {
                    s.wait_for("no row left", |screen| {
                        !screen.contains(ROW)
                    });
                }
            }
            // No post was asked for twice.
            let asked: Vec<String> = standin
                .requests_to(&Method::GET, "/t/500/posts.json")
                .iter()
                .flat_map(|r| r.query_values("post_ids[]"))
                .collect();
            let distinct: std::collections::HashSet<&String> = asked.iter().collect();
            assert_eq!(distinct.len(), asked.len(), "asked twice: {asked:?}");
        })
        .await
        .unwrap();
    })
    .await;
}

/// A topic with a spoiler in its first post and a poll in its second, as Discourse
/// serves them (`plugins/spoiler-alert`, `plugins/poll`).
fn movie_night() -> Forum {
    let mut forum = Forum::empty("Film club");
    forum.add_category(10, "General", None, 1);
    let topic = forum.add_topic(700, 10, "Movie night", base_time(), 1);
    topic.posts[0].cooked = Some(
        r#"<p>Saw it twice. The ending: <span class="spoiler">the butler did it</span>, who knew.</p>"#
            .to_owned(),
    );
    let poll = Poll {
        name: "poll".to_owned(),
        status: "open".to_owned(),
        options: vec![("Monday".to_owned(), 3), ("Friday".to_owned(), 1)],
        voters: 4,
    };
    topic.posts[1].raw = format!("Which day next time?\n\n{}", poll.raw());
    topic.posts[1].poll = Some(poll);
    forum
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoilers_stay_veiled_until_v_and_polls_show_their_votes_from_a_real_sync() {
    bounded(async {
        let server = standin(movie_night()).await;
        let home = tempfile::tempdir().unwrap();
        let home: PathBuf = home.path().to_owned();
        account_with(
            &home,
            &server.url,
            "prefetch = \"all\"\nrequests_per_minute = 100000",
            Some(&user_key()),
        )
        .await;
        let out = threadmark(&home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));

        tokio::task::spawn_blocking(move || {
            let mut s = PtySession::start(&home, &[], &[], 160, 40);
            s.wait_for_text("Movie night");
            s.send("/\u{15}Movie night\r\r");
            // The whole post and the poll drawn, not only their first lines.
            let screen = s.wait_for("the poll's results", |screen| {
                screen.contains("Saw it twice. The ending:")
                    && screen.contains("Friday — 1 vote (25%)")
            });
            assert!(
                !screen.contains("butler"),
                "the spoiler shows before it is asked for:\n{screen}"
            );
            assert!(screen.contains("░░░ ░░░░░░ ░░░ ░░"), "{screen}");
            // The poll, with the votes the web client would show.
            assert!(screen.contains("Which day next time?"), "{screen}");
            assert!(screen.contains("Poll (open, 4 voters)"), "{screen}");
            assert!(screen.contains("Monday — 3 votes (75%)"), "{screen}");
            assert!(screen.contains("Friday — 1 vote (25%)"), "{screen}");

            // v shows the current post's spoiler, and v again veils it.
            s.send("v");
            s.wait_for_text("The ending: the butler did it, who knew.");
            s.send("v");
            s.wait_for("veiled again", |screen| !screen.contains("butler"));
        })
        .await
        .unwrap();
    })
    .await;
}
