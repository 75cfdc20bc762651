//! `threadmark serve user …` and `threadmark serve token …`: users and tokens, on either engine.

use super::db::Store;
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
    /// Make a user a moderator (may lock, pin and move threads) or a plain member again
    Role {
        name: String,
        #[arg(value_parser = ["moderator", "member"])]
        role: String,
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
            let moderator = role == "moderator";
            if !store.set_moderator(name.clone(), moderator).await? {
                anyhow::bail!("no user {name:?}; nothing was changed");
            }
            writeln!(std::io::stdout().lock(), "{name} is now a {role}")?;
        }
        UserCommand::List => {
            let listed = store.list_users().await?;
            let moderators = store.moderators().await?;
            let mut out = std::io::stdout().lock();
            for (user, can_log_in) in listed {
                let mut notes = Vec::new();
                if user.admin {
                    notes.push("admin".to_owned());
                }
                if moderators.contains(&user.name) {
                    notes.push("moderator".to_owned());
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
