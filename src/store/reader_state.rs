//! `reader.json` in the data directory: what the reader remembers across its accounts
//! between runs (each account's own view stays in its `ui.json`): the account last in
//! focus, so a restart with several accounts opens on it.

use super::file::{self, Durability, Loaded};
use super::{DataDir, StoreError};
use serde::{Deserialize, Serialize};

/// The schema of `reader.json` this version reads and writes.
pub const READER_SCHEMA: u32 = 1;

/// The reader's memory across accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderState {
    /// The name of the account in focus when the reader last saved.
    #[serde(default)]
    pub focused_account: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ReaderFile {
    schema: u32,
    #[serde(flatten)]
    state: ReaderState,
}

/// Loads `reader.json`; missing or unusable (quarantined, from a newer threadmark), the
/// defaults: it is a convenience, and the reader then opens as on a first run.
pub fn load_reader_state(data: &DataDir) -> ReaderState {
    match file::load_versioned::<ReaderFile>(&data.reader_state(), READER_SCHEMA) {
        Ok(Loaded::Ok(f)) => f.state,
        Ok(Loaded::Missing) => ReaderState::default(),
        Ok(Loaded::Unusable(problem)) => {
            tracing::warn!("reader.json: {problem}");
            ReaderState::default()
        }
        Err(e) => {
            tracing::warn!("reader.json: {e}");
            ReaderState::default()
        }
    }
}

/// Saves `reader.json` atomically (a convenience, not user data: no fsync).
pub fn save_reader_state(data: &DataDir, state: &ReaderState) -> Result<(), StoreError> {
    let file = ReaderFile {
        schema: READER_SCHEMA,
        state: state.clone(),
    };
    std::fs::create_dir_all(data.root()).map_err(|e| StoreError::io(data.root(), e))?;
    file::save_versioned(
        &data.reader_state(),
        &file,
        READER_SCHEMA,
        Durability::Cache,
    )
}
