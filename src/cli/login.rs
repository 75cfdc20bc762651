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
    let secrets = Secrets::open(&setup.data);
    if (args.invite.is_some() || args.register) && remote.kind != AccountKind::Native {
        anyhow::bail!(
            "--invite and --register are for threadmark servers; account {} is on a {:?} forum",
            account.name,
            remote.kind
        );
    }
    if remote.kind == AccountKind::Discourse {
        return discourse_login(&secrets, account, remote, args, out);
    }
    if remote.kind == AccountKind::Lemmy && !args.token_stdin {
        return super::login_lemmy::lemmy_login(&secrets, account, remote, args, out);
    }
    if args.token_stdin {
        let token = read_secret_line("token")?;
        return store_checked_token(&secrets, account, remote, token, out);
    }
    let user = match &args.user {
        Some(user) => user.clone(),
        None => prompt_line("User name: ")?,
    };
    let password = if args.password_stdin {
        read_secret_line("password")?
    } else if args.invite.is_some() || args.register {
        choose_password(&user, &remote.url)?
    } else {
        rpassword::prompt_password(format!("Password for {user} at {}: ", remote.url))?
    };
    let http = HttpClient::new(
        &remote.url,
        Timeouts::from_env().map_err(anyhow::Error::msg)?,
    )?;
    let mut backend = NativeBackend::new(http, None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let device = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
    let granted = if args.register {
        runtime.block_on(backend.register(&user, &password, device))
    } else {
        runtime.block_on(backend.login(&user, &password, device, args.invite.clone()))
    };
    let what = if args.register {
        Some("the registration")
    } else {
        args.invite.as_ref().map(|_| "the invitation")
    };
    let (token, who) = granted.map_err(|e| match (what, &e) {
        (Some(what), RemoteError::Status { message, .. }) => anyhow::anyhow!(
            "{} did not take {what}: {}",
            remote.url,
            crate::text::sanitize::clean_line(message)
        ),
        _ => login_error(&e, &remote.url),
    })?;
    secrets.save(&account.name, &Credential::Bearer { token })?;
    remember_name(account, &crate::model::Me::from(&who));
    writeln!(
        out,
        "Signed in to {} as {}{}. Next: threadmark sync --account {}",
        remote.url,
        crate::text::sanitize::clean_line(&who.name),
        role_note(who.role().as_str()),
        account.name
    )?;
    Ok(())
}

/// Keeps who the account signs in as, so the reader knows the user's own posts (edit and
/// delete are offered on them). Not worth failing a login over: the reader then knows only
/// the posts sent from this outbox as the user's.
fn remember_name(account: &Account, me: &crate::model::Me) {
    if let Err(e) = crate::store::save_me(&account.dir, me) {
        tracing::warn!("could not remember who account {} is: {e}", account.name);
    }
}

/// ` (admin)`, ` (moderator)`, ` (reader)`, or nothing for a member.
fn role_note(role: &str) -> String {
    if role == "member" {
        String::new()
    } else {
        format!(" ({role})")
    }
}

/// A new password, asked twice on the terminal (joining with an invitation).
fn choose_password(user: &str, url: &str) -> anyhow::Result<String> {
    let first = rpassword::prompt_password(format!("Choose a password for {user} at {url}: "))?;
    let again = rpassword::prompt_password("Again: ")?;
    if first != again {
        anyhow::bail!("the passwords differ; nothing was sent");
    }
    Ok(first)
}

/// `--token-stdin`: the token is asked about (`GET /me`) before it is stored. A server that
/// refuses it gets nothing stored; one that cannot be reached leaves it stored, unchecked,
/// and says so.
fn store_checked_token(
    secrets: &Secrets,
    account: &Account,
    remote: &crate::config::AccountConfig,
    token: String,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let http = HttpClient::new(
        &remote.url,
        Timeouts::from_env().map_err(anyhow::Error::msg)?,
    )?;
    let token = Secret::new(token);
    let mut backend = NativeBackend::new(http, Some(token.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let checked = runtime.block_on(backend.whoami());
    let unchecked = match checked {
        Ok(who) => {
            secrets.save(&account.name, &Credential::Bearer { token })?;
            remember_name(account, &crate::model::Me::from(&who));
            tracing::info!(account = %account.name, "token checked and stored");
            writeln!(
                out,
                "Signed in to {} as {}{}. Next: threadmark sync --account {}",
                remote.url,
                crate::text::sanitize::clean_line(&who.name),
                role_note(who.role().as_str()),
                account.name
            )?;
            return Ok(());
        }
        Err(RemoteError::Status {
            status: 401 | 403,
            message,
            ..
        }) => anyhow::bail!(
            "{} does not accept this token ({message}); nothing was stored",
            remote.url
        ),
        Err(e @ (RemoteError::Unreachable(_) | RemoteError::Timeout)) => {
            format!("offline ({e})")
        }
        Err(RemoteError::Status { status: 404, .. }) => {
            "the server cannot tell whose token it is (no GET /me)".to_owned()
        }
        Err(e) => e.to_string(),
    };
    secrets.save(&account.name, &Credential::Bearer { token })?;
    tracing::warn!(account = %account.name, "token stored unchecked: {unchecked}");
    writeln!(
        out,
        "Token stored for {}, not checked: {}. `threadmark sync` will tell whether it works.",
        account.name,
        crate::text::sanitize::clean_line(&unchecked)
    )?;
    Ok(())
}

/// Discourse: an admin API key from stdin, or the User API key flow (approve in a
/// browser, paste the payload back).
fn discourse_login(
    secrets: &Secrets,
    account: &Account,
    remote: &crate::config::AccountConfig,
    args: &LoginArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use crate::remote::discourse::auth::{
        DEFAULT_APPLICATION_NAME, UserApiKeyFlow, api_key_credential,
    };
    use crate::remote::discourse::{DiscourseBackend, DiscourseSettings};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let credential = if let Some(username) = &args.api_username {
        let key = read_secret_line("API key")?;
        api_key_credential(username, &key)?
    } else {
        let earlier_client = match secrets.load(&account.name) {
            Ok(Some(Credential::DiscourseUserApiKey { client_id, .. })) => Some(client_id),
            _ => None,
        };
        eprintln!("Creating a key pair…");
        let flow = UserApiKeyFlow::start(&remote.url, DEFAULT_APPLICATION_NAME, earlier_client)?;
        writeln!(
            out,
            "Open this address in a browser where you are logged in to the forum, approve              threadmark, then paste the text the forum shows and press Enter on an empty line:\n\n{}\n",
            flow.url()
        )?;
        out.flush()?;
        let pasted = read_block()?;
        flow.finish(&pasted)?
    };
    let settings = DiscourseSettings {
        timeouts: crate::remote::Timeouts::from_env().map_err(anyhow::Error::msg)?,
        ..DiscourseSettings::default()
    };
    let mut backend = DiscourseBackend::new(&remote.url, Some(credential.clone()), settings)?;
    let who = runtime
        .block_on(backend.current_username())
        .map_err(|e| anyhow::anyhow!("could not check the key with {}: {e}", remote.url))?;
    let Some(who) = who else {
        anyhow::bail!(
            "{} does not accept this key; nothing was stored",
            remote.url
        );
    };
    secrets.save(&account.name, &credential)?;
    remember_name(
        account,
        &crate::model::Me {
            name: who.clone(),
            moderator: false,
        },
    );
    writeln!(
        out,
        "Signed in to {} as {}. Next: threadmark sync --account {}",
        remote.url,
        crate::text::sanitize::clean_line(&who),
        account.name
    )?;
    Ok(())
}

/// Lines from standard input up to an empty line or the end (a pasted payload may wrap).
fn read_block() -> anyhow::Result<String> {
    let mut block = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() && !block.is_empty() {
            break;
        }
        block.push_str(line.trim());
    }
    if block.is_empty() {
        anyhow::bail!("nothing was pasted; run `threadmark login` again");
    }
    Ok(block)
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
pub(super) fn read_secret_line(what: &str) -> anyhow::Result<String> {
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

pub(super) fn prompt_line(prompt: &str) -> anyhow::Result<String> {
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
