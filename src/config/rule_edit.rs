//! Rules written into `config.toml` by the reader (`x`) and taken out again (`u`), through
//! the config editor: the user's comments and layout stay as they were.

use super::edit::{invalid, read_document, write_document};
use super::{ConfigError, RuleConfig};
use std::path::Path;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, value};

/// The comment above a rule the reader wrote.
const WRITTEN_BY_X: &str = "# added with `x` in the reader (`u` right after takes it out)";

/// Appends `rule` to the `[[rules]]` of the config file (created when missing); returns
/// its number (rules count from 1 in the order written).
pub fn add_rule(path: &Path, rule: &RuleConfig) -> Result<usize, ConfigError> {
    let mut doc = read_document(path)?;
    let rules = rules_mut(&mut doc, path)?;
    let mut table = Table::new();
    let mut matches = InlineTable::new();
    let m = &rule.matches;
    let texts = [
        ("author", &m.author),
        ("title", &m.title),
        ("body", &m.body),
        ("area", &m.area),
        ("thread", &m.thread),
        ("account", &m.account),
        ("older_than", &m.older_than),
    ];
    for (key, text) in texts {
        if let Some(text) = text {
            matches.insert(key, text.as_str().into());
        }
    }
    if let Some(below) = m.score_below {
        matches.insert("score_below", below.into());
    }
    table["match"] = value(matches);
    let action = toml::Value::try_from(rule.action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    table["action"] = value(action);
    if let Some(points) = rule.score {
        table["score"] = value(points);
    }
    table.decor_mut().set_prefix(format!("\n{WRITTEN_BY_X}\n"));
    rules.push(table);
    let number = rules.len();
    check_and_write(path, &doc)?;
    Ok(number)
}

/// Takes the last rule that is `rule` out of the config file; false when there is none
/// (the user took it out already). The other rules and every comment stay.
pub fn remove_rule(path: &Path, rule: &RuleConfig) -> Result<bool, ConfigError> {
    let mut doc = read_document(path)?;
    let Some(rules) = doc.get_mut("rules").and_then(Item::as_array_of_tables_mut) else {
        return Ok(false);
    };
    let found = (0..rules.len()).rev().find(|&i| {
        rules
            .get(i)
            .and_then(|t| toml::from_str::<RuleConfig>(&t.to_string()).ok())
            .is_some_and(|r| r == *rule)
    });
    let Some(at) = found else {
        return Ok(false);
    };
    rules.remove(at);
    if rules.is_empty() {
        doc.remove("rules");
    }
    check_and_write(path, &doc)?;
    Ok(true)
}

fn rules_mut<'a>(
    doc: &'a mut DocumentMut,
    path: &Path,
) -> Result<&'a mut ArrayOfTables, ConfigError> {
    if !doc.contains_key("rules") {
        doc.insert("rules", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc["rules"]
        .as_array_of_tables_mut()
        .ok_or_else(|| invalid(path, "`rules` must be a list of [[rules]] tables".into()))
}

/// Writes the file only when what it would hold still parses as a config.
fn check_and_write(path: &Path, doc: &DocumentMut) -> Result<(), ConfigError> {
    super::Config::parse(&doc.to_string()).map_err(|m| invalid(path, m))?;
    write_document(path, doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ActionName, Config, MatchConfig};

    fn hide_author(name: &str) -> RuleConfig {
        RuleConfig {
            matches: MatchConfig {
                author: Some(name.into()),
                account: Some("work".into()),
                ..MatchConfig::default()
            },
            action: ActionName::Hide,
            score: None,
        }
    }

    #[test]
    fn a_rule_is_added_and_taken_out_keeping_comments_and_other_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let before = "# mine, keep me\n[ui]\nmouse = false # and me\n\n[[rules]]\n# my rule\nmatch = { title = \"(?i)budget\" }\naction = \"dim\"\n";
        std::fs::write(&path, before).unwrap();
        assert_eq!(
            add_rule(&path, &hide_author("ann \"the\" spammer")).unwrap(),
            2
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(before), "{text}");
        assert!(text.contains(WRITTEN_BY_X), "{text}");
        let config = Config::load(&path).unwrap();
        assert_eq!(config.rule_set().rules().len(), 2);
        assert_eq!(
            config.rules[1].get_ref(),
            &hide_author("ann \"the\" spammer")
        );
        assert!(remove_rule(&path, &hide_author("ann \"the\" spammer")).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert!(!remove_rule(&path, &hide_author("ann \"the\" spammer")).unwrap());
    }

    #[test]
    fn the_only_rule_taken_out_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "# just this\n").unwrap();
        add_rule(&path, &hide_author("bob")).unwrap();
        assert!(remove_rule(&path, &hide_author("bob")).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# just this\n");
    }
}
