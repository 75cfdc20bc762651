//! Lays the block model out at one width: quote bars and list markers as line prefixes
//! (hanging indents), blank lines between blocks, and each block's own content.

use super::blocks::{Block, Container, Content, Inline, ListInfo};
use super::wrap::{hard_wrap, text_width, wrap_inlines};
use super::{Emphasis, Line, Role, Span, Style, table};

const QUOTE_BAR: &str = "│ ";
const BULLETS: [&str; 3] = ["•", "◦", "▪"];
/// Rules are drawn at most this wide: wider looks like a screen border, not a break.
const MAX_RULE: usize = 72;

/// Lays out `blocks` at `width` columns (at least 1).
pub(crate) fn layout(blocks: &[Block], lists: &[ListInfo], width: usize) -> Vec<Line> {
    let width = width.max(1);
    // Indentation may take at most half the width, so text always keeps room.
    let max_prefix = (width / 2).max(1);
    let mut lines = Vec::new();
    let mut previous: Option<&Block> = None;
    for block in blocks {
        if block.gap_before {
            let shared = previous.map_or(0, |p| shared_containers(&p.path, &block.path));
            let mut spans = prefix(&block.path[..shared], lists, false, max_prefix);
            trim_end(&mut spans);
            lines.push(Line { spans });
        }
        let first = prefix(&block.path, lists, true, max_prefix);
        let rest = prefix(&block.path, lists, false, max_prefix);
        let avail = width.saturating_sub(spans_width(&first)).max(1);
        for (i, content) in content_lines(&block.content, avail).into_iter().enumerate() {
            let mut spans = if i == 0 { first.clone() } else { rest.clone() };
            if content.is_empty() {
                trim_end(&mut spans);
            }
            spans.extend(content);
            lines.push(Line { spans });
        }
        previous = Some(block);
    }
    lines
}

fn shared_containers(a: &[Container], b: &[Container]) -> usize {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| x.id() == y.id())
        .count()
}

/// The spans in front of a block's lines: quote bars on every line, an item's marker
/// on the first line of its first block and spaces under it everywhere else.
fn prefix(path: &[Container], lists: &[ListInfo], first_line: bool, max: usize) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for container in path {
        match *container {
            Container::Quote { .. } => push(&mut spans, QUOTE_BAR, Role::Marker),
            Container::Item {
                list,
                number,
                first,
                ..
            } => {
                let info = lists.get(list as usize).copied().unwrap_or_default();
                let marker = if info.ordered {
                    format!("{number:>width$}. ", width = usize::from(info.number_width))
                } else {
                    format!(
                        "{} ",
                        BULLETS[usize::from(info.bullet_level) % BULLETS.len()]
                    )
                };
                if first && first_line {
                    push(&mut spans, &marker, Role::Marker);
                } else {
                    let blank = " ".repeat(text_width(&marker));
                    push(&mut spans, &blank, Role::Text);
                }
            }
        }
    }
    clip_left(spans, max)
}

fn push(spans: &mut Vec<Span>, text: &str, role: Role) {
    let style = Style::role(role);
    match spans.last_mut() {
        Some(last) if last.style == style => last.text.push_str(text),
        _ => spans.push(Span {
            text: text.into(),
            style,
        }),
    }
}

/// Keeps the rightmost `max` columns (the innermost markers) of a prefix too wide to
/// leave room for text.
fn clip_left(spans: Vec<Span>, max: usize) -> Vec<Span> {
    let mut excess = spans_width(&spans).saturating_sub(max);
    if excess == 0 {
        return spans;
    }
    let mut kept = Vec::with_capacity(spans.len());
    for mut span in spans {
        if excess == 0 {
            kept.push(span);
            continue;
        }
        let mut cut = 0;
        for (i, c) in span.text.char_indices() {
            if excess == 0 {
                break;
            }
            excess = excess.saturating_sub(text_width(&span.text[i..i + c.len_utf8()]));
            cut = i + c.len_utf8();
        }
        span.text = span.text[cut..].into();
        if !span.text.is_empty() {
            kept.push(span);
        }
    }
    kept
}

fn spans_width(spans: &[Span]) -> usize {
    spans.iter().map(|s| text_width(&s.text)).sum()
}

fn trim_end(spans: &mut Vec<Span>) {
    while let Some(last) = spans.last_mut() {
        let trimmed = last.text.trim_end().len();
        last.text.truncate(trimmed);
        if !last.text.is_empty() {
            break;
        }
        spans.pop();
    }
}

fn content_lines(content: &Content, width: usize) -> Vec<Vec<Span>> {
    match content {
        Content::Paragraph(inlines) => wrap_inlines(inlines, width),
        Content::Heading { level, inlines } => wrap_inlines(&heading(*level, inlines), width),
        Content::Code { lines, spoiler } => {
            let style = Style {
                spoiler: *spoiler,
                ..Style::role(Role::Code)
            };
            lines
                .iter()
                .flat_map(|line| hard_wrap(line, style, width))
                .collect()
        }
        Content::Rule => vec![vec![Span {
            text: "─".repeat(width.min(MAX_RULE)).into(),
            style: Style::role(Role::Marker),
        }]],
        Content::Table(t) => table::layout(t, width),
    }
}

/// A heading's text in the heading style, after its level as `##`.
fn heading(level: u8, inlines: &[Inline]) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len() + 1);
    out.push(Inline::Text(Span {
        text: format!("{} ", "#".repeat(usize::from(level))).into(),
        style: Style::role(Role::Marker),
    }));
    out.extend(inlines.iter().map(|inline| match inline {
        Inline::Text(span) if matches!(span.style.role, Role::Text | Role::Quote) => {
            Inline::Text(Span {
                text: span.text.clone(),
                style: Style {
                    role: Role::Heading,
                    emphasis: span.style.emphasis.with(Emphasis::BOLD),
                    link: None,
                    spoiler: span.style.spoiler,
                    picture: span.style.picture,
                },
            })
        }
        other => other.clone(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(id: u32) -> Container {
        Container::Quote { id }
    }

    #[test]
    fn prefixes_clip_to_half_the_width() {
        let path: Vec<Container> = (0..30).map(quote).collect();
        let spans = prefix(&path, &[], true, 10);
        assert_eq!(spans_width(&spans), 10);
        assert_eq!(spans[0].text, "│ │ │ │ │ ");
    }

    #[test]
    fn a_numbered_marker_is_right_aligned_and_hangs() {
        let lists = [ListInfo {
            ordered: true,
            bullet_level: 0,
            number_width: 2,
        }];
        let item = Container::Item {
            id: 1,
            list: 0,
            number: 7,
            first: true,
        };
        let first = prefix(&[item], &lists, true, 40);
        let rest = prefix(&[item], &lists, false, 40);
        assert_eq!(first[0].text, " 7. ");
        assert_eq!(rest[0].text, "    ");
    }
}
