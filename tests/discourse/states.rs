//! Clear states: a revoked key says "login needed" and stops background requests; a
//! forum that requires login says so; read-only is cleared only by a successful answer;
//! a crawler filter lets threadmark through and its refusal is named; listings are always
//! asked in bump order.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::Forum;
use crate::{USER_KEY, backend, bounded, code, roomy, standin, user_key};
use axum::http::Method;
use serde_json::Value;
use std::time::Duration;
use threadmark::model::ForumMode;
use threadmark::remote::Backend;
use threadmark::remote::discourse::DISCOURSE_USER_AGENT;
use threadmark::store::DataDir;
use threadmark::sync::{Connection, Engine, SyncCommand, SyncEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_says_login_needed_keeps_replies_and_stops_asking() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(home, &server.url, "prefetch = \"none\"", Some(&user_key())).await;
        let out = threadmark(home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = threadmark(
            home,
            &["reply", "Welcome to the forum"],
            "Written before the key was revoked.",
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));

        // Revoked (or unused for 180 days): Discourse answers 403 invalid_access to
        // every request made with it.
        server.world().user_api_keys.clear();
        let out = threadmark(home, &["sync"], "").await;
        assert_eq!(out.status.code(), Some(1));
        let said = text(&out.stderr);
        assert!(
            said.contains("login needed") && said.contains("threadmark login --account meta"),
            "{said}"
        );
        let listed = text(&threadmark(home, &["outbox"], "").await.stdout);
        assert!(listed.contains("queued"), "the reply waits: {listed}");
        assert!(server.requests_to(&Method::POST, "/posts.json").is_empty());

        // The reader's engine: "login needed", then no request until the user acts.
        let dir = DataDir::new(home.join("data")).account("meta");
        let discourse = backend(&server, Some(user_key()), roomy());
        let engine = Engine::new(discourse, dir).unwrap();
        let (commands, receive) = tokio::sync::mpsc::channel(8);
        let (send, mut events) = tokio::sync::mpsc::channel(64);
        let task = tokio::spawn(engine.run(receive, send));
        loop {
            if let Some(SyncEvent::Status(status)) = events.recv().await
                && matches!(status.connection, Connection::NeedsLogin(_))
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = server.requests().len();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(
            server.requests().len(),
            asked,
            "no request while the key is refused"
        );

        // A new login, and "sync now": the queue goes out.
        server
            .world()
            .user_api_keys
            .insert(USER_KEY.into(), "bob".into());
        commands.send(SyncCommand::SyncNow).await.unwrap();
        loop {
            if let Some(SyncEvent::Status(status)) = events.recv().await
                && status.connection == Connection::Online
            {
                break;
            }
        }
        let posted: Vec<u16> = server
            .requests_to(&Method::POST, "/posts.json")
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            posted.iter().filter(|&&s| s == 200).count(),
            1,
            "{posted:?}"
        );
        commands.send(SyncCommand::Shutdown).await.unwrap();
        task.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_that_requires_login_says_so() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().login_required = true;
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        account_with(home, &server.url, "", None).await;
        let out = threadmark(home, &["sync"], "").await;
        assert_eq!(out.status.code(), Some(1));
        let said = text(&out.stderr);
        assert!(
            said.contains("this forum requires login")
                && said.contains("threadmark login --account meta"),
            "{said}"
        );
        // basic-info said so (site_controller.rb#basic_info is served even then), and
        // anonymous JSON gets 403 not_logged_in (application_controller.rb).
        let mut discourse = backend(&server, None, roomy());
        let e = discourse.pull(None, None).await.unwrap_err();
        assert_eq!(code(&e), Some("login_required"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn read_only_is_cleared_only_by_a_successful_answer() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let mut discourse = backend(&server, Some(user_key()), roomy());
        server.world().read_only = true;
        discourse.refresh_status().await.unwrap();
        assert_eq!(discourse.state().mode, ForumMode::ReadOnly);

        // Error answers carry no Discourse-Readonly header even in read-only mode
        // (lib/read_only_mixin.rb: an after_action, skipped when the action raised).
        server.script(
            Method::GET,
            "/site.json",
            404,
            &[("content-type", "application/json")],
            r#"{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}"#,
        );
        discourse.pull(None, None).await.unwrap_err();
        assert_eq!(
            discourse.state().mode,
            ForumMode::ReadOnly,
            "an error answer says nothing about the mode"
        );

        server.world().read_only = false;
        discourse.refresh_status().await.unwrap();
        assert_eq!(discourse.state().mode, ForumMode::Open);
    })
    .await;
}

#[tokio::test]
async fn a_crawler_filter_lets_threadmark_through_and_its_refusal_is_named() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        server.world().allowed_crawler_user_agents = Some("Googlebot".into());
        // What Discourse's anonymous cache refuses (lib/middleware/anonymous_cache.rb,
        // lib/crawler_detection.rb): an unknown program; what it lets through: a user
        // agent naming Discourse, as threadmark's does.
        let http = reqwest::Client::new();
        for (agent, status) in [
            ("curl/8.5.0", 403),
            ("Java/1.8.0_151", 403),
            (DISCOURSE_USER_AGENT, 200),
        ] {
            let answer = http
                .get(format!("{}/latest.json", server.url))
                .header("user-agent", agent)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), status, "{agent}");
        }
        let mut discourse = backend(&server, None, roomy());
        let batch = discourse.pull(None, None).await.unwrap();
        assert!(batch.forum.is_some() || !batch.threads.is_empty());
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.header("user-agent") == Some(DISCOURSE_USER_AGENT) || r.status == 403),
            "every request of ours names Discourse"
        );

        // A refusal anyway (a stricter filter) is reported as what it is.
        server.script(
            Method::GET,
            "/site.json",
            403,
            &[],
            "Crawler is not allowed!",
        );
        let mut fresh = backend(&server, None, roomy());
        let e = fresh.pull(None, None).await.unwrap_err();
        assert_eq!(code(&e), Some("crawler_blocked"));
        assert!(e.to_string().contains("allowed_crawler_user_agents"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn a_categorys_own_order_applies_unless_activity_is_asked() {
    bounded(async {
        let mut forum = Forum::rich();
        // Advocacy topics are created an hour apart, 200 first; bump 200 to the top.
        forum.set_category(11, "sort_order", serde_json::json!("created"));
        forum.topics.get_mut(&200).unwrap().bumped_at =
            crate::support::discourse_forum::base_time();
        let server = standin(forum).await;
        let http = reqwest::Client::new();
        let first_id = |order: &'static str| {
            let url = format!("{}/c/advocacy/11/l/latest.json{order}", server.url);
            let http = http.clone();
            async move {
                let list: Value = http.get(url).send().await.unwrap().json().await.unwrap();
                list["topic_list"]["topics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["pinned"] != true)
                    .unwrap()["id"]
                    .clone()
            }
        };
        // lib/topic_query.rb, default_results: no `order`, the category's sort_order.
        assert_eq!(first_id("").await, 267, "newest created first");
        assert_eq!(first_id("?order=activity&ascending=false").await, 200);

        // The client always asks bump order.
        server.clear_requests();
        let mut discourse = backend(&server, None, roomy());
        crate::sync(&mut discourse, None, None).await;
        let lists: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("latest.json"))
            .collect();
        assert!(!lists.is_empty());
        for list in lists {
            assert_eq!(list.query_values("order"), ["activity"]);
            assert_eq!(list.query_values("ascending"), ["false"]);
        }
    })
    .await;
}
