//! The seed's gray-out: a read-only server holds replies without spending retries, and the
//! queue drains as soon as posting reopens.

use crate::api::Api;
use crate::serve::{Client, Served, text};
use serde_json::Value;
use std::time::{Duration, Instant};
use threadmark::config::{AccountConfig, AccountKind};
use threadmark::model::{OutboxEntry, OutboxState, Target, ThreadId};
use threadmark::remote::connect;
use threadmark::store::{Credential, DataDir, Outbox, Secret};
use threadmark::sync::{Connection, Engine, SyncCommand, SyncEvent};

const BANNER: &str = "Logins are disabled during the gray-out";

fn outbox_json(client: &Client) -> Vec<Value> {
    let out = client.run(&["outbox", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    value["entries"].as_array().unwrap().clone()
}

#[test]
fn held_replies_spend_no_retries_and_go_out_when_posting_reopens() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());

    admin.set_mode("read-only", Some(BANNER));
    for n in 1..=2 {
        let out = client.run_with_stdin(&["reply", "advocacy"], &format!("Gray-out reply {n}"));
        assert!(out.status.success());
    }
    for _ in 0..2 {
        let out = client.run(&["sync"]);
        assert!(
            out.status.success(),
            "held is not an error: {}",
            text(&out.stderr)
        );
        let summary = text(&out.stdout);
        assert!(summary.contains("2 held"), "{summary}");
        assert!(summary.contains("read-only"), "{summary}");
        for entry in outbox_json(&client) {
            assert_eq!(entry["state"], "held");
            assert_eq!(entry["attempts"], 0, "holding spends no retries");
        }
    }
    assert!(
        !admin
            .bodies("advocacy-1")
            .iter()
            .any(|b| b.starts_with("Gray-out"))
    );

    admin.set_mode("open", None);
    let out = client.run(&["sync"]);
    assert!(
        text(&out.stdout).contains("2 sent"),
        "{}",
        text(&out.stdout)
    );
    let sent: Vec<String> = admin
        .bodies("advocacy-1")
        .into_iter()
        .filter(|b| b.starts_with("Gray-out"))
        .collect();
    assert_eq!(sent, ["Gray-out reply 1", "Gray-out reply 2"]);
}

/// The running engine (what the reader runs in the background) drains a held outbox by
/// itself when the operator reopens posting: no command, no key press.
#[test]
fn a_running_engine_drains_the_held_outbox_when_posting_reopens() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let token = server.member_token.clone().unwrap();
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    admin.set_mode("read-only", Some(BANNER));

    let data = tempfile::tempdir().unwrap();
    let dir = DataDir::new(data.path()).account("work");
    let outbox = Outbox::open(&dir);
    let entry = OutboxEntry::new(
        Target::Reply {
            thread: ThreadId::new("advocacy-1"),
            reply_to: None,
        },
        "Sent by the engine once posting reopened".into(),
        jiff::Timestamp::now(),
    );
    outbox.enqueue(&entry).unwrap();

    let account = AccountConfig {
        name: "work".into(),
        kind: AccountKind::Native,
        url: server.url.clone(),
        ..AccountConfig::default()
    };
    let backend = connect(
        &account,
        Some(Credential::Bearer {
            token: Secret::new(token),
        }),
    )
    .unwrap();
    let engine = Engine::new(backend, dir.clone()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (commands, command_rx) = tokio::sync::mpsc::channel(8);
    let (event_tx, mut events) = tokio::sync::mpsc::channel(256);
    runtime.spawn(engine.run(command_rx, event_tx));

    // Held, with the banner, and nothing sent.
    let saw_banner = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(event) = events.recv().await {
                if let SyncEvent::Status(status) = event
                    && status.connection == Connection::ReadOnly
                    && status
                        .banner
                        .as_ref()
                        .is_some_and(|b| b.text.contains("gray-out"))
                    && status.outbox_pending == 1
                {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false)
    });
    assert!(
        saw_banner,
        "the engine reports the read-only banner and the pending reply"
    );
    let (entries, _) = outbox.list().unwrap();
    assert_eq!(entries[0].state, OutboxState::Held);
    assert_eq!(entries[0].attempts, 0);

    admin.set_mode("open", None);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        runtime.block_on(async {
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(200), events.recv()).await
            {}
        });
        let (entries, _) = outbox.list().unwrap();
        if entries.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not drain: {entries:?}"
        );
    }
    assert_eq!(
        admin
            .bodies("advocacy-1")
            .iter()
            .filter(|b| b.contains("engine once posting reopened"))
            .count(),
        1
    );
    let _ = runtime.block_on(commands.send(SyncCommand::Shutdown));
}
