//! Credentials on disk: one file per account, created 0600 in a 0700 folder, never logged.

use super::file;
use super::{DataDir, StoreError};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const SCHEMA: u32 = 1;

/// A secret string: shown as `***` by `Debug` and `Display`, readable only by `expose`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How threadmark proves who the user is to a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// API v1: `Authorization: Bearer <token>`.
    Bearer { token: Secret },
    /// Discourse User API key (`User-Api-Key` + `User-Api-Client-Id`).
    DiscourseUserApiKey { key: Secret, client_id: String },
    /// Discourse admin API key (`Api-Key` + `Api-Username`).
    DiscourseApiKey { key: Secret, username: String },
}

#[derive(Serialize, Deserialize)]
struct CredentialFile {
    schema: u32,
    credential: Credential,
}

/// Why a credential could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "{} is readable by other users (mode {mode:o}); threadmark will not use it. \
         Fix it with `chmod 600 {}` (or `chmod 700` for a folder), or log in again",
        path.display(),
        path.display()
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{} could not be read: {reason}; log in again", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

/// The credentials folder of a data directory.
#[derive(Clone, Debug)]
pub struct Secrets {
    dir: PathBuf,
}

impl Secrets {
    pub fn open(data: &DataDir) -> Self {
        Self {
            dir: data.root().join("secrets"),
        }
    }

    fn path(&self, account: &str) -> PathBuf {
        self.dir.join(format!("{}.json", super::file_stem(account)))
    }

    /// Stores an account's credential, replacing any earlier one. The file is created
    /// 0600 (never chmod-ed later) in a 0700 folder.
    pub fn save(&self, account: &str, credential: &Credential) -> Result<(), SecretError> {
        create_private_dir(&self.dir)?;
        check_mode(&self.dir, 0o077)?;
        let path = self.path(account);
        let bytes = serde_json::to_vec(&CredentialFile {
            schema: SCHEMA,
            credential: credential.clone(),
        })
        .map_err(|e| StoreError::Encode {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let temp = self.dir.join(format!(
            ".{}.tmp-{}",
            super::file_stem(account),
            std::process::id()
        ));
        let _ = fs::remove_file(&temp);
        let written = (|| {
            let mut f = private_file(&temp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            fs::rename(&temp, &path)?;
            file::sync_dir(&self.dir)
        })();
        written.map_err(|e| {
            let _ = fs::remove_file(&temp);
            SecretError::Store(StoreError::io(&path, e))
        })
    }

    /// An account's credential, `None` when it never logged in. A file or folder that
    /// other users could read is refused with an explanation.
    pub fn load(&self, account: &str) -> Result<Option<Credential>, SecretError> {
        let path = self.path(account);
        if !path.exists() {
            return Ok(None);
        }
        check_mode(&self.dir, 0o077)?;
        check_mode(&path, 0o077)?;
        let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        file::parse_versioned_in_place::<CredentialFile>(&bytes, SCHEMA)
            .map(|f| Some(f.credential))
            .map_err(|reason| SecretError::Unreadable { path, reason })
    }

    /// Forgets an account's credential (logout).
    pub fn remove(&self, account: &str) -> Result<(), SecretError> {
        let path = self.path(account);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(&path, e).into()),
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io(dir, e)),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn check_mode(path: &Path, forbidden: u32) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| StoreError::io(path, e))?
        .permissions()
        .mode()
        & 0o777;
    if mode & forbidden != 0 {
        return Err(SecretError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path, _: u32) -> Result<(), SecretError> {
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn credentials_are_private_and_never_printed() {
        let data = tempfile::tempdir().unwrap();
        let secrets = Secrets::open(&DataDir::new(data.path()));
        let credential = Credential::Bearer {
            token: Secret::new("tm_supersecret"),
        };
        secrets.save("work", &credential).unwrap();
        assert_eq!(secrets.load("work").unwrap(), Some(credential.clone()));
        assert_eq!(mode(&data.path().join("secrets")), 0o700);
        assert_eq!(mode(&data.path().join("secrets/work.json")), 0o600);
        assert!(!format!("{credential:?}").contains("supersecret"));
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let data = tempfile::tempdir().unwrap();
        let secrets = Secrets::open(&DataDir::new(data.path()));
        secrets
            .save(
                "work",
                &Credential::Bearer {
                    token: Secret::new("t"),
                },
            )
            .unwrap();
        let path = data.path().join("secrets/work.json");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = secrets.load("work").unwrap_err();
        assert!(matches!(err, SecretError::TooOpen { mode: 0o644, .. }));
        assert!(err.to_string().contains("chmod 600"));
    }
}
