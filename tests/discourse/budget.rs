//! The request budget: the stand-in counts a key's requests as Discourse does; the client
//! keeps its own count on disk, leaves a reserve for the user, rides out a short wait,
//! stops background work at a daily limit (replies stay queued with the time they go),
//! and says how much is left.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::support::discourse_limits::SiteLimits;
use crate::support::discourse_standin::{StandIn, World};
use crate::{USER_KEY, backend, bounded, prefetch, standin, user_key};
use axum::http::Method;
use serde_json::Value;
use std::time::Duration;
use threadmark::config::Prefetch;
use threadmark::model::{Limit, Limits};
use threadmark::remote::Backend;
use threadmark::remote::discourse::DiscourseSettings;

/// A Discourse 429 for a User API key (`application_controller.rb`, `rescue_from
/// RateLimiter::LimitExceeded`): its code in `Discourse-Rate-Limit-Error-Code`, the wait
/// in `Retry-After` and `extras.wait_seconds`.
fn limited(server: &StandIn, path: &str, seconds: u64, code: &str) {
    let body = format!(
        r#"{{"errors":["You’ve performed this action too many times. Please wait {seconds} seconds before trying again."],"error_type":"rate_limit","extras":{{"wait_seconds":{seconds},"time_left":"{seconds} seconds"}}}}"#
    );
    server.script(
        Method::GET,
        path,
        429,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("retry-after", &seconds.to_string()),
            ("discourse-rate-limit-error-code", code),
        ],
        &body,
    );
}

#[tokio::test]
async fn the_stand_in_counts_a_keys_minute_and_day_as_discourse_does() {
    bounded(async {
        let mut world = World::new(Forum::rich());
        world.user_api_keys.insert(USER_KEY.into(), "bob".into());
        world.limits =
            SiteLimits::user_keys(2, Duration::from_secs(60), 3, Duration::from_secs(86_400));
        world.read_only = true;
        let server = StandIn::start(world).await;
        let http = reqwest::Client::new();
        let get = |key: &'static str| {
            http.get(format!("{}/site.json", server.url))
                .header("User-Api-Key", key)
                .send()
        };
        for _ in 0..2 {
            let ok = get(USER_KEY).await.unwrap();
            assert_eq!(ok.status(), 200);
            assert_eq!(
                ok.headers()["discourse-readonly"],
                "true",
                "a successful answer says the site is read-only"
            );
        }
        let refused = get(USER_KEY).await.unwrap();
        assert_eq!(refused.status(), 429);
        let headers = refused.headers().clone();
        assert_eq!(
            headers["discourse-rate-limit-error-code"],
            "user_api_key_limiter_60_secs"
        );
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((59..=60).contains(&wait), "{wait}");
        assert!(
            !headers.contains_key("discourse-readonly"),
            "error answers never carry the read-only header (after_action skipped)"
        );
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error_type"], "rate_limit");
        assert_eq!(body["extras"]["wait_seconds"], wait);

        // A key Discourse does not know is refused before any limiter counts it.
        let stranger = get("no-such-key").await.unwrap();
        assert_eq!(stranger.status(), 403);
        let body: Value = stranger.json().await.unwrap();
        assert_eq!(body["error_type"], "invalid_access");
        assert_eq!(server.world().limits.used("no-such-key"), (0, 0));

        // The day's limiter, once the minute's allows more.
        let mut world = World::new(Forum::rich());
        world.user_api_keys.insert(USER_KEY.into(), "bob".into());
        world.limits =
            SiteLimits::user_keys(100, Duration::from_secs(60), 2, Duration::from_secs(86_400));
        let daily = StandIn::start(world).await;
        for _ in 0..2 {
            let ok = http
                .get(format!("{}/latest.json", daily.url))
                .header("User-Api-Key", USER_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(ok.status(), 200);
        }
        let refused = http
            .get(format!("{}/latest.json", daily.url))
            .header("User-Api-Key", USER_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.headers()["discourse-rate-limit-error-code"],
            "user_api_key_limiter_1_day"
        );
        let wait: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait > 86_000, "{wait}");
    })
    .await;
}

#[tokio::test]
async fn background_work_leaves_the_last_15_percent_for_the_user() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let settings = DiscourseSettings {
            limits: Some(Limits::new([Limit::per_minute(20)])),
            prefetch: Some(prefetch(Prefetch::All)),
            ..DiscourseSettings::default()
        };
        let mut discourse = backend(&server, Some(user_key()), settings);
        let mut cursor = None;
        let pause = loop {
            let batch = discourse.pull(cursor.as_ref(), None).await.unwrap();
            cursor = Some(batch.cursor.clone());
            assert!(!batch.complete, "the forum takes more than 17 requests");
            if let Some(pause) = batch.pause {
                break pause;
            }
        };
        assert!(pause > Duration::from_secs(30), "{pause:?}");
        let spent = server.requests().len();
        assert_eq!(spent, 17, "20 a minute, 3 kept back");
        let status = discourse.budget().unwrap();
        assert_eq!(
            (status.windows[0].left, status.windows[0].background_left),
            (3, 0)
        );

        // The user opens a thread: its read may spend the reserve, at once.
        let batch = discourse
            .pull(
                cursor.as_ref(),
                Some(&threadmark::model::ThreadId::new("410")),
            )
            .await
            .unwrap();
        let after: Vec<String> = server.requests()[spent..]
            .iter()
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(after[0], "/t/410.json", "{after:?}");
        assert!(after.len() <= 3, "the reserve, no more: {after:?}");
        assert!(batch.threads.iter().any(|t| t.id.as_str() == "410"));
        assert!(batch.pause.is_some(), "background work still waits");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_rides_out_a_short_wait_and_stops_at_the_daily_limit_keeping_replies() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().limits = SiteLimits::discourse_defaults(1.0);
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(home, &server.url, "prefetch = \"none\"", Some(&user_key())).await;

        // user_api_key_limiter_60_secs with Retry-After: 1 — waited out, said on stderr.
        limited(&server, "/latest.json", 1, "user_api_key_limiter_60_secs");
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("waiting 1 s for the forum's request budget"),
            "{}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("Synced meta"));

        // A reply, then the day's limit: the run ends well, saying when it resumes.
        let out = threadmark(
            home,
            &["reply", "Welcome to the forum"],
            "Queued while the forum's daily limit holds.",
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        limited(
            &server,
            "/latest.json",
            5 * 3_600,
            "user_api_key_limiter_1_day",
        );
        let out = threadmark(home, &["sync"], "").await;
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "exit 0: {}", text(&out.stderr));
        assert!(
            stdout.contains("syncing resumes at") && stdout.contains("(in 5 h"),
            "{stdout}"
        );
        assert!(
            stdout.contains("replies wait in the outbox until then")
                && stdout.contains("1 waiting"),
            "the queued reply says when it goes: {stdout}"
        );
        assert!(
            server.requests_to(&Method::POST, "/posts.json").is_empty(),
            "the reply waits"
        );
        let listed = text(&threadmark(home, &["outbox"], "").await.stdout);
        assert!(listed.contains("queued"), "{listed}");

        // A restart does not forget: nothing reaches the forum until the pause ends.
        let seen = server.requests().len();
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("syncing resumes at"));
        assert_eq!(server.requests().len(), seen, "no request while paused");
        let status = text(&threadmark(home, &["sync", "--status"], "").await.stdout);
        assert!(
            status.contains("paused by the forum until")
                && status.contains("user_api_key_limiter_1_day"),
            "{status}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_is_kept_on_disk_and_status_says_what_is_left() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().limits = SiteLimits::discourse_defaults(1.0);
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(home, &server.url, "prefetch = \"none\"", Some(&user_key())).await;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (minute, day) = server.world().limits.used(USER_KEY);
        assert!(minute > 0 && minute == day, "{minute} {day}");

        let out = threadmark(home, &["sync", "--status", "--json"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let status: Value = serde_json::from_slice(&out.stdout).unwrap();
        let windows = &status["budget"]["windows"];
        assert_eq!(windows[0]["limit"]["requests"], 20);
        assert_eq!(windows[1]["limit"]["requests"], 2_880);
        assert_eq!(
            windows[0]["used"], minute,
            "the client counted what the forum counted"
        );
        assert_eq!(windows[1]["background_left"], 2_448 - minute);
        assert_eq!(status["prefetch"]["policy"], "none");
        assert_eq!(status["threads"]["total"], 76);
        assert_eq!(status["threads"]["headers_only"], 76);

        let out = threadmark(home, &["sync", "--status"], "").await;
        let said = text(&out.stdout);
        assert!(
            said.contains("20 a minute:") && said.contains("2,880 a day:"),
            "{said}"
        );
        assert!(
            said.contains("76 listed") && said.contains("76 headers only"),
            "{said}"
        );

        // The tree says which threads are not downloaded (every one, under "none").
        let tree = text(
            &threadmark(home, &["tree", "--width", "200", "--threads", "all"], "")
                .await
                .stdout,
        );
        assert_eq!(
            tree.matches(", not downloaded").count(),
            76,
            "every listed thread is marked:\n{tree}"
        );
    })
    .await;
}
