//! Changes to the user's `config.toml` made by commands (`account add`), keeping their
//! comments and layout.

use super::{AccountConfig, ConfigError};
use std::path::Path;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// What a config file made by a command starts with: it holds only what the user sets.
const NEW_FILE_HEADER: &str = "\
# threadmark configuration: only what you change; everything else keeps its default.
# `threadmark config defaults` prints every setting with its default and what it does.
";

/// Appends an account to the config file (created holding just that account when missing,
/// so every other setting keeps following the defaults). Refuses a name already in use.
pub fn add_account(path: &Path, account: &AccountConfig) -> Result<(), ConfigError> {
    let mut doc = read_document(path)?;
    let accounts = accounts_mut(&mut doc, path)?;
    if accounts
        .iter()
        .any(|t| t.get("name").and_then(Item::as_str) == Some(account.name.as_str()))
    {
        return Err(invalid(
            path,
            format!(
                "an account named {:?} already exists; remove it first with `threadmark account remove {}`",
                account.name, account.name
            ),
        ));
    }
    let mut table = Table::new();
    table["name"] = value(account.name.as_str());
    table["kind"] = value(account.kind.as_str());
    table["url"] = value(account.url.as_str());
    if let Some(n) = account.requests_per_minute {
        table["requests_per_minute"] = value(i64::from(n));
    }
    if let Some(n) = account.top_communities {
        table["top_communities"] = value(i64::from(n));
    }
    accounts.push(table);
    write_document(path, &doc)
}

/// Removes an account from the config file; returns false when there was none by that name.
pub fn remove_account(path: &Path, name: &str) -> Result<bool, ConfigError> {
    let mut doc = read_document(path)?;
    let accounts = accounts_mut(&mut doc, path)?;
    let before = accounts.len();
    accounts.retain(|t| t.get("name").and_then(Item::as_str) != Some(name));
    let removed = accounts.len() != before;
    if removed {
        if doc.get("default_account").and_then(Item::as_str) == Some(name) {
            doc.remove("default_account");
        }
        write_document(path, &doc)?;
    }
    Ok(removed)
}

pub(super) fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_owned(),
        message,
    }
}

pub(super) fn read_document(path: &Path) -> Result<DocumentMut, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NEW_FILE_HEADER.to_owned(),
        Err(e) => {
            return Err(ConfigError::Io {
                path: path.to_owned(),
                source: e,
            });
        }
    };
    // The typed parse first: it gives the clearest message for a broken file.
    super::Config::parse(&text).map_err(|m| invalid(path, m))?;
    text.parse::<DocumentMut>()
        .map_err(|e| invalid(path, e.to_string().lines().next().unwrap_or("").to_owned()))
}

fn accounts_mut<'a>(
    doc: &'a mut DocumentMut,
    path: &Path,
) -> Result<&'a mut ArrayOfTables, ConfigError> {
    if !doc.contains_key("accounts") {
        doc.insert("accounts", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc["accounts"].as_array_of_tables_mut().ok_or_else(|| {
        invalid(
            path,
            "`accounts` must be a list of [[accounts]] tables".into(),
        )
    })
}

pub(super) fn write_document(path: &Path, doc: &DocumentMut) -> Result<(), ConfigError> {
    crate::store::file::write_atomic(
        path,
        doc.to_string().as_bytes(),
        crate::store::Durability::UserData,
    )
    .map_err(|e| invalid(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AccountKind, Config};

    fn work() -> AccountConfig {
        AccountConfig {
            name: "work".into(),
            kind: AccountKind::Native,
            url: "http://127.0.0.1:7878".into(),
            ..AccountConfig::default()
        }
    }

    #[test]
    fn adding_keeps_the_users_comments_and_refuses_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "# mine, keep me\n[ui]\nmouse = false\n").unwrap();
        add_account(&path, &work()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# mine, keep me"));
        let config = Config::load(&path).unwrap();
        assert_eq!(config.accounts, vec![work()]);
        assert!(!config.ui.mouse);
        assert!(add_account(&path, &work()).is_err());
        assert!(remove_account(&path, "work").unwrap());
        assert!(Config::load(&path).unwrap().accounts.is_empty());
        assert!(!remove_account(&path, "work").unwrap());
    }

    #[test]
    fn a_missing_file_gets_only_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        add_account(&path, &work()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            doc.keys().collect::<Vec<_>>(),
            ["accounts"],
            "only what was set:\n{text}"
        );
        assert!(text.contains("threadmark config defaults"), "{text}");
        assert_eq!(Config::load(&path).unwrap().accounts, vec![work()]);
    }
}
