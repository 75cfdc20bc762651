//! `server.toml` in the data directory, with the real `threadmark serve`: a limit from the
//! file takes effect, a flag overrides it, `serve config` says where each setting comes
//! from, and a file with a mistake stops the server from starting, naming the line.

use crate::common::{http, problem_code};
use crate::support::serve::Served;
use reqwest::StatusCode;
use serde_json::json;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Writes taken from the caller's allowance: the statuses of `n` registrations, refused
/// before any password is hashed (403 closed, or 422 for the short password when open).
async fn writes(server: &Served, n: usize) -> Vec<StatusCode> {
    let client = http();
    let mut statuses = Vec::new();
    for i in 0..n {
        let response = client
            .post(format!("{}/api/v1/register", server.url))
            .json(&json!({"name": format!("w{i}"), "password": "short"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    statuses
}

fn serve_config(data: &Path, flags: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("serve")
        .args(flags)
        .arg("--data")
        .arg(data)
        .arg("config")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_from_server_toml_takes_effect_and_a_flag_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("server.toml"),
        "# kept by the operator\nwrites-per-minute = 1\nregistration = \"member\"\n",
    )
    .unwrap();

    // With one write a minute, the allowance (a burst of 30) runs out.
    let server = Served::demo(dir.path(), &[]);
    let got = writes(&server, 31).await;
    assert!(
        got[..30]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "registration is open from the file: {got:?}"
    );
    assert_eq!(got[30], StatusCode::TOO_MANY_REQUESTS, "{got:?}");
    server.kill();

    // The flag wins over the file: the limit is off, registration closed.
    let server = Served::demo(
        dir.path(),
        &["--writes-per-minute", "0", "--registration", "closed"],
    );
    let got = writes(&server, 40).await;
    assert!(got.iter().all(|s| *s == StatusCode::FORBIDDEN), "{got:?}");
    let refused = http()
        .post(format!("{}/api/v1/register", server.url))
        .json(&json!({"name": "late", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem_code(refused, StatusCode::FORBIDDEN).await.0,
        "registration_closed"
    );
    server.kill();
}

#[test]
fn serve_config_prints_each_setting_and_where_it_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let output = serve_config(dir.path(), &[]);
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(
        said.contains(&format!(
            "# settings file: none ({} does not exist)",
            dir.path().join("server.toml").display()
        )),
        "{said}"
    );
    assert!(said.contains("writes-per-minute = 60  # default"), "{said}");
    std::fs::write(
        dir.path().join("server.toml"),
        "writes-per-minute = 5\nmax-post-chars = 2000\n",
    )
    .unwrap();
    let output = serve_config(dir.path(), &["--max-post-chars", "3000"]);
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8(output.stdout).unwrap();
    let file = dir.path().join("server.toml").display().to_string();
    assert!(said.contains(&format!("# settings file: {file}")), "{said}");
    assert!(
        said.contains(&format!("writes-per-minute = 5  # {file} line 1")),
        "{said}"
    );
    assert!(
        said.contains("max-post-chars = 3000  # flag --max-post-chars"),
        "{said}"
    );
    assert!(said.contains("reads-per-minute = 0  # default"), "{said}");
    assert!(
        said.contains("registration = \"closed\"  # default"),
        "{said}"
    );
}

#[test]
fn a_server_toml_with_a_mistake_stops_the_server_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.toml");
    std::fs::write(&file, "writes-per-minute = 5\n\nwrites_per_minute = 6\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read to the end: a server that started would print its address (and is killed).
    let mut first = [0_u8; 1];
    if child.stdout.take().unwrap().read(&mut first).unwrap() > 0 {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server started despite the unknown key");
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{} line 3: ", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("writes_per_minute"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // A value of the wrong kind, and `serve config` says the same.
    std::fs::write(&file, "mode = \"open\"\nregistration = \"admin\"\n").unwrap();
    let output = serve_config(dir.path(), &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{} line 2: registration", file.display())),
        "{stderr}"
    );
}
