//! Who a new private message goes to: sending (ctrl-s) a thread started in the Messages
//! area asks for the recipients in the status line (names separated by commas or spaces,
//! `@` optional); enter queues a `message` entry to them, esc leaves the text in the
//! composer (and its draft) untouched.

use crate::app::msg::Effect;
use crate::app::state::{Prompt, PromptKind, State};

/// Opens the recipients prompt over the composer.
pub fn ask(state: &mut State) {
    state.prompt = Some(Prompt::new(PromptKind::Recipients, String::new()));
    state.notice("send to whom? names separated by commas or spaces (esc: keep writing)");
}

/// The names in `text`: split at commas and blanks, a leading `@` dropped, each once.
pub fn names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|n| n.trim_start_matches('@'))
        .filter(|n| !n.is_empty())
    {
        if !names.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    names
}

/// Enter in the prompt: sends the composer's text to the names given.
pub fn given(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    let to = names(text);
    if to.is_empty() {
        state.error("no recipient given: ctrl-s and name at least one");
        return;
    }
    super::actions::send_message(state, to, fx);
}

/// Esc in the prompt: nothing is sent and nothing is lost.
pub fn not_given(state: &mut State) {
    state.notice("not sent: the text stays here (ctrl-s asks again; esc keeps it as a draft)");
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn names_split_at_commas_and_blanks_once_each() {
        assert_eq!(
            names(" ann, @bob  cy,,Ann "),
            ["ann".to_owned(), "bob".to_owned(), "cy".to_owned()]
        );
        assert!(names(" , ").is_empty());
    }
}
