//! A first sync of a large forum on a User API key's budget, through the real engine into
//! a real cache: every topic listed first (headers, newest activity first, before any
//! body but the opened thread's), the watched categories downloaded, a mega topic in
//! part, the budget never exceeded; and long topics filled in when the user scrolls up.

use crate::support::discourse_forum::{Forum, base_time};
use crate::support::discourse_limits::SiteLimits;
use crate::support::discourse_standin::StandIn;
use crate::{USER_KEY, backend, prefetch, standin, sync, user_key};
use axum::http::Method;
use std::time::Duration;
use threadmark::config::Prefetch;
use threadmark::model::{Limit, Limits, SeqRange, ThreadId};
use threadmark::remote::Backend;
use threadmark::remote::discourse::DiscourseSettings;
use threadmark::store::{Cache, DataDir};
use threadmark::sync::Engine;

/// Windows a hundred times shorter than Discourse's: the same counts in 0.6 s and 864 s.
const SCALE: f64 = 0.01;

const MEGA: u64 = 90_000;
const OPENED: &str = "10005";

/// 3,000 topics in 20 categories (100…119), the user watching two of them (100, 101),
/// and a topic of 10,050 posts with the newest activity, in a watched category.
fn large_forum() -> Forum {
    let mut forum = Forum::sized(3_000, 20);
    let start = base_time() - jiff::SignedDuration::from_mins(10_049 + 30);
    forum.add_topic(MEGA, 100, "A mega topic", start, 10_049);
    forum
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_lists_every_topic_first_and_downloads_what_is_watched_within_the_budget() {
    tokio::time::timeout(Duration::from_secs(600), async {
        let server = standin(large_forum()).await;
        {
            let mut world = server.world();
            world.limits = SiteLimits::discourse_defaults(SCALE);
            world.category_levels.insert(100, 3); // watching
            world.category_levels.insert(101, 2); // tracking
        }
        let settings = DiscourseSettings {
            limits: Some(Limits::new([
                Limit::new(20, Duration::from_secs(60).mul_f64(SCALE)),
                Limit::new(2_880, Duration::from_secs(86_400).mul_f64(SCALE)),
            ])),
            ..DiscourseSettings::default()
        };
        let discourse = backend(&server, Some(user_key()), settings);
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("meta");
        let mut engine = Engine::new(discourse, dir.clone()).unwrap();
        engine.set_focus(Some(ThreadId::new(OPENED)));
        let cycle = engine.sync_once(&mut |_| {}).await.unwrap();
        assert_eq!(cycle.resumes_at, None);

        // The forum never had to refuse a request: both windows held.
        assert!(server.world().limits.refused.is_empty());

        let mut cache = Cache::open(dir.clone());
        let index = cache.load_index().unwrap();
        let requests = server.requests();
        listed_first(&index, &requests);
        watched_offline(&mut cache, &index);
        mega_in_part(&mut cache, &index, &requests);

        // Everything was asked with the key, and counted by both sides alike: the client
        // never counts less than the forum did (a request that timed out still counts).
        let (minute, day) = server.world().limits.used(USER_KEY);
        assert!(minute > 0 && day > 0);
        let status = engine.backend().budget().unwrap();
        assert!(
            status.windows[1].used as usize >= day,
            "the client counted {} of the {day} requests the forum counted",
            status.windows[1].used
        );
    })
    .await
    .expect("the first sync did not finish in time");
}

/// Every topic is listed — 101 pages of 30, every category at once, one pass — and no
/// topic is read before the listing is done, but the opened one, read first of all.
fn listed_first(
    index: &[threadmark::model::ThreadSummary],
    requests: &[crate::support::discourse_standin::Recorded],
) {
    assert_eq!(index.len(), 3_001);
    let pages: Vec<String> = requests
        .iter()
        .filter(|r| r.path == "/latest.json")
        .map(|r| r.query_values("page")[0].clone())
        .collect();
    let expected: Vec<String> = (0..101).map(|p| p.to_string()).collect();
    assert_eq!(pages, expected, "one pass, page after page");
    let topic_reads: Vec<usize> = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.path.starts_with("/t/"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(requests[topic_reads[0]].path, format!("/t/{OPENED}.json"));
    let last_page = requests
        .iter()
        .rposition(|r| r.path == "/latest.json")
        .unwrap();
    let early: Vec<&str> = topic_reads
        .iter()
        .filter(|&&i| i < last_page)
        .map(|&i| requests[i].path.as_str())
        .collect();
    assert_eq!(early, [format!("/t/{OPENED}.json")], "{early:?}");
}

/// Watched and tracked categories are readable offline; the rest are headers only (the
/// reader says "not available offline"), but for the opened thread.
fn watched_offline(cache: &mut Cache, index: &[threadmark::model::ThreadSummary]) {
    for summary in index {
        let area = summary.area.as_str();
        let id = summary.id.as_str();
        if id == MEGA.to_string() {
            continue;
        }
        if area == "100" || area == "101" || id == OPENED {
            assert!(
                summary.missing.is_empty(),
                "{id} in {area}: {:?}",
                summary.missing
            );
            let file = cache.load_thread(&summary.id).unwrap().unwrap();
            assert_eq!(
                u32::try_from(file.posts.len()).unwrap(),
                summary.last_seq,
                "{id}"
            );
        } else {
            assert!(summary.headers_only(), "{id} in {area}");
        }
    }
    let forum = cache.load_forum().unwrap().unwrap();
    let read = cache.load_read_state().unwrap();
    let other = index.iter().find(|t| t.area.as_str() == "107").unwrap();
    let file = cache.load_thread(&other.id).unwrap().unwrap();
    let shown = threadmark::cli::format_thread(
        &threadmark::cli::ThreadView {
            forum: &forum,
            file: &file,
            read: &read,
            outbox: &[],
            judged: &threadmark::app::judged::Judged::default(),
        },
        100,
        threadmark::cli::paint::Paint::off(),
    );
    assert!(shown.contains("Not available offline"), "{shown}");
}

/// The mega topic: its first page and its newest 100 posts, in four requests, not 500;
/// what lies between is known to be missing.
fn mega_in_part(
    cache: &mut Cache,
    index: &[threadmark::model::ThreadSummary],
    requests: &[crate::support::discourse_standin::Recorded],
) {
    let mega_requests: Vec<&String> = requests
        .iter()
        .filter(|r| r.path.starts_with(&format!("/t/{MEGA}")))
        .map(|r| &r.path)
        .collect();
    assert_eq!(mega_requests.len(), 4, "{mega_requests:?}");
    let mega = index
        .iter()
        .find(|t| t.id.as_str() == MEGA.to_string())
        .unwrap();
    assert_eq!(mega.last_seq, 10_050);
    assert_eq!(
        mega.missing,
        [SeqRange {
            from: 21,
            to: 9_950
        }]
    );
    let file = cache.load_thread(&mega.id).unwrap().unwrap();
    assert_eq!(file.posts.len(), 120);
    assert_eq!(file.posts.last().unwrap().seq, 10_050);
}

#[tokio::test]
async fn long_topics_come_in_part_and_their_earlier_posts_on_request() {
    crate::bounded(async {
        let mut forum = Forum::empty("Long");
        forum.add_category(5, "General", None, 2);
        forum.add_topic(700, 5, "Three hundred posts", base_time(), 299);
        let start = base_time() - jiff::SignedDuration::from_mins(20_000);
        forum.add_topic(MEGA, 5, "A mega topic", start, 10_049);
        let server: StandIn = standin(forum).await;
        let settings = DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(100_000)])),
            prefetch: Some(prefetch(Prefetch::All)),
            ..DiscourseSettings::default()
        };
        let mut discourse = backend(&server, None, settings);
        let first = sync(&mut discourse, None, None).await;
        let long = first.thread("700").unwrap();
        assert_eq!(long.missing, [SeqRange { from: 21, to: 200 }]);
        assert_eq!(
            first.posts("700").len(),
            120,
            "the first page and the newest 100"
        );
        let mega = first.thread(&MEGA.to_string()).unwrap();
        assert_eq!(
            mega.missing,
            [SeqRange {
                from: 21,
                to: 9_950
            }]
        );

        // The user scrolls up: the next 100 of each, newest first.
        server.clear_requests();
        discourse.want_earlier(&ThreadId::new("700"));
        discourse.want_earlier(&ThreadId::new(MEGA.to_string()));
        let second = sync(&mut discourse, first.cursor.as_ref(), None).await;
        let missing = |id: &str| {
            second
                .batches
                .iter()
                .flat_map(|b| {
                    b.threads
                        .iter()
                        .filter(|t| t.id.as_str() == id)
                        .map(|t| t.missing.to_vec())
                        .chain(
                            b.missing
                                .iter()
                                .filter(|(t, _)| t.as_str() == id)
                                .map(|(_, m)| m.clone()),
                        )
                        .collect::<Vec<_>>()
                })
                .last()
                .unwrap()
        };
        assert_eq!(missing("700"), [SeqRange { from: 21, to: 100 }]);
        assert_eq!(second.posts("700").len(), 100);
        assert_eq!(
            missing(&MEGA.to_string()),
            [SeqRange {
                from: 21,
                to: 9_850
            }]
        );
        assert_eq!(second.posts(&MEGA.to_string()).len(), 100);
        let ids = server.requests_to(&Method::GET, &format!("/t/{MEGA}/post_ids.json"));
        assert_eq!(ids[0].query, "post_number=9850");
    })
    .await;
}
