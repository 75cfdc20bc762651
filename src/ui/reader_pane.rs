//! Draws the reader pane: the thread's title line, then only the rows in view — post
//! headers, wrapped bodies with search matches highlighted, link lists, fold markers.

use super::element::Element;
use super::graphics::{self, Overlay};
use super::hyperlink::{self, Region};
use super::post_header::{echo_header_spans, header_spans};
use super::text::truncate;
use super::theme::Theme;
use crate::app::reader::pictures::Decoded;
use crate::app::reader::post_marks;
use crate::app::reader::rows::{INDENT, drawn_depth};
use crate::app::reader::search::Match;
use crate::app::reader::{OpenThread, Reader, Row};
use crate::model::ImageProtocol;
use crate::model::{Forum, ThreadRead, Verdict};
use crate::text::sanitize::clean_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::fmt::Write as _;

/// What the reader pane needs to draw.
#[derive(Debug)]
pub struct ReaderView<'a> {
    pub reader: &'a Reader,
    pub forum: &'a Forum,
    /// The open thread's read state.
    pub read: Option<&'a ThreadRead>,
    pub focused: bool,
    /// Link text is made clickable (OSC 8).
    pub hyperlinks: bool,
    /// The account's server cannot be reached: what is not downloaded cannot be now.
    pub offline: bool,
    /// The live outbox: our changes of posts on their way.
    pub outbox: &'a [crate::model::OutboxEntry],
    /// Who the account signs in as, when known.
    pub me: Option<&'a crate::model::Me>,
    /// The account's bookmarks: a bookmarked post says so in its header.
    pub places: &'a crate::model::Places,
    pub title: Rect,
    pub body: Rect,
}

pub fn draw(frame: &mut Frame, view: &ReaderView<'_>, theme: &Theme) {
    if view.body.is_empty() && view.title.is_empty() {
        return;
    }
    let Some(open) = &view.reader.open else {
        draw_placeholder(frame, view, theme);
        return;
    };
    frame.render_widget(Paragraph::new(title_line(view, open, theme)), view.title);
    let reader = view.reader;
    let lines: Vec<Line> = reader
        .layout
        .rows
        .iter()
        .enumerate()
        .skip(reader.scroll)
        .take(usize::from(view.body.height))
        .map(|(index, &row)| row_line(view, open, index, row, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), view.body);
    let overlays = picture_overlays(view, open);
    if graphics::apply(frame.buffer_mut(), &overlays) {
        reader.pictures.note_kitty_sent();
    }
    if view.hyperlinks {
        let regions = link_regions(view, open);
        hyperlink::apply(frame.buffer_mut(), view.body, &regions);
    }
}

/// Where the links are on the rows in view: link text, its `[n]`, and the entries of
/// the link list, each with its validated target.
fn link_regions(view: &ReaderView<'_>, open: &OpenThread) -> Vec<Region> {
    let reader = view.reader;
    let mut regions = Vec::new();
    let rows = reader
        .layout
        .rows
        .iter()
        .skip(reader.scroll)
        .take(usize::from(view.body.height));
    for (y, &row) in (view.body.y..).zip(rows) {
        let pos = row.pos();
        let Some(doc) = open.doc(pos) else {
            continue;
        };
        let depth = open.order.get(pos).map_or(0, |p| p.depth);
        // The depth bars, then the two columns of `row_line`.
        let mut x = usize::from(view.body.x) + 1 + drawn_depth(depth) * INDENT + 2;
        let mut push = |from: usize, to: usize, number: usize| {
            let target = number
                .checked_sub(1)
                .and_then(|i| doc.links().get(i))
                .and_then(hyperlink::target);
            if let (Some(target), Ok(start), Ok(end)) =
                (target, u16::try_from(from), u16::try_from(to))
            {
                regions.push(Region {
                    y,
                    start,
                    end,
                    target,
                });
            }
        };
        match row {
            Row::Body { line, .. } => {
                // Veiled text draws as `░`, but a hyperlink on it would still lead to what
                // the spoiler hides: its links wait for `v` like its words do.
                let veiled = !reader.spoilers_shown(pos);
                for span in open.lines(pos).get(line).map_or(&[][..], |l| &l.spans) {
                    let width = super::text::width(&span.text);
                    if let Some(number) = span.style.link
                        && !(span.style.spoiler && veiled)
                    {
                        push(x, x + width, number);
                    }
                    x += width;
                }
            }
            Row::Link { link, .. } => {
                if let Some(l) = doc.links().get(link) {
                    let width = super::text::width(&format!("[{}] {}", l.number, l.url));
                    push(x, x + width, l.number);
                }
            }
            _ => {}
        }
    }
    regions
}

fn draw_placeholder(frame: &mut Frame, view: &ReaderView<'_>, theme: &Theme) {
    let text = if view.reader.requested.is_some() {
        "Loading the thread…"
    } else {
        "Select a thread in the tree and press enter to read it. ? lists every key."
    };
    let style = theme.get(Element::PanePlaceholder);
    let area = view.body.union(view.title);
    // One column of margin, like the posts.
    let inner = Rect::new(
        area.x.saturating_add(1),
        area.y,
        area.width.saturating_sub(2),
        area.height,
    );
    frame.render_widget(
        Paragraph::new(Line::styled(text, style)).wrap(ratatui::widgets::Wrap { trim: true }),
        inner,
    );
}

fn title_line<'a>(view: &ReaderView<'_>, open: &'a OpenThread, theme: &Theme) -> Line<'a> {
    let thread = &open.file.summary;
    let unread = view
        .read
        .map_or(thread.last_seq, |r| r.unread_count(thread.last_seq));
    let place = view
        .forum
        .area(&thread.area)
        .map(|(_, area)| format!("{} · ", clean_line(&area.title)))
        .unwrap_or_default();
    let plural = if thread.post_count == 1 { "" } else { "s" };
    // What the rules leave out does not count as unread (as in the tree).
    let left_out = (0..open.order.len())
        .filter_map(|pos| open.post(pos).filter(|_| open.left_out(pos)))
        .filter(|post| view.read.is_none_or(|r| !r.is_read(post.seq)))
        .count();
    let unread = unread.saturating_sub(u32::try_from(left_out).unwrap_or(u32::MAX));
    let mut meta = format!("  {place}{} post{plural}", thread.post_count);
    if unread > 0 {
        let _ = write!(meta, ", {unread} unread");
    }
    // As `threadmark read` says it.
    let hidden = open.judged.verdicts.iter().filter(|v| v.hidden()).count();
    if hidden > 0 {
        let _ = write!(meta, ", {hidden} hidden by rules");
    }
    let score = open.judged.score();
    if score != 0 {
        let _ = write!(meta, ", score {score}");
    }
    let cols = usize::from(view.title.width);
    let title_room = cols
        .saturating_sub(super::text::width(&meta) + 1)
        .max(cols / 3);
    Line::from(vec![
        Span::styled(
            format!(" {}", truncate(&clean_line(&thread.title), title_room)),
            theme.get(Element::PaneTitle),
        ),
        Span::styled(meta, theme.get(Element::PaneMeta)),
    ])
}

/// The depth bars in front of a row of a post at `depth`.
fn bars(depth: usize, theme: &Theme) -> Span<'static> {
    let d = drawn_depth(depth);
    let mut text = String::with_capacity(1 + d * INDENT * 3);
    text.push(' ');
    for _ in 0..d {
        text.push_str("│ ");
    }
    Span::styled(text, theme.get(Element::ReaderDepthBar))
}

fn row_line<'a>(
    view: &ReaderView<'_>,
    open: &'a OpenThread,
    index: usize,
    row: Row,
    theme: &Theme,
) -> Line<'a> {
    if let Row::Missing { range, .. } = row {
        return missing_line(view, open, range, theme);
    }
    let pos = row.pos();
    let depth = open.order.get(pos).map_or(0, |p| p.depth);
    let Some(post) = open.post(pos) else {
        return Line::default();
    };
    let mut spans = vec![bars(depth, theme)];
    match row {
        Row::Header { .. } => {
            let parent = open
                .order
                .get(pos)
                .and_then(|p| p.parent)
                .and_then(|i| open.file.posts.get(i));
            if let Some(mark) = open.echo(pos) {
                spans.extend(echo_header_spans(post, parent, mark, theme));
            } else {
                let unread = !open.left_out(pos) && view.read.is_none_or(|r| !r.is_read(post.seq));
                let is_new = open.is_new(post);
                let mut marks = post_marks::marks(post, view.outbox, view.me);
                marks.bookmarked =
                    crate::app::lists::bookmarks_actions::is_bookmarked(view.places, &post.id);
                spans.extend(header_spans(
                    post,
                    parent,
                    view.forum.undated,
                    unread,
                    is_new,
                    &marks,
                    theme,
                ));
                spans.extend(verdict_spans(open.verdict(pos), theme));
            }
            let line = dimmed(Line::from(spans), open, pos);
            if view.focused && view.reader.current == pos {
                return line.style(theme.get(Element::ReaderCurrent));
            }
            return line;
        }
        Row::Body { line, .. } => {
            if let Some(text) = open.lines(pos).get(line) {
                let matches = matches_on(view.reader, index);
                spans.push(Span::raw("  "));
                let veiled;
                let text = if text.has_spoiler() && !view.reader.spoilers_shown(pos) {
                    veiled = text.veiled();
                    &veiled
                } else {
                    text
                };
                let body = highlighted(text, &matches, theme);
                if open.is_echo(pos) {
                    let pending = theme.get(Element::EchoBody);
                    spans.extend(body.into_iter().map(|s| s.patch_style(pending)));
                } else {
                    spans.extend(body);
                }
                spans.extend(picture_refused(view.reader, open, pos, line, theme));
            }
        }
        Row::Picture { picture, row, .. } => {
            let whole = whole_on_screen(view, index, row, open, pos, picture);
            spans.extend(picture_spans(view.reader, open, pos, picture, row, whole));
            return Line::from(spans);
        }
        Row::Link { link, .. } => {
            if let Some(l) = open.doc(pos).and_then(|d| d.links().get(link)) {
                let text = format!("[{}] {}", l.number, l.url);
                let matches = matches_on(view.reader, index);
                let line = crate::render::Line {
                    spans: vec![crate::render::Span {
                        text: text.into(),
                        style: crate::render::Style::role(crate::render::Role::Link),
                    }],
                };
                spans.push(Span::raw("  "));
                spans.extend(highlighted(&line, &matches, theme));
            }
        }
        Row::Deleted { .. } => {
            spans.push(Span::styled(
                format!("  {}", crate::render::tombstone_label(post)),
                theme.get(Element::ReaderDeleted),
            ));
        }
        Row::Hidden { rule, .. } => return stub_line(view, post, pos, rule, spans, theme),
        Row::Folded { hidden, .. } => {
            let what = if hidden == 1 { "reply" } else { "replies" };
            spans.push(Span::styled(
                format!("  ▸ {hidden} {what} folded (z unfolds)"),
                theme.get(Element::ReaderFolded),
            ));
        }
        Row::Action { action, .. } => return action_line(view, open, action, spans, theme),
        Row::Gap { .. } | Row::Missing { .. } => return Line::default(),
    }
    dimmed(Line::from(spans), open, pos)
}

/// The decoded picture `picture` of the post at `pos`, its URL and its cells.
fn shown_picture<'a>(
    reader: &'a Reader,
    open: &'a OpenThread,
    pos: usize,
    picture: u16,
) -> Option<(&'a Decoded, &'a str, (u16, u16))> {
    let depth = open.order.get(pos).map_or(0, |p| p.depth);
    let width = crate::app::reader::rows::body_width(reader.layout.width, depth);
    let pictures = &reader.pictures;
    let p = open.doc(pos)?.pictures().get(usize::from(picture))?;
    Some((
        pictures.ready(&p.url)?,
        p.url.as_str(),
        pictures.cells(p, width)?,
    ))
}

/// Whether every row of the picture whose row `row` is layout row `index` is on screen.
fn whole_on_screen(
    view: &ReaderView<'_>,
    index: usize,
    row: u16,
    open: &OpenThread,
    pos: usize,
    picture: u16,
) -> bool {
    let Some((_, _, (_, rows))) = shown_picture(view.reader, open, pos, picture) else {
        return false;
    };
    let first = index - usize::from(row);
    let top = view.reader.scroll;
    first >= top && first + usize::from(rows) <= top + usize::from(view.body.height)
}

/// Row `row` of the post's picture `picture`, after the gutter: kitty placeholders,
/// blank cells a sixel or iTerm2 picture covers (`whole`: all of it is on screen), else
/// half blocks.
fn picture_spans(
    reader: &Reader,
    open: &OpenThread,
    pos: usize,
    picture: u16,
    row: u16,
    whole: bool,
) -> Vec<Span<'static>> {
    let Some((decoded, url, (cols, rows))) = shown_picture(reader, open, pos, picture) else {
        return Vec::new();
    };
    let mut spans = vec![Span::raw("  ")];
    match reader.pictures.protocol {
        ImageProtocol::Kitty => {
            spans.extend(graphics::kitty_row_spans(
                graphics::kitty_id(url),
                cols,
                row,
            ));
        }
        ImageProtocol::Sixel | ImageProtocol::Iterm2 if whole => {
            spans.push(Span::raw(" ".repeat(usize::from(cols))));
        }
        _ => spans.extend(super::halfblocks::row_spans(decoded, cols, rows, row)),
    }
    spans
}

/// The pictures on screen drawn through a protocol: kitty's at the first row of each on
/// screen (where it is sent), sixel and iTerm2 at the first row of each wholly on screen.
fn picture_overlays<'a>(view: &ReaderView<'a>, open: &'a OpenThread) -> Vec<Overlay<'a>> {
    let reader = view.reader;
    let protocol = reader.pictures.protocol;
    if matches!(protocol, ImageProtocol::Auto | ImageProtocol::Halfblocks) {
        return Vec::new();
    }
    let mut overlays = Vec::new();
    let rows = reader
        .layout
        .rows
        .iter()
        .enumerate()
        .skip(reader.scroll)
        .take(usize::from(view.body.height));
    for ((index, &row), y) in rows.zip(view.body.y..) {
        let Row::Picture { pos, picture, row } = row else {
            continue;
        };
        let first_here = row == 0 || index == reader.scroll;
        let wanted = match protocol {
            ImageProtocol::Kitty => first_here,
            _ => row == 0 && whole_on_screen(view, index, row, open, pos, picture),
        };
        let Some((decoded, url, (cols, rows))) = shown_picture(reader, open, pos, picture) else {
            continue;
        };
        if !wanted {
            continue;
        }
        let depth = open.order.get(pos).map_or(0, |p| p.depth);
        let x = usize::from(view.body.x) + 1 + drawn_depth(depth) * INDENT + 2;
        let Ok(x) = u16::try_from(x) else { continue };
        overlays.push(Overlay {
            x,
            y,
            cols,
            rows,
            picture: decoded,
            url,
            protocol,
            cell_pixels: reader.pictures.cell_pixels,
        });
    }
    overlays
}

/// Why the picture whose alt text starts on body line `line` of the post at `pos` is not
/// shown, when it was refused or is broken (and pictures are on), after that alt text.
fn picture_refused(
    reader: &Reader,
    open: &OpenThread,
    pos: usize,
    line: usize,
    theme: &Theme,
) -> Option<Span<'static>> {
    if !reader.pictures.active() {
        return None;
    }
    let doc = open.doc(pos)?;
    if doc.pictures().is_empty() {
        return None;
    }
    let lines = open.lines(pos);
    let starts = crate::app::reader::rows::picture_starts(&lines);
    starts
        .iter()
        .filter(|(at, _)| *at == line)
        .find_map(|(_, picture)| {
            let picture = doc.pictures().get(usize::from(*picture))?;
            // A veiled spoiler says nothing of its pictures either.
            if picture.spoiler && !reader.spoilers_shown(pos) {
                return None;
            }
            match reader.pictures.state(&picture.url)? {
                crate::app::reader::pictures::PictureState::Failed(why) => Some(Span::styled(
                    format!(" — not shown: {why}"),
                    theme.get(Element::ReaderDeleted),
                )),
                _ => None,
            }
        })
}

/// A moderator's small action, after the depth bars of the post it follows (`spans`).
fn action_line<'a>(
    view: &ReaderView<'_>,
    open: &OpenThread,
    action: usize,
    mut spans: Vec<Span<'a>>,
    theme: &Theme,
) -> Line<'a> {
    if let Some(action) = open.file.summary.small_actions.get(action) {
        spans.push(Span::styled(
            format!(
                "  ── {}",
                crate::render::small_action_line(action, view.forum.undated)
            ),
            theme.get(Element::ReaderFolded),
        ));
    }
    Line::from(spans)
}

/// The one line of a post a rule hides, after its depth bars (`spans`).
fn stub_line<'a>(
    view: &ReaderView<'_>,
    post: &crate::model::Post,
    pos: usize,
    rule: usize,
    mut spans: Vec<Span<'a>>,
    theme: &Theme,
) -> Line<'a> {
    spans.push(Span::styled(
        format!("  #{} hidden by rule {rule} — v shows it", post.seq),
        theme.get(Element::ReaderFolded),
    ));
    let line = Line::from(spans);
    if view.focused && view.reader.current == pos {
        return line.style(theme.get(Element::ReaderCurrent));
    }
    line
}

/// A post a `dim` rule matches is drawn greyed, header and body.
fn dimmed<'a>(line: Line<'a>, open: &OpenThread, pos: usize) -> Line<'a> {
    if open.verdict(pos).is_some_and(|v| v.dim) {
        line.patch_style(Style::default().add_modifier(Modifier::DIM))
    } else {
        line
    }
}

/// The rules' marks in a post's header, as `threadmark read` shows them: its score, and
/// ★ when a `highlight` rule matches.
fn verdict_spans(verdict: Option<&Verdict>, theme: &Theme) -> Vec<Span<'static>> {
    let Some(v) = verdict else {
        return Vec::new();
    };
    let meta = theme.get(Element::ReaderMeta);
    let mut spans = Vec::new();
    if v.score != 0 {
        spans.push(Span::styled(format!(" · score {:+}", v.score), meta));
    }
    if v.highlight {
        spans.push(Span::styled(" · ", meta));
        spans.push(Span::styled("★", theme.get(Element::ReaderBookmark)));
    }
    spans
}

/// The row standing for posts not downloaded: what enter does about them, or that they
/// cannot be had while the server is out of reach.
fn missing_line<'a>(
    view: &ReaderView<'_>,
    open: &OpenThread,
    range: usize,
    theme: &Theme,
) -> Line<'a> {
    let summary = &open.file.summary;
    let Some(range) = summary.missing.get(range) else {
        return Line::default();
    };
    let text = if summary.headers_only() {
        if view.offline {
            "not available offline: its posts are not downloaded yet".to_owned()
        } else {
            "not downloaded — enter fetches it".to_owned()
        }
    } else {
        let which = if range.from == range.to {
            format!("post #{} is", range.from)
        } else {
            format!("posts #{}–#{} are", range.from, range.to)
        };
        if view.offline {
            format!("⋯ {which} not available offline")
        } else {
            format!("⋯ {which} not downloaded: enter loads earlier posts")
        }
    };
    Line::from(vec![
        Span::raw(" "),
        Span::styled(format!("  {text}"), theme.get(Element::ReaderFolded)),
    ])
}

/// The search matches on row `index`, with which of them is the current one.
fn matches_on(reader: &Reader, index: usize) -> Vec<(Match, bool)> {
    let Some(search) = &reader.search else {
        return Vec::new();
    };
    search
        .matches
        .iter()
        .enumerate()
        .filter(|(_, m)| m.row == index)
        .map(|(i, m)| (*m, search.current == Some(i)))
        .collect()
}

/// A body line's spans in theme styles, with the search matches laid over them.
fn highlighted(
    line: &crate::render::Line,
    matches: &[(Match, bool)],
    theme: &Theme,
) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for span in &line.spans {
        let base = theme.body(span.style);
        let start = offset;
        let end = offset + span.text.len();
        offset = end;
        // Cut points inside this span where a match starts or ends.
        let mut cuts = vec![start, end];
        for (m, _) in matches {
            for at in [m.start, m.end] {
                if at > start && at < end && span.text.is_char_boundary(at - start) {
                    cuts.push(at);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let Some(piece) = span.text.get(a - start..b - start) else {
                continue;
            };
            let style = matches
                .iter()
                .find(|(m, _)| m.start <= a && b <= m.end)
                .map_or(base, |(_, current)| {
                    base.patch(theme.get(if *current {
                        Element::SearchCurrent
                    } else {
                        Element::SearchMatch
                    }))
                });
            out.push(Span::styled(piece.to_owned(), style));
        }
    }
    out
}
