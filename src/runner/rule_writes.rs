//! The store worker's side of `x` and `u`: the rule written into (or taken out of)
//! `config.toml` through the config editor, the rules compiled again from the file, and
//! the index loads judging with them from then on.

use super::judging::JudgingHandle;
use crate::app::Stored;
use crate::config::{Config, RuleConfig};
use std::path::Path;

/// What a quick rule says it matches, for the status line.
fn described(rule: &RuleConfig) -> String {
    let m = &rule.matches;
    let clean = |s: &str| crate::text::sanitize::clean_line(s).into_owned();
    if let Some(author) = &m.author {
        format!("posts by {}", clean(author))
    } else if let Some(thread) = &m.thread {
        format!("thread {}", clean(thread))
    } else if let Some(title) = &m.title {
        format!("titles like {}", clean(title))
    } else {
        "the posts it matches".to_owned()
    }
}

/// Writes `rule` (`add`) or takes it out, then answers with the rules as the file has
/// them now.
pub fn change(
    path: Option<&Path>,
    judging: &JudgingHandle,
    rule: RuleConfig,
    add: bool,
    tell: &mut dyn FnMut(Stored),
) {
    let Some(path) = path else {
        tell(Stored::Failed(
            "no config.toml to write the rule into".to_owned(),
        ));
        return;
    };
    let said = if add {
        match crate::config::add_rule(path, &rule) {
            Ok(number) => format!(
                "rule {number} hides {} (written to {}) — u takes it out",
                described(&rule),
                path.display()
            ),
            Err(e) => return tell(Stored::Failed(format!("the rule was not written: {e}"))),
        }
    } else {
        match crate::config::remove_rule(path, &rule) {
            Ok(true) => format!(
                "rule taken out of {}: {} shown again",
                path.display(),
                described(&rule)
            ),
            Ok(false) => format!("the rule is no longer in {}", path.display()),
            Err(e) => return tell(Stored::Failed(format!("the rule was not taken out: {e}"))),
        }
    };
    let rules = match Config::load(path) {
        Ok(config) => config.rule_set_shared(),
        Err(e) => return tell(Stored::Failed(e.to_string())),
    };
    judging.change(|j| {
        if let Some((_, held)) = &mut j.rules {
            *held = std::sync::Arc::clone(&rules);
        }
    });
    tell(Stored::Rules {
        rules,
        said,
        added: add.then_some(rule),
    });
}
