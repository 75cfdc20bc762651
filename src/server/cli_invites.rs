//! `threadmark serve invite …`: invitations a new member redeems with `threadmark login
//! --invite TOKEN --user NAME`, on either engine, also while the server runs.

use super::db::Store;
use super::db::members::NewInvite;
use crate::api::Role;
use jiff::{SignedDuration, Timestamp};
use std::io::Write;

pub use crate::text::span::parse_span;

/// Create, list and revoke invitations.
#[derive(Debug, clap::Subcommand)]
pub enum InviteCommand {
    /// Print a new invitation token
    Create {
        /// The role the new user gets: reader, member, moderator or admin
        #[arg(long, default_value = "member", value_parser = super::cli_forum::parse_role)]
        role: Role,
        /// How long it works (e.g. 30m, 12h, 7d, 2w), or `never`
        #[arg(long, default_value = "7d", value_name = "DURATION")]
        expires: String,
        /// How many people may redeem it
        #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
        uses: u32,
    },
    /// List the invitations not yet used up or expired (never their tokens)
    List,
    /// Revoke an invitation by the id `invite list` shows
    Revoke { id: String },
}

/// `now` plus `span`, as a time.
pub fn expiry(now: Timestamp, span: SignedDuration) -> anyhow::Result<Timestamp> {
    Ok(now.checked_add(span)?)
}

fn describe(role: Role, uses: i64, expires_at: Option<Timestamp>) -> String {
    let expires = expires_at.map_or_else(
        || "never expires".to_owned(),
        |at| format!("expires {}", at.strftime("%Y-%m-%d %H:%M UTC")),
    );
    let uses = if uses == 1 {
        "1 use".to_owned()
    } else {
        format!("{uses} uses")
    };
    format!("role {role}, {uses}, {expires}")
}

pub async fn invite_command(store: &dyn Store, command: InviteCommand) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let mut out = std::io::stdout().lock();
    match command {
        InviteCommand::Create {
            role,
            expires,
            uses,
        } => {
            let expires_at = if expires.trim() == "never" {
                None
            } else {
                Some(expiry(
                    now,
                    parse_span(&expires).map_err(anyhow::Error::msg)?,
                )?)
            };
            let invite = NewInvite {
                role,
                for_user: None,
                expires_at,
                uses,
                created_by: super::db::moderation::OPERATOR.to_owned(),
            };
            let token = store.create_invite(invite, now).await?;
            writeln!(
                out,
                "invite: {token} ({})",
                describe(role, i64::from(uses), expires_at)
            )?;
            writeln!(
                out,
                "redeem with: threadmark login --account ACCOUNT --invite {token} --user NAME"
            )?;
        }
        InviteCommand::List => {
            let invites = store.invites(now).await?;
            if invites.is_empty() {
                writeln!(out, "no open invitations")?;
            }
            for invite in invites {
                let what = match &invite.for_user {
                    Some(user) => format!(
                        "password reset for {}",
                        crate::text::sanitize::clean_line(user)
                    ),
                    None => describe(invite.role, invite.uses_left, None),
                };
                let expires = invite.expires_at.map_or_else(String::new, |at| {
                    format!(", expires {}", at.strftime("%Y-%m-%d %H:%M UTC"))
                });
                let what = what.trim_end_matches(", never expires");
                writeln!(out, "{} {what}{expires}", invite.id)?;
            }
        }
        InviteCommand::Revoke { id } => {
            let count = store.revoke_invite(id.clone()).await?;
            if count == 0 {
                anyhow::bail!("no invitation {id:?}; `threadmark serve invite list` shows them");
            }
            writeln!(out, "revoked {count} invitation(s)")?;
        }
    }
    Ok(())
}
