//! `x` on a post: a rule in two keys — hide this author, this thread, or posts like this
//! title — written into `config.toml` by the store worker (comments kept) and applied at
//! once; `u` right after takes it out again.

use crate::app::judged::Judged;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::State;
use crate::config::{ActionName, MatchConfig, RuleConfig};
use crate::model::RuleSet;
use crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;

/// What `x` offers for the current post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub account: String,
    pub author: String,
    pub thread: String,
    pub title: String,
}

impl Offer {
    /// The rule for the key pressed (`a`, `t`, `l`), if it is one of them.
    fn rule(&self, key: char) -> Option<RuleConfig> {
        let matches = match key {
            'a' => MatchConfig {
                author: Some(self.author.clone()),
                ..MatchConfig::default()
            },
            't' => MatchConfig {
                thread: Some(self.thread.clone()),
                ..MatchConfig::default()
            },
            'l' => MatchConfig {
                title: Some(format!("(?i)^{}$", regex::escape(self.title.trim()))),
                ..MatchConfig::default()
            },
            _ => return None,
        };
        Some(RuleConfig {
            matches: MatchConfig {
                account: Some(self.account.clone()),
                ..matches
            },
            action: ActionName::Hide,
            score: None,
        })
    }
}

/// `x`: offers the rules for the current post in the status line.
pub fn offer(state: &mut State) {
    let post = match crate::app::reader::post_actions::current_post(state, "x") {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    let Some(open) = &state.reader.open else {
        return;
    };
    let offer = Offer {
        account: state.status.account.clone(),
        author: post.author.name.to_string(),
        thread: open.file.summary.id.as_str().to_owned(),
        title: open.file.summary.title.to_string(),
    };
    let author = crate::text::sanitize::clean_line(&offer.author).into_owned();
    state.notice(format!(
        "hide by a rule in config.toml: a this author ({author}) · t this thread · l posts \
         like this title — any other key: nothing"
    ));
    state.rules_ui.offer = Some(offer);
}

/// The key that answers the offer: the rule goes to the store worker to be written.
pub fn offer_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(offer) = state.rules_ui.offer.take() else {
        return;
    };
    let rule = match event.code {
        KeyCode::Char(c) => offer.rule(c),
        _ => None,
    };
    match rule {
        Some(rule) => fx.push(Effect::Store(StoreJob::AddRule(Box::new(rule)))),
        None => state.notice("no rule written"),
    }
}

/// `u`: takes out the rule `x` wrote last, when there is one; true when it asked to.
pub fn undo(state: &mut State, fx: &mut Vec<Effect>) -> bool {
    let Some(rule) = state.rules_ui.quick_undo.take() else {
        return false;
    };
    fx.push(Effect::Store(StoreJob::RemoveRule(Box::new(rule))));
    true
}

/// The rules changed (a rule written or taken out): the open thread is judged again at
/// once, the tree's counts as the index loads again.
pub fn rules_changed(
    state: &mut State,
    rules: Arc<RuleSet>,
    said: String,
    added: Option<RuleConfig>,
    fx: &mut Vec<Effect>,
) {
    state.rules = rules;
    state.rules_ui.quick_undo = added;
    if let Some(open) = &state.reader.open {
        let judged = Judged::thread(
            &state.rules,
            &state.status.account,
            &state.data.forum,
            &open.file,
            state.now,
        );
        state
            .tree
            .judged_thread(&open.file, &judged, &state.data.read);
        state.reader.set_judged(judged);
    }
    fx.push(Effect::LoadIndex);
    state.notice(said);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_is_a_hide_rule_for_this_account() {
        let offer = Offer {
            account: "work".into(),
            author: "Ann".into(),
            thread: "t7".into(),
            title: "Budget (draft) 2.0".into(),
        };
        let title = offer.rule('l').unwrap();
        let pattern = title.matches.title.unwrap();
        let re = regex::Regex::new(&pattern).unwrap();
        assert!(re.is_match("budget (DRAFT) 2.0"));
        assert!(!re.is_match("Budget (draft) 2x0"));
        assert_eq!(
            offer.rule('a').unwrap().matches.author.as_deref(),
            Some("Ann")
        );
        assert_eq!(
            offer.rule('t').unwrap().matches.thread.as_deref(),
            Some("t7")
        );
        assert_eq!(
            offer.rule('t').unwrap().matches.account.as_deref(),
            Some("work")
        );
        assert!(offer.rule('q').is_none());
    }
}
