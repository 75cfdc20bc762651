//! One server per store: a lock file in the data directory, held while the server runs,
//! naming the process and address that hold it so a second `threadmark serve` can say who.
//!
//! The lock is advisory (`flock`), released by the system when the process ends however it
//! ends, so a server killed with `kill -9` never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file inside a server data directory.
pub const LOCK_FILE: &str = "threadmark-server.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another threadmark serve is already serving {} ({holder}); stop it first, or pass another --data",
        dir.display()
    )]
    Held { dir: PathBuf, holder: String },
    #[error("cannot lock the server store in {}: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How long a held lock is asked again before it counts as another server's.
const HELD_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);
/// How often it is asked again meanwhile.
const HELD_RETRY: std::time::Duration = std::time::Duration::from_millis(25);

/// The store's lock, held until dropped.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
}

impl StoreLock {
    /// Takes the lock of the store in `dir`, or says who holds it.
    pub fn take(dir: &Path) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            dir: dir.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        // A server of this process that has just stopped may hold the lock a moment
        // longer: a child process forked meanwhile (a pager, a browser, a database
        // helper) keeps a copy of the file until it executes its program. So a held lock
        // is asked again for up to a second before it counts as another server's.
        let mut waited = std::time::Duration::ZERO;
        let mut attempt = file.try_lock();
        while matches!(attempt, Err(TryLockError::WouldBlock)) && waited < HELD_PATIENCE {
            std::thread::sleep(HELD_RETRY);
            waited += HELD_RETRY;
            attempt = file.try_lock();
        }
        match attempt {
            Ok(()) => Ok(Self { file }),
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = crate::text::sanitize::clean_line(holder.trim()).into_owned();
                Err(LockError::Held {
                    dir: dir.to_owned(),
                    holder: if holder.is_empty() {
                        "starting".to_owned()
                    } else {
                        holder
                    },
                })
            }
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// Records who holds the lock (for the message a second server prints).
    pub fn describe(&mut self, holder: &str) {
        let _ = self.file.set_len(0);
        let _ = self.file.seek(SeekFrom::Start(0));
        let _ = self.file.write_all(holder.as_bytes());
        let _ = self.file.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_store_says_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = StoreLock::take(dir.path()).unwrap();
        first.describe("process 42, http://127.0.0.1:7878");
        let second = StoreLock::take(dir.path()).unwrap_err();
        let message = second.to_string();
        assert!(message.contains("already serving"), "{message}");
        assert!(
            message.contains("process 42, http://127.0.0.1:7878"),
            "{message}"
        );
        drop(first);
        assert!(StoreLock::take(dir.path()).is_ok());
    }
}
