//! `threadmark serve user …` and `threadmark serve token …`: users and tokens, on either engine.

use super::db::Store;
use super::db::WriteFailure;
use super::db::members::{NewInvite, Removed};
use super::db::moderation::Actor;
use super::db::users::{self, UserError};
use std::io::{BufRead, IsTerminal, Write};

/// Create and list the server's users.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is asked on the terminal, or generated and printed.
    /// The first user made on a forum without an admin becomes its admin.
    Add {
        name: String,
        /// Make the user an admin (may change the forum's mode)
        #[arg(long)]
        admin: bool,
        /// A badge shown beside the user's name ("moderator", "non-member")
        #[arg(long, value_name = "TEXT")]
        badge: Option<String>,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users
    List,
    /// Give a user a role: reader (may read, not post), member, moderator (may lock, pin,
    /// move and hide) or admin (may also shape the forum and its members)
    Role {
        name: String,
        #[arg(value_parser = super::cli_forum::parse_role)]
        role: crate::api::Role,
    },
    /// Keep a user out: their tokens are revoked and they cannot sign in
    Disable { name: String },
    /// Let a disabled user sign in again
    Enable { name: String },
    /// Remove a user; one who wrote posts keeps them under their name but cannot sign in
    Remove { name: String },
    /// Silence a member for a time: they read, they may not post (logged)
    Silence {
        name: String,
        /// How long (e.g. 30m, 12h, 7d)
        #[arg(long = "for", value_name = "DURATION", value_parser = super::cli_invites::parse_span)]
        span: jiff::SignedDuration,
    },
    /// Let a silenced member post again (logged)
    Unsilence { name: String },
    /// Print a one-time token that sets a new password for a user, redeemed with
    /// `threadmark login --invite TOKEN --user NAME`
    Reset {
        name: String,
        /// How long the token works (e.g. 30m, 12h, 7d)
        #[arg(long, default_value = "1d", value_name = "DURATION", value_parser = super::cli_invites::parse_span)]
        expires: jiff::SignedDuration,
    },
}

/// Issue or revoke bearer tokens without a password.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Print a new token for a user
    New {
        name: String,
        /// A label for the device the token is for
        #[arg(long, value_name = "LABEL")]
        device: Option<String>,
    },
    /// Revoke every token of a user
    Revoke { name: String },
}

pub async fn user_command(store: &dyn Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            name,
            admin,
            badge,
            password_stdin,
        } => {
            users::check_name(&name)?;
            let (password, generated) = read_password(&name, password_stdin)?;
            // Argon2 takes tens of milliseconds of CPU: keep it off the async threads.
            let hash = tokio::task::spawn_blocking(move || {
                users::hash_password(&password).map(|h| (h, password))
            })
            .await??;
            let (hash, password) = hash;
            let user = store.add_user(name, Some(hash), admin, badge).await?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "created user {}{}",
                user.name,
                if user.admin { " (admin)" } else { "" }
            )?;
            if generated {
                writeln!(out, "password: {password}")?;
            }
        }
        UserCommand::Role { name, role } => {
            let user = store.set_role(name, role).await?;
            let article = if role == crate::api::Role::Admin {
                "an"
            } else {
                "a"
            };
            writeln!(
                std::io::stdout().lock(),
                "{} is now {article} {role}",
                user.name
            )?;
        }
        UserCommand::Disable { name } => {
            let user = store.set_disabled(name, true).await?;
            writeln!(
                std::io::stdout().lock(),
                "disabled {} (their tokens are revoked)",
                user.name
            )?;
        }
        UserCommand::Enable { name } => {
            let user = store.set_disabled(name, false).await?;
            writeln!(std::io::stdout().lock(), "enabled {}", user.name)?;
        }
        UserCommand::Remove { name } => {
            let said = match store.remove_user(name.clone()).await? {
                Removed::Deleted => format!("removed {name}"),
                Removed::Kept { posts } => {
                    format!("removed {name}'s account; their {posts} post(s) stay under their name")
                }
            };
            writeln!(std::io::stdout().lock(), "{said}")?;
        }
        UserCommand::Reset { name, expires } => {
            let now = jiff::Timestamp::now();
            let invite = NewInvite {
                role: crate::api::Role::Member,
                for_user: Some(name.clone()),
                expires_at: Some(super::cli_invites::expiry(now, expires)?),
                uses: 1,
                created_by: super::db::moderation::OPERATOR.to_owned(),
            };
            let token = store.create_invite(invite, now).await?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "reset token for {name}: {token}")?;
            writeln!(
                out,
                "{name} sets a new password with: threadmark login --account ACCOUNT --invite {token} --user {name}"
            )?;
        }
        UserCommand::Silence { name, span } => {
            let now = jiff::Timestamp::now();
            let until = super::cli_invites::expiry(now, span)?;
            let user = silence(store, name, Some(until), now).await?;
            writeln!(
                std::io::stdout().lock(),
                "silenced {} until {}",
                user.name,
                until.strftime("%Y-%m-%d %H:%M UTC")
            )?;
        }
        UserCommand::Unsilence { name } => {
            let user = silence(store, name, None, jiff::Timestamp::now()).await?;
            writeln!(std::io::stdout().lock(), "{} may post again", user.name)?;
        }
        UserCommand::List => list_users(store).await?,
    }
    Ok(())
}

/// Silences a user (or ends it) as the operator; a refusal in words.
async fn silence(
    store: &dyn Store,
    name: String,
    until: Option<jiff::Timestamp>,
    now: jiff::Timestamp,
) -> anyhow::Result<users::UserInfo> {
    store
        .silence_user(Actor::Operator, name, until, now)
        .await
        .map_err(|failure| match failure {
            WriteFailure::Rejected(problem) => anyhow::anyhow!(
                "{}; nothing was changed",
                problem.detail.as_deref().unwrap_or(&problem.title)
            ),
            WriteFailure::Store(e) => anyhow::anyhow!("{e}"),
        })
}

/// `serve user list`: each user with their role and state.
async fn list_users(store: &dyn Store) -> anyhow::Result<()> {
    let listed = store.list_users().await?;
    let mut out = std::io::stdout().lock();
    for (user, can_log_in) in listed {
        let mut notes = Vec::new();
        if user.role != crate::api::Role::Member {
            notes.push(user.role.to_string());
        }
        if user.disabled {
            notes.push("disabled".to_owned());
        }
        if let Some(until) = user
            .silenced_until
            .filter(|u| *u > super::db::micros(jiff::Timestamp::now()))
            .and_then(|u| super::db::from_micros(u).ok())
        {
            notes.push(format!(
                "silenced until {}",
                until.strftime("%Y-%m-%d %H:%M UTC")
            ));
        }
        if let Some(badge) = &user.badge {
            notes.push(format!("badge: {badge}"));
        }
        if !can_log_in {
            notes.push("no password".to_owned());
        }
        let name = crate::text::sanitize::clean_line(&user.name);
        if notes.is_empty() {
            writeln!(out, "{name}")?;
        } else {
            writeln!(out, "{name} ({})", notes.join(", "))?;
        }
    }
    Ok(())
}

pub async fn token_command(store: &dyn Store, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::New { name, device } => {
            let (user, token) = store.issue_token(name, device).await?;
            writeln!(std::io::stdout().lock(), "{} token: {token}", user.name)?;
        }
        TokenCommand::Revoke { name } => {
            let count = store.revoke_tokens(name.clone()).await?;
            writeln!(
                std::io::stdout().lock(),
                "revoked {count} token(s) of {name}"
            )?;
        }
    }
    Ok(())
}

/// The password for a new user: from stdin when asked, else asked twice on the
/// terminal, else (or when left empty) generated. Returns it and whether it was generated.
fn read_password(name: &str, from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            anyhow::bail!("no password on standard input");
        }
        return Ok((password, false));
    }
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password(format!("Password for {name} (empty: generate one): "))?;
        if !first.is_empty() {
            let again = rpassword::prompt_password("Again: ")?;
            if again != first {
                anyhow::bail!("the passwords differ; nothing was created");
            }
            return Ok((first, false));
        }
    }
    Ok((users::new_password().map_err(UserError::from)?, true))
}
