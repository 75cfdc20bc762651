//! The one-line prompt of the status line (tree filter, thread search): it opens empty,
//! edits like a shell line (←/→, home/end, ctrl-w, ctrl-k, alt-b/f) and remembers what was
//! run, as `less` and `vim` do: ↑/↓ walk the history, an empty enter runs the last one again.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// Entries kept per kind of prompt.
const HISTORY_LEN: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// Narrows the tree as you type.
    Filter,
    /// Searches the open thread on enter.
    Search,
    /// A command to pipe the current post to.
    Pipe,
    /// A file to save the current post in.
    Save,
    /// A search over the whole account (`S`), in the query language.
    AccountSearch,
    /// The note of a new bookmark (empty: none). Not remembered: an empty enter is no note.
    Note,
    /// The recipients of a new private message. Not remembered.
    Recipients,
    /// Why a moderator hides a post (readers see it in its place). Not remembered.
    HideReason,
    /// The area a moderator moves a thread to (its id or part of its title). Not
    /// remembered.
    MoveArea,
    /// The title of the thread a moderator splits off (empty: the server's). Not
    /// remembered.
    SplitTitle,
    /// How long a moderator silences a post's author (`3d`, `12h`). Not remembered.
    SilenceSpan,
}

/// A line of text being typed in the status line.
#[derive(Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    input: TextArea<'static>,
    /// The filter before the prompt opened, restored on esc.
    pub before: String,
    /// The history entry shown (counted from the newest), while ↑/↓ walk it.
    recalled: Option<usize>,
    /// What was typed before ↑ was first pressed, shown again past the newest entry.
    typed: String,
}

/// What a key did to the prompt.
#[derive(Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// The text may have changed; the prompt stays open.
    Editing,
    /// Esc: the prompt closes, nothing runs.
    Cancelled,
    /// Enter: run this text (the last one again when nothing was typed).
    Run(String),
}

/// What was run from the prompts, oldest first, one list per kind.
#[derive(Debug, Default)]
pub struct PromptHistory {
    filter: Vec<String>,
    search: Vec<String>,
    pipe: Vec<String>,
    save: Vec<String>,
    account_search: Vec<String>,
}

impl PromptHistory {
    fn list(&self, kind: PromptKind) -> &[String] {
        match kind {
            PromptKind::Filter => &self.filter,
            PromptKind::Search => &self.search,
            PromptKind::Pipe => &self.pipe,
            PromptKind::Save => &self.save,
            PromptKind::AccountSearch => &self.account_search,
            PromptKind::Note
            | PromptKind::Recipients
            | PromptKind::HideReason
            | PromptKind::MoveArea
            | PromptKind::SplitTitle
            | PromptKind::SilenceSpan => &[],
        }
    }

    /// Remembers `text` as the newest entry (once: an earlier copy moves up).
    pub fn remember(&mut self, kind: PromptKind, text: &str) {
        if text.is_empty() {
            return;
        }
        let list = match kind {
            PromptKind::Filter => &mut self.filter,
            PromptKind::Search => &mut self.search,
            PromptKind::Pipe => &mut self.pipe,
            PromptKind::Save => &mut self.save,
            PromptKind::AccountSearch => &mut self.account_search,
            PromptKind::Note
            | PromptKind::Recipients
            | PromptKind::HideReason
            | PromptKind::MoveArea
            | PromptKind::SplitTitle
            | PromptKind::SilenceSpan => return,
        };
        list.retain(|t| t != text);
        list.push(text.to_owned());
        if list.len() > HISTORY_LEN {
            list.remove(0);
        }
    }

    /// The newest entry of `kind`.
    pub fn last(&self, kind: PromptKind) -> Option<&str> {
        self.list(kind).last().map(String::as_str)
    }
}

fn line(text: &str) -> TextArea<'static> {
    let mut input = TextArea::from([text.to_owned()]);
    input.move_cursor(CursorMove::End);
    input
}

impl Prompt {
    /// An empty prompt; `before` is the filter to restore on esc.
    pub fn new(kind: PromptKind, before: String) -> Self {
        Self {
            kind,
            input: line(""),
            before,
            recalled: None,
            typed: String::new(),
        }
    }

    /// The text typed so far.
    pub fn text(&self) -> &str {
        self.input.lines().first().map_or("", String::as_str)
    }

    /// The text split at the cursor: what is before it and what is after it.
    pub fn split_at_cursor(&self) -> (&str, &str) {
        let text = self.text();
        let col = self.input.cursor().1;
        let at = text.char_indices().nth(col).map_or(text.len(), |(i, _)| i);
        text.split_at(at)
    }

    /// Types pasted text at the cursor (line breaks and control characters left out).
    pub fn paste(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.input.insert_str(clean);
    }

    fn set_text(&mut self, text: &str) {
        self.input = line(text);
    }

    /// Handles one key; `history` is what ↑/↓ and an empty enter recall.
    pub fn key(&mut self, event: KeyEvent, history: &PromptHistory) -> PromptOutcome {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => return PromptOutcome::Cancelled,
            KeyCode::Enter => return PromptOutcome::Run(self.submitted(history)),
            KeyCode::Char('m' | 'j') if ctrl => {
                return PromptOutcome::Run(self.submitted(history));
            }
            KeyCode::Up => self.recall(history, true),
            KeyCode::Char('p') if ctrl => self.recall(history, true),
            KeyCode::Down => self.recall(history, false),
            KeyCode::Char('n') if ctrl => self.recall(history, false),
            KeyCode::Char('u') if ctrl => self.set_text(""),
            KeyCode::Char('a' | 'b' | 'd' | 'e' | 'f' | 'h' | 'k' | 'w') if ctrl => {
                self.input.input(event);
            }
            // Other control keys would add a line, undo or scroll: not for one line.
            KeyCode::Char(_) if ctrl => {}
            KeyCode::Char(_)
            | KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End => {
                self.input.input(event);
            }
            _ => {}
        }
        PromptOutcome::Editing
    }

    /// The text to run: as typed, or the newest history entry when nothing was typed.
    fn submitted(&self, history: &PromptHistory) -> String {
        match self.text() {
            "" => history.last(self.kind).unwrap_or_default().to_owned(),
            text => text.to_owned(),
        }
    }

    /// ↑ (`older`) or ↓ through the history; past the newest comes the typed line back.
    fn recall(&mut self, history: &PromptHistory, older: bool) {
        let list = history.list(self.kind);
        let next = match (self.recalled, older) {
            (None, true) if !list.is_empty() => {
                self.typed = self.text().to_owned();
                Some(0)
            }
            (None, _) => return,
            (Some(back), true) => Some((back + 1).min(list.len() - 1)),
            (Some(0), false) => None,
            (Some(back), false) => Some(back - 1),
        };
        self.recalled = next;
        let text = match next {
            Some(back) => list[list.len() - 1 - back].clone(),
            None => std::mem::take(&mut self.typed),
        };
        self.set_text(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(prompt: &mut Prompt, history: &PromptHistory, keys: &[KeyEvent]) -> PromptOutcome {
        let mut outcome = PromptOutcome::Editing;
        for &key in keys {
            outcome = prompt.key(key, history);
        }
        outcome
    }

    fn plain(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(text: &str) -> Vec<KeyEvent> {
        text.chars().map(|c| plain(KeyCode::Char(c))).collect()
    }

    #[test]
    fn the_line_edits_like_a_shell_line() {
        let history = PromptHistory::default();
        let mut p = Prompt::new(PromptKind::Search, String::new());
        press(&mut p, &history, &typed("library advocacy"));
        press(&mut p, &history, &[ctrl('w')]);
        assert_eq!(p.text(), "library ");
        press(&mut p, &history, &[plain(KeyCode::Home)]);
        press(&mut p, &history, &typed("the "));
        assert_eq!(p.split_at_cursor(), ("the ", "library "));
        press(
            &mut p,
            &history,
            &[plain(KeyCode::End), plain(KeyCode::Left)],
        );
        press(&mut p, &history, &[plain(KeyCode::Backspace)]);
        assert_eq!(p.text(), "the librar ");
        press(&mut p, &history, &[ctrl('a'), ctrl('k')]);
        assert_eq!(p.text(), "");
        press(&mut p, &history, &typed("x"));
        press(&mut p, &history, &[ctrl('u')]);
        assert_eq!(p.text(), "");
        // Keys that would break the line or scroll do nothing.
        press(
            &mut p,
            &history,
            &[plain(KeyCode::Tab), ctrl('v'), ctrl('z')],
        );
        assert_eq!(p.text(), "");
    }

    #[test]
    fn history_is_walked_with_the_arrows_and_an_empty_enter_repeats() {
        let mut history = PromptHistory::default();
        history.remember(PromptKind::Search, "relentless");
        history.remember(PromptKind::Search, "advocacy");
        history.remember(PromptKind::Filter, "not a search");
        history.remember(PromptKind::Search, "relentless");
        let mut p = Prompt::new(PromptKind::Search, String::new());
        assert_eq!(
            press(&mut p, &history, &[plain(KeyCode::Enter)]),
            PromptOutcome::Run("relentless".into())
        );
        press(&mut p, &history, &typed("lib"));
        press(&mut p, &history, &[plain(KeyCode::Up)]);
        assert_eq!(p.text(), "relentless");
        press(&mut p, &history, &[plain(KeyCode::Up), plain(KeyCode::Up)]);
        assert_eq!(p.text(), "advocacy", "the oldest entry stays");
        press(
            &mut p,
            &history,
            &[plain(KeyCode::Down), plain(KeyCode::Down)],
        );
        assert_eq!(p.text(), "lib", "past the newest: what was typed");
        assert_eq!(
            press(&mut p, &history, &[plain(KeyCode::Esc)]),
            PromptOutcome::Cancelled
        );
    }
}
