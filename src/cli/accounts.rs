//! `threadmark account add|list|remove`: the accounts in `config.toml`.

use super::args::{AccountCommand, KindArg};
use crate::account::Setup;
use crate::config::{AccountConfig, AccountKind, add_account, check_server_url, remove_account};
use crate::store::{DEMO_ACCOUNT, Secrets};
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
        AccountCommand::List => {
            let secrets = Secrets::open(&setup.data);
            let default = setup
                .config
                .account(None)
                .ok()
                .flatten()
                .map(|a| a.name.clone());
            for account in &setup.config.accounts {
                let marker = if default.as_deref() == Some(&account.name) {
                    "*"
                } else {
                    " "
                };
                let login = match secrets.load(&account.name) {
                    Ok(Some(_)) => "logged in",
                    Ok(None) => "not logged in",
                    Err(_) => "credential unusable",
                };
                let kind = match account.kind {
                    AccountKind::Lemmy => lemmy_kind(setup, &account.name),
                    other => other.as_str().to_owned(),
                };
                writeln!(
                    out,
                    "{marker} {}  {kind}  {}  ({login})",
                    account.name, account.url
                )?;
            }
            let marker = if default.is_none() { "*" } else { " " };
            writeln!(out, "{marker} {DEMO_ACCOUNT}  bundled demo forum, offline")?;
        }
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

/// "lemmy (Lemmy 0.19.20, API v3)": what the last login or pull found the instance to be.
fn lemmy_kind(setup: &Setup, account: &str) -> String {
    let dir = setup.data.account(account);
    let info = crate::sync::state::SyncState::load(&dir)
        .ok()
        .and_then(|(state, _)| state.cursor)
        .and_then(|cursor| crate::remote::lemmy::server_info(&cursor));
    match info {
        Some(info) => format!("lemmy ({})", info.describe()),
        None => "lemmy (version known after login or the first sync)".to_owned(),
    }
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
