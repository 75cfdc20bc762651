//! Roles × endpoints: every operation of API v1, as `assets/api/openapi.yaml` lists it,
//! called over HTTP by each kind of caller — nobody, a reader, a silenced member, a
//! member, a moderator, an admin — and answered either as allowed or as refused with
//! the reason (`401` to sign in, `403 forbidden` naming the role needed, or the silence).
//! An endpoint added to the spec without a row here fails the test.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of};
use crate::moderation::user_with_token;
use crate::spec::Contract;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use threadmark::api::{Role, headers};
use threadmark::server::Registration;

/// How an endpoint answers one caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// 2xx (or 304).
    Allowed,
    /// 401: sign in first.
    SignIn,
    /// 403 `forbidden`, the detail naming this role as the one needed.
    Needs(&'static str),
    /// 403 `forbidden`: a moderator silenced the caller.
    Silenced,
}
use Answer::{Allowed, Needs, SignIn, Silenced};

/// The callers, weakest first (so an admin's removals come after everyone else's tries).
const CALLERS: [&str; 6] = [
    "nobody",
    "reader",
    "silenced",
    "member",
    "moderator",
    "admin",
];

const EVERYONE: [Answer; 6] = [Allowed; 6];
const SIGNED_IN: [Answer; 6] = [SignIn, Allowed, Allowed, Allowed, Allowed, Allowed];
const POSTERS: [Answer; 6] = [SignIn, Needs("member"), Silenced, Allowed, Allowed, Allowed];
const MODERATORS: [Answer; 6] = [
    SignIn,
    Needs("moderator"),
    Needs("moderator"),
    Needs("moderator"),
    Allowed,
    Allowed,
];
const ADMINS: [Answer; 6] = [
    SignIn,
    Needs("admin"),
    Needs("admin"),
    Needs("admin"),
    Needs("admin"),
    Allowed,
];

/// One endpoint's row: the spec's method and path template, the path called (`{ROLE}`
/// becomes the caller's name, `{MINE}` a post of the caller's own), the body (`{ROLE}`
/// replaced too) and the answer per caller in [`CALLERS`] order.
struct Row {
    method: &'static str,
    template: &'static str,
    path: &'static str,
    body: Value,
    answers: [Answer; 6],
}

fn row(
    method: &'static str,
    template: &'static str,
    path: &'static str,
    body: Value,
    answers: [Answer; 6],
) -> Row {
    Row {
        method,
        template,
        path,
        body,
        answers,
    }
}

/// Every endpoint, in the order they are called.
fn table() -> Vec<Row> {
    let none = Value::Null;
    vec![
        row("get", "/status", "/status", none.clone(), EVERYONE),
        row(
            "post",
            "/tokens",
            "/tokens",
            json!({"name": "alice", "password": "correct horse"}),
            EVERYONE,
        ),
        row(
            "post",
            "/register",
            "/register",
            json!({"name": "new-{ROLE}", "password": "a long password"}),
            EVERYONE,
        ),
        row("get", "/me", "/me", none.clone(), SIGNED_IN),
        row("get", "/tree", "/tree", none.clone(), EVERYONE),
        row(
            "get",
            "/areas/{id}/threads",
            "/areas/advocacy/threads",
            none.clone(),
            EVERYONE,
        ),
        row(
            "post",
            "/areas/{id}/threads",
            "/areas/advocacy/threads",
            json!({"title": "From {ROLE}", "body": "A new thread."}),
            POSTERS,
        ),
        row(
            "get",
            "/threads/{id}",
            "/threads/advocacy-1",
            none.clone(),
            EVERYONE,
        ),
        row(
            "get",
            "/threads/{id}/posts",
            "/threads/advocacy-1/posts",
            none.clone(),
            EVERYONE,
        ),
        row(
            "post",
            "/threads/{id}/posts",
            "/threads/advocacy-1/posts",
            json!({"body": "Hello from {ROLE}."}),
            POSTERS,
        ),
        row(
            "get",
            "/threads/{id}/read",
            "/threads/advocacy-1/read",
            none.clone(),
            SIGNED_IN,
        ),
        row(
            "put",
            "/threads/{id}/read",
            "/threads/advocacy-1/read",
            json!({"read_to_seq": 2}),
            SIGNED_IN,
        ),
        row(
            "put",
            "/threads/{id}/watch",
            "/threads/advocacy-1/watch",
            json!({"level": "tracking"}),
            SIGNED_IN,
        ),
        row(
            "put",
            "/areas/{id}/watch",
            "/areas/advocacy/watch",
            json!({"level": "muted"}),
            SIGNED_IN,
        ),
        row("get", "/bookmarks", "/bookmarks", none.clone(), SIGNED_IN),
        row(
            "post",
            "/bookmarks",
            "/bookmarks",
            json!({"post_id": "advocacy-1-2"}),
            SIGNED_IN,
        ),
        row(
            "delete",
            "/bookmarks/{post_id}",
            "/bookmarks/advocacy-1-2",
            none.clone(),
            SIGNED_IN,
        ),
        row(
            "get",
            "/posts/{id}",
            "/posts/advocacy-1-2",
            none.clone(),
            EVERYONE,
        ),
        // Each caller edits a post of their own: a reader or a silenced member may not.
        row(
            "patch",
            "/posts/{id}",
            "/posts/{MINE}",
            json!({"body": "Edited by {ROLE}."}),
            POSTERS,
        ),
        row(
            "get",
            "/posts/{id}/revisions",
            "/posts/advocacy-1-2/revisions",
            none.clone(),
            EVERYONE,
        ),
        row(
            "put",
            "/posts/{id}/reactions/like",
            "/posts/advocacy-1-2/reactions/like",
            none.clone(),
            SIGNED_IN,
        ),
        row(
            "delete",
            "/posts/{id}/reactions/like",
            "/posts/advocacy-1-2/reactions/like",
            none.clone(),
            SIGNED_IN,
        ),
        row("get", "/changes", "/changes", none.clone(), EVERYONE),
        row(
            "get",
            "/notifications",
            "/notifications",
            none.clone(),
            SIGNED_IN,
        ),
        row(
            "put",
            "/notifications/read",
            "/notifications/read",
            json!({"all": true}),
            SIGNED_IN,
        ),
        row("get", "/messages", "/messages", none.clone(), SIGNED_IN),
        row(
            "post",
            "/messages",
            "/messages",
            json!({"to": ["alice"], "title": "From {ROLE}", "body": "Just us."}),
            POSTERS,
        ),
        row("get", "/users", "/users?prefix=a", none.clone(), SIGNED_IN),
        row(
            "patch",
            "/mod/threads/{id}",
            "/mod/threads/advocacy-1",
            json!({"pinned": true}),
            MODERATORS,
        ),
        // Each caller splits off a post of their own (the weaker ones are refused first).
        row(
            "post",
            "/mod/threads/{id}/split",
            "/mod/threads/advocacy-1/split",
            json!({"from": "{MINE}"}),
            MODERATORS,
        ),
        row(
            "patch",
            "/mod/posts/{id}",
            "/mod/posts/advocacy-1-4",
            json!({"hidden": true, "reason": "off topic"}),
            MODERATORS,
        ),
        row(
            "patch",
            "/mod/users/{name}",
            "/mod/users/alice",
            json!({"silenced_until": "2999-01-01T00:00:00Z"}),
            MODERATORS,
        ),
        row("get", "/admin/log", "/admin/log", none.clone(), MODERATORS),
        row(
            "put",
            "/admin/mode",
            "/admin/mode",
            json!({"mode": "open"}),
            ADMINS,
        ),
        row(
            "patch",
            "/admin/forum",
            "/admin/forum",
            json!({"title": "Ours"}),
            ADMINS,
        ),
        row(
            "put",
            "/admin/announcement",
            "/admin/announcement",
            json!({"text": "Hello"}),
            ADMINS,
        ),
        row(
            "delete",
            "/admin/announcement",
            "/admin/announcement",
            none.clone(),
            ADMINS,
        ),
        row(
            "put",
            "/admin/sections/{id}",
            "/admin/sections/club",
            json!({"title": "Club"}),
            ADMINS,
        ),
        row(
            "put",
            "/admin/areas/{id}",
            "/admin/areas/club-news",
            json!({"section": "club", "title": "News"}),
            ADMINS,
        ),
        row(
            "delete",
            "/admin/areas/{id}",
            "/admin/areas/club-news",
            none.clone(),
            ADMINS,
        ),
        row(
            "delete",
            "/admin/sections/{id}",
            "/admin/sections/club",
            none,
            ADMINS,
        ),
    ]
}

/// The spec's operations as `(method, template)`.
fn spec_operations() -> BTreeSet<(String, String)> {
    let contract = Contract::new();
    let mut operations = BTreeSet::new();
    for (path, item) in contract.doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// What one caller got: the answer it amounts to, and the body to show when it is not
/// the one expected.
async fn ask(
    t: &TestServer,
    caller: &str,
    token: Option<&str>,
    row: &Row,
    mine: &str,
) -> (Option<Answer>, String) {
    let path = row.path.replace("{ROLE}", caller).replace("{MINE}", mine);
    let mut request = t
        .http
        .request(row.method.to_uppercase().parse().unwrap(), t.url(&path))
        .header(
            headers::IDEMPOTENCY_KEY,
            format!("{}-{path}-{caller}", row.method),
        );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if row.method == "patch" && row.template == "/posts/{id}" {
        let current = t.http.get(t.url(&path)).send().await.unwrap();
        let etag = current.headers()[headers::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        request = request.header(headers::IF_MATCH, etag);
    }
    if !row.body.is_null() {
        let body = row
            .body
            .to_string()
            .replace("{ROLE}", caller)
            .replace("{MINE}", mine);
        request = request.json(&serde_json::from_str::<Value>(&body).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let detail = problem["detail"].as_str().unwrap_or_default();
    let answer = match (status, problem["code"].as_str()) {
        (s, _) if s.is_success() || s == StatusCode::NOT_MODIFIED => Some(Allowed),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")) => Some(SignIn),
        (StatusCode::FORBIDDEN, Some("forbidden")) if detail.contains("silenced you") => {
            Some(Silenced)
        }
        (StatusCode::FORBIDDEN, Some("forbidden")) => ["reader", "member", "moderator", "admin"]
            .into_iter()
            .find(|role| detail.contains(&format!("role needed: {role}")))
            .map(Needs),
        _ => None,
    };
    (answer, format!("{status} {text}"))
}

/// Makes the callers: a reader and a silenced member who each wrote a post while they
/// were members, and a moderator; answers (name → token) and (name → their post).
async fn callers(
    t: &TestServer,
) -> (
    BTreeMap<&'static str, String>,
    BTreeMap<&'static str, String>,
) {
    let mut tokens = BTreeMap::from([("member", t.member()), ("admin", t.admin())]);
    tokens.insert("moderator", user_with_token(t, "moderator", true));
    tokens.insert("reader", user_with_token(t, "reader", false));
    tokens.insert("silenced", user_with_token(t, "silenced", false));
    let mut posts = BTreeMap::new();
    for (name, token) in &tokens {
        let made = json_of(
            crate::common::reply(
                &t.http,
                t.server.url().as_str(),
                token,
                THREAD,
                &format!("own-{name}"),
                &json!({"body": format!("Mine, {name}'s.")}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        posts.insert(*name, made["id"].as_str().unwrap().to_owned());
    }
    posts.insert("nobody", posts["member"].clone());
    let said = stdout(&serve(
        t.dir.path(),
        &t.store,
        &["user", "role", "reader", "reader"],
        "",
    ));
    assert_eq!(said, "reader is now a reader\n");
    let silenced = t
        .http
        .patch(t.url("/mod/users/silenced"))
        .bearer_auth(t.admin())
        .json(&json!({"silenced_until": "2999-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(silenced.status(), StatusCode::OK);
    (tokens, posts)
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_endpoint_answers_each_role_as_it_should(store) {
        let t = demo_server(&store, |c| c.registration = Registration::Open(Role::Member)).await;
        let hash = threadmark::server::db::users::hash_password("correct horse").unwrap();
        t.server.store().add_user("alice".into(), Some(hash), false, None).await.unwrap();
        let (tokens, posts) = callers(&t).await;

        let table = table();
        let rows: BTreeSet<(String, String)> =
            table.iter().map(|r| (r.method.to_owned(), r.template.to_owned())).collect();
        assert_eq!(rows.len(), table.len(), "one row per endpoint");
        assert_eq!(rows, spec_operations(), "every endpoint of the spec has a row, and only those");

        let mut wrong = Vec::new();
        for row in &table {
            for (caller, expected) in CALLERS.iter().zip(row.answers) {
                let token = tokens.get(caller).map(String::as_str);
                let (got, said) = ask(&t, caller, token, row, &posts[caller]).await;
                if got != Some(expected) {
                    wrong.push(format!(
                        "{} {} as {caller}: expected {expected:?}, got {got:?}: {said}",
                        row.method.to_uppercase(),
                        row.template
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
