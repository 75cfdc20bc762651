//! Post bodies (Markdown, Discourse HTML) → sanitized rich lines wrapped to a width.
//!
//! Two steps: [`Document::from_body`] parses once (width-independent, sanitized, links
//! numbered); [`Document::wrap`] lays it out for one width. Callers cache the wrapped
//! lines per (post, width). Plain data only: the CLI prints the text, the UI maps each
//! [`Style`] to colours through its theme.
//!
//! Post text is hostile until proven otherwise: conversion is capped in size, nesting
//! and time ([`Limits`]), nothing in it recurses on the input's depth, and a body that
//! cannot be converted is shown as its sanitized plain text instead. Conversion takes
//! milliseconds, yet the UI should still run it off its own thread.

mod blocks;
mod builder;
mod document;
mod html;
mod html_rules;
mod layout;
mod limits;
mod links;
mod markdown;
pub mod picture;
mod post_facts;
mod small_action;
mod table;
mod table_builder;
mod target_words;
mod words_as_written;
mod wrap;

pub use document::Document;
pub use limits::Limits;
pub use post_facts::{
    answers_label, likes_label, post_facts, post_facts_with, time_label, tombstone_label,
};
pub use small_action::small_action_line;
pub use target_words::target_words;
pub use words_as_written::words_as_written;

use crate::model::Body;
use unicode_segmentation::UnicodeSegmentation;

/// What a run of text is, for the theme to colour; never raw terminal attributes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Role {
    #[default]
    Text,
    /// Inline code or a code block.
    Code,
    /// The text of a link.
    Link,
    /// A link's reference number, e.g. `[1]`.
    LinkRef,
    /// Quoted text.
    Quote,
    Heading,
    /// Decoration the renderer adds: bullets, numbers, quote bars, rules.
    Marker,
}

/// Emphasis flags layered on a [`Role`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Emphasis(u8);

impl Emphasis {
    pub const NONE: Self = Self(0);
    pub const ITALIC: Self = Self(1);
    pub const BOLD: Self = Self(2);
    pub const STRIKE: Self = Self(4);

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    #[must_use]
    pub fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Emphasis open while a converter walks its input, counted per kind so that nested
/// tags (`<b><b>x</b></b>`, `***x***`) close correctly. Shared by both converters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OpenEmphasis {
    italic: usize,
    bold: usize,
    strike: usize,
}

impl OpenEmphasis {
    fn counter(&mut self, kind: Emphasis) -> Option<&mut usize> {
        match kind {
            Emphasis::ITALIC => Some(&mut self.italic),
            Emphasis::BOLD => Some(&mut self.bold),
            Emphasis::STRIKE => Some(&mut self.strike),
            _ => None,
        }
    }

    /// One more `kind` (one flag at a time) is open.
    pub(crate) fn open(&mut self, kind: Emphasis) {
        if let Some(n) = self.counter(kind) {
            *n += 1;
        }
    }

    /// One `kind` closed; an unmatched close is ignored.
    pub(crate) fn close(&mut self, kind: Emphasis) {
        if let Some(n) = self.counter(kind) {
            *n = n.saturating_sub(1);
        }
    }

    /// The emphasis text gets now.
    pub(crate) fn current(self) -> Emphasis {
        let mut emphasis = Emphasis::NONE;
        for (count, flag) in [
            (self.italic, Emphasis::ITALIC),
            (self.bold, Emphasis::BOLD),
            (self.strike, Emphasis::STRIKE),
        ] {
            if count > 0 {
                emphasis = emphasis.with(flag);
            }
        }
        emphasis
    }
}

/// Semantic style of a span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    pub role: Role,
    pub emphasis: Emphasis,
    /// The number of the link this text belongs to (its text, its `[n]`, an image inside
    /// it), for a terminal that makes it clickable; `None` outside links.
    pub link: Option<usize>,
    /// Inside a spoiler (Discourse's `[spoiler]`): hidden until the reader reveals it.
    pub spoiler: bool,
    /// The text standing for picture `n` of the document (`[image: alt]`): the reader
    /// shows the picture above the line this text starts on.
    pub picture: Option<u16>,
}

impl Style {
    pub const fn role(role: Role) -> Self {
        Self {
            role,
            emphasis: Emphasis::NONE,
            link: None,
            spoiler: false,
            picture: None,
        }
    }

    /// This style, part of link `number`.
    #[must_use]
    pub const fn in_link(self, number: usize) -> Self {
        Self {
            link: Some(number),
            ..self
        }
    }
}

/// A run of text in one style. The text is sanitized and has no newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: compact_str::CompactString,
    pub style: Style,
}

/// One display line, already wrapped; indents and markers are spans too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    pub spans: Vec<Span>,
}

impl Line {
    /// The line's text without styles.
    pub fn plain(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Display width in terminal columns, measured per grapheme as the wrapper measures.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| wrap::text_width(&s.text)).sum()
    }

    pub fn has_spoiler(&self) -> bool {
        self.spans.iter().any(|s| s.style.spoiler)
    }

    /// The line with its spoiler text veiled: each character a `░` of the same width,
    /// spaces kept, so the line is as wide as before and wraps the same.
    #[must_use]
    pub fn veiled(&self) -> Line {
        Line {
            spans: self
                .spans
                .iter()
                .map(|s| {
                    if !s.style.spoiler {
                        return s.clone();
                    }
                    let text = s
                        .text
                        .graphemes(true)
                        .map(|g| {
                            if g.chars().all(char::is_whitespace) {
                                g.to_owned()
                            } else {
                                "░".repeat(wrap::text_width(g))
                            }
                        })
                        .collect();
                    Span {
                        text,
                        style: s.style,
                    }
                })
                .collect(),
        }
    }
}

/// A picture in a body (`<img>`, `![alt](src)`), in order of appearance; its text in
/// the body carries [`Style::picture`] with its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Where the picture is, made absolute against the site (sanitized; checked before
    /// it is fetched).
    pub url: String,
    pub alt: String,
    /// Inside a spoiler: shown once the spoilers are revealed.
    pub spoiler: bool,
}

/// A link found in a body, numbered in order of first appearance (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub number: usize,
    /// The target as written (sanitized); see [`Link::openable`] before opening it.
    pub url: String,
    pub text: String,
    /// Found only inside spoilers: listed once they are revealed.
    pub spoiler: bool,
}

impl Link {
    /// The URL when it is a well-formed http(s) URL safe to hand to a browser (or to
    /// an OSC 8 hyperlink): no scheme but http and https, a host, no whitespace, and
    /// nothing the sanitizer had to remove from it.
    pub fn openable(&self) -> Option<&str> {
        links::is_openable(&self.url).then_some(self.url.as_str())
    }
}

/// Plain text of a body (for search and snippets).
pub fn plain_text(body: &Body) -> String {
    Document::from_body(body).plain_text()
}
