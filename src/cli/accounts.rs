//! `threadmark account add|list|remove`: the accounts in `config.toml`.

use super::args::{AccountCommand, KindArg};
use crate::account::Setup;
use crate::config::{AccountConfig, AccountKind, add_account, check_server_url, remove_account};
use crate::remote::lemmy::version::ApiVersion;
use crate::store::{DEMO_ACCOUNT, Secrets};
use crate::sync::state::SyncState;
use std::io::Write;

/// Runs an account command, printing to `out`.
pub fn run_account_command(
    setup: &Setup,
    command: AccountCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command {
        AccountCommand::Add { name, url, kind } => {
            check_name(&name)?;
            let url = check_server_url(&url).map_err(anyhow::Error::msg)?;
            let account = AccountConfig {
                name: name.clone(),
                kind: match kind {
                    KindArg::Native => AccountKind::Native,
                    KindArg::Discourse => AccountKind::Discourse,
                    KindArg::Lemmy => AccountKind::Lemmy,
                },
                url: url.as_str().trim_end_matches('/').to_owned(),
                ..AccountConfig::default()
            };
            add_account(&setup.config_path, &account)?;
            writeln!(
                out,
                "Added account {name} ({}) to {}.\nNext: threadmark login --account {name}",
                account.url,
                setup.config_path.display()
            )?;
        }
        AccountCommand::List { json } => list(setup, json, out)?,
        AccountCommand::Remove { name } => {
            if !remove_account(&setup.config_path, &name)? {
                anyhow::bail!(
                    "no account named {name:?} in {}",
                    setup.config_path.display()
                );
            }
            Secrets::open(&setup.data).remove(&name)?;
            writeln!(
                out,
                "Removed account {name}. Its cached forum, drafts and outbox stay in {}.",
                setup.data.account(&name).root().display()
            )?;
        }
    }
    Ok(())
}

/// One account as `account list` shows it.
#[derive(Debug, serde::Serialize)]
struct Listed {
    name: String,
    /// native, discourse, lemmy, or demo.
    kind: &'static str,
    url: Option<String>,
    /// Lemmy: what the last login or pull found the instance to be.
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<ServerListed>,
    /// `logged_in`, `not_logged_in`, `credential_unusable` (the demo: `not_needed`).
    login: &'static str,
    default: bool,
}

/// A Lemmy instance as `account list` names it.
#[derive(Debug, serde::Serialize)]
struct ServerListed {
    /// `v3` (Lemmy 0.19) or `v4` (Lemmy 1.0).
    api: ApiVersion,
    /// Lemmy's own version, as the instance says it ("0.19.20").
    version: String,
    #[serde(skip)]
    described: String,
}

/// What the last login or pull learnt about a Lemmy account's instance.
fn lemmy_server(setup: &Setup, account: &str) -> Option<ServerListed> {
    let (state, _) = SyncState::load(&setup.data.account(account)).ok()?;
    let info = crate::remote::lemmy::server_info(state.cursor.as_ref()?)?;
    Some(ServerListed {
        api: info.api,
        described: info.describe(),
        version: info.version,
    })
}

fn list(setup: &Setup, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let secrets = Secrets::open(&setup.data);
    let default = setup
        .config
        .account(None)
        .ok()
        .flatten()
        .map(|a| a.name.clone());
    let mut listed: Vec<Listed> = setup
        .config
        .accounts
        .iter()
        .map(|account| Listed {
            name: account.name.clone(),
            kind: account.kind.as_str(),
            url: Some(account.url.clone()),
            server: (account.kind == AccountKind::Lemmy)
                .then(|| lemmy_server(setup, &account.name))
                .flatten(),
            login: match secrets.load(&account.name) {
                Ok(Some(_)) => "logged_in",
                Ok(None) => "not_logged_in",
                Err(_) => "credential_unusable",
            },
            default: default.as_deref() == Some(&account.name),
        })
        .collect();
    listed.push(Listed {
        name: DEMO_ACCOUNT.to_owned(),
        kind: "demo",
        url: None,
        server: None,
        login: "not_needed",
        default: default.is_none(),
    });
    if json {
        let value = serde_json::json!({
            "version": super::json::VERSION,
            "accounts": listed,
        });
        write!(out, "{}", super::json::terminal_safe(&value)?)?;
        return Ok(());
    }
    for account in &listed {
        let marker = if account.default { "*" } else { " " };
        let Some(url) = &account.url else {
            writeln!(out, "{marker} {}  bundled demo forum", account.name)?;
            continue;
        };
        let kind = match (&account.server, account.kind) {
            (Some(server), kind) => format!("{kind} ({})", server.described),
            (None, "lemmy") => "lemmy (version known after login or the first sync)".to_owned(),
            (None, kind) => kind.to_owned(),
        };
        writeln!(
            out,
            "{marker} {}  {kind}  {url}  ({})",
            account.name,
            account.login.replace('_', " ")
        )?;
    }
    Ok(())
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if !ok {
        anyhow::bail!(
            "account names use letters, digits, - and _ (up to 64), starting with a letter or digit"
        );
    }
    if name == DEMO_ACCOUNT {
        anyhow::bail!("\"demo\" is the bundled demo forum; pick another name");
    }
    Ok(())
}
