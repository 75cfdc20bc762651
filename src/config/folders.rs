//! `[[folders]]` in `config.toml`: saved searches shown in the reader's tree with their
//! unread counts. Each query is parsed when the file is read; one that does not parse, or
//! a name used twice, is an error naming its line. `threadmark search --save` adds one.

use super::ConfigError;
use super::edit::{invalid, read_document, write_document};
use crate::model::Query;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml_edit::{ArrayOfTables, Item, Table, value};

/// One `[[folders]]` entry as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderConfig {
    pub name: String,
    pub query: String,
}

/// A folder, its query parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedFolder {
    pub name: String,
    pub query: Query,
    /// The line its `[[folders]]` starts on.
    pub line: usize,
}

impl SavedFolder {
    /// Whether the folder's query runs over `account` (a query without `account:` runs
    /// over every account: with several open, the reader pools them under "All accounts").
    pub fn is_for(&self, account: &str) -> bool {
        self.query.account.as_deref().is_none_or(|a| a == account)
    }
}

/// The folders parsed, or `line L: folder "NAME": what is wrong` for the first that is not
/// right. `accounts` are the names an `account:` may give (the demo's too).
pub fn compile_folders(
    folders: &[Spanned<FolderConfig>],
    text: &str,
    accounts: &[&str],
) -> Result<Vec<SavedFolder>, String> {
    let mut compiled: Vec<SavedFolder> = Vec::with_capacity(folders.len());
    for spanned in folders {
        let before = text.get(..spanned.span().start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let folder = spanned.get_ref();
        let fail = |what: String| format!("line {line}: folder {:?}: {what}", folder.name);
        if folder.name.trim().is_empty() {
            return Err(format!("line {line}: a folder needs a name"));
        }
        if let Some(first) = compiled.iter().find(|f| f.name == folder.name) {
            return Err(fail(format!(
                "the name is taken by the folder on line {}",
                first.line
            )));
        }
        let query = Query::parse(&folder.query).map_err(|e| fail(format!("query {e}")))?;
        if let Some(account) = query.account.as_deref()
            && !accounts.contains(&account)
        {
            return Err(fail(format!(
                "account:{account} names no account (configured: {})",
                accounts.join(", ")
            )));
        }
        compiled.push(SavedFolder {
            name: folder.name.clone(),
            query,
            line,
        });
    }
    Ok(compiled)
}

/// Appends `[[folders]] name = …; query = …` to the config file, keeping its comments;
/// refuses a name already used and a query that does not parse (the file is not touched).
pub fn add_folder(path: &std::path::Path, name: &str, query: &str) -> Result<(), ConfigError> {
    let mut doc = read_document(path)?;
    if !doc.contains_key("folders") {
        doc.insert("folders", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let folders = doc["folders"].as_array_of_tables_mut().ok_or_else(|| {
        invalid(
            path,
            "`folders` must be a list of [[folders]] tables".into(),
        )
    })?;
    if folders
        .iter()
        .any(|t| t.get("name").and_then(Item::as_str) == Some(name))
    {
        return Err(invalid(
            path,
            format!("a folder named {name:?} already exists; choose another name or edit it there"),
        ));
    }
    let mut table = Table::new();
    table["name"] = value(name);
    table["query"] = value(query);
    folders.push(table);
    // What is written must read back: checked before the file is replaced.
    super::Config::parse(&doc.to_string()).map_err(|m| invalid(path, m))?;
    write_document(path, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn folders_parse_in_order_and_broken_ones_name_their_line() {
        let config = Config::parse(
            "[[folders]]\nname = \"Budget talk\"\nquery = \"budget author:ann unread\"\n\
             [[folders]]\nname = \"Mine\"\nquery = \"is:mine\"\n",
        )
        .unwrap();
        let folders = config.folders();
        assert_eq!(folders.len(), 2);
        assert_eq!(
            (folders[0].name.as_str(), folders[0].line),
            ("Budget talk", 1)
        );
        assert_eq!(folders[0].query.authors.any_of, ["ann"]);
        assert_eq!(folders[1].line, 4);
        for (broken, what) in [
            (
                "[ui]\nmouse = true\n[[folders]]\nname = \"x\"\nquery = \"budget \\\"open\"\n",
                "line 3: folder \"x\": query column 8: a quote that is not closed",
            ),
            (
                "[[folders]]\nname = \"x\"\nquery = \"a\"\n[[folders]]\nname = \"x\"\nquery = \"b\"\n",
                "line 4: folder \"x\": the name is taken by the folder on line 1",
            ),
            (
                "[[folders]]\nname = \"x\"\nquery = \"account:work a\"\n",
                "line 1: folder \"x\": account:work names no account",
            ),
            (
                "[[folders]]\nname = \"x\"\n",
                "line 1, column 1: missing field `query`",
            ),
        ] {
            let err = Config::parse(broken).unwrap_err();
            assert!(err.starts_with(what), "{broken:?} gave {err:?}");
        }
    }

    #[test]
    fn saving_a_folder_keeps_comments_and_refuses_a_name_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "# mine, keep me\n[ui]\nmouse = false # no mouse\n").unwrap();
        add_folder(&path, "Budget talk", "budget \"annual report\" unread").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# mine, keep me"), "{text}");
        assert!(text.contains("mouse = false # no mouse"), "{text}");
        let config = Config::load(&path).unwrap();
        assert_eq!(config.folders()[0].query.words, ["budget", "annual report"]);
        let err = add_folder(&path, "Budget talk", "x").unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        let err = add_folder(&path, "Other", "is:nothing").unwrap_err();
        assert!(err.to_string().contains("is:nothing"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "not touched");
    }
}
