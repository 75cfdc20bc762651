//! The offline picture cache: the bytes of each picture fetched, one file per URL in
//! `<data dir>/images/`, within a size budget; the least recently used go first.
//!
//! A picture is shown from here whenever it is here, so a thread read once shows its
//! pictures offline too. The files are re-downloadable cache (atomic, not fsynced); a file
//! that went missing or unreadable is simply fetched again.

use super::StoreError;
use super::file::{Durability, write_atomic};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Default budget (`image_cache_mb`), in MiB.
pub const DEFAULT_IMAGE_CACHE_MB: u32 = 200;

/// Pictures kept on disk under a size budget.
#[derive(Clone, Debug)]
pub struct ImageCache {
    dir: PathBuf,
    budget: u64,
}

/// The pictures a post's body shows (as the reader finds them), for fetching ahead. A
/// body with no picture syntax at all is not laid out.
pub fn pictures_of(body: &crate::model::Body) -> Vec<String> {
    if !body.text.contains("<img") && !body.text.contains("![") {
        return Vec::new();
    }
    crate::render::Document::from_body(body)
        .pictures()
        .iter()
        .map(|p| p.url.clone())
        .collect()
}

impl ImageCache {
    /// Has a picture for `url` (without marking it used).
    pub fn holds(&self, url: &str) -> bool {
        self.path(url).is_file()
    }

    /// The cache in `dir` (created on the first write), holding at most `budget_bytes`.
    pub fn new(dir: impl Into<PathBuf>, budget_bytes: u64) -> Self {
        Self {
            dir: dir.into(),
            budget: budget_bytes,
        }
    }

    /// The folder the files live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bytes kept for `url`, marking them just used (so eviction spares them longest).
    pub fn get(&self, url: &str) -> Option<Vec<u8>> {
        let path = self.path(url);
        let bytes = fs::read(&path).ok()?;
        // The modification time is the last use: a failure to set it only makes the
        // picture a little more likely to be evicted early.
        if let Ok(file) = fs::File::options().write(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Keeps `bytes` for `url`, then evicts the least recently used files until the cache
    /// is within its budget. A picture larger than the whole budget is not kept.
    pub fn put(&self, url: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if bytes.len() as u64 > self.budget {
            return Ok(());
        }
        let path = self.path(url);
        write_atomic(&path, bytes, Durability::Cache)?;
        self.evict(&path)
    }

    /// Bytes on disk now.
    pub fn size(&self) -> u64 {
        self.entries().iter().map(|e| e.size).sum()
    }

    fn evict(&self, keep: &Path) -> Result<(), StoreError> {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.size).sum();
        if total <= self.budget {
            return Ok(());
        }
        entries.sort_by_key(|e| e.used);
        for entry in entries {
            if total <= self.budget {
                break;
            }
            if entry.path == keep {
                continue;
            }
            match fs::remove_file(&entry.path) {
                Ok(()) => total = total.saturating_sub(entry.size),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    total = total.saturating_sub(entry.size);
                }
                Err(e) => return Err(StoreError::io(&entry.path, e)),
            }
        }
        Ok(())
    }

    /// The cached files (temp files of an interrupted write included: they count too, and
    /// are the oldest, so they go first).
    fn entries(&self) -> Vec<Entry> {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        read.filter_map(Result::ok)
            .filter_map(|item| {
                let meta = item.metadata().ok()?;
                meta.is_file().then(|| Entry {
                    path: item.path(),
                    size: meta.len(),
                    used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                })
            })
            .collect()
    }

    /// One file per URL: the hex SHA-256 of the URL, so no server-chosen text names a file.
    fn path(&self, url: &str) -> PathBuf {
        let digest = Sha256::digest(url.as_bytes());
        let mut name = String::with_capacity(64);
        for b in digest {
            let _ = write!(name, "{b:02x}");
        }
        self.dir.join(name)
    }
}

struct Entry {
    path: PathBuf,
    size: u64,
    used: SystemTime,
}

#[cfg(test)]
mod tests {
    use super::ImageCache;
    use std::time::{Duration, SystemTime};

    #[test]
    fn keeps_what_it_is_given_and_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ImageCache::new(dir.path().join("images"), 1000);
        assert_eq!(cache.get("https://f.example/a.png"), None);
        cache.put("https://f.example/a.png", b"png bytes").unwrap();
        assert_eq!(
            cache.get("https://f.example/a.png").as_deref(),
            Some(&b"png bytes"[..])
        );
        // File names never come from the URL's text.
        cache.put("https://f.example/../../x", b"y").unwrap();
        for item in std::fs::read_dir(cache.dir()).unwrap() {
            let name = item.unwrap().file_name().into_string().unwrap();
            assert!(name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_budget_holds() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ImageCache::new(dir.path(), 300);
        let old = SystemTime::now() - Duration::from_secs(3600);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            cache.put(name, &[0; 100]).unwrap();
            // Distinct, ordered use times without waiting for the clock.
            let file = std::fs::File::options()
                .write(true)
                .open(cache.path(name))
                .unwrap();
            file.set_modified(old + Duration::from_secs(i as u64 * 10))
                .unwrap();
        }
        // Reading `a` makes it the most recently used: `b` is evicted for `d`.
        assert!(cache.get("a").is_some());
        cache.put("d", &[0; 100]).unwrap();
        assert!(cache.size() <= 300);
        assert!(cache.get("a").is_some());
        assert!(cache.get("b").is_none());
        assert!(cache.get("c").is_some());
        assert!(cache.get("d").is_some());
        // Larger than the whole budget: not kept, nothing else lost.
        cache.put("huge", &[0; 301]).unwrap();
        assert!(cache.get("huge").is_none());
        assert!(cache.get("d").is_some());
    }

    #[test]
    fn a_hundred_pictures_leave_the_cache_within_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ImageCache::new(dir.path(), 250_000);
        for i in 0..100 {
            cache
                .put(&format!("https://f.example/{i}.png"), &[7; 10_000])
                .unwrap();
            assert!(cache.size() <= 250_000, "over budget after {i}");
        }
        // The newest is always kept; 25 fit.
        assert!(cache.get("https://f.example/99.png").is_some());
        assert_eq!(std::fs::read_dir(cache.dir()).unwrap().count(), 25);
    }
}
