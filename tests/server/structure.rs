//! Shaping the forum: sections, areas, title and announcement, through the admin
//! endpoints and `threadmark serve forum …`, reaching clients through the changes feed
//! and the tree's `ETag`.

use crate::cli::{serve, stdout};
use crate::common::{TestServer, both_stores, demo_server, json_of, problem_code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use threadmark::api::headers;

async fn put(t: &TestServer, token: &str, path: &str, body: &Value) -> reqwest::Response {
    t.http
        .put(t.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn delete(t: &TestServer, token: &str, path: &str) -> reqwest::Response {
    t.http
        .delete(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// `(section id, [area ids])` in the tree's order.
fn outline(tree: &Value) -> Vec<(String, Vec<String>)> {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let areas = s["areas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect();
            (s["id"].as_str().unwrap().to_owned(), areas)
        })
        .collect()
}

fn owned(outline: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    outline
        .iter()
        .map(|(s, areas)| {
            (
                (*s).to_owned(),
                areas.iter().map(|a| (*a).to_owned()).collect(),
            )
        })
        .collect()
}

async fn tree_etag(t: &TestServer) -> String {
    let answer = t.http.get(t.url("/tree")).send().await.unwrap();
    answer.headers()[headers::ETAG].to_str().unwrap().to_owned()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_admin_shapes_the_forum_and_a_long_polling_client_sees_each_change(store) {
        let t = demo_server(&store, |_| {}).await;
        let admin = t.admin();
        let before = tree_etag(&t).await;
        let head = json_of(
            t.http.get(t.url("/changes?since=now")).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let cursor = head["next_cursor"].as_str().unwrap().to_owned();

        // A client waits on the feed; the new section wakes it.
        let waiting = {
            let http = t.http.clone();
            let url = t.url(&format!("/changes?since={cursor}&wait=30"));
            tokio::spawn(async move { http.get(url).send().await.unwrap() })
        };
        let created = put(&t, &admin, "/admin/sections/club", &json!({"title": "The club", "position": 1})).await;
        let tree = json_of(created, StatusCode::CREATED).await;
        assert_eq!(outline(&tree)[0].0, "club", "position 1 is first");
        let woken = json_of(waiting.await.unwrap(), StatusCode::OK).await;
        let change = &woken["changes"][0];
        assert_eq!(change["kind"], "tree");
        assert_eq!(change["tree"]["sections"][0]["title"], "The club");

        let created = put(
            &t,
            &admin,
            "/admin/areas/news",
            &json!({"section": "club", "title": "News", "description": "What the board says"}),
        )
        .await;
        let tree = json_of(created, StatusCode::CREATED).await;
        assert_eq!(tree["sections"][0]["areas"][0]["description"], "What the board says");
        assert_ne!(tree_etag(&t).await, before, "the tree's ETag moved");
        let page = json_of(
            t.http.get(t.url("/areas/news/threads")).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["threads"], json!([]), "the new area takes threads");

        // Rename, describe, move: changes only what is given.
        let tree = json_of(
            put(&t, &admin, "/admin/areas/news", &json!({"title": "Board news", "description": ""})).await,
            StatusCode::OK,
        )
        .await;
        let area = &tree["sections"][0]["areas"][0];
        assert_eq!((area["title"].as_str(), area.get("description")), (Some("Board news"), None));
        let tree = json_of(
            put(&t, &admin, "/admin/areas/advocacy", &json!({"section": "club", "position": 1})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            outline(&tree),
            owned(&[
                ("club", &["advocacy", "news"]),
                ("strategic-initiatives", &["information-policy", "professional-and-leadership-development"]),
                ("enabling-strategies", &[]),
            ])
        );
        assert_eq!(tree["sections"][0]["areas"][0]["thread_count"], 1, "its threads came along");

        // Removal: refused while not empty, then done.
        let (code, problem) = problem_code(delete(&t, &admin, "/admin/areas/advocacy").await, StatusCode::CONFLICT).await;
        assert_eq!(code, "not_empty");
        assert!(problem["detail"].as_str().unwrap().contains("1 thread"), "{problem}");
        let (code, _) = problem_code(delete(&t, &admin, "/admin/sections/club").await, StatusCode::CONFLICT).await;
        assert_eq!(code, "not_empty");
        let tree = json_of(delete(&t, &admin, "/admin/sections/enabling-strategies").await, StatusCode::OK).await;
        assert_eq!(outline(&tree).len(), 2);
        json_of(delete(&t, &admin, "/admin/areas/news").await, StatusCode::OK).await;
        let (code, _) = problem_code(delete(&t, &admin, "/admin/areas/news").await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "area_not_found");

        // Title and announcement.
        let tree = json_of(
            t.http.patch(t.url("/admin/forum")).bearer_auth(&admin).json(&json!({"title": "Our club"})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(tree["title"], "Our club");
        let tree = json_of(
            put(&t, &admin, "/admin/announcement", &json!({"text": "AGM on Friday", "severity": "warning"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(tree["announcement"]["severity"], "warning");
        assert!(tree["announcement"]["id"].as_str().unwrap().starts_with("announcement-"));
        let tree = json_of(delete(&t, &admin, "/admin/announcement").await, StatusCode::OK).await;
        assert!(tree.get("announcement").is_none());

        // The feed holds the structure once, as it is now.
        let feed = json_of(
            t.http.get(t.url(&format!("/changes?since={cursor}"))).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let trees: Vec<&Value> = feed["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "tree").collect();
        assert_eq!(trees.len(), 1);
        assert_eq!(trees[0]["tree"]["title"], "Our club");
        assert_eq!(outline(&trees[0]["tree"]), outline(&tree));
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_an_admin_may_shape_the_forum_and_bad_input_changes_nothing(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let before = tree_etag(&t).await;
        let calls: Vec<(&str, &str, Value)> = vec![
            ("PATCH", "/admin/forum", json!({"title": "Mine"})),
            ("PUT", "/admin/announcement", json!({"text": "hi"})),
            ("DELETE", "/admin/announcement", Value::Null),
            ("PUT", "/admin/sections/mine", json!({"title": "Mine"})),
            ("DELETE", "/admin/sections/enabling-strategies", Value::Null),
            ("PUT", "/admin/areas/mine", json!({"section": "enabling-strategies", "title": "Mine"})),
            ("DELETE", "/admin/areas/information-policy", Value::Null),
        ];
        for (method, path, body) in &calls {
            let mut request = t.http.request(method.parse().unwrap(), t.url(path)).bearer_auth(&member);
            if !body.is_null() {
                request = request.json(body);
            }
            let (code, problem) = problem_code(request.send().await.unwrap(), StatusCode::FORBIDDEN).await;
            assert_eq!(code, "forbidden", "{method} {path}");
            assert!(problem["detail"].as_str().unwrap().contains("admin"), "{problem}");
            let anonymous = t.http.request(method.parse().unwrap(), t.url(path)).json(body).send().await.unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        }

        let admin = t.admin();
        for (path, body, field) in [
            ("/admin/sections/has%20space", json!({"title": "x"}), "id"),
            ("/admin/sections/fresh", json!({}), "title"),
            ("/admin/sections/fresh", json!({"title": "  "}), "title"),
            ("/admin/areas/fresh", json!({"title": "No section"}), "section"),
            ("/admin/areas/fresh", json!({"section": "enabling-strategies", "title": "x".repeat(201)}), "title"),
        ] {
            let (code, problem) = problem_code(put(&t, &admin, path, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(code, "validation_failed", "{path} {body}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (code, _) = problem_code(
            put(&t, &admin, "/admin/areas/fresh", &json!({"section": "nope", "title": "x"})).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(code, "section_not_found");
        assert_eq!(tree_etag(&t).await, before, "nothing refused changed the tree");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_command_line_builds_a_forum_from_an_empty_store(store) {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| serve(dir.path(), &store, args, "");
        let forum = |args: &[&str]| {
            let mut all = vec!["forum"];
            all.extend_from_slice(args);
            stdout(&run(&all))
        };
        assert!(forum(&["show"]).contains("no sections yet"));
        assert_eq!(forum(&["title", "Riverside Rowing Club"]), "the forum is now called \"Riverside Rowing Club\"\n");
        forum(&["section", "add", "club", "--title", "The club"]);
        forum(&["section", "add", "board", "--title", "Board", "--position", "1"]);
        assert_eq!(forum(&["area", "add", "news", "--section", "club", "--title", "News"]), "added area news to section club\n");
        forum(&["area", "add", "minutes", "--section", "board", "--title", "Minuts", "--description", "Signed minutes"]);
        forum(&["area", "rename", "minutes", "--title", "Minutes"]);
        forum(&["area", "add", "chat", "--section", "club", "--title", "Chat", "--position", "1"]);
        forum(&["section", "rename", "board", "--title", "The board"]);
        forum(&["announce", "Regatta on Saturday", "--severity", "warning"]);

        let shown = forum(&["show"]);
        assert_eq!(
            shown,
            "Riverside Rowing Club\nannouncement (warning): Regatta on Saturday\n\
             \nThe board [board]\n  Minutes [minutes]: 0 thread(s), 0 post(s)\n    Signed minutes\n\
             \nThe club [club]\n  Chat [chat]: 0 thread(s), 0 post(s)\n  News [news]: 0 thread(s), 0 post(s)\n"
        );
        let tree: Value = serde_json::from_str(&forum(&["show", "--json"])).unwrap();
        assert_eq!(
            outline(&tree),
            owned(&[("board", &["minutes"]), ("club", &["chat", "news"])])
        );

        // Refusals say why and change nothing.
        for (args, says) in [
            (&["section", "add", "club", "--title", "Again"][..], "exists already"),
            (&["area", "rename", "nope", "--title", "x"][..], "no area \"nope\""),
            (&["section", "remove", "club"][..], "still holds 2 area(s) (chat, news)"),
            (&["area", "add", "bad id", "--section", "club", "--title", "x"][..], "letters, digits"),
            (&["area", "add", "x", "--section", "nope", "--title", "x"][..], "no section \"nope\""),
        ] {
            let mut all = vec!["forum"];
            all.extend_from_slice(args);
            let out = run(&all);
            assert!(!out.status.success(), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(says) && err.contains("nothing was changed"), "{args:?}: {err}");
        }
        assert_eq!(forum(&["show"]), shown);

        // Between chat and news; then chat goes.
        forum(&["area", "move", "minutes", "--section", "club", "--position", "2"]);
        forum(&["section", "remove", "board"]);
        forum(&["area", "remove", "chat"]);
        forum(&["announce", "--clear"]);
        forum(&["area", "describe", "minutes", ""]);
        assert_eq!(
            forum(&["show"]),
            "Riverside Rowing Club\n\nThe club [club]\n  Minutes [minutes]: 0 thread(s), 0 post(s)\n  News [news]: 0 thread(s), 0 post(s)\n"
        );
    }
}
