//! The log file writer: `<data dir>/logs/threadmark.YYYY-MM-DD.log` (UTC date), a new file
//! each day, the newest [`KEPT_FILES`] kept. It never writes anywhere else — not to the
//! terminal the reader draws on, not even to say it failed: a line it cannot write (a
//! full disk, a folder gone) is counted in [`dropped_lines`], for the reader to report
//! once in its status line.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Days of logs kept.
pub const KEPT_FILES: usize = 7;

const PREFIX: &str = "threadmark.";
const SUFFIX: &str = ".log";

/// Log lines lost since start because the log could not be written.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many log lines could not be written since start.
pub fn dropped_lines() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// The log folder, shared by every thread that logs.
#[derive(Debug)]
pub struct LogFile {
    dir: PathBuf,
    open: Mutex<Option<(String, File)>>,
}

impl LogFile {
    /// Opens today's file in `dir` (made if missing): the error says why logging cannot
    /// start.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let log = Self {
            dir: dir.to_owned(),
            open: Mutex::new(None),
        };
        drop(log.current()?);
        Ok(log)
    }

    /// The file for today, opened (and old ones pruned) when the day changed.
    fn current(&self) -> io::Result<MutexGuard<'_, Option<(String, File)>>> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        if open.as_ref().is_none_or(|(day, _)| *day != today) {
            *open = None;
            let path = self.dir.join(format!("{PREFIX}{today}{SUFFIX}"));
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            *open = Some((today, file));
            prune(&self.dir);
        }
        Ok(open)
    }

    /// Writes one formatted event; a failure is counted, never shown.
    fn write_line(&self, line: &[u8]) {
        let written = self.current().and_then(|mut open| match open.as_mut() {
            Some((_, file)) => file.write_all(line),
            None => Err(io::Error::other("no log file")),
        });
        if written.is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Removes all but the newest [`KEPT_FILES`] log files; a failure is left for next time.
fn prune(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut logs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    // The date in the name sorts as text.
    logs.sort();
    let excess = logs.len().saturating_sub(KEPT_FILES);
    for old in &logs[..excess] {
        let _ = fs::remove_file(old);
    }
}

/// A writer for one event: the formatter writes into it, the line goes to the file in one
/// piece when it is dropped.
#[derive(Debug)]
pub struct LogLine<'a> {
    log: &'a LogFile,
    line: Vec<u8>,
}

impl Write for LogLine<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine<'_> {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.log.write_line(&self.line);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogFile {
    type Writer = LogLine<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine {
            log: self,
            line: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_cannot_be_written_is_counted_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let log = LogFile::open(dir.path()).unwrap();
        // The file of today replaced by /dev/full: every write fails with ENOSPC.
        let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        let path = dir.path().join(format!("{PREFIX}{today}{SUFFIX}"));
        *log.open.lock().unwrap() = Some((
            today,
            OpenOptions::new().append(true).open("/dev/full").unwrap(),
        ));
        let before = dropped_lines();
        {
            use tracing_subscriber::fmt::MakeWriter as _;
            let mut line = log.make_writer();
            line.write_all(b"an event\n").unwrap();
        }
        assert!(dropped_lines() > before);
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
    }

    #[test]
    fn old_files_beyond_the_kept_count_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for day in 1..=10 {
            fs::write(
                dir.path().join(format!("{PREFIX}2020-01-{day:02}{SUFFIX}")),
                "x",
            )
            .unwrap();
        }
        fs::write(dir.path().join("other.txt"), "kept").unwrap();
        let log = LogFile::open(dir.path()).unwrap();
        drop(log);
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names.iter().filter(|n| n.starts_with(PREFIX)).count(),
            KEPT_FILES
        );
        assert!(names.contains(&"other.txt".to_owned()));
        assert!(!names.contains(&format!("{PREFIX}2020-01-01{SUFFIX}")));
    }
}
