//! Discourse `cooked` HTML → the block model, read with html5ever's tokenizer.
//!
//! html5ever's tree builder walks its whole stack of open elements for many tags, which
//! is quadratic on deeply nested input (a megabyte of `<div>` takes minutes). Posts are
//! generated HTML, so a bounded stack of our own with the few implied-end rules such
//! HTML relies on reads them the same way, in linear time. The tokenizer still decodes
//! entities and switches to raw text for `script`, `style` and the like.

use super::builder::Builder;
use super::html_rules::{Effect, ElementKind, classify, parse_start};
use super::limits::{Deadline, OverBudget};
use super::{Emphasis, OpenEmphasis, Role, Style};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// Open elements tracked; deeper ones only count, so end tags still pair up.
const MAX_OPEN: usize = 512;
/// Input handed to the tokenizer at a time, so the time budget is checked in between.
const CHUNK: usize = 16 * 1024;

pub(crate) fn convert(
    html: &str,
    builder: &mut Builder,
    deadline: &mut Deadline,
) -> Result<(), OverBudget> {
    let reader = Reader::new(builder, deadline);
    let tokenizer = Tokenizer::new(
        Sink {
            reader: RefCell::new(reader),
        },
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        queue.push_back(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
        // The sink never pauses the tokenizer, so this consumes the whole queue.
        let _ = tokenizer.feed(&queue);
        let reader = tokenizer.sink.reader.borrow();
        if reader.over_budget {
            return Err(OverBudget);
        }
        reader.deadline.check_now()?;
    }
    tokenizer.end();
    let mut reader = tokenizer.sink.reader.borrow_mut();
    if reader.over_budget {
        return Err(OverBudget);
    }
    reader.close_all();
    Ok(())
}

struct Sink<'a> {
    reader: RefCell<Reader<'a>>,
}

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        self.reader.borrow_mut().token(token)
    }
}

#[derive(Debug)]
struct Element {
    name: String,
    effect: Effect,
}

/// An element whose content the tokenizer reads as raw text.
#[derive(Debug)]
struct RawText {
    name: String,
    shown: bool,
}

struct Reader<'a> {
    b: &'a mut Builder,
    deadline: &'a mut Deadline,
    over_budget: bool,
    stack: Vec<Element>,
    overflow: usize,
    raw: Option<RawText>,
    /// Skipped elements open (their text is not shown).
    skipping: usize,
    emphasis: OpenEmphasis,
    code: usize,
    thead: usize,
    /// Text of a quote's title, read to attribute the quote.
    title: Option<String>,
    /// A `pre` just opened: its first newline is not content.
    pre_fresh: bool,
}

impl<'a> Reader<'a> {
    fn new(b: &'a mut Builder, deadline: &'a mut Deadline) -> Self {
        Self {
            b,
            deadline,
            over_budget: false,
            stack: Vec::new(),
            overflow: 0,
            raw: None,
            skipping: 0,
            emphasis: OpenEmphasis::default(),
            code: 0,
            thead: 0,
            title: None,
            pre_fresh: false,
        }
    }

    /// Inside skipped content or a quote's title, elements have no effect.
    fn muted(&self) -> bool {
        self.skipping > 0 || self.title.is_some()
    }

    fn style(&self) -> Style {
        let emphasis = self.emphasis.current();
        let role = if self.code > 0 {
            Role::Code
        } else {
            Role::Text
        };
        Style {
            role,
            emphasis,
            link: None,
            spoiler: false,
            picture: None,
        }
    }

    fn token(&mut self, token: Token) -> TokenSinkResult<()> {
        if self.over_budget {
            return TokenSinkResult::Continue;
        }
        match token {
            Token::CharacterTokens(text) => self.characters(&text),
            Token::TagToken(tag) => {
                if self.deadline.check().is_err() {
                    self.over_budget = true;
                    return TokenSinkResult::Continue;
                }
                return match tag.kind {
                    TagKind::StartTag => self.start(&tag),
                    TagKind::EndTag => {
                        self.end(&tag.name);
                        TokenSinkResult::Continue
                    }
                };
            }
            Token::DoctypeToken(_)
            | Token::CommentToken(_)
            | Token::NullCharacterToken
            | Token::EOFToken
            | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }

    fn characters(&mut self, text: &str) {
        if let Some(raw) = &self.raw {
            if raw.shown {
                self.b.text(text, Style::role(Role::Code));
            }
            return;
        }
        if self.skipping > 0 {
            return;
        }
        if let Some(title) = self.title.as_mut() {
            if title.len() < 512 {
                title.push_str(text);
            }
            return;
        }
        let mut text = text;
        if std::mem::take(&mut self.pre_fresh) {
            text = text.strip_prefix('\n').unwrap_or(text);
        }
        let style = self.style();
        self.b.text(text, style);
    }

    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let kind = classify(name);
        if self.skipping > 0 {
            self.start_skipped(tag, kind);
            return TokenSinkResult::Continue;
        }
        if let ElementKind::Raw { kind, shown } = kind {
            // Raw text in a quote's title is not part of the name.
            let shown = shown && self.title.is_none();
            self.raw = Some(RawText {
                name: name.to_owned(),
                shown,
            });
            if shown {
                self.b.open_code_block();
            }
            return match kind {
                Some(kind) => TokenSinkResult::RawData(kind),
                None => TokenSinkResult::Plaintext,
            };
        }
        if self.title.is_some() {
            self.start_skipped(tag, kind);
            return TokenSinkResult::Continue;
        }
        self.close_implied(name, kind);
        if kind == ElementKind::Void {
            self.void(tag);
            return TokenSinkResult::Continue;
        }
        let parent_effect = self.stack.last().map(|e| &e.effect);
        let effect = parse_start(tag, parent_effect);
        self.open(name, effect);
        TokenSinkResult::Continue
    }

    /// Inside skipped content (or a quote's title) only the element stack is kept, and
    /// a onebox's first link is noted.
    fn start_skipped(&mut self, tag: &Tag, kind: ElementKind) {
        if &*tag.name == "a"
            && let Some(href) = attr(tag, "href")
            && let Some(Effect::Onebox { url: url @ None }) = self
                .stack
                .iter_mut()
                .rev()
                .map(|e| &mut e.effect)
                .find(|e| matches!(e, Effect::Onebox { .. }))
        {
            *url = Some(href.to_owned());
        }
        if matches!(kind, ElementKind::Void | ElementKind::Raw { .. }) || tag.self_closing {
            return;
        }
        self.push(&tag.name, Effect::None);
    }

    fn void(&mut self, tag: &Tag) {
        match &*tag.name {
            "br" => self.b.hard_break(),
            "hr" => self.b.rule(),
            "img" => self.image(tag),
            "input" if attr(tag, "type").is_some_and(|t| t.eq_ignore_ascii_case("checkbox")) => {
                let checked = attr(tag, "checked").is_some();
                let mark = if checked { "[x] " } else { "[ ] " };
                self.b.text(mark, Style::role(Role::Marker));
            }
            _ => {}
        }
    }

    fn image(&mut self, tag: &Tag) {
        if self.title.is_some() || has_class(tag, "avatar") {
            return;
        }
        let alt = attr(tag, "alt").unwrap_or_default().trim();
        let title = attr(tag, "title").unwrap_or_default().trim();
        if has_class(tag, "emoji") {
            let name = if alt.starts_with(':') || title.is_empty() {
                alt
            } else {
                title
            };
            let style = self.style();
            self.b.text(name, style);
        } else {
            let src = attr(tag, "src").unwrap_or_default();
            self.b.image(if alt.is_empty() { title } else { alt }, src);
        }
    }

    fn open(&mut self, name: &str, effect: Effect) {
        if self.stack.len() >= MAX_OPEN {
            // Too deep to track: the element still separates blocks, nothing more.
            self.overflow += 1;
            if effect.is_block() {
                self.b.boundary(false);
            }
            return;
        }
        self.apply(&effect);
        self.push(name, effect);
    }

    fn push(&mut self, name: &str, effect: Effect) {
        if self.stack.len() >= MAX_OPEN {
            self.overflow += 1;
            return;
        }
        self.stack.push(Element {
            name: name.to_owned(),
            effect,
        });
    }

    fn end(&mut self, name: &str) {
        if let Some(raw) = &self.raw {
            if raw.name == name {
                if raw.shown {
                    self.b.close_code_block();
                }
                self.raw = None;
            }
            return;
        }
        if self.overflow > 0 {
            self.overflow -= 1;
            if !self.muted() && classify(name).is_block() {
                self.b.boundary(false);
            }
            return;
        }
        match self.stack.iter().rposition(|e| e.name == name) {
            Some(index) => self.pop_to(index),
            // `</br>` is read as `<br>`, and a stray `</p>` as an empty paragraph.
            None if !self.muted() && name == "br" => self.b.hard_break(),
            None if !self.muted() && name == "p" => self.b.boundary(true),
            None => {}
        }
    }

    /// Closes the elements a start tag ends implicitly, as HTML does for `p`, `li`,
    /// table parts, headings and links.
    fn close_implied(&mut self, name: &str, kind: ElementKind) {
        if kind.is_block() || name == "hr" {
            self.close_open_p();
        }
        let (targets, barriers): (&[&str], &[&str]) = match name {
            "li" => (
                &["li"],
                &["ul", "ol", "menu", "table", "blockquote", "aside"],
            ),
            "dt" | "dd" => (&["dt", "dd"], &["dl", "table", "blockquote", "aside"]),
            "tr" => (&["tr"], &["table"]),
            "td" | "th" => (&["td", "th"], &["tr", "table"]),
            "thead" | "tbody" | "tfoot" => (&["thead", "tbody", "tfoot"], &["table"]),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => (
                &["h1", "h2", "h3", "h4", "h5", "h6"],
                &["div", "li", "td", "th", "blockquote", "aside", "table"],
            ),
            "a" => (&["a"], &["table", "td", "th"]),
            _ => return,
        };
        for index in (0..self.stack.len()).rev() {
            let open = self.stack[index].name.as_str();
            if targets.contains(&open) {
                self.pop_to(index);
                return;
            }
            if barriers.contains(&open) {
                return;
            }
        }
    }

    /// A block start closes a `p` left open, looking past inline elements only.
    fn close_open_p(&mut self) {
        for index in (0..self.stack.len()).rev() {
            let open = self.stack[index].name.as_str();
            if open == "p" {
                self.pop_to(index);
                return;
            }
            if classify(open) != ElementKind::Inline {
                return;
            }
        }
    }

    fn pop_to(&mut self, index: usize) {
        while self.stack.len() > index {
            if let Some(element) = self.stack.pop() {
                self.close(element.effect);
            }
        }
    }

    fn close_all(&mut self) {
        self.overflow = 0;
        if let Some(raw) = self.raw.take()
            && raw.shown
        {
            self.b.close_code_block();
        }
        self.pop_to(0);
    }

    fn apply(&mut self, effect: &Effect) {
        let b = &mut *self.b;
        match effect {
            Effect::None => {}
            Effect::Block => b.boundary(false),
            Effect::Paragraph => b.boundary(true),
            Effect::Italic => self.emphasis.open(Emphasis::ITALIC),
            Effect::Bold => self.emphasis.open(Emphasis::BOLD),
            Effect::Strike => self.emphasis.open(Emphasis::STRIKE),
            Effect::Code => self.code += 1,
            Effect::Pre => {
                b.open_code_block();
                self.pre_fresh = true;
            }
            Effect::Link(url) => b.open_link(url),
            Effect::Quote => b.open_quote(),
            Effect::AsideQuote { username } => {
                b.open_quote();
                if let Some(name) = username {
                    b.attribution(name);
                }
            }
            Effect::Title => self.title = Some(String::new()),
            Effect::Skip => self.skipping += 1,
            Effect::Onebox { .. } => {
                b.boundary(false);
                self.skipping += 1;
            }
            Effect::List(start) => b.open_list(*start),
            Effect::Item => b.open_item(),
            Effect::Heading(level) => b.open_heading(*level),
            Effect::Table => b.open_table(Vec::new()),
            Effect::THead => self.thead += 1,
            Effect::Row => b.open_row(self.thead > 0),
            Effect::Cell { header } => {
                b.open_cell();
                if *header {
                    self.emphasis.open(Emphasis::BOLD);
                }
            }
            Effect::Summary => {
                b.boundary(true);
                self.emphasis.open(Emphasis::BOLD);
                b.text("▸ ", Style::role(Role::Marker));
            }
            Effect::Checkbox(checked) => {
                let mark = if *checked { "[x] " } else { "[ ] " };
                b.text(mark, Style::role(Role::Marker));
            }
            Effect::Spoiler { block } => {
                if *block {
                    b.boundary(false);
                }
                b.open_spoiler();
            }
        }
    }

    fn close(&mut self, effect: Effect) {
        if self.muted() && !matches!(effect, Effect::Skip | Effect::Onebox { .. } | Effect::Title) {
            return;
        }
        let b = &mut *self.b;
        match effect {
            Effect::None | Effect::Checkbox(_) => {}
            Effect::Block => b.boundary(false),
            Effect::Paragraph => b.boundary(true),
            Effect::Italic => self.emphasis.close(Emphasis::ITALIC),
            Effect::Bold => self.emphasis.close(Emphasis::BOLD),
            Effect::Strike => self.emphasis.close(Emphasis::STRIKE),
            Effect::Code => self.code = self.code.saturating_sub(1),
            Effect::Pre => {
                self.pre_fresh = false;
                b.close_code_block();
            }
            Effect::Link(_) => b.close_link(),
            Effect::Quote | Effect::AsideQuote { .. } => b.close_quote(),
            Effect::Title => {
                if let Some(title) = self.title.take() {
                    let name = title.trim().trim_end_matches(':').trim();
                    b.attribution(name);
                }
            }
            Effect::Skip => self.skipping -= 1,
            Effect::Onebox { url } => {
                self.skipping -= 1;
                if let Some(url) = url {
                    b.boundary(true);
                    b.open_link(&url);
                    b.text(&url, Style::default());
                    b.close_link();
                }
                b.boundary(true);
            }
            Effect::List(_) => b.close_list(),
            Effect::Item => b.close_item(),
            Effect::Heading(_) => b.close_heading(),
            Effect::Table => b.close_table(),
            Effect::THead => self.thead = self.thead.saturating_sub(1),
            Effect::Row => b.close_row(),
            Effect::Cell { header } => {
                b.close_cell();
                if header {
                    self.emphasis.close(Emphasis::BOLD);
                }
            }
            Effect::Summary => {
                self.emphasis.close(Emphasis::BOLD);
                b.boundary(true);
            }
            Effect::Spoiler { block } => {
                b.close_spoiler();
                if block {
                    b.boundary(false);
                }
            }
        }
    }
}

pub(crate) fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.as_ref())
}

pub(crate) fn has_class(tag: &Tag, class: &str) -> bool {
    attr(tag, "class").is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
