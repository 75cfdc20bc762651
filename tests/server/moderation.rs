//! Moderation: what a moderator's lock, pin, move and hide do for everyone else (the
//! feed, replies, the log). Who may call which endpoint is `roles.rs`'s table.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
        // Sent again (a client's resend after a lost answer): the same state, nothing
        // changes and the log holds the hiding once (checked below, under the unhide).
        let again = json_of(
            t.http.patch(&path).bearer_auth(&mo).json(&json!({"hidden": true, "reason": "personal details"})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(again, hidden, "a repeated hiding is no new version");
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
        assert_eq!(printed.matches("mo hide advocacy-1-3").count(), 1, "hidden once: {printed}");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_split_moves_the_later_posts_into_a_new_thread_and_the_feed_carries_both(store) {
        let t = demo_server(&store, |_| {}).await;
        let mo = user_with_token(&t, "mo", true);
        let before = crate::common::all_posts(&t.http, t.server.url().as_str(), THREAD).await;
        assert_eq!(before.len(), 8);
        let head = json_of(t.http.get(t.url("/changes?since=now")).send().await.unwrap(), StatusCode::OK).await;
        let cursor = head["next_cursor"].as_str().unwrap().to_owned();

        let split = |key: &str, body: serde_json::Value| {
            t.http
                .post(t.url(&format!("/mod/threads/{THREAD}/split")))
                .bearer_auth(&mo)
                .header(threadmark::api::headers::IDEMPOTENCY_KEY, key.to_owned())
                .json(&body)
                .send()
        };
        let (code, problem) = problem_code(split("s0", json!({"from": "advocacy-1-1"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((code.as_str(), &problem["errors"][0]["field"]), ("validation_failed", &json!("from")));
        let done = json_of(split("s1", json!({"from": "advocacy-1-5", "title": "Two thoughts"})).await.unwrap(), StatusCode::CREATED).await;
        let again = json_of(split("s1", json!({"from": "advocacy-1-5", "title": "Two thoughts"})).await.unwrap(), StatusCode::CREATED).await;
        assert_eq!(again, done, "a repeated request gets the same answer and splits nothing more");
        let new_id = done["thread"]["id"].as_str().unwrap().to_owned();
        assert_eq!((done["thread"]["area_id"].as_str(), done["thread"]["title"].as_str()), (Some("advocacy"), Some("Two thoughts")));

        // The new thread holds posts #5… renumbered from 1, their words and replies kept.
        let moved = crate::common::all_posts(&t.http, t.server.url().as_str(), &new_id).await;
        let bodies: Vec<&Value> = moved.iter().map(|p| &p["body"]).collect();
        let expected: Vec<&Value> = before[4..].iter().map(|p| &p["body"]).collect();
        assert_eq!(bodies, expected);
        crate::common::assert_dense(&moved);
        let ids: Vec<&str> = moved.iter().map(|p| p["id"].as_str().unwrap()).collect();
        for post in &moved {
            if let Some(parent) = post["reply_to"].as_str() {
                assert!(ids.contains(&parent), "a reply points into its own thread: {post}");
            }
        }
        // The old thread keeps #1–#4 and a tombstone for each post that left.
        let left = crate::common::all_posts(&t.http, t.server.url().as_str(), THREAD).await;
        assert_eq!(left.len(), 8);
        assert!(left[..4].iter().zip(&before[..4]).all(|(a, b)| a == b));
        assert!(left[4..].iter().all(|p| p["deleted"] == true && p["body"] == ""), "{left:?}");

        // A syncing client gets both threads, the tombstones and the new posts.
        let feed = json_of(t.http.get(t.url(&format!("/changes?since={cursor}&limit=1000"))).send().await.unwrap(), StatusCode::OK).await;
        let changes = feed["changes"].as_array().unwrap();
        let threads: Vec<&str> = changes.iter().filter(|c| c["kind"] == "thread").map(|c| c["thread"]["id"].as_str().unwrap()).collect();
        assert!(threads.contains(&THREAD) && threads.contains(&new_id.as_str()), "{feed}");
        let posts: Vec<(&str, bool)> = changes.iter().filter(|c| c["kind"] == "post").map(|c| (c["post"]["thread_id"].as_str().unwrap(), c["post"]["deleted"].as_bool().unwrap())).collect();
        assert_eq!(posts.iter().filter(|(th, gone)| *th == THREAD && *gone).count(), 4, "{feed}");
        assert_eq!(posts.iter().filter(|(th, _)| *th == new_id).count(), 4, "{feed}");
        let old_thread = changes.iter().find(|c| c["kind"] == "thread" && c["thread"]["id"] == THREAD).unwrap();
        let small = &old_thread["thread"]["small_actions"][0];
        assert_eq!((small["actor"].as_str(), small["action"].as_str()), (Some("mo"), Some("split")));
        assert_eq!(small["detail"], format!("posts #5–#8 to thread {new_id} (Two thoughts)"));

        // The operator splits too; a refusal changes nothing and says why.
        let out = serve(t.dir.path(), &t.store, &["thread", "split", &new_id, "--from", ids[0]], "");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("the opening post stays with its thread"), "{}", String::from_utf8_lossy(&out.stderr));
        let said = stdout(&serve(t.dir.path(), &t.store, &["thread", "split", &new_id, "--from", ids[3]], ""));
        assert!(said.starts_with(&format!("split 1 post(s) from thread {new_id} into thread ")), "{said}");
        let printed = stdout(&serve(t.dir.path(), &t.store, &["log"], ""));
        assert!(printed.contains(&format!("mo split {THREAD} (posts #5–#8 to thread {new_id} (Two thoughts))")), "{printed}");
        assert!(printed.contains(&format!("(operator) split {new_id} (posts #4 to thread ")), "{printed}");
    }
}
