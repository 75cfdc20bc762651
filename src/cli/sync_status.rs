//! `threadmark sync --status`: what is left of the account's request budget, the prefetch
//! policy, and how many threads are cached in full, in part or as headers only.

use crate::account::{Account, Setup};
use crate::config::AccountKind;
use crate::model::{Budget, BudgetStatus, ThreadSummary, describe_wait};
use crate::remote::connect::discourse_settings;
use crate::remote::{Timeouts, discourse::default_limits};
use crate::store::{Cache, Secrets, load_request_log};
use jiff::Timestamp;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

#[derive(Debug, Serialize)]
struct Status {
    version: u32,
    account: String,
    kind: &'static str,
    /// `None`: the server counts no requests (threadmark's own, the demo).
    budget: Option<BudgetStatus>,
    prefetch: Prefetch,
    threads: Threads,
}

#[derive(Debug, Serialize)]
struct Prefetch {
    policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    posts: Option<u32>,
}

#[derive(Debug, Default, Serialize)]
struct Threads {
    total: usize,
    full: usize,
    partial: usize,
    headers_only: usize,
}

/// Prints the account's sync status (text, or JSON for scripts).
pub fn sync_status(
    setup: &Setup,
    account: &Account,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let status = status(setup, account)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", describe(&status))?;
    }
    Ok(())
}

fn status(setup: &Setup, account: &Account) -> anyhow::Result<Status> {
    let mut cache = Cache::open(account.dir.clone());
    let threads = count(&cache.load_index()?);
    let Some(remote) = account
        .remote
        .as_ref()
        .filter(|r| r.kind == AccountKind::Discourse)
    else {
        return Ok(Status {
            version: super::json::VERSION,
            account: account.name.clone(),
            kind: if account.is_demo() { "demo" } else { "native" },
            budget: None,
            prefetch: Prefetch {
                policy: "all",
                days: None,
                posts: None,
            },
            threads,
        });
    };
    let credential = Secrets::open(&setup.data).load(&account.name)?;
    let settings = discourse_settings(remote, credential.as_ref(), Timeouts::default());
    let limits = settings
        .limits
        .unwrap_or_else(|| default_limits(credential.as_ref()));
    let (log, _problem) = load_request_log(&account.dir)?;
    let budget = Budget::new(limits, log);
    let prefetch = settings
        .prefetch
        .unwrap_or_else(|| crate::remote::discourse::PrefetchSettings::default_for(false));
    Ok(Status {
        version: super::json::VERSION,
        account: account.name.clone(),
        kind: "discourse",
        budget: Some(budget.status(Timestamp::now())),
        prefetch: Prefetch {
            policy: prefetch.policy.as_str(),
            days: (prefetch.policy == crate::config::Prefetch::Recent).then_some(prefetch.days),
            posts: Some(prefetch.posts),
        },
        threads,
    })
}

fn count(index: &[ThreadSummary]) -> Threads {
    let mut threads = Threads {
        total: index.len(),
        ..Threads::default()
    };
    for t in index {
        if t.headers_only() {
            threads.headers_only += 1;
        } else if t.missing.is_empty() {
            threads.full += 1;
        } else {
            threads.partial += 1;
        }
    }
    threads
}

fn describe(status: &Status) -> String {
    let mut text = format!("Account {} ({}).\n", status.account, status.kind);
    match &status.budget {
        None => text.push_str("Request budget: none (the server counts no requests).\n"),
        Some(budget) => {
            text.push_str("Request budget (background work keeps 15% of each window for you):\n");
            for w in &budget.windows {
                let _ = writeln!(
                    text,
                    "  {}: {} used, {} left ({} for background work)",
                    w.limit.describe(),
                    w.used,
                    w.left,
                    w.background_left
                );
            }
            if let Some(until) = budget.paused_until {
                let wait =
                    Duration::try_from(until.duration_since(Timestamp::now())).unwrap_or_default();
                let _ = writeln!(
                    text,
                    "  paused by the forum until {} (in {}){}",
                    crate::text::clock::date_time(until),
                    describe_wait(wait),
                    budget
                        .pause_reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    let p = &status.prefetch;
    let policy = match p.policy {
        "watched" => "watched (threads in categories you watch or track, threads you watch or \
                      track, and threads you posted in)"
            .to_owned(),
        "recent" => format!(
            "recent (threads active in the last {} days)",
            p.days.unwrap_or_default()
        ),
        "none" => "none (threads download when you open them)".to_owned(),
        other => other.to_owned(),
    };
    let _ = writeln!(text, "Prefetch: {policy}.");
    if let Some(posts) = p.posts {
        let _ = writeln!(
            text,
            "Long threads: the newest {posts} posts; earlier ones when you scroll up to them."
        );
    }
    let t = &status.threads;
    let _ = writeln!(
        text,
        "Threads: {} listed — {} cached in full, {} in part, {} headers only.",
        t.total, t.full, t.partial, t.headers_only
    );
    text
}
