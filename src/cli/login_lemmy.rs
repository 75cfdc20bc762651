//! `threadmark login` for a Lemmy account: user name and password (asked, or from
//! standard input), the two-factor code when the account has one, then the JWT stored
//! like every credential (0600) and what the instance is remembered for `account list`.

use super::args::LoginArgs;
use super::login::{prompt_line, read_secret_line};
use crate::account::Account;
use crate::config::{AccountConfig, DEFAULT_TOP_COMMUNITIES};
use crate::remote::lemmy::{self, LemmyBackend, LemmySettings};
use crate::remote::{RemoteError, Timeouts};
use crate::store::{Credential, Secrets};
use crate::sync::state::SyncState;
use std::io::Write;

pub fn lemmy_login(
    secrets: &Secrets,
    account: &Account,
    remote: &AccountConfig,
    args: &LoginArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let user = match &args.user {
        Some(user) => user.clone(),
        None => prompt_line("User name or email: ")?,
    };
    let password = if args.password_stdin {
        read_secret_line("password")?
    } else {
        rpassword::prompt_password(format!("Password for {user} at {}: ", remote.url))?
    };
    let settings = LemmySettings {
        top_communities: DEFAULT_TOP_COMMUNITIES,
        prefetch: crate::config::Prefetch::None,
        horizon: jiff::SignedDuration::ZERO,
        budget: None,
        read_sync: false,
    };
    let timeouts = Timeouts::from_env().map_err(anyhow::Error::msg)?;
    let mut backend = LemmyBackend::new(&remote.url, None, settings, timeouts)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let first = runtime.block_on(backend.login(&user, &password, None));
    let (jwt, info) = match first {
        Err(RemoteError::Status {
            code: Some(code), ..
        }) if code == "totp_required" => {
            // Scripts give the code on the line after the password.
            let totp = read_secret_line("two-factor code from your authenticator app")?;
            runtime
                .block_on(backend.login(&user, &password, Some(&totp)))
                .map_err(|e| login_error(&e, &remote.url))?
        }
        other => other.map_err(|e| login_error(&e, &remote.url))?,
    };
    secrets.save(&account.name, &Credential::Bearer { token: jwt })?;
    let (mut state, _) = SyncState::load(&account.dir)?;
    state.cursor = Some(lemmy::remember_server(state.cursor.as_ref(), &info));
    state.save(&account.dir)?;
    writeln!(
        out,
        "Signed in to {} ({}) as {}. Next: threadmark sync --account {}",
        remote.url,
        info.describe(),
        crate::text::sanitize::clean_line(&user),
        account.name
    )?;
    Ok(())
}

fn login_error(error: &RemoteError, url: &str) -> anyhow::Error {
    match error {
        RemoteError::Status {
            code: Some(code),
            message,
            ..
        } => match code.as_str() {
            "unauthorized" => anyhow::anyhow!("wrong user name or password for {url}"),
            "totp_incorrect" => {
                anyhow::anyhow!("wrong two-factor code for {url}; run `threadmark login` again")
            }
            "approval_pending" => anyhow::anyhow!(
                "{url} has not approved this account yet ({message}); log in again once the \
                 instance's admins have accepted the application"
            ),
            _ => anyhow::anyhow!("{url} refused the login: {message}"),
        },
        other => anyhow::anyhow!("could not sign in to {url}: {other}"),
    }
}
