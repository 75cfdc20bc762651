//! A parsed body: converted once (width-independent), laid out per width on demand.

use super::blocks::{Block, Content, Inline, ListInfo};
use super::builder::{Builder, Parsed};
use super::limits::{Deadline, Limits, OverBudget};
use super::{Line, Link, Picture, Role, html, layout, markdown};
use crate::model::{Body, BodyFormat};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A parsed body, ready to be wrapped at any width.
#[derive(Clone, Debug, Default)]
pub struct Document {
    blocks: Vec<Block>,
    lists: Vec<ListInfo>,
    links: Vec<Link>,
    pictures: Vec<Picture>,
    plain_fallback: bool,
}

impl Document {
    /// Parses a body with the renderer for its format, within the default [`Limits`].
    pub fn from_body(body: &Body) -> Self {
        Self::from_body_with(body, &Limits::default())
    }

    /// Parses a body within `limits`. Never fails: a body whose markup cannot be
    /// converted in time is shown as its plain (sanitized) text, with a note saying so.
    pub fn from_body_with(body: &Body, limits: &Limits) -> Self {
        let (source, cut) = limits.cap(&body.text);
        let base = body.base_url.as_deref();
        let converted = catch_unwind(AssertUnwindSafe(|| {
            convert(body.format, source, limits, base)
        }));
        let (mut builder, plain_fallback) = if let Ok(Ok(builder)) = converted {
            (builder, false)
        } else {
            let mut builder = Builder::new(limits.max_depth);
            builder.note("[shown as plain text: the formatting took too long to lay out]");
            plain(source, &mut builder);
            (builder, true)
        };
        if cut > 0 {
            builder.note(&format!("[… {cut} bytes not shown]"));
        }
        Self::from_parsed(builder.finish(), plain_fallback)
    }

    /// A document of plain text: paragraphs at blank lines, line breaks kept.
    pub fn from_plain_text(text: &str) -> Self {
        let mut builder = Builder::new(Limits::default().max_depth);
        plain(text, &mut builder);
        Self::from_parsed(builder.finish(), false)
    }

    fn from_parsed(parsed: Parsed, plain_fallback: bool) -> Self {
        Self {
            blocks: parsed.blocks,
            lists: parsed.lists,
            links: parsed.links,
            pictures: parsed.pictures,
            plain_fallback,
        }
    }

    /// Lays the document out at `width` columns (at least 1). From 10 columns on, no
    /// line is wider than `width`.
    pub fn wrap(&self, width: usize) -> Vec<Line> {
        layout::layout(&self.blocks, &self.lists, width)
    }

    /// Links in order of their reference numbers.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The pictures, in order (`Style::picture` indexes this).
    pub fn pictures(&self) -> &[Picture] {
        &self.pictures
    }

    /// The links to list: those found only inside spoilers wait until the spoilers are
    /// `revealed` (listing them would give the spoiler away).
    pub fn links_shown(&self, revealed: bool) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| revealed || !l.spoiler)
    }

    /// Whether the markup could not be converted and the text is shown as it was written.
    pub fn is_plain_fallback(&self) -> bool {
        self.plain_fallback
    }

    /// Whether some of the text is a spoiler (hidden until revealed).
    pub fn has_spoilers(&self) -> bool {
        self.blocks.iter().any(|block| match &block.content {
            Content::Paragraph(inlines) | Content::Heading { inlines, .. } => inlines
                .iter()
                .any(|i| matches!(i, Inline::Text(span) if span.style.spoiler)),
            Content::Table(table) => table
                .rows
                .iter()
                .flat_map(|r| &r.cells)
                .flatten()
                .any(|s| s.style.spoiler),
            Content::Code { spoiler, .. } => *spoiler,
            Content::Rule => false,
        })
    }

    /// The text without markup, paragraphs separated by blank lines (for search, snippets).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            let start = out.len();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            let text_start = out.len();
            match &block.content {
                Content::Paragraph(inlines) | Content::Heading { inlines, .. } => {
                    push_inlines(&mut out, inlines);
                }
                Content::Code { lines, .. } => out.push_str(&lines.join("\n")),
                Content::Table(table) => {
                    for (i, row) in table.rows.iter().enumerate() {
                        if i > 0 {
                            out.push('\n');
                        }
                        let cells: Vec<String> = row
                            .cells
                            .iter()
                            .map(|c| c.iter().map(|s| s.text.as_str()).collect())
                            .collect();
                        out.push_str(&cells.join(" | "));
                    }
                }
                Content::Rule => {}
            }
            if out.len() == text_start {
                out.truncate(start);
            }
        }
        out
    }
}

/// Inline text with whitespace collapsed and link numbers left out.
fn push_inlines(out: &mut String, inlines: &[Inline]) {
    let line_start = out.len();
    let mut space = false;
    for inline in inlines {
        match inline {
            Inline::Text(span) if span.style.role == Role::LinkRef => {}
            Inline::Text(span) => {
                for (i, word) in span.text.split_whitespace().enumerate() {
                    let spaced = i > 0 || span.text.starts_with(char::is_whitespace);
                    if (space || spaced) && !out[line_start..].is_empty() && !out.ends_with('\n') {
                        out.push(' ');
                    }
                    space = false;
                    out.push_str(word);
                }
                space |= span.text.ends_with(char::is_whitespace);
            }
            Inline::Break => {
                out.push('\n');
                space = false;
            }
        }
    }
}

fn convert(
    format: BodyFormat,
    source: &str,
    limits: &Limits,
    base: Option<&str>,
) -> Result<Builder, OverBudget> {
    let mut deadline = Deadline::after(limits.time_budget);
    let mut builder = Builder::with_base(limits.max_depth, base);
    match format {
        BodyFormat::Markdown => markdown::convert(source, &mut builder, &mut deadline)?,
        BodyFormat::Html => html::convert(source, &mut builder, &mut deadline)?,
    }
    deadline.check_now()?;
    Ok(builder)
}

/// Plain text into paragraphs (at blank lines) with their line breaks; linear, so it
/// is the fallback when a converter gives up.
fn plain(text: &str, builder: &mut Builder) {
    for line in text.split('\n') {
        if line.trim().is_empty() {
            builder.boundary(true);
        } else {
            builder.text(line, super::Style::default());
            builder.hard_break();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn plain_text_drops_markup_and_link_numbers() {
        let doc = Document::from_body(&Body::markdown(
            "# Title\n\nSee [the  docs](https://a.example) *now*.\n\n- one\n- two\\\nlines\n\n```\ncode  kept\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---",
        ));
        assert_eq!(
            doc.plain_text(),
            "Title\n\nSee the docs now.\n\none\n\ntwo\nlines\n\ncode  kept\n\na | b\n1 | 2"
        );
    }

    #[test]
    fn plain_text_documents_keep_lines_and_paragraphs() {
        let doc = Document::from_plain_text("one\ntwo *not emphasis*\n\n\nthree\r\n");
        let lines: Vec<String> = doc.wrap(40).iter().map(Line::plain).collect();
        assert_eq!(lines, ["one", "two *not emphasis*", "", "three"]);
        assert!(!doc.is_plain_fallback());
    }

    #[test]
    fn limits_cut_the_source_and_fall_back_when_time_is_up() {
        let limits = Limits {
            max_source_bytes: 10,
            max_depth: 24,
            time_budget: Duration::from_secs(60),
        };
        let doc = Document::from_body_with(&Body::markdown("0123456789abcdef"), &limits);
        let lines: Vec<String> = doc.wrap(40).iter().map(Line::plain).collect();
        assert_eq!(lines, ["0123456789", "", "[… 6 bytes not shown]"]);
        assert_eq!(doc.wrap(40)[2].spans[0].style.role, Role::Marker);

        let spent = Limits {
            time_budget: Duration::ZERO,
            ..limits
        };
        let doc = Document::from_body_with(&Body::markdown("*a*"), &spent);
        assert!(doc.is_plain_fallback());
        let lines: Vec<String> = doc.wrap(80).iter().map(Line::plain).collect();
        assert_eq!(lines[2], "*a*");
    }
}
