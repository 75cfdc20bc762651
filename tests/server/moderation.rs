//! Moderation: what a moderator's lock, pin, move and hide do for everyone else (the
//! feed, replies, the log). Who may call which endpoint is `roles.rs`'s table.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::json;

/// Makes `name` a user with a token (and a moderator when asked); returns the token.
pub(crate) fn user_with_token(t: &TestServer, name: &str, moderator: bool) -> String {
    let dir = t.dir.path();
    stdout(&serve(dir, &t.store, &["user", "add", name], ""));
    if moderator {
        let said = stdout(&serve(
            dir,
            &t.store,
            &["user", "role", name, "moderator"],
            "",
        ));
        assert_eq!(said, format!("{name} is now a moderator\n"));
    }
    let line = stdout(&serve(dir, &t.store, &["token", "new", name], ""));
    line.trim()
        .rsplit_once(' ')
        .map(|(_, token)| token.to_owned())
        .unwrap()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_moderator_locks_pins_and_moves_a_thread_and_everyone_sees_it(store) {
        let t = demo_server(&store, |_| {}).await;
        let mo = user_with_token(&t, "mo", true);
        let head = json_of(t.http.get(t.url("/changes?since=now")).send().await.unwrap(), StatusCode::OK).await;
        let cursor = head["next_cursor"].as_str().unwrap().to_owned();
        let path = t.url(&format!("/mod/threads/{THREAD}"));

        let locked = json_of(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"locked": true, "pinned": true})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!((locked["locked"].as_bool(), locked["pinned"].as_bool()), (Some(true), Some(true)));
        let (code, _) = problem_code(
            reply(&t.http, t.server.url().as_str(), &t.member(), THREAD, "late", &json!({"body": "Too late?"})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(code, "thread_locked");

        let moved = json_of(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"area_id": "information-policy"})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(moved["area_id"], "information-policy");
        let listed = json_of(t.http.get(t.url("/areas/information-policy/threads")).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(listed["threads"][0]["id"], THREAD);
        let (code, _) = problem_code(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"area_id": "nope"})).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(code, "area_not_found");

        // The feed carries the thread as it is now, to every syncing client.
        let feed = json_of(
            t.http.get(t.url(&format!("/changes?since={cursor}"))).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let thread = feed["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "thread").unwrap();
        assert_eq!(thread["thread"]["area_id"], "information-policy");
        assert_eq!(thread["thread"]["locked"], true);
        let small: Vec<(&str, &str)> = thread["thread"]["small_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["actor"].as_str().unwrap(), a["action"].as_str().unwrap()))
            .collect();
        assert_eq!(small, [("mo", "lock"), ("mo", "pin"), ("mo", "move")], "the thread carries its small actions, oldest first");

        // The operator unlocks from the command line; the log names who did what.
        let said = stdout(&serve(t.dir.path(), &t.store, &["thread", "unlock", THREAD], ""));
        assert!(said.starts_with(&format!("unlocked thread {THREAD} (")), "{said}");
        let log = json_of(t.http.get(t.url("/admin/log")).bearer_auth(&mo).send().await.unwrap(), StatusCode::OK).await;
        let entries: Vec<(String, String, String)> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["actor"].as_str().unwrap().into(), e["action"].as_str().unwrap().into(), e["target"].as_str().unwrap().into()))
            .collect();
        let expected: Vec<(String, String, String)> = [("(operator)", "unlock"), ("mo", "move"), ("mo", "pin"), ("mo", "lock")]
            .iter()
            .map(|(who, what)| ((*who).into(), (*what).into(), THREAD.into()))
            .collect();
        assert_eq!(entries, expected, "newest first");
        let printed = stdout(&serve(t.dir.path(), &t.store, &["log"], ""));
        let first = printed.lines().next().unwrap();
        assert!(first.ends_with(&format!("(operator) unlock {THREAD}")), "{printed}");
        assert!(printed.contains(&format!("mo move {THREAD} (from advocacy to information-policy)")), "{printed}");

        // Refusals from the command line change nothing.
        let out = serve(t.dir.path(), &t.store, &["thread", "move", THREAD, "--to", "nope"], "");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no area \"nope\"; nothing was changed"));
        let listed = stdout(&serve(t.dir.path(), &t.store, &["user", "list"], ""));
        assert!(listed.contains("mo (moderator)"), "{listed}");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hidden_post_shows_its_reason_to_readers_and_comes_back_whole(store) {
        let t = demo_server(&store, |_| {}).await;
        let mo = user_with_token(&t, "mo", true);
        let url = t.url("/posts/advocacy-1-3");
        let before = json_of(t.http.get(&url).send().await.unwrap(), StatusCode::OK).await;
        let path = t.url("/mod/posts/advocacy-1-3");
        let (code, problem) = problem_code(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"hidden": true, "reason": " "})).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!((code.as_str(), &problem["errors"][0]["field"]), ("validation_failed", &json!("reason")));
        let hidden = json_of(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"hidden": true, "reason": "personal details"})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(hidden["body"], "*Hidden by a moderator: personal details*");
        assert_eq!(hidden["version"], before["version"].as_u64().unwrap() + 1);
        let read = json_of(t.http.get(&url).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(read["body"], hidden["body"], "every reader sees the stub");
        assert!(!read.to_string().contains(before["body"].as_str().unwrap()), "the words are not served");
        let (code, _) = problem_code(
            t.http
                .patch(&url)
                .bearer_auth(t.admin())
                .header(threadmark::api::headers::IF_MATCH, format!("\"v{}\"", hidden["version"]))
                .json(&json!({"body": "rewritten"}))
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(code, "forbidden", "a hidden post is not edited behind the stub");

        let said = stdout(&serve(t.dir.path(), &t.store, &["post", "unhide", "advocacy-1-3"], ""));
        assert_eq!(said, format!("showed post advocacy-1-3 (#3 in thread {THREAD})\n"));
        let back = json_of(t.http.get(&url).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(back["body"], before["body"]);
        let printed = stdout(&serve(t.dir.path(), &t.store, &["log"], ""));
        let lines: Vec<&str> = printed.lines().collect();
        assert!(lines[0].ends_with("(operator) unhide advocacy-1-3"), "{printed}");
        assert!(lines[1].ends_with("mo hide advocacy-1-3 (personal details)"), "{printed}");
    }
}
