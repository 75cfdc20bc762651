//! `threadmark serve user …` and `serve token …`: users and tokens without editing files, then used over HTTP.

use crate::common::{Backend, both_stores, http, json_of, problem_code};
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use threadmark::server::start;

pub fn serve(data: &Path, store: &Backend, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(data)
        .args(store.args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn users_made_on_the_command_line_log_in_over_http(store) {
        let dir = tempfile::tempdir().unwrap();
        let first = stdout(&serve(
            dir.path(),
            &store,
            &["user", "add", "ann", "--password-stdin"],
            "s3cret pass\n",
        ));
        assert_eq!(
            first, "created user ann (admin)\n",
            "the first user runs the forum"
        );
        let second = stdout(&serve(
            dir.path(),
            &store,
            &["user", "add", "bob", "--badge", "non-member"],
            "",
        ));
        let mut lines = second.lines();
        assert_eq!(lines.next(), Some("created user bob"));
        let password = lines
            .next()
            .unwrap()
            .strip_prefix("password: ")
            .expect("a generated password is printed");
        assert!(password.len() >= 16);
        let duplicate = serve(
            dir.path(),
            &store,
            &["user", "add", "Ann", "--password-stdin"],
            "x\n",
        );
        assert!(!duplicate.status.success());
        assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
        let list = stdout(&serve(dir.path(), &store, &["user", "list"], ""));
        assert_eq!(list, "ann (admin)\nbob (badge: non-member)\n");
        let token_line = stdout(&serve(dir.path(), &store, &["token", "new", "bob"], ""));
        let script_token = token_line
            .trim()
            .strip_prefix("bob token: ")
            .unwrap()
            .to_owned();

        let server = start(store.config(dir.path())).await.unwrap();
        let client = http();
        let login = |name: &str, password: &str| {
            client
                .post(format!("{}/tokens", server.url()))
                .json(&json!({"name": name, "password": password}))
                .send()
        };
        let grant = json_of(
            login("ann", "s3cret pass").await.unwrap(),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(grant["user"], json!({"name": "ann", "admin": true, "role": "admin"}));
        let grant = json_of(login("bob", password).await.unwrap(), StatusCode::CREATED).await;
        assert_eq!(grant["user"]["badge"], "non-member");
        let (code, _) = problem_code(
            login("bob", "s3cret pass").await.unwrap(),
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert_eq!(code, "invalid_credentials");

        let mode = |token: String| {
            client
                .put(format!("{}/admin/mode", server.url()))
                .bearer_auth(token)
                .json(&json!({"mode": "open"}))
                .send()
        };
        assert_eq!(
            mode(script_token.clone()).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let revoked = stdout(&serve(dir.path(), &store, &["token", "revoke", "bob"], ""));
        assert_eq!(revoked, "revoked 2 token(s) of bob\n");
        let (code, _) = problem_code(mode(script_token).await.unwrap(), StatusCode::UNAUTHORIZED).await;
        assert_eq!(code, "unauthorized");
        server.shutdown().await.unwrap();
    }
}
