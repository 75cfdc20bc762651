//! `sync.json`: where the last pull stopped and what the server last said, written after
//! the data it covers.

use crate::model::{Banner, ForumMode, ThreadId};
use crate::remote::Cursor;
use crate::store::file::{self, Durability, Loaded};
use crate::store::{AccountDir, Problem, StoreError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const SCHEMA: u32 = 1;

/// Persisted sync progress of one account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    #[serde(default)]
    pub schema: u32,
    /// The backend's cursor after the last applied batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// When a pull last completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<Timestamp>,
    /// The server's mode when last heard from.
    #[serde(default)]
    pub mode: ForumMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
    /// During a fresh snapshot: the threads seen so far. When the snapshot completes,
    /// cached threads not in it are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_seen: Option<BTreeSet<ThreadId>>,
}

impl SyncState {
    pub fn load(dir: &AccountDir) -> Result<(Self, Option<Problem>), StoreError> {
        Ok(
            match file::load_versioned::<Self>(&dir.sync_state(), SCHEMA)? {
                Loaded::Ok(state) => (state, None),
                Loaded::Missing => (Self::default(), None),
                Loaded::Unusable(problem) => (Self::default(), Some(problem)),
            },
        )
    }

    /// Written like the cache it describes (atomic, after the data): a cursor that falls
    /// behind after a power loss only means downloading again; it never runs ahead of the
    /// thread files because it is always written after them.
    pub fn save(&self, dir: &AccountDir) -> Result<(), StoreError> {
        let mut copy = self.clone();
        copy.schema = SCHEMA;
        file::save_versioned(&dir.sync_state(), &copy, SCHEMA, Durability::Cache)
    }
}
