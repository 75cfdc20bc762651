//! Read-only ("gray-out") and maintenance modes: what still works, what is refused, and flipping back.

use crate::common::{THREAD, both_stores, demo_server, forum_mode, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::json;
use threadmark::api::{ForumMode, headers};
use threadmark::server::start;

const BANNER: &str = "Logins are disabled during the \"gray-out\" — back on 25 April";

async fn set_mode(
    t: &crate::common::TestServer,
    token: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    t.http
        .put(t.url("/admin/mode"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_only_keeps_reads_refuses_writes_and_flips_back(store) {
        let t = demo_server(&store, |_| {}).await;
        let base = t.server.url();

        let refused = set_mode(&t, &t.member(), json!({"mode": "read-only"})).await;
        assert_eq!(
            problem_code(refused, StatusCode::FORBIDDEN).await.0,
            "forbidden"
        );

        let flipped = set_mode(&t, &t.admin(), json!({"mode": "read-only", "banner": {"text": BANNER, "severity": "warning"}, "retry_after_s": 90})).await;
        assert_eq!(forum_mode(&flipped).mode, ForumMode::ReadOnly);
        let status = json_of(flipped, StatusCode::OK).await;
        assert_eq!(status["mode"], "read-only");
        assert_eq!(status["banner"]["text"], BANNER);
        assert_eq!(status["retry_after_s"], 90);

        for path in [
            "/status",
            "/tree",
            "/threads/advocacy-1",
            "/threads/advocacy-1/posts",
            "/areas/advocacy/threads",
            "/changes",
        ] {
            let response = t
                .http
                .get(t.url(path))
                .bearer_auth(t.member())
                .send()
                .await
                .unwrap();
            let mode = forum_mode(&response);
            assert_eq!(mode.mode, ForumMode::ReadOnly, "{path}");
            assert_eq!(mode.banner.as_deref(), Some(BANNER), "{path}");
            assert_eq!(response.status(), StatusCode::OK, "{path} still reads");
        }

        let write = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "ro-1",
            &json!({"body": "queued"}),
        )
        .await;
        assert_eq!(write.headers()[headers::RETRY_AFTER], "90");
        assert_eq!(forum_mode(&write).mode, ForumMode::ReadOnly);
        let (code, problem) = problem_code(write, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(code, "read_only");
        assert_eq!(problem["banner"]["text"], BANNER);
        assert_eq!(problem["retry_after_s"], 90);

        let thread = t
            .http
            .post(t.url("/areas/advocacy/threads"))
            .bearer_auth(t.member())
            .header(headers::IDEMPOTENCY_KEY, "ro-2")
            .json(&json!({"title": "t", "body": "b"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_code(thread, StatusCode::SERVICE_UNAVAILABLE)
                .await
                .0,
            "read_only"
        );

        let login = t
            .http
            .post(t.url("/tokens"))
            .json(&json!({"name": "demo", "password": "x"}))
            .send()
            .await
            .unwrap();
        assert!(login.headers().contains_key(headers::RETRY_AFTER));
        assert_eq!(
            problem_code(login, StatusCode::SERVICE_UNAVAILABLE).await.0,
            "logins_disabled"
        );

        let reopened = set_mode(&t, &t.admin(), json!({"mode": "open"})).await;
        assert_eq!(forum_mode(&reopened).mode, ForumMode::Open);
        json_of(reopened, StatusCode::OK).await;
        let write = reply(
            &t.http,
            &base,
            &t.member(),
            THREAD,
            "ro-1",
            &json!({"body": "queued"}),
        )
        .await;
        assert_eq!(
            forum_mode(&write),
            threadmark::api::ForumModeHeader::default()
        );
        assert_eq!(json_of(write, StatusCode::CREATED).await["seq"], 9);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn maintenance_answers_only_status_and_the_admin(store) {
        let t = demo_server(&store, |_| {}).await;
        json_of(
            set_mode(
                &t,
                &t.admin(),
                json!({"mode": "maintenance", "banner": {"text": "Moving house"}}),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        let status = t.http.get(t.url("/status")).send().await.unwrap();
        assert_eq!(forum_mode(&status).mode, ForumMode::Maintenance);
        assert_eq!(json_of(status, StatusCode::OK).await["mode"], "maintenance");
        for path in [
            "/tree",
            "/threads/advocacy-1/posts",
            "/changes",
            "/no-such-thing",
        ] {
            let response = t.http.get(t.url(path)).send().await.unwrap();
            assert_eq!(
                forum_mode(&response).banner.as_deref(),
                Some("Moving house")
            );
            assert!(response.headers().contains_key(headers::RETRY_AFTER));
            assert_eq!(
                problem_code(response, StatusCode::SERVICE_UNAVAILABLE)
                    .await
                    .0,
                "maintenance",
                "{path}"
            );
        }
        json_of(
            set_mode(&t, &t.admin(), json!({"mode": "open"})).await,
            StatusCode::OK,
        )
        .await;
        let tree = t.http.get(t.url("/tree")).send().await.unwrap();
        assert_eq!(tree.status(), StatusCode::OK);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_mode_is_set_at_start_and_survives_a_restart(store) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = store.config(dir.path());
        config.demo = true;
        config.mode = Some(ForumMode::ReadOnly);
        config.banner = Some("Upgrading".into());
        let server = start(config).await.unwrap();
        let http = crate::common::http();
        let status = http
            .get(format!("{}/status", server.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(forum_mode(&status).banner.as_deref(), Some("Upgrading"));
        assert_eq!(json_of(status, StatusCode::OK).await["mode"], "read-only");
        server.shutdown().await.unwrap();

        // No --mode this time: the store remembers.
        let server = start(store.config(dir.path())).await.unwrap();
        let status = http
            .get(format!("{}/status", server.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(forum_mode(&status).mode, ForumMode::ReadOnly);
        server.shutdown().await.unwrap();
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_long_poll_answers_when_the_mode_changes(store) {
        let t = demo_server(&store, |_| {}).await;
        let cursor = t
            .http
            .get(t.url("/changes?since=now"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let poll = {
            let (http, url) = (
                t.http.clone(),
                t.url(&format!("/changes?since={cursor}&wait=25")),
            );
            tokio::spawn(async move { http.get(url).send().await.unwrap() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let admin = t.admin();
        let flipped = set_mode(&t, &admin, json!({"mode": "read-only"})).await;
        assert_eq!(flipped.status(), StatusCode::OK);
        // Reopen soon after: a poll that slept through the change would only answer after
        // its wait, and then say "open".
        let reopen = {
            let (http, url, admin) = (t.http.clone(), t.url("/admin/mode"), admin.clone());
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                http.put(url)
                    .bearer_auth(admin)
                    .json(&json!({"mode": "open"}))
                    .send()
                    .await
                    .unwrap()
            })
        };
        let answer = tokio::time::timeout(std::time::Duration::from_secs(40), poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            forum_mode(&answer).mode,
            ForumMode::ReadOnly,
            "the poll answered at the change, carrying the new mode"
        );
        assert_eq!(reopen.await.unwrap().status(), StatusCode::OK);
    }
}
