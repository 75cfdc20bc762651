//! `places.json`: the account's watch levels and bookmarks ([`Places`]), merged by the
//! latest change. Every writer (the reader, `threadmark watch`/`bookmark`, the sync
//! engine taking in the server's) loads, merges and saves under the state-files lock, so
//! no change is lost whoever writes last.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, ReadMarks, StoreError, lock_state_files};
use crate::model::{PlaceMark, Places};

const SCHEMA: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct PlacesFile {
    schema: u32,
    #[serde(flatten)]
    places: Places,
}

/// The account's watch levels and bookmarks as saved (none when the file is missing; an
/// unreadable file is set aside and reported, and starts empty).
pub fn load_places(dir: &AccountDir) -> Result<Places, StoreError> {
    match file::load_versioned::<PlacesFile>(&dir.places(), SCHEMA)? {
        Loaded::Ok(found) => Ok(found.places),
        Loaded::Missing => Ok(Places::default()),
        Loaded::Unusable(problem) => {
            tracing::warn!("{problem}");
            Ok(Places::default())
        }
    }
}

/// Folds `marks` into the saved places (latest change wins) and saves them durably;
/// returns the places and whether anything changed.
pub fn merge_places(dir: &AccountDir, marks: &[PlaceMark]) -> Result<(Places, bool), StoreError> {
    let _lock = lock_state_files(dir)?;
    let mut places = load_places(dir)?;
    let mut changed = false;
    for mark in marks {
        changed |= places.apply(mark);
    }
    if changed {
        let wrapped = PlacesFile {
            schema: SCHEMA,
            places,
        };
        file::save_versioned(&dir.places(), &wrapped, SCHEMA, Durability::UserData)?;
        return Ok((wrapped.places, true));
    }
    Ok((places, false))
}

/// Records one change the user made — `threadmark watch`/`bookmark` and the reader's `w`
/// and `b` alike: queued durably in `marks/` first when `queue` (the account sends its
/// places to the server: `Account::queues_read_marks`), so a crash
/// before `places.json` is written still sends it, then folded into `places.json`.
/// Returns the places as saved.
pub fn record_place(dir: &AccountDir, mark: PlaceMark, queue: bool) -> Result<Places, StoreError> {
    if queue {
        ReadMarks::open(dir).enqueue_place(mark.clone())?;
    }
    Ok(merge_places(dir, &[mark])?.0)
}
