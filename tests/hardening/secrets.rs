//! Secrets: token files are created 0600 in a 0700 folder and a looser one is refused with
//! an explanation before anything is sent; the token never shows up in what threadmark
//! writes anywhere — the server's request log, the client's log file, any command's
//! output, the reader's terminal, the arguments of anything it starts, or `Debug` output.

use crate::common::{assert_tidy, client_run};
use crate::faulty::FaultServer;
use crate::pty_session::PtySession;
use crate::serve::{Client, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn assert_absent(haystack: &[u8], secret: &str, place: &str) {
    let found = haystack
        .windows(secret.len())
        .any(|w| w == secret.as_bytes());
    assert!(!found, "the token appears in {place}");
}

/// The reference server with its request log on, writing stderr to a file.
struct LoggedServer {
    child: std::process::Child,
    url: String,
    member: String,
    log: std::path::PathBuf,
    _store: tempfile::TempDir,
}

impl LoggedServer {
    fn start() -> Self {
        let store = tempfile::tempdir().unwrap();
        let log = store.path().join("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadmark"))
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
            .arg(store.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut url = String::new();
        let mut member = String::new();
        while url.is_empty() || member.is_empty() {
            let line = rx.recv_timeout(Duration::from_secs(30)).unwrap();
            if let Some(u) = line.strip_prefix("listening on ") {
                u.clone_into(&mut url);
            } else if let Some(t) = line.strip_prefix("member token: ") {
                t.clone_into(&mut member);
            }
        }
        Self {
            child,
            url,
            member,
            log,
            _store: store,
        }
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_token_file_is_private_and_a_looser_one_is_refused_before_anything_is_sent() {
    let server = LoggedServer::start();
    let recorder = FaultServer::start(Some(&server.url));
    let client = Client::default();
    client.sign_in(&recorder.url, &server.member);
    let secrets = client.data_dir().join("secrets");
    let file = secrets.join("work.json");
    assert_eq!(mode(&secrets), 0o700, "the folder is private");
    assert_eq!(mode(&file), 0o600, "the file is private");
    let out = client_run(&client, &["sync"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    for (path, loose, fix) in [(&file, 0o644, "chmod 600"), (&secrets, 0o755, "chmod 700")] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(loose)).unwrap();
        let sent_before = recorder.requests().len();
        let out = client_run(&client, &["sync"], &[]);
        assert_tidy(&out, "sync with a loose token file");
        assert_eq!(out.status.code(), Some(1));
        let said = text(&out.stderr);
        assert!(said.contains("readable by other users"), "{said}");
        assert!(said.contains(fix), "{said}");
        assert_eq!(recorder.requests().len(), sent_before, "nothing was sent");
        let tight = if path == &file { 0o600 } else { 0o700 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(tight)).unwrap();
    }
    // Logging in again replaces the file, still private.
    let out = client.run_with_stdin(&["login", "--token-stdin"], &server.member);
    assert!(out.status.success());
    assert_eq!(mode(&file), 0o600);
}

/// Every log file of the client, one after the other (a file a day).
fn all_logs(client: &Client) -> Vec<u8> {
    let mut log = Vec::new();
    for file in std::fs::read_dir(client.data_dir().join("logs")).unwrap() {
        log.extend(std::fs::read(file.unwrap().path()).unwrap());
    }
    log
}

/// A refused token: the error paths print what went wrong, not the token. Login checks
/// `wrong` and stores nothing; stored anyway (as a token revoked later would be), it fails
/// the sync. `right` is stored again at the end. The outputs of both failures.
fn refused_token(
    client: &Client,
    wrong: &str,
    right: &str,
) -> Vec<(&'static str, std::process::Output)> {
    use threadmark::store::{Credential, DataDir, Secret, Secrets};
    let mut outputs = Vec::new();
    let out = client.run_with_stdin(&["login", "--token-stdin"], wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    outputs.push(("a refused login", out));
    let credential = Credential::Bearer {
        token: Secret::new(wrong.to_owned()),
    };
    Secrets::open(&DataDir::new(client.data_dir()))
        .save("work", &credential)
        .unwrap();
    let out = client_run(client, &["sync"], &[("RUST_BACKTRACE", "full")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    outputs.push(("a refused sync", out));
    let out = client.run_with_stdin(&["login", "--token-stdin"], right);
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs
}

#[test]
fn the_token_never_appears_in_logs_output_arguments_or_the_terminal() {
    let server = LoggedServer::start();
    let token = server.member.clone();
    let client = Client::default();
    let mut outputs = Vec::new();
    let out = client_run(
        &client,
        &["account", "add", "work", "--url", &server.url],
        &[],
    );
    outputs.push(("account add", out));
    let out = client.run_with_stdin(&["login", "--token-stdin"], &token);
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs.push(("login", out));
    let out = client_run(&client, &["sync"], &[("RUST_BACKTRACE", "full")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs.push(("sync", out));
    let out = client.run_with_stdin(&["reply", "advocacy"], "A reply that needs the token");
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs.push(("reply", out));
    let out = client_run(&client, &["sync"], &[("RUST_BACKTRACE", "full")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 sent"),
        "{}",
        text(&out.stdout)
    );
    outputs.push(("sync", out));
    for args in [
        &["outbox"][..],
        &["outbox", "--json"],
        &["tree"],
        &["read", "advocacy"],
    ] {
        outputs.push(("a reading command", client_run(&client, args, &[])));
    }
    let wrong = format!("{token}x");
    outputs.extend(refused_token(&client, &wrong, &token));

    for (what, out) in &outputs {
        assert_absent(&out.stdout, &token, &format!("{what}'s stdout"));
        assert_absent(&out.stderr, &token, &format!("{what}'s stderr"));
        assert_absent(&out.stdout, &wrong, &format!("{what}'s stdout"));
        assert_absent(&out.stderr, &wrong, &format!("{what}'s stderr"));
    }

    // The reader: its terminal, its log file, and the browser it starts.
    let home = client.home.path();
    let args_file = home.join("browser-args.txt");
    let browser = home.join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\n", args_file.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let browser_var = browser.display().to_string();
    let mut reader = PtySession::start(home, &[], &[("BROWSER", &browser_var)], 120, 40);
    reader.wait_for_text(" q quit");
    reader.send("/\u{15}Advocacy\r\r");
    reader.wait_for_text("Connie Williams");
    for n in 1..=3 {
        reader.send(&format!("o{n}"));
    }
    reader.settle(Duration::from_millis(300));
    reader.send("q");
    assert!(reader.wait_exit().success());
    std::thread::sleep(Duration::from_millis(300));
    assert_absent(&reader.raw(), &token, "the reader's terminal");
    let log = all_logs(&client);
    assert!(
        !log.is_empty(),
        "the commands and the reader log to their files"
    );
    assert_absent(&log, &token, "the client's log file");
    let started = std::fs::read(&args_file).unwrap_or_default();
    assert_absent(&started, &token, "the browser's arguments");

    // The server's request log saw every request above.
    let server_log = std::fs::read(&server.log).unwrap();
    assert!(
        String::from_utf8_lossy(&server_log).contains("/api/v1/"),
        "the request log is on"
    );
    assert_absent(&server_log, &token, "the server's request log");

    // The arguments of a running sync (what `ps` shows).
    let mut sync = client
        .command(&["sync"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", sync.id())).unwrap_or_default();
    let _ = sync.kill();
    let _ = sync.wait();
    assert_absent(&cmdline, &token, "the client's arguments");
    let server_cmdline = std::fs::read(format!("/proc/{}/cmdline", server.child.id())).unwrap();
    assert_absent(&server_cmdline, &token, "the server's arguments");
}

#[test]
fn debug_output_of_everything_holding_a_credential_hides_it() {
    use threadmark::config::{AccountConfig, AccountKind};
    use threadmark::remote::connect;
    use threadmark::store::{Credential, Secret};
    let token = "tm_debug_secret_value";
    let key = "discourse_debug_secret_key";
    let native = AccountConfig {
        name: "n".into(),
        kind: AccountKind::Native,
        url: "http://127.0.0.1:9".into(),
        ..AccountConfig::default()
    };
    let discourse = AccountConfig {
        name: "d".into(),
        kind: AccountKind::Discourse,
        ..native.clone()
    };
    let credentials = [
        (
            &native,
            Credential::Bearer {
                token: Secret::new(token),
            },
        ),
        (
            &discourse,
            Credential::DiscourseUserApiKey {
                key: Secret::new(key),
                client_id: "c".into(),
            },
        ),
        (
            &discourse,
            Credential::DiscourseApiKey {
                key: Secret::new(key),
                username: "u".into(),
            },
        ),
    ];
    for (account, credential) in credentials {
        let shown = format!("{credential:?} {:?}", Some(&credential));
        let backend = connect(account, Some(credential)).unwrap();
        let shown = format!("{shown} {backend:?} {backend:#?}");
        assert!(!shown.contains(token) && !shown.contains(key), "{shown}");
    }
    // A panic report is built from such Debug output: even a panicking thread that
    // formats the backend shows no secret.
    let backend = connect(
        &native,
        Some(Credential::Bearer {
            token: Secret::new(token),
        }),
    )
    .unwrap();
    let report = std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            panic!("sync failed with {backend:?}")
        }));
        result.unwrap_err().downcast::<String>().unwrap()
    })
    .join()
    .unwrap();
    assert!(report.contains("sync failed"), "{report}");
    assert!(!report.contains(token), "{report}");
}
