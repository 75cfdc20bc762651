//! The composer's model: a reply or a new thread being written — its text in an editor
//! widget with word wrap, the markdown preview, and the draft it autosaves to.

use crate::model::{AreaId, Body, Draft, Target};
use crate::render::Document;
use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

/// Which input has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The new thread's title (one line).
    Title,
    /// The new thread's tags (one line), where its area requires them.
    Tags,
    Body,
}

/// A reply or thread being written.
#[derive(Debug)]
pub struct Composer {
    /// Names the draft file; kept for the draft's whole life.
    pub draft_id: String,
    pub created_at: Timestamp,
    /// Where it goes. For a new thread the title lives in `title`, not here.
    target: Target,
    /// What is being written, for the composer's top line ("Reply to … in …").
    pub heading: String,
    /// The title input, for new threads only.
    pub title: Option<TextArea<'static>>,
    /// The tags input, for new threads in areas that require tags (or a draft that has
    /// tags).
    pub tags: Option<Box<TextArea<'static>>>,
    /// Tags the area requires at least.
    pub required_tags: u32,
    pub body: TextArea<'static>,
    field: Field,
    /// The rendered text while the preview is shown.
    pub preview: Option<Document>,
    /// First preview row shown.
    pub preview_scroll: usize,
    /// The key of a failed outbox entry this text replaces once sent (an edit).
    pub replaces: Option<String>,
    /// The key of a reply still waiting in the outbox whose text this changes.
    pub amends: Option<String>,
}

fn editor(text: &str) -> TextArea<'static> {
    let mut area = TextArea::from(text.split('\n'));
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.move_cursor(CursorMove::Bottom);
    area.move_cursor(CursorMove::End);
    area
}

/// A one-line input for tags.
fn tags_editor(text: &str) -> TextArea<'static> {
    let mut area = editor(text);
    area.set_placeholder_text("tags, separated by spaces");
    area
}

/// Pasted or edited text as the editor takes it: line ends unified, tabs kept, other
/// control characters dropped.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

impl Composer {
    /// A composer on `draft` (new or resumed), the cursor at the end of the text.
    pub fn new(draft: Draft, heading: String) -> Self {
        let (target, title) = match draft.target {
            Target::NewThread { area, title } => (
                Target::NewThread {
                    area,
                    title: String::new(),
                },
                Some(editor(&title)),
            ),
            other => (other, None),
        };
        let field = match &title {
            Some(t) if t.is_empty() => Field::Title,
            _ => Field::Body,
        };
        let tags = (!draft.tags.is_empty()).then(|| Box::new(tags_editor(&draft.tags.join(" "))));
        let mut body = editor(&draft.body);
        body.set_placeholder_text("Write here (Markdown).");
        let title = title.map(|mut t| {
            t.set_placeholder_text("The thread's title");
            t
        });
        let mut composer = Self {
            draft_id: draft.id,
            created_at: draft.created_at,
            target,
            heading,
            title,
            tags,
            required_tags: 0,
            body,
            field,
            preview: None,
            preview_scroll: 0,
            replaces: None,
            amends: None,
        };
        composer.focus(field);
        composer
    }

    pub fn field(&self) -> Field {
        self.field
    }

    /// The area requires `n` tags: a new thread gets the tags input.
    pub fn require_tags(&mut self, n: u32) {
        self.required_tags = n;
        if n > 0 && self.title.is_some() && self.tags.is_none() {
            self.tags = Some(Box::new(tags_editor("")));
        }
    }

    /// The tags as typed: separated by spaces or commas, each once.
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        let typed = self
            .tags
            .as_ref()
            .map(|t| t.lines().join(" "))
            .unwrap_or_default();
        for tag in typed.split(|c: char| c == ',' || c.is_whitespace()) {
            if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
                tags.push(tag.to_owned());
            }
        }
        tags
    }

    /// Fewer tags than the area requires.
    pub fn tags_missing(&self) -> bool {
        self.tags.is_some()
            && u32::try_from(self.tags().len()).unwrap_or(u32::MAX) < self.required_tags
    }

    /// Gives `field` the keyboard (the drawing code shows the cursor in that input only).
    pub fn focus(&mut self, field: Field) {
        let field = match field {
            Field::Title if self.title.is_some() => Field::Title,
            Field::Tags if self.tags.is_some() => Field::Tags,
            _ => Field::Body,
        };
        self.field = field;
    }

    pub fn body_text(&self) -> String {
        self.body.lines().join("\n")
    }

    pub fn title_text(&self) -> Option<String> {
        self.title.as_ref().map(|t| t.lines().join(" "))
    }

    /// Where the text goes, with the title as typed.
    pub fn target(&self) -> Target {
        match (&self.target, self.title_text()) {
            (Target::NewThread { area, .. }, Some(title)) => Target::NewThread {
                area: area.clone(),
                title: title.trim().to_owned(),
            },
            (target, _) => target.clone(),
        }
    }

    /// The area of a new thread.
    pub fn area(&self) -> Option<&AreaId> {
        match &self.target {
            Target::NewThread { area, .. } => Some(area),
            _ => None,
        }
    }

    /// Nothing typed (a title or text of only blanks counts as nothing).
    pub fn is_empty(&self) -> bool {
        self.body_text().trim().is_empty() && self.title_text().is_none_or(|t| t.trim().is_empty())
    }

    /// The draft as it stands, stamped `now`.
    pub fn to_draft(&self, now: Timestamp) -> Draft {
        Draft {
            id: self.draft_id.clone(),
            target: self.target(),
            body: self.body_text(),
            created_at: self.created_at,
            updated_at: now,
            tags: self.tags(),
        }
    }

    fn focused(&mut self) -> &mut TextArea<'static> {
        match (self.field, &mut self.title, &mut self.tags) {
            (Field::Title, Some(title), _) => title,
            (Field::Tags, _, Some(tags)) => tags,
            _ => &mut self.body,
        }
    }

    /// The input after the focused one (title, tags, text).
    fn following(&self) -> Field {
        match self.field {
            Field::Title if self.tags.is_some() => Field::Tags,
            Field::Title | Field::Tags => Field::Body,
            Field::Body => Field::Title,
        }
    }

    /// Types a key into the focused input; true when the text changed. Enter in the title
    /// moves on to the text.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if self.preview.is_some() {
            return false;
        }
        if self.field != Field::Body && key.code == KeyCode::Enter {
            self.focus(self.following());
            return false;
        }
        self.focused().input(key)
    }

    /// Inserts pasted text at the cursor; true when something was inserted. A title takes
    /// it as one line.
    pub fn paste(&mut self, text: &str) -> bool {
        if self.preview.is_some() {
            return false;
        }
        let text = normalise(text);
        let text = if self.field == Field::Body {
            text
        } else {
            text.replace(['\n', '\t'], " ")
        };
        self.focused().insert_str(text)
    }

    /// Replaces the text (back from the external editor). True when it changed.
    pub fn set_body(&mut self, text: &str) -> bool {
        let text = normalise(text);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        if text == self.body_text() {
            return false;
        }
        self.body = editor(text);
        self.body.set_placeholder_text("Write here (Markdown).");
        self.focus(Field::Body);
        self.preview = None;
        true
    }

    pub fn toggle_preview(&mut self) {
        self.preview = match self.preview {
            Some(_) => None,
            None => Some(Document::from_body(&Body::markdown(self.body_text()))),
        };
        self.preview_scroll = 0;
    }

    /// Title → tags (where asked) → text for new threads; false for a reply (it has no
    /// title).
    pub fn next_field(&mut self) -> bool {
        if self.title.is_none() {
            return false;
        }
        self.focus(self.following());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ThreadId;
    use crossterm::event::KeyModifiers;

    fn draft(target: Target, body: &str) -> Draft {
        Draft {
            id: "d".into(),
            target,
            body: body.into(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            tags: Vec::new(),
        }
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn typing_goes_to_the_end_of_a_resumed_draft() {
        let mut c = Composer::new(
            draft(
                Target::Reply {
                    thread: ThreadId::new("t"),
                    reply_to: None,
                },
                "one\ntwo",
            ),
            String::new(),
        );
        assert!(c.input(key('!')));
        assert_eq!(c.body_text(), "one\ntwo!");
        assert!(c.paste("\r\nthree\u{7}"));
        assert_eq!(c.body_text(), "one\ntwo!\nthree");
        assert!(!c.next_field(), "a reply has no title");
    }

    #[test]
    fn a_new_thread_starts_in_its_title_and_keeps_it_in_the_draft() {
        let mut c = Composer::new(
            draft(
                Target::NewThread {
                    area: AreaId::new("a"),
                    title: String::new(),
                },
                "",
            ),
            String::new(),
        );
        assert_eq!(c.field(), Field::Title);
        assert!(c.is_empty());
        c.paste("Budget\nplans");
        c.input(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(c.field(), Field::Body);
        c.input(key('x'));
        let saved = c.to_draft(Timestamp::UNIX_EPOCH);
        assert_eq!(
            saved.target,
            Target::NewThread {
                area: AreaId::new("a"),
                title: "Budget plans".into()
            }
        );
        assert_eq!(saved.body, "x");
        let again = Composer::new(saved, String::new());
        assert_eq!(
            again.field(),
            Field::Body,
            "a titled draft resumes in its text"
        );
    }

    #[test]
    fn the_preview_renders_the_text_and_blocks_typing() {
        let mut c = Composer::new(
            draft(
                Target::Reply {
                    thread: ThreadId::new("t"),
                    reply_to: None,
                },
                "Hello",
            ),
            String::new(),
        );
        c.toggle_preview();
        assert!(c.preview.as_ref().unwrap().plain_text().contains("Hello"));
        assert!(!c.input(key('x')));
        c.toggle_preview();
        assert!(c.input(key('x')));
        assert!(c.set_body("new text\n"));
        assert_eq!(c.body_text(), "new text");
        assert!(!c.set_body("new text"));
    }
}
