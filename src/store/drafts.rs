//! Drafts on disk: one durable file per draft, restored after a crash or restart.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, Problem, StoreError};
use crate::model::Draft;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::PathBuf;

const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct DraftFile {
    schema: u32,
    draft: Draft,
}

/// One account's drafts folder.
#[derive(Clone, Debug)]
pub struct Drafts {
    dir: PathBuf,
}

impl Drafts {
    pub fn open(dir: &AccountDir) -> Self {
        Self {
            dir: dir.drafts_dir(),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", super::file_stem(id)))
    }

    /// Saves a draft durably (callers debounce keystrokes; this is the write itself), in a
    /// private folder (0700, files 0600).
    pub fn save(&self, draft: &Draft) -> Result<(), StoreError> {
        file::make_private(&self.dir);
        let file = DraftFile {
            schema: SCHEMA,
            draft: draft.clone(),
        };
        file::save_versioned(&self.path(&draft.id), &file, SCHEMA, Durability::UserData)
    }

    /// Every draft, most recently edited first, plus problems with unreadable files
    /// (which are quarantined, never deleted).
    pub fn list(&self) -> Result<(Vec<Draft>, Vec<Problem>), StoreError> {
        file::make_private(&self.dir);
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
            Err(e) => return Err(StoreError::io(&self.dir, e)),
        };
        let mut drafts = Vec::new();
        let mut problems = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            match file::load_versioned::<DraftFile>(&path, SCHEMA)? {
                Loaded::Ok(f) => drafts.push(f.draft),
                Loaded::Missing => {}
                Loaded::Unusable(problem) => problems.push(problem),
            }
        }
        drafts.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
        Ok((drafts, problems))
    }

    /// Removes a draft once it is safely in the outbox (or the user discarded it).
    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        let path = self.path(id);
        match fs::remove_file(&path) {
            Ok(()) => file::sync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Target, ThreadId};
    use crate::store::DataDir;
    use jiff::Timestamp;

    fn draft(id: &str, body: &str, at: i64) -> Draft {
        Draft {
            id: id.into(),
            target: Target::Reply {
                thread: ThreadId::new("t"),
                reply_to: None,
            },
            body: body.into(),
            created_at: Timestamp::from_second(at).unwrap(),
            updated_at: Timestamp::from_second(at).unwrap(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn drafts_round_trip_newest_first_and_can_be_removed() {
        let data = tempfile::tempdir().unwrap();
        let drafts = Drafts::open(&DataDir::new(data.path()).account("a"));
        drafts.save(&draft("one", "first", 10)).unwrap();
        drafts.save(&draft("two", "second", 20)).unwrap();
        drafts.save(&draft("one", "first, edited", 30)).unwrap();
        let (list, problems) = drafts.list().unwrap();
        assert!(problems.is_empty());
        let bodies: Vec<&str> = list.iter().map(|d| d.body.as_str()).collect();
        assert_eq!(bodies, ["first, edited", "second"]);
        drafts.remove("one").unwrap();
        assert_eq!(drafts.list().unwrap().0.len(), 1);
    }

    fn mode(path: &std::path::Path) -> u32 {
        std::os::unix::fs::PermissionsExt::mode(&fs::metadata(path).unwrap().permissions()) & 0o777
    }

    #[test]
    fn drafts_are_private_and_an_old_open_folder_is_closed() {
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("a");
        let drafts = Drafts::open(&dir);
        drafts.save(&draft("one", "unsent words", 10)).unwrap();
        assert_eq!(mode(&dir.drafts_dir()), 0o700);
        assert_eq!(mode(&dir.drafts_dir().join("one.json")), 0o600);
        // A folder an older version made world-readable is closed at the next use.
        fs::set_permissions(
            dir.drafts_dir(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        drafts.list().unwrap();
        assert_eq!(mode(&dir.drafts_dir()), 0o700);
    }
}
