//! Members: invitations redeemed once (and refused when spent, expired or unknown), roles
//! in `/me` and in what a user may post (readers read; an area may take only the board),
//! and the operator's `serve user role|disable|enable|reset|remove` on both stores.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code, reply};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// `serve invite create ARGS…`: the token it prints.
fn invite(t: &TestServer, args: &[&str]) -> String {
    let mut all = vec!["invite", "create"];
    all.extend_from_slice(args);
    let said = stdout(&serve(t.dir.path(), &t.store, &all, ""));
    let first = said.lines().next().unwrap();
    let token = first
        .strip_prefix("invite: ")
        .and_then(|rest| rest.split_once(' '))
        .map_or_else(|| panic!("{said}"), |(token, _)| token.to_owned());
    assert!(
        said.contains(&format!(
            "threadmark login --account ACCOUNT --invite {token} --user NAME"
        )),
        "{said}"
    );
    token
}

/// `POST /tokens` with an invitation.
async fn redeem(t: &TestServer, token: &str, name: &str, password: &str) -> Response {
    t.http
        .post(t.url("/tokens"))
        .json(&json!({"name": name, "password": password, "invite": token}))
        .send()
        .await
        .unwrap()
}

/// `POST /tokens` with a name and password: the status.
async fn sign_in(t: &TestServer, name: &str, password: &str) -> StatusCode {
    t.http
        .post(t.url("/tokens"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn me(t: &TestServer, token: &str) -> Response {
    t.http
        .get(t.url("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_invitation_makes_one_member_and_a_spent_or_expired_one_is_refused(store) {
        let t = demo_server(&store, |_| {}).await;
        let once = invite(&t, &["--role", "member"]);
        let grant = json_of(redeem(&t, &once, "bea", "bea's long password").await, StatusCode::CREATED).await;
        assert_eq!((grant["user"]["name"].as_str(), grant["user"]["role"].as_str()), (Some("bea"), Some("member")));
        let token = grant["token"].as_str().unwrap().to_owned();
        let who = json_of(me(&t, &token).await, StatusCode::OK).await;
        assert_eq!(who["role"], "member", "/me says the role");
        reply_ok(&t, &token, "bea-1", "Hello from Bea").await;
        assert_eq!(sign_in(&t, "bea", "bea's long password").await, StatusCode::CREATED, "the chosen password works");

        let (code, problem) = problem_code(redeem(&t, &once, "cy", "cy's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid");
        assert!(problem["detail"].as_str().unwrap().contains("used up"), "{problem}");
        assert_eq!(sign_in(&t, "cy", "cy's long password").await, StatusCode::UNAUTHORIZED, "no user was made");

        // Two uses: two members, then refused; a taken name or a short password uses none.
        let twice = invite(&t, &["--uses", "2", "--expires", "2w"]);
        let (code, _) = problem_code(redeem(&t, &twice, "BEA", "another long one").await, StatusCode::CONFLICT).await;
        assert_eq!(code, "already_exists", "names are unique in any case");
        let (code, problem) = problem_code(redeem(&t, &twice, "cy", "short").await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((code.as_str(), &problem["errors"][0]["field"]), ("validation_failed", &json!("password")));
        json_of(redeem(&t, &twice, "cy", "cy's long password").await, StatusCode::CREATED).await;
        json_of(redeem(&t, &twice, "di", "di's long password").await, StatusCode::CREATED).await;
        let (code, _) = problem_code(redeem(&t, &twice, "ed", "ed's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid");

        // Expired, unknown and revoked invitations are refused.
        let late = invite(&t, &["--expires", "1h"]);
        t.execute("UPDATE invites SET expires_at = 1 WHERE created_at = (SELECT MAX(created_at) FROM invites)").await;
        let (code, problem) = problem_code(redeem(&t, &late, "ed", "ed's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid");
        assert!(problem["detail"].as_str().unwrap().contains("expired"), "{problem}");
        let (code, _) = problem_code(redeem(&t, "tmi_made_up", "ed", "ed's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid");
        let open = invite(&t, &["--role", "reader", "--expires", "never"]);
        let listed = stdout(&serve(t.dir.path(), &t.store, &["invite", "list"], ""));
        let line = listed.lines().find(|l| l.contains("role reader")).unwrap_or_else(|| panic!("{listed}"));
        assert!(!listed.contains(&open[4..]), "tokens are never listed: {listed}");
        let id = line.split_whitespace().next().unwrap();
        let said = stdout(&serve(t.dir.path(), &t.store, &["invite", "revoke", id], ""));
        assert_eq!(said, "revoked 1 invitation(s)\n");
        let (code, _) = problem_code(redeem(&t, &open, "ed", "ed's long password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid");
    }
}

async fn reply_ok(t: &TestServer, token: &str, key: &str, body: &str) {
    json_of(
        reply(
            &t.http,
            t.server.url().as_str(),
            token,
            THREAD,
            key,
            &json!({"body": body}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

/// A reply refused with 403 `forbidden`: its detail.
async fn reply_refused(t: &TestServer, token: &str, key: &str) -> String {
    let (code, problem) = problem_code(
        reply(
            &t.http,
            t.server.url().as_str(),
            token,
            THREAD,
            key,
            &json!({"body": "May I?"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(code, "forbidden", "{problem}");
    problem["detail"].as_str().unwrap().to_owned()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_read_and_an_area_for_the_board_takes_only_the_board(store) {
        let t = demo_server(&store, |_| {}).await;
        let reader = invite(&t, &["--role", "reader"]);
        let grant = json_of(redeem(&t, &reader, "rae", "rae's long password").await, StatusCode::CREATED).await;
        let rae = grant["token"].as_str().unwrap().to_owned();
        assert_eq!(json_of(me(&t, &rae).await, StatusCode::OK).await["role"], "reader");
        json_of(t.http.get(t.url(&format!("/threads/{THREAD}/posts"))).bearer_auth(&rae).send().await.unwrap(), StatusCode::OK).await;
        let detail = reply_refused(&t, &rae, "rae-1").await;
        assert!(detail.contains("role needed: member"), "{detail}");
        let (code, _) = problem_code(
            t.http
                .post(t.url("/areas/advocacy/threads"))
                .bearer_auth(&rae)
                .header(threadmark::api::headers::IDEMPOTENCY_KEY, "rae-2")
                .json(&json!({"title": "Mine", "body": "New?"}))
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(code, "forbidden");

        // The operator promotes her; the same token now posts.
        let said = stdout(&serve(t.dir.path(), &t.store, &["user", "role", "rae", "member"], ""));
        assert_eq!(said, "rae is now a member\n");
        reply_ok(&t, &rae, "rae-3", "Now I may").await;

        // An area only moderators and admins post in.
        let said = stdout(&serve(t.dir.path(), &t.store, &["forum", "area", "post-role", "advocacy", "moderator"], ""));
        assert_eq!(said, "only a moderator or above may now post in area advocacy\n");
        let tree = json_of(t.http.get(t.url("/tree")).send().await.unwrap(), StatusCode::OK).await;
        let areas: Vec<&Value> = tree["sections"].as_array().unwrap().iter().flat_map(|s| s["areas"].as_array().unwrap()).collect();
        let advocacy = areas.iter().find(|a| a["id"] == "advocacy").unwrap();
        assert_eq!(advocacy["post_role"], "moderator", "clients see who may post");
        assert!(areas.iter().filter(|a| a["id"] != "advocacy").all(|a| a.get("post_role").is_none()));
        let detail = reply_refused(&t, &t.member(), "demo-1").await;
        assert!(detail.contains("role needed: moderator"), "{detail}");
        reply_ok(&t, &t.admin(), "admin-1", "From the board").await;
        let said = stdout(&serve(t.dir.path(), &t.store, &["forum", "area", "post-role", "advocacy", "member"], ""));
        assert!(said.starts_with("only a member"), "{said}");
        reply_ok(&t, &t.member(), "demo-2", "Open again").await;
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_operator_disables_resets_and_removes_members(store) {
        let t = demo_server(&store, |_| {}).await;
        let dir = t.dir.path();
        stdout(&serve(dir, &t.store, &["user", "add", "ann", "--password-stdin"], "ann's first password\n"));
        assert_eq!(sign_in(&t, "ann", "ann's first password").await, StatusCode::CREATED);
        let grant = json_of(
            t.http.post(t.url("/tokens")).json(&json!({"name": "ann", "password": "ann's first password"})).send().await.unwrap(),
            StatusCode::CREATED,
        )
        .await;
        let token = grant["token"].as_str().unwrap().to_owned();
        reply_ok(&t, &token, "ann-1", "Ann was here").await;

        // Disabled: her token and her password stop working; enabled: the password again.
        assert_eq!(stdout(&serve(dir, &t.store, &["user", "disable", "ann"], "")), "disabled ann (their tokens are revoked)\n");
        assert_eq!(me(&t, &token).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&t, "ann", "ann's first password").await, StatusCode::UNAUTHORIZED);
        let listed = stdout(&serve(dir, &t.store, &["user", "list"], ""));
        assert!(listed.contains("ann (disabled)"), "{listed}");
        assert_eq!(stdout(&serve(dir, &t.store, &["user", "enable", "ann"], "")), "enabled ann\n");
        assert_eq!(sign_in(&t, "ann", "ann's first password").await, StatusCode::CREATED);

        // A reset token sets a new password, once, for her alone.
        let said = stdout(&serve(dir, &t.store, &["user", "reset", "ann"], ""));
        let reset = said.lines().next().unwrap().rsplit_once(' ').unwrap().1.to_owned();
        assert!(said.contains(&format!("--invite {reset} --user ann")), "{said}");
        let (code, _) = problem_code(redeem(&t, &reset, "demo", "someone else's").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid", "a reset is for its user only");
        let grant = json_of(redeem(&t, &reset, "Ann", "ann's second password").await, StatusCode::CREATED).await;
        assert_eq!(grant["user"]["name"], "ann");
        assert_eq!(sign_in(&t, "ann", "ann's first password").await, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&t, "ann", "ann's second password").await, StatusCode::CREATED);
        let (code, _) = problem_code(redeem(&t, &reset, "ann", "ann's third password").await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "invite_invalid", "a reset works once");

        // Removing: one who wrote keeps her words under her name and cannot sign in; one
        // who wrote nothing is gone.
        let said = stdout(&serve(dir, &t.store, &["user", "remove", "ann"], ""));
        assert_eq!(said, "removed ann's account; their 1 post(s) stay under their name\n");
        assert_eq!(sign_in(&t, "ann", "ann's second password").await, StatusCode::UNAUTHORIZED);
        let bodies: Vec<Value> = json_of(t.http.get(t.url(&format!("/threads/{THREAD}/posts"))).send().await.unwrap(), StatusCode::OK).await["posts"]
            .as_array()
            .unwrap()
            .clone();
        assert!(bodies.iter().any(|p| p["author"]["name"] == "ann" && p["body"] == "Ann was here"));
        let said = stdout(&serve(dir, &t.store, &["user", "remove", "demo"], ""));
        assert_eq!(said, "removed demo\n");
        let listed = stdout(&serve(dir, &t.store, &["user", "list"], ""));
        assert!(!listed.lines().any(|l| l == "demo"), "{listed}");

        // The forum keeps an admin who can sign in.
        let out = serve(dir, &t.store, &["user", "role", "admin", "member"], "");
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("admin is the forum's only admin; make another admin first"), "{said}");
        let out = serve(dir, &t.store, &["user", "disable", "admin"], "");
        assert!(!out.status.success());
        assert_eq!(json_of(me(&t, &t.admin()).await, StatusCode::OK).await["role"], "admin");
    }
}

/// A time `hours` from now, as the API writes times.
fn in_hours(hours: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours)).to_string()
}

async fn silence(t: &TestServer, token: &str, name: &str, until: &Value) -> Response {
    t.http
        .patch(t.url(&format!("/mod/users/{name}")))
        .bearer_auth(token)
        .json(&json!({ "silenced_until": until }))
        .send()
        .await
        .unwrap()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_silenced_member_reads_but_may_not_post_until_it_ends(store) {
        let t = demo_server(&store, |_| {}).await;
        let grant = json_of(redeem(&t, &invite(&t, &["--role", "moderator"]), "mo", "mo's long password").await, StatusCode::CREATED).await;
        let mo = grant["token"].as_str().unwrap().to_owned();
        let until = json!(in_hours(1));
        let silenced = json_of(silence(&t, &mo, "demo", &until).await, StatusCode::OK).await;
        assert!(silenced["silenced_until"].is_string(), "{silenced}");
        // The same end again (a client's resend after a lost answer): a state, logged once
        // (checked at the end).
        let again = json_of(silence(&t, &mo, "demo", &until).await, StatusCode::OK).await;
        assert_eq!(again["silenced_until"], silenced["silenced_until"]);
        let detail = reply_refused(&t, &t.member(), "demo-1").await;
        assert!(detail.contains("a moderator silenced you until"), "{detail}");
        let who = json_of(me(&t, &t.member()).await, StatusCode::OK).await;
        assert_eq!(who["silenced_until"], silenced["silenced_until"], "/me tells them until when");
        json_of(t.http.get(t.url(&format!("/threads/{THREAD}/posts"))).bearer_auth(t.member()).send().await.unwrap(), StatusCode::OK).await;

        // Refusals: a moderator does not silence an admin, nor a member anyone; no past
        // times; no such user.
        let (code, _) = problem_code(silence(&t, &mo, "admin", &json!(in_hours(1))).await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "forbidden");
        let (code, _) = problem_code(silence(&t, &t.member(), "mo", &json!(in_hours(1))).await, StatusCode::FORBIDDEN).await;
        assert_eq!(code, "forbidden");
        let (code, _) = problem_code(silence(&t, &mo, "demo", &json!(in_hours(-1))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "validation_failed");
        let (code, _) = problem_code(silence(&t, &mo, "nobody", &json!(in_hours(1))).await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "not_found");

        // The moderator ends it early; the operator silences from the command line.
        let ended = json_of(silence(&t, &mo, "demo", &Value::Null).await, StatusCode::OK).await;
        assert!(ended.get("silenced_until").is_none(), "{ended}");
        reply_ok(&t, &t.member(), "demo-2", "Back, and polite").await;
        let said = stdout(&serve(t.dir.path(), &t.store, &["user", "silence", "demo", "--for", "2h"], ""));
        assert!(said.starts_with("silenced demo until "), "{said}");
        let listed = stdout(&serve(t.dir.path(), &t.store, &["user", "list"], ""));
        assert!(listed.contains("demo (silenced until "), "{listed}");
        reply_refused(&t, &t.member(), "demo-3").await;
        let said = stdout(&serve(t.dir.path(), &t.store, &["user", "unsilence", "demo"], ""));
        assert_eq!(said, "demo may post again\n");
        reply_ok(&t, &t.member(), "demo-4", "Once more").await;

        let log = stdout(&serve(t.dir.path(), &t.store, &["log"], ""));
        let lines: Vec<&str> = log.lines().collect();
        assert!(lines[0].ends_with("(operator) unsilence demo"), "{log}");
        assert!(lines[1].contains("(operator) silence demo (until "), "{log}");
        assert!(lines[2].ends_with("mo unsilence demo"), "{log}");
        assert!(lines[3].contains("mo silence demo (until "), "{log}");
        assert_eq!(lines.iter().filter(|l| l.contains("mo silence demo")).count(), 1, "{log}");
    }
}
