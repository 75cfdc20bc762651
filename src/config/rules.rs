//! `[[rules]]` in `config.toml`: read as written, then compiled once into a
//! [`RuleSet`]; a rule that does not make sense is an error naming its line.

use crate::model::{Rule, RuleAction, RuleMatch, RuleSet};
use jiff::{Span, SpanRelativeTo};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One `[[rules]]` entry as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    #[serde(rename = "match")]
    pub matches: MatchConfig,
    pub action: ActionName,
    /// Points a `score` rule adds (negative takes away).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
}

/// A rule's `match = { … }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_below: Option<i64>,
}

/// `action = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    Hide,
    Dim,
    Read,
    Highlight,
    Score,
}

/// The rules compiled, or `line L: rule N: what is wrong` for the first that is not
/// right.
pub fn compile_rules(rules: &[Spanned<RuleConfig>], text: &str) -> Result<RuleSet, String> {
    let mut compiled = Vec::with_capacity(rules.len());
    for (i, spanned) in rules.iter().enumerate() {
        let number = i + 1;
        let before = text.get(..spanned.span().start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let rule = compile(number, line, spanned.get_ref())
            .map_err(|what| format!("line {line}: rule {number}: {what}"))?;
        compiled.push(rule);
    }
    Ok(RuleSet::new(compiled))
}

fn compile(number: usize, line: usize, rule: &RuleConfig) -> Result<Rule, String> {
    let m = &rule.matches;
    if *m == MatchConfig::default() {
        return Err(
            "`match` names nothing, so it would match every post; give it a key \
                    (author, title, body, area, thread, account, older_than, score_below)"
                .to_owned(),
        );
    }
    let regex = |key: &str, pattern: &Option<String>| {
        pattern
            .as_deref()
            .map(|p| {
                regex::Regex::new(p).map_err(|e| {
                    let one_line = e
                        .to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    format!("{key} is not a regular expression: {one_line}")
                })
            })
            .transpose()
    };
    let older_than = m
        .older_than
        .as_deref()
        .map(|text| {
            text.parse::<Span>()
                .and_then(|span| span.to_duration(SpanRelativeTo::days_are_24_hours()))
                .map_err(|e| {
                    format!(
                        "older_than {text:?} is not a duration like \"12h\", \"30d\" or \
                         \"2 weeks\": {e}"
                    )
                })
        })
        .transpose()?;
    let action = match (rule.action, rule.score) {
        (ActionName::Score, Some(points)) => RuleAction::Score(points),
        (ActionName::Score, None) => {
            return Err("action \"score\" needs `score = N` (the points it adds)".to_owned());
        }
        (_, Some(_)) => {
            return Err("`score = N` goes with action \"score\" only".to_owned());
        }
        (ActionName::Hide, None) => RuleAction::Hide,
        (ActionName::Dim, None) => RuleAction::Dim,
        (ActionName::Read, None) => RuleAction::Read,
        (ActionName::Highlight, None) => RuleAction::Highlight,
    };
    Ok(Rule {
        number,
        line,
        matches: RuleMatch {
            author: m.author.as_ref().map(|a| a.to_lowercase()),
            title: regex("title", &m.title)?,
            body: regex("body", &m.body)?,
            area: m.area.clone(),
            thread: m.thread.clone(),
            account: m.account.clone(),
            older_than,
            score_below: m.score_below,
        },
        action,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::model::RuleAction;

    const RULES: &str = "# my rules\n\
        [[rules]]\n\
        match = { author = \"spammer42\" }\n\
        action = \"hide\"\n\
        \n\
        [[rules]]\n\
        match = { title = \"(?i)\\\\bbudget\\\\b\", area = \"governance\" }\n\
        action = \"score\"\n\
        score = 50\n\
        [[rules]]\n\
        match = { older_than = \"30d\" }\n\
        action = \"read\"\n";

    #[test]
    fn the_issue_examples_parse_into_rules_in_order() {
        let config = Config::parse(RULES).unwrap();
        let rules = config.rule_set();
        let got: Vec<(usize, usize, RuleAction)> = rules
            .rules()
            .iter()
            .map(|r| (r.number, r.line, r.action))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 2, RuleAction::Hide),
                (2, 6, RuleAction::Score(50)),
                (3, 10, RuleAction::Read)
            ]
        );
        assert_eq!(
            rules.rules()[2].matches.older_than,
            Some(jiff::SignedDuration::from_hours(30 * 24))
        );
    }

    #[test]
    fn a_broken_rule_is_an_error_naming_its_line() {
        for (broken, line, what) in [
            (
                "[ui]\nmouse = true\n[[rules]]\nmatch = { title = \"(unclosed\" }\naction = \"hide\"\n",
                "line 3: rule 1: ",
                "title is not a regular expression",
            ),
            (
                "[[rules]]\nmatch = { author = \"a\" }\naction = \"hide\"\n[[rules]]\nmatch = { older_than = \"soon\" }\naction = \"dim\"\n",
                "line 4: rule 2: ",
                "older_than",
            ),
            (
                "[[rules]]\nmatch = { author = \"a\" }\naction = \"score\"\n",
                "line 1: rule 1: ",
                "needs `score = N`",
            ),
            (
                "[[rules]]\nmatch = {}\naction = \"hide\"\n",
                "line 1: rule 1: ",
                "names nothing",
            ),
            (
                "[[rules]]\nmatch = { author = \"a\" }\naction = \"zap\"\n",
                "line 3, column 10: ",
                "hide",
            ),
            (
                "[[rules]]\nmatch = { autor = \"a\" }\naction = \"hide\"\n",
                "line 2, column 11: ",
                "autor",
            ),
        ] {
            let err = Config::parse(broken).unwrap_err();
            assert!(err.starts_with(line), "{broken:?} gave {err:?}");
            assert!(err.contains(what), "{broken:?} gave {err:?}");
            assert!(!err.contains('\n'), "{broken:?} gave {err:?}");
        }
    }
}
