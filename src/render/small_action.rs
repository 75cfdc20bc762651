//! A thread's small action as the one line the reader and `threadmark read` show between
//! posts: "── locked by ann, 3 Dec".

use crate::model::SmallAction;
use crate::text::{clock, sanitize};

/// What happened, by whom and on which day (no day when the forum's times are not real
/// dates), cleaned for a terminal.
pub fn small_action_line(action: &SmallAction, undated: bool) -> String {
    let said = sanitize::clean_line(&action.describe()).into_owned();
    if undated {
        return said;
    }
    format!("{said}, {}", clock::day(action.at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_who_what_and_when_without_terminal_controls() {
        let action = SmallAction {
            at: "2026-12-03T10:00:00Z".parse().unwrap(),
            actor: "ann\u{1b}[2J".into(),
            action: "lock".into(),
            detail: None,
            post_seq: None,
        };
        assert!(!small_action_line(&action, true).contains('\u{1b}'));
        assert!(small_action_line(&action, true).starts_with("locked by ann"));
        assert!(small_action_line(&action, false).contains(" Dec"));
    }
}
