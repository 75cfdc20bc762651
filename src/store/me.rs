//! `me.json`: who the account signs in as ([`Me`]), written at login; the reader tells the
//! user's own posts by it. A convenience: missing or unreadable, the reader only knows the
//! posts sent from this account's outbox as the user's.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, StoreError};
use crate::model::Me;
use serde::{Deserialize, Serialize};

const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct MeFile {
    schema: u32,
    #[serde(flatten)]
    me: Me,
}

/// Who the account signed in as at its last login, if known.
pub fn load_me(dir: &AccountDir) -> Option<Me> {
    match file::load_versioned::<MeFile>(&dir.me(), SCHEMA) {
        Ok(Loaded::Ok(f)) => Some(f.me),
        Ok(Loaded::Missing | Loaded::Unusable(_)) => None,
        Err(e) => {
            tracing::warn!("{e}");
            None
        }
    }
}

/// Remembers who the account signs in as (after a login the server confirmed).
pub fn save_me(dir: &AccountDir, me: &Me) -> Result<(), StoreError> {
    let file = MeFile {
        schema: SCHEMA,
        me: me.clone(),
    };
    file::save_versioned(&dir.me(), &file, SCHEMA, Durability::Cache)
}
