//! `threadmark login`: signs in to an account's server and stores the credential.

use super::args::LoginArgs;
use crate::account::{Account, Setup};
use crate::config::AccountKind;
use crate::remote::{HttpClient, NativeBackend, RemoteError, Timeouts};
use crate::store::{Credential, Secret, Secrets};
use std::io::{BufRead, IsTerminal, Write};

/// Runs `login` for `account`.
pub fn login(
    setup: &Setup,
    account: &Account,
    args: &LoginArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let Some(remote) = &account.remote else {
        anyhow::bail!(
            "the demo forum has no server to sign in to; add one with `threadmark account add NAME --url URL`"
        );
    };
    if remote.kind == AccountKind::Discourse {
        anyhow::bail!("signing in to Discourse forums is not supported by this build yet");
    }
    let secrets = Secrets::open(&setup.data);
    if args.token_stdin {
        let token = read_secret_line("token")?;
        secrets.save(
            &account.name,
            &Credential::Bearer {
                token: Secret::new(token),
            },
        )?;
        writeln!(out, "Token stored for {}.", account.name)?;
        return Ok(());
    }
    let user = match &args.user {
        Some(user) => user.clone(),
        None => prompt_line("User name: ")?,
    };
    let password = if args.password_stdin {
        read_secret_line("password")?
    } else {
        rpassword::prompt_password(format!("Password for {user} at {}: ", remote.url))?
    };
    let http = HttpClient::new(&remote.url, Timeouts::default())?;
    let mut backend = NativeBackend::new(http, None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let device = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
    let (token, who) = runtime
        .block_on(backend.login(&user, &password, device))
        .map_err(|e| login_error(&e, &remote.url))?;
    secrets.save(&account.name, &Credential::Bearer { token })?;
    writeln!(
        out,
        "Signed in to {} as {}{}. Next: threadmark sync --account {}",
        remote.url,
        crate::render::sanitize::clean_line(&who.name),
        if who.admin { " (admin)" } else { "" },
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
        } if code == "logins_disabled" => {
            anyhow::anyhow!(
                "{url} has logins disabled for now ({message}); try again when it reopens"
            )
        }
        RemoteError::Status { status: 401, .. } => {
            anyhow::anyhow!("wrong user name or password for {url}")
        }
        other => anyhow::anyhow!("could not sign in to {url}: {other}"),
    }
}

/// One line from standard input, for secrets piped in by scripts (never argv).
fn read_secret_line(what: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Paste the {what} and press Enter: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let value = line.trim().to_owned();
    if value.is_empty() {
        anyhow::bail!("no {what} on standard input");
    }
    Ok(value)
}

fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let value = line.trim().to_owned();
    if value.is_empty() {
        anyhow::bail!("no user name given");
    }
    Ok(value)
}
