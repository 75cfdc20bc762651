//! Notifications and private messages: a reply to your post, a post mentioning you, a
//! post quoting you and a private message each notify you once, in your changes feed
//! only; `PUT /notifications/read` clears them; a private message is read by its
//! participants alone, through every endpoint and the feed; `GET /users?prefix=` names.

use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use threadmark::api::headers;
use threadmark::remote::{Backend, NativeBackend, Timeouts};

async fn send(
    t: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let mut request = t
        .http
        .request(method, t.url(path))
        .header(headers::IDEMPOTENCY_KEY, uuid::Uuid::now_v7().to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn get(t: &TestServer, token: &str, path: &str) -> Value {
    json_of(
        send(t, Method::GET, path, Some(token), None).await,
        StatusCode::OK,
    )
    .await
}

async fn post(t: &TestServer, token: &str, path: &str, body: Value) -> Value {
    json_of(
        send(t, Method::POST, path, Some(token), Some(&body)).await,
        StatusCode::CREATED,
    )
    .await
}

/// A new member and their token.
async fn member(t: &TestServer, name: &str) -> String {
    let store = t.server.store();
    store
        .add_user(name.into(), None, false, None)
        .await
        .unwrap();
    store.issue_token(name.into(), None).await.unwrap().1
}

/// Every change of `kind` in the caller's feed from the start.
async fn feed(t: &TestServer, token: Option<&str>, kind: &str) -> Vec<Value> {
    let page = json_of(
        send(t, Method::GET, "/changes?limit=1000", token, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["has_more"], false);
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect()
}

/// Every write on a private message by someone outside it answers 404.
async fn outsiders_cannot_write(t: &TestServer, c: &str, pm: &str, pm_post: &str) {
    let refused = [
        (Method::GET, format!("/threads/{pm}/read"), None),
        (
            Method::PUT,
            format!("/threads/{pm}/read"),
            Some(json!({"read_to_seq": 1})),
        ),
        (
            Method::POST,
            format!("/threads/{pm}/posts"),
            Some(json!({"body": "let me in"})),
        ),
        (
            Method::PUT,
            format!("/posts/{pm_post}/reactions/like"),
            None,
        ),
        (
            Method::PUT,
            format!("/threads/{pm}/watch"),
            Some(json!({"level": "watching"})),
        ),
        (
            Method::POST,
            "/bookmarks".to_owned(),
            Some(json!({"post_id": pm_post})),
        ),
    ];
    for (method, path, body) in refused {
        let response = send(t, method.clone(), &path, Some(c), body.as_ref()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let edit = t
        .http
        .patch(t.url(&format!("/posts/{pm_post}")))
        .bearer_auth(c)
        .header(headers::IF_MATCH, "\"v1\"")
        .json(&json!({"body": "mine now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::NOT_FOUND);
    let admin = t.admin();
    let moderated = t
        .http
        .patch(t.url(&format!("/mod/threads/{pm}")))
        .bearer_auth(&admin)
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        moderated.status(),
        StatusCode::NOT_FOUND,
        "not even a moderator"
    );
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replies_mentions_quotes_and_messages_notify_their_reader_alone(store) {
        let t = demo_server(&store, |_| {}).await;
        let a = t.member(); // the demo member, named "demo"
        let (b, c) = (member(&t, "bea").await, member(&t, "cid").await);

        let mine = post(&t, &a, &format!("/threads/{THREAD}/posts"), json!({"body": "A view of mine."})).await;
        let seq = mine["seq"].as_u64().unwrap();
        let reply = post(&t, &b, &format!("/threads/{THREAD}/posts"),
            json!({"body": "I answer you.", "reply_to": mine["id"]})).await;
        let mention = post(&t, &b, &format!("/threads/{THREAD}/posts"),
            json!({"body": "What does @demo think? (`@cid` is code)"})).await;
        let quote = post(&t, &b, &format!("/threads/{THREAD}/posts"),
            json!({"body": format!("demo wrote (#{seq}):\n> A view of mine.\n\nNot mine.")})).await;
        let message = post(&t, &b, "/messages",
            json!({"to": ["Demo"], "title": "Between us", "body": "A word in private."})).await;
        let pm = message["thread"]["id"].as_str().unwrap().to_owned();
        let pm_post = message["post"]["id"].as_str().unwrap().to_owned();
        assert_eq!(message["thread"]["area_id"], "");
        assert_eq!(message["thread"]["participants"], json!(["bea", "demo"]));

        // A: four notifications, newest first, each of its kind, naming the post.
        let page = get(&t, &a, "/notifications").await;
        let got: Vec<(String, String)> = page["notifications"].as_array().unwrap().iter()
            .map(|n| (n["kind"].as_str().unwrap().to_owned(), n["post_id"].as_str().unwrap().to_owned()))
            .collect();
        let want = [("message", pm_post.as_str()), ("quote", quote["id"].as_str().unwrap()),
            ("mention", mention["id"].as_str().unwrap()), ("reply", reply["id"].as_str().unwrap())]
            .map(|(k, id)| (k.to_owned(), id.to_owned()));
        assert_eq!(got, want);
        assert_eq!(page["unread"], 4);
        let first = &page["notifications"][0];
        assert_eq!(first["author"]["name"], "bea");
        assert_eq!(first["thread_title"], "Between us");
        assert_eq!(first["excerpt"], "A word in private.");
        assert_eq!(first["read"], false);
        assert_eq!(page["notifications"][1]["excerpt"], "Not mine.", "the quote is left out");
        assert_eq!(feed(&t, Some(&a), "notification").await.len(), 4, "in A's feed");

        // Paged: two at a time.
        let half = get(&t, &a, "/notifications?limit=2").await;
        let cursor = half["next_cursor"].as_str().unwrap().to_owned();
        let rest = get(&t, &a, &format!("/notifications?limit=2&cursor={cursor}")).await;
        assert_eq!(rest["notifications"][0]["kind"], "mention");
        assert!(rest.get("next_cursor").is_none());

        // C: nothing, and the message is nowhere to be read.
        assert_eq!(get(&t, &c, "/notifications").await["notifications"], json!([]));
        assert!(feed(&t, Some(&c), "notification").await.is_empty());
        for who in [Some(c.as_str()), None] {
            let threads = feed(&t, who, "thread").await;
            assert!(threads.iter().all(|x| x["thread"]["id"] != pm.as_str()), "{threads:?}");
            let posts = feed(&t, who, "post").await;
            assert!(posts.iter().all(|x| x["post"]["thread_id"] != pm.as_str()));
            assert!(!posts.is_empty(), "the public posts still arrive");
            for path in [format!("/threads/{pm}"), format!("/threads/{pm}/posts"),
                         format!("/posts/{pm_post}"), format!("/posts/{pm_post}/revisions")] {
                let response = send(&t, Method::GET, &path, who, None).await;
                assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            }
            let response = send(&t, Method::GET, &format!("/posts?thread={pm}"), who, None).await;
            assert_eq!(response.status(), StatusCode::OK);
            let batch: serde_json::Value = response.json().await.unwrap();
            assert_eq!(batch, json!({"pages": [], "missing": [pm]}));
        }
        assert_eq!(get(&t, &c, "/messages").await["threads"], json!([]));
        outsiders_cannot_write(&t, &c, &pm, &pm_post).await;

        // A reads and answers it through the usual endpoints; B hears of the answer.
        assert_eq!(get(&t, &a, &format!("/threads/{pm}/posts")).await["posts"][0]["body"], "A word in private.");
        assert_eq!(get(&t, &a, &format!("/posts?thread={pm}")).await["pages"][0]["posts"][0]["body"], "A word in private.");
        assert_eq!(get(&t, &a, "/messages").await["threads"][0]["id"], pm.as_str());
        post(&t, &a, &format!("/threads/{pm}/posts"), json!({"body": "Agreed."})).await;
        let bs = get(&t, &b, "/notifications").await;
        assert_eq!(bs["notifications"][0]["kind"], "message");
        assert_eq!(bs["notifications"][0]["author"]["name"], "demo");
        assert_eq!(get(&t, &c, "/notifications").await["unread"], 0);

        // Marking read: one, then all; each comes again in A's feed, read.
        let one = page["notifications"][3]["id"].clone();
        let marked = json_of(send(&t, Method::PUT, "/notifications/read", Some(&a),
            Some(&json!({"ids": [one, "not-an-id"]}))).await, StatusCode::OK).await;
        assert_eq!(marked, json!({"marked": 1, "unread": 3}));
        let marked = json_of(send(&t, Method::PUT, "/notifications/read", Some(&a),
            Some(&json!({"all": true}))).await, StatusCode::OK).await;
        assert_eq!(marked, json!({"marked": 3, "unread": 0}));
        let entries = feed(&t, Some(&a), "notification").await;
        assert_eq!(entries.len(), 4);
        assert!(entries.iter().all(|n| n["notification"]["read"] == true));
        assert_eq!(get(&t, &a, "/notifications?unread=true").await["notifications"], json!([]));
        let (code, _) = problem_code(send(&t, Method::PUT, "/notifications/read", Some(&a),
            Some(&json!({}))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "validation_failed");
        // B's own notification is not A's to mark.
        let bs_id = bs["notifications"][0]["id"].clone();
        let marked = json_of(send(&t, Method::PUT, "/notifications/read", Some(&c),
            Some(&json!({"ids": [bs_id]}))).await, StatusCode::OK).await;
        assert_eq!(marked["marked"], 0);
        assert_eq!(get(&t, &b, "/notifications").await["unread"], 1);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn messages_need_real_recipients_and_a_retry_makes_one(store) {
        let t = demo_server(&store, |_| {}).await;
        let a = t.member();
        let b = member(&t, "bea").await;
        for (to, why) in [(json!(["nobody"]), "no user"), (json!(["demo"]), "other than yourself"), (json!([]), "recipient")] {
            let response = send(&t, Method::POST, "/messages", Some(&a),
                Some(&json!({"to": to, "title": "T", "body": "B"}))).await;
            let (code, problem) = problem_code(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(code, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "to");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains(why), "{problem}");
        }
        let body = json!({"to": ["bea"], "title": "Once", "body": "Only once."});
        let again = || t.http.post(t.url("/messages")).bearer_auth(&a)
            .header(headers::IDEMPOTENCY_KEY, "same-key").json(&body).send();
        let first = json_of(again().await.unwrap(), StatusCode::CREATED).await;
        let second = again().await.unwrap();
        assert_eq!(second.headers().get(headers::IDEMPOTENT_REPLAYED).unwrap(), "true");
        assert_eq!(json_of(second, StatusCode::CREATED).await["thread"]["id"], first["thread"]["id"]);
        let listed = get(&t, &b, "/messages").await;
        assert_eq!(listed["threads"].as_array().unwrap().len(), 1);
        assert_eq!(get(&t, &b, "/notifications").await["unread"], 1, "one message, one notification");
        assert_eq!(t.count("participants").await, 2);

        // Names for completion: by prefix, any case; only with a token.
        assert_eq!(get(&t, &a, "/users?prefix=BE").await, json!({"users": ["bea"]}));
        assert_eq!(get(&t, &a, "/users?prefix=zz").await, json!({"users": []}));
        let anonymous = send(&t, Method::GET, "/users?prefix=b", None, None).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        // The client's lookup for the composer's @-completion.
        let root = t.url("");
        let root = root.trim_end_matches("/api/v1");
        let http = threadmark::remote::HttpClient::new(root, Timeouts::default()).unwrap();
        let mut client = NativeBackend::new(http, Some(threadmark::store::Secret::new(a.clone())));
        assert_eq!(client.search_users("BE").await.unwrap(), ["bea"]);
        assert!(client.search_users("zz").await.unwrap().is_empty());
    }
}
