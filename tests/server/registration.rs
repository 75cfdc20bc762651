//! Open registration (`POST /register`): closed by default (403 `registration_closed`,
//! nobody made); opened by the operator, it makes a member (or a reader) with a token,
//! under the same name, password and rate rules as redeeming an invitation, on both stores.

use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::{Response, StatusCode};
use serde_json::json;
use threadmark::api::{ForumMode, Role};
use threadmark::server::Registration;

async fn register(t: &TestServer, name: &str, password: &str) -> Response {
    t.http
        .post(t.url("/register"))
        .json(&json!({"name": name, "password": password, "device": "laptop"}))
        .send()
        .await
        .unwrap()
}

async fn sign_in(t: &TestServer, name: &str, password: &str) -> StatusCode {
    t.http
        .post(t.url("/tokens"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registration_is_closed_by_default_and_makes_nobody(store) {
        let t = demo_server(&store, |_| {}).await;
        let users = t.count("users").await;
        let (code, problem) = problem_code(register(&t, "bea", "bea's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "registration_closed");
        assert!(problem["detail"].as_str().unwrap().contains("invitation"), "{problem}");
        assert_eq!(t.count("users").await, users, "no user was made");
        assert_eq!(sign_in(&t, "bea", "bea's long password").await, StatusCode::UNAUTHORIZED);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_registration_makes_a_member_who_can_post(store) {
        let t = demo_server(&store, |c| c.registration = Registration::Open(Role::Member)).await;
        let grant = json_of(register(&t, "bea", "bea's long password").await, StatusCode::CREATED).await;
        assert_eq!((grant["user"]["name"].as_str(), grant["user"]["role"].as_str()), (Some("bea"), Some("member")));
        let token = grant["token"].as_str().unwrap().to_owned();
        let me = t.http.get(t.url("/me")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(json_of(me, StatusCode::OK).await["name"], "bea");
        let posted = reply(&t.http, &t.server.url(), &token, THREAD, "bea-1", &json!({"body": "Hello, I registered"})).await;
        assert_eq!(posted.status(), StatusCode::CREATED, "a registered member posts");
        assert_eq!(sign_in(&t, "bea", "bea's long password").await, StatusCode::CREATED, "the chosen password works");

        let users = t.count("users").await;
        let (code, _) = problem_code(register(&t, "BEA", "another long password").await, StatusCode::CONFLICT).await;
        assert_eq!(code, "already_exists", "names are taken whatever their case");
        let (code, problem) = problem_code(register(&t, " cy", "cy's long password").await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((code.as_str(), problem["errors"][0]["field"].as_str()), ("validation_failed", Some("name")));
        let (code, problem) = problem_code(register(&t, "cy", "short").await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((code.as_str(), problem["errors"][0]["field"].as_str()), ("validation_failed", Some("password")));
        assert_eq!(t.count("users").await, users, "refused registrations make nobody");
        assert_eq!(sign_in(&t, "BEA", "another long password").await, StatusCode::UNAUTHORIZED, "bea's password was not changed");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registration_as_reader_makes_a_reader_who_cannot_post(store) {
        let t = demo_server(&store, |c| c.registration = Registration::Open(Role::Reader)).await;
        let grant = json_of(register(&t, "dee", "dee's long password").await, StatusCode::CREATED).await;
        assert_eq!(grant["user"]["role"], "reader");
        let token = grant["token"].as_str().unwrap();
        let posted = reply(&t.http, &t.server.url(), token, THREAD, "dee-1", &json!({"body": "Hello"})).await;
        assert_eq!(problem_code(posted, StatusCode::FORBIDDEN).await.0, "forbidden");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registrations_are_rate_limited_like_other_writes(store) {
        let t = demo_server(&store, |c| {
            c.registration = Registration::Open(Role::Member);
            c.limits.writes_per_minute = 1;
            c.limits.write_burst = 2;
        })
        .await;
        for name in ["e1", "e2"] {
            assert_eq!(register(&t, name, "a long password").await.status(), StatusCode::CREATED);
        }
        let users = t.count("users").await;
        let flood = register(&t, "e3", "a long password").await;
        assert!(flood.headers().contains_key("retry-after"));
        assert_eq!(problem_code(flood, StatusCode::TOO_MANY_REQUESTS).await.0, "rate_limited");
        assert_eq!(t.count("users").await, users, "the refused registration made nobody");
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_only_forum_takes_no_registrations(store) {
        let t = demo_server(&store, |c| {
            c.registration = Registration::Open(Role::Member);
            c.mode = Some(ForumMode::ReadOnly);
        })
        .await;
        let users = t.count("users").await;
        let (code, _) = problem_code(register(&t, "fay", "fay's long password").await, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(code, "logins_disabled");
        assert_eq!(t.count("users").await, users, "nobody was made");
    }
}
