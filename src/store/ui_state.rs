//! `ui.json`: the file that holds what the reader remembers between runs. The store keeps
//! the file (schema, atomic replace, quarantine); what is in it is the app's
//! (`app::UiState`), written as the fields of one JSON object beside `schema`.

use super::file::{self, Durability, Loaded, Problem};
use super::{AccountDir, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The schema of `ui.json` this version reads and writes.
pub const UI_SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct UiFile<T> {
    schema: u32,
    #[serde(flatten)]
    ui: T,
}

/// Loads `ui.json`; a missing file gives the defaults. An unusable file (quarantined, or
/// from a newer threadmark) also gives the defaults, with the problem to report.
pub fn load_ui_state<T: DeserializeOwned + Default>(
    dir: &AccountDir,
) -> Result<(T, Option<Problem>), StoreError> {
    match file::load_versioned::<UiFile<T>>(&dir.ui_state(), UI_SCHEMA)? {
        Loaded::Ok(f) => Ok((f.ui, None)),
        Loaded::Missing => Ok((T::default(), None)),
        Loaded::Unusable(problem) => Ok((T::default(), Some(problem))),
    }
}

/// Saves `ui.json` atomically. It is a convenience, not user data: no fsync.
pub fn save_ui_state<T: Serialize>(dir: &AccountDir, ui: &T) -> Result<(), StoreError> {
    let file = UiFile {
        schema: UI_SCHEMA,
        ui,
    };
    file::save_versioned(&dir.ui_state(), &file, UI_SCHEMA, Durability::Cache)
}
