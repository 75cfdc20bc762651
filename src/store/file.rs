//! Versioned JSON files: atomic replace, optional fsync, newer-schema refusal, quarantine.
//!
//! The store's file primitive, public on purpose: a layer that keeps a file of its own in
//! the data or config directory writes it with the same discipline through the few items
//! that are `pub` here — `load_versioned` / `save_versioned` (the sync engine's
//! `sync.json`) and `write_atomic` (config.toml edits). Everything else stays inside the
//! store.
//!
//! Fail points (the `fail` crate, compiled in with `--features failpoints`) sit between
//! the steps of a write — `store::write::before_fsync`, `store::write::before_rename`,
//! `store::write::before_dir_fsync` — so tests can fail or crash a write at each one.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How much a write must survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Re-downloadable cache: atomic (never half a file) but not fsynced.
    Cache,
    /// User data (drafts, outbox, read state): fsync the file, then the directory. Private
    /// too, like credentials: the file is made 0600 and new folders 0700, because unsent
    /// text is nobody else's business.
    UserData,
}

/// Mode of a user-data file: only its owner reads it.
const PRIVATE_FILE: u32 = 0o600;
/// Mode of a folder holding user data.
const PRIVATE_DIR: u32 = 0o700;

/// Something the store could not use, reported to the user; the rest keeps working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file did not parse; it was renamed out of the way and kept.
    Quarantined {
        path: PathBuf,
        moved_to: PathBuf,
        reason: String,
    },
    /// The file was written by a newer threadmark; it is used read-only or not at all.
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Quarantined {
                path,
                moved_to,
                reason,
            } => write!(
                f,
                "{} could not be read ({reason}); it was kept as {} and will be rebuilt where possible",
                path.display(),
                moved_to.display()
            ),
            Problem::NewerSchema {
                path,
                found,
                supported,
            } => write!(
                f,
                "{} was written by a newer threadmark (schema {found}, this one knows {supported}); \
                 it is left untouched — upgrade threadmark to use it",
                path.display()
            ),
        }
    }
}

/// The outcome of loading a versioned file.
#[derive(Debug)]
pub enum Loaded<T> {
    Ok(T),
    Missing,
    /// Unusable; the problem says why and what happened to the file.
    Unusable(Problem),
}

#[derive(serde::Deserialize)]
struct SchemaProbe {
    schema: Option<u32>,
}

/// Reads a JSON file whose top-level object carries `"schema": N`.
///
/// A file from a newer schema is reported and left untouched; a file that does not parse
/// (or carries no schema) is renamed `NAME.corrupt-<timestamp>` and reported.
pub fn load_versioned<T: DeserializeOwned>(
    path: &Path,
    supported: u32,
) -> Result<Loaded<T>, StoreError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    parse_versioned(path, &bytes, supported)
}

/// Parses bytes already read from `path` (see [`load_versioned`]).
pub(super) fn parse_versioned<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    supported: u32,
) -> Result<Loaded<T>, StoreError> {
    if let Some(found) = declared_schema(bytes)
        && found > supported
    {
        return Ok(Loaded::Unusable(Problem::NewerSchema {
            path: path.to_owned(),
            found,
            supported,
        }));
    }
    // One UTF-8 check of the whole file, so the parser need not check every string again
    // (the thread index holds thousands of them and is read at every start).
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<T>(text),
        Err(_) => serde_json::from_slice::<T>(bytes),
    };
    match parsed {
        Ok(value) if declared_schema(bytes).is_some() => Ok(Loaded::Ok(value)),
        Ok(_) => quarantine(path, "it has no \"schema\" field").map(Loaded::Unusable),
        Err(e) => quarantine(path, &reason(&e)).map(Loaded::Unusable),
    }
}

/// Parses bytes whose file must never be moved (credentials, outbox entries): an
/// unusable document is an error for the caller to report, not a quarantine.
pub(super) fn parse_versioned_in_place<T: DeserializeOwned>(
    bytes: &[u8],
    supported: u32,
) -> Result<T, String> {
    match declared_schema(bytes) {
        Some(found) if found > supported => Err(format!(
            "written by a newer threadmark (schema {found}, this one knows {supported})"
        )),
        Some(_) => serde_json::from_slice(bytes).map_err(|e| reason(&e)),
        None => Err("it has no \"schema\" field".to_owned()),
    }
}

/// Why a document did not parse, fit for a terminal: the parser quotes the file's own
/// text (a wrongly typed string value), which may carry escape sequences.
fn reason(e: &serde_json::Error) -> String {
    crate::text::sanitize::clean_line(&e.to_string()).into_owned()
}

/// The schema a JSON document declares, read cheaply from its head when it starts with
/// `{"schema":N` (as every file we write does), else by a full parse.
pub(super) fn declared_schema(bytes: &[u8]) -> Option<u32> {
    const HEAD: &[u8] = b"{\"schema\":";
    if let Some(rest) = bytes.strip_prefix(HEAD) {
        let digits: Vec<u8> = rest
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        if let Some(n) = std::str::from_utf8(&digits)
            .ok()
            .and_then(|d| d.parse().ok())
        {
            return Some(n);
        }
    }
    serde_json::from_slice::<SchemaProbe>(bytes)
        .ok()
        .and_then(|p| p.schema)
}

/// Renames an unusable file out of the way so it is never silently replaced.
pub(super) fn quarantine(path: &Path, reason: &str) -> Result<Problem, StoreError> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut moved_to = corrupt_name(path, &stamp, 0);
    let mut n = 0;
    while moved_to.exists() {
        n += 1;
        moved_to = corrupt_name(path, &stamp, n);
    }
    fs::rename(path, &moved_to).map_err(|e| StoreError::io(path, e))?;
    Ok(Problem::Quarantined {
        path: path.to_owned(),
        moved_to,
        reason: crate::text::sanitize::clean_line(reason)
            .chars()
            .take(200)
            .collect(),
    })
}

fn corrupt_name(path: &Path, stamp: &str, n: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = if n == 0 {
        String::new()
    } else {
        format!("-{n}")
    };
    path.with_file_name(format!("{name}.corrupt-{stamp}{suffix}"))
}

/// Serializes `value` (whose first field must be `schema`) and writes it atomically,
/// refusing to replace a file written by a newer schema.
pub fn save_versioned<T: Serialize>(
    path: &Path,
    value: &T,
    supported: u32,
    durability: Durability,
) -> Result<(), StoreError> {
    refuse_newer(path, supported)?;
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Encode {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_atomic(path, &bytes, durability)
}

/// Errors when `path` holds a file of a newer schema than `supported`.
pub(super) fn refuse_newer(path: &Path, supported: u32) -> Result<(), StoreError> {
    let mut head = Vec::new();
    match File::open(path) {
        Ok(f) => {
            f.take(64)
                .read_to_end(&mut head)
                .map_err(|e| StoreError::io(path, e))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    }
    let found = if head.starts_with(b"{\"schema\":") && head.len() < 64 {
        declared_schema(&head)
    } else if head.starts_with(b"{\"schema\":") {
        // The number is inside the first 64 bytes; a cut document still shows it.
        declared_schema(&head).or_else(|| fs::read(path).ok().and_then(|b| declared_schema(&b)))
    } else {
        fs::read(path).ok().and_then(|b| declared_schema(&b))
    };
    match found {
        Some(found) if found > supported => Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported,
        }),
        _ => Ok(()),
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` so that readers see either the old file or the new one:
/// a temp file in the same directory, then rename. `UserData` also fsyncs the file
/// before the rename and the directory after it.
pub fn write_atomic(path: &Path, bytes: &[u8], durability: Durability) -> Result<(), StoreError> {
    write_atomic_with(path, bytes, durability, &|_| Ok(()))
}

/// [`write_atomic`] with a hook run between the temp file's write and the rename, where a
/// crash or failure must leave the old file whole (tests inject failures there).
fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
    before_rename: &dyn Fn(&Path) -> io::Result<()>,
) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .ok_or_else(|| StoreError::io(path, io::Error::other("no parent directory")))?;
    match durability {
        Durability::Cache => fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?,
        Durability::UserData => create_dir_durable(dir)?,
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if durability == Durability::UserData {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_FILE);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        fail::fail_point!("store::write::before_fsync", |_| Err(io::Error::other(
            "fail point store::write::before_fsync"
        )));
        if durability == Durability::UserData {
            file.sync_all()?;
        }
        drop(file);
        fail::fail_point!("store::write::before_rename", |_| Err(io::Error::other(
            "fail point store::write::before_rename"
        )));
        before_rename(&temp)?;
        fs::rename(&temp, path)?;
        fail::fail_point!("store::write::before_dir_fsync", |_| Err(io::Error::other(
            "fail point store::write::before_dir_fsync"
        )));
        if durability == Durability::UserData {
            sync_dir(dir)?;
        }
        Ok(())
    })();
    result.map_err(|e: io::Error| {
        let _ = fs::remove_file(&temp);
        StoreError::io(path, e)
    })
}

/// Creates `dir` and its missing parents (private: 0700) so that they survive a power loss:
/// the parent of each new folder is fsynced after it.
pub(super) fn create_dir_durable(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let missing: Vec<&Path> = dir.ancestors().take_while(|a| !a.exists()).collect();
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_DIR);
    builder.create(dir).map_err(|e| StoreError::io(dir, e))?;
    for created in missing.iter().rev() {
        if let Some(parent) = created.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent).map_err(|e| StoreError::io(parent, e))?;
        }
    }
    Ok(())
}

/// Makes an existing folder of user data private (0700) when others could look inside
/// (folders made by older versions were 0755). Files in it need no change: without the
/// folder's permission nobody else reaches them. Best effort: a folder we do not own is
/// left as it is, and said so in the log.
pub(super) fn make_private(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = fs::metadata(dir) else {
            return;
        };
        if meta.is_dir()
            && meta.permissions().mode() & 0o077 != 0
            && let Err(e) = fs::set_permissions(dir, fs::Permissions::from_mode(PRIVATE_DIR))
        {
            tracing::warn!("could not make {} private: {e}", dir.display());
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The error a fail point injects (crash tests, `--features failpoints`).
#[cfg(feature = "failpoints")]
pub(super) fn injected(path: &Path, point: &str) -> StoreError {
    StoreError::io(path, io::Error::other(format!("fail point {point}")))
}

/// Makes a rename or create in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        schema: u32,
        text: String,
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let doc = Doc {
            schema: 1,
            text: "hé".into(),
        };
        save_versioned(&path, &doc, 1, Durability::UserData).unwrap();
        match load_versioned::<Doc>(&path, 1).unwrap() {
            Loaded::Ok(back) => assert_eq!(back, doc),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_corrupt_file_is_renamed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        fs::write(&path, b"{\"schema\":1,\"text\":").unwrap();
        let Loaded::Unusable(Problem::Quarantined { moved_to, .. }) =
            load_versioned::<Doc>(&path, 1).unwrap()
        else {
            panic!("not quarantined")
        };
        assert!(!path.exists());
        assert_eq!(fs::read(&moved_to).unwrap(), b"{\"schema\":1,\"text\":");
        assert!(
            moved_to
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("a.json.corrupt-")
        );
    }

    #[test]
    fn a_reason_quoting_the_file_cannot_reach_the_terminal() {
        // Serde names an unknown variant as written: escape sequences included.
        #[derive(Debug, Deserialize)]
        #[serde(tag = "kind")]
        enum Kind {
            Known,
        }
        #[derive(Debug, Deserialize)]
        struct Tagged {
            #[serde(rename = "schema")]
            _schema: u32,
            #[serde(rename = "target")]
            _target: Kind,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let hostile = br#"{"schema":1,"target":{"kind":"\u001b]0;x\u0007\u009b2J"}}"#;
        let raw = serde_json::from_slice::<Tagged>(hostile)
            .unwrap_err()
            .to_string();
        assert!(
            raw.contains('\u{1b}'),
            "the parser quotes the file: {raw:?}"
        );
        fs::write(&path, hostile).unwrap();
        let Loaded::Unusable(problem) = load_versioned::<Tagged>(&path, 1).unwrap() else {
            panic!("not quarantined")
        };
        let shown = problem.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.contains("]0;x"), "the reason stays readable: {shown}");
        let err = parse_versioned_in_place::<Tagged>(hostile, 1).unwrap_err();
        assert!(!err.chars().any(char::is_control), "{err:?}");
        let _ = Kind::Known;
    }

    #[test]
    fn a_newer_schema_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let newer = br#"{"schema":9,"text":"from the future","more":[1,2]}"#;
        fs::write(&path, newer).unwrap();
        assert!(matches!(
            load_versioned::<Doc>(&path, 1).unwrap(),
            Loaded::Unusable(Problem::NewerSchema { found: 9, .. })
        ));
        let doc = Doc {
            schema: 1,
            text: "old".into(),
        };
        assert!(matches!(
            save_versioned(&path, &doc, 1, Durability::Cache),
            Err(StoreError::NewerSchema { found: 9, .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), newer);
    }

    #[test]
    fn an_interrupted_write_leaves_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let old = Doc {
            schema: 1,
            text: "old".into(),
        };
        save_versioned(&path, &old, 1, Durability::UserData).unwrap();
        let new = serde_json::to_vec(&Doc {
            schema: 1,
            text: "new".into(),
        })
        .unwrap();
        let interrupted = write_atomic_with(&path, &new, Durability::UserData, &|temp| {
            // The new bytes are fully on disk in the temp file, not yet renamed.
            assert_eq!(fs::read(temp)?, new);
            Err(io::Error::other("power lost"))
        });
        assert!(interrupted.is_err());
        match load_versioned::<Doc>(&path, 1).unwrap() {
            Loaded::Ok(doc) => assert_eq!(doc, old),
            other => panic!("{other:?}"),
        }
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temp file is cleaned up");
    }
}
