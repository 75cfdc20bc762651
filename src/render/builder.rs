//! Builds the block model from the calls a converter makes as it reads its markup.
//!
//! Both converters (Markdown and HTML) speak this one vocabulary, so structure, gaps,
//! link numbering, sanitizing and the depth cap are decided in one place. Every text
//! passes through `sanitize` here, after the converter has decoded entities.

use super::Picture;
use super::blocks::{Align, Block, Container, Content, Inline, ListInfo, Table};
use super::links::LinkTable;
use super::table_builder::TableBuilder;
use super::{Emphasis, Link, Role, Span, Style};
use crate::text::sanitize;

/// The parts of a finished document.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub blocks: Vec<Block>,
    pub lists: Vec<ListInfo>,
    pub links: Vec<Link>,
    pub pictures: Vec<Picture>,
}

#[derive(Clone, Copy, Debug)]
enum Open {
    Quote {
        id: u32,
    },
    List {
        index: u32,
        next: u64,
        ordered: bool,
        /// Opened for a list item that had no list around it.
        implicit: bool,
        /// Lists opened directly inside this one, still open: they add nothing.
        transparent: usize,
    },
    Item {
        id: u32,
        list: u32,
        number: u64,
        marker_pending: bool,
    },
}

#[derive(Debug, Default)]
struct Leaf {
    heading: Option<u8>,
    inlines: Vec<Inline>,
}

#[derive(Clone, Copy, Debug)]
struct ActiveLink {
    number: usize,
    describing: bool,
}

/// Most pictures one post shows; the others stay their `[image: alt]` text.
const MAX_PICTURES: usize = 64;

#[derive(Debug)]
pub(crate) struct Builder {
    blocks: Vec<Block>,
    lists: Vec<ListInfo>,
    links: LinkTable,
    stack: Vec<Open>,
    /// Quotes and items on the stack.
    depth: usize,
    max_depth: usize,
    /// Containers opened past the depth cap (or inside a table): laid out flat.
    suppressed: usize,
    /// Open quotes, suppressed ones included (their text is still quoted text).
    quotes: usize,
    bullet_lists: usize,
    next_id: u32,
    pending_gap: bool,
    glue_next: bool,
    leaf: Option<Leaf>,
    code: Option<String>,
    code_nesting: usize,
    table: Option<TableBuilder>,
    link: Option<ActiveLink>,
    link_nesting: usize,
    /// Open spoilers: what is written inside them is marked to be hidden.
    spoilers: usize,
    pictures: Vec<Picture>,
}

impl Builder {
    pub(crate) fn new(max_depth: usize) -> Self {
        Self::with_base(max_depth, None)
    }

    /// A builder whose relative links resolve against `base` (the site's URL).
    pub(crate) fn with_base(max_depth: usize, base: Option<&str>) -> Self {
        Self {
            blocks: Vec::new(),
            lists: Vec::new(),
            links: LinkTable::with_base(base),
            stack: Vec::new(),
            depth: 0,
            max_depth,
            suppressed: 0,
            quotes: 0,
            bullet_lists: 0,
            next_id: 0,
            pending_gap: false,
            glue_next: false,
            leaf: None,
            code: None,
            code_nesting: 0,
            table: None,
            link: None,
            link_nesting: 0,
            spoilers: 0,
            pictures: Vec::new(),
        }
    }

    pub(crate) fn finish(mut self) -> Parsed {
        self.close_open_blocks();
        Parsed {
            blocks: self.blocks,
            lists: self.lists,
            links: self.links.into_links(),
            pictures: self.pictures,
        }
    }

    /// Ends whatever leaf is being built: paragraph, code block or table.
    fn close_open_blocks(&mut self) {
        self.close_leaf();
        self.code_nesting = 0;
        self.close_code_block();
        if let Some(table) = self.table.as_mut() {
            table.nested = 0;
        }
        self.close_table();
    }

    /// Ends the paragraph being built; `gap` asks for a blank line before the next block.
    pub(crate) fn boundary(&mut self, gap: bool) {
        if let Some(table) = self.table.as_mut() {
            table.space_pending = true;
            return;
        }
        self.close_leaf();
        self.pending_gap |= gap;
    }

    fn suppress(&self) -> bool {
        self.suppressed > 0 || self.table.is_some() || self.depth >= self.max_depth
    }

    fn new_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    pub(crate) fn open_quote(&mut self) {
        self.boundary(true);
        self.quotes += 1;
        if self.suppress() {
            self.suppressed += 1;
            return;
        }
        let id = self.new_id();
        self.stack.push(Open::Quote { id });
        self.depth += 1;
    }

    pub(crate) fn close_quote(&mut self) {
        self.boundary(true);
        self.quotes = self.quotes.saturating_sub(1);
        if self.suppressed > 0 {
            self.suppressed -= 1;
        } else if matches!(self.stack.last(), Some(Open::Quote { .. })) {
            self.stack.pop();
            self.depth -= 1;
        }
    }

    /// Opens a bullet list (`start` is `None`) or a numbered one.
    pub(crate) fn open_list(&mut self, start: Option<u64>) {
        let nested = self.suppressed > 0
            || matches!(
                self.stack.last(),
                Some(Open::Item { .. } | Open::List { .. })
            );
        self.boundary(!nested);
        if self.suppress() {
            self.suppressed += 1;
            return;
        }
        // A list directly inside a list (old HTML indents that way) adds nothing: its
        // items belong to the outer list.
        if let Some(Open::List { transparent, .. }) = self.stack.last_mut() {
            *transparent += 1;
            return;
        }
        let ordered = start.is_some();
        self.push_list(ordered, start.unwrap_or(1), false);
    }

    fn push_list(&mut self, ordered: bool, next: u64, implicit: bool) {
        let index = u32::try_from(self.lists.len()).unwrap_or(u32::MAX);
        self.lists.push(ListInfo {
            ordered,
            bullet_level: u8::try_from(self.bullet_lists % 3).unwrap_or(0),
            number_width: 1,
        });
        if !ordered {
            self.bullet_lists += 1;
        }
        self.stack.push(Open::List {
            index,
            next,
            ordered,
            implicit,
            transparent: 0,
        });
    }

    fn pop_list(&mut self) {
        if let Some(Open::List { ordered, .. }) = self.stack.last().copied() {
            self.stack.pop();
            if !ordered {
                self.bullet_lists = self.bullet_lists.saturating_sub(1);
            }
        }
    }

    pub(crate) fn close_list(&mut self) {
        if self.suppressed > 0 {
            self.suppressed -= 1;
            self.boundary(false);
            return;
        }
        if let Some(Open::List { transparent, .. }) = self.stack.last_mut()
            && *transparent > 0
        {
            *transparent -= 1;
            self.boundary(false);
            return;
        }
        self.pop_list();
        let nested = matches!(self.stack.last(), Some(Open::Item { .. }));
        self.boundary(!nested);
    }

    pub(crate) fn open_item(&mut self) {
        self.boundary(false);
        if self.suppress() {
            self.suppressed += 1;
            return;
        }
        if !matches!(self.stack.last(), Some(Open::List { .. })) {
            self.push_list(false, 1, true);
        }
        let Some(Open::List { index, next, .. }) = self.stack.last_mut() else {
            return;
        };
        let (list, number) = (*index, *next);
        *next = next.saturating_add(1);
        if let Some(info) = self.lists.get_mut(list as usize) {
            info.number_width = info.number_width.max(digits(number));
        }
        let id = self.new_id();
        self.stack.push(Open::Item {
            id,
            list,
            number,
            marker_pending: true,
        });
        self.depth += 1;
    }

    pub(crate) fn close_item(&mut self) {
        self.boundary(false);
        if self.suppressed > 0 {
            self.suppressed -= 1;
            return;
        }
        if matches!(self.stack.last(), Some(Open::Item { .. })) {
            self.stack.pop();
            self.depth -= 1;
        }
        if matches!(self.stack.last(), Some(Open::List { implicit: true, .. })) {
            self.pop_list();
        }
    }

    pub(crate) fn open_heading(&mut self, level: u8) {
        if self.table.is_some() || self.code.is_some() {
            self.boundary(false);
            return;
        }
        self.boundary(true);
        self.leaf = Some(Leaf {
            heading: Some(level.clamp(1, 6)),
            inlines: Vec::new(),
        });
    }

    pub(crate) fn close_heading(&mut self) {
        self.boundary(true);
    }

    pub(crate) fn open_code_block(&mut self) {
        if self.code.is_some() {
            self.code_nesting += 1;
            return;
        }
        if self.table.is_some() {
            self.boundary(false);
            return;
        }
        self.boundary(true);
        self.code = Some(String::new());
    }

    pub(crate) fn close_code_block(&mut self) {
        if self.code_nesting > 0 {
            self.code_nesting -= 1;
            return;
        }
        let Some(code) = self.code.take() else {
            self.boundary(false);
            return;
        };
        let code = sanitize::clean(&code);
        let mut lines: Vec<String> = code.split('\n').map(str::to_owned).collect();
        if lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        if !lines.is_empty() {
            self.push_block(Content::Code {
                lines,
                spoiler: self.spoilers > 0,
            });
        }
        self.pending_gap = true;
    }

    pub(crate) fn rule(&mut self) {
        if self.table.is_some() || self.code.is_some() {
            self.boundary(false);
            return;
        }
        self.boundary(true);
        self.push_block(Content::Rule);
        self.pending_gap = true;
    }

    /// Inline text in `style` (entities already decoded; sanitized here).
    pub(crate) fn text(&mut self, text: &str, style: Style) {
        if let Some(code) = self.code.as_mut() {
            code.push_str(text);
            return;
        }
        let clean = sanitize::clean_line(text);
        if self.link.is_none() && self.link_nesting == 0 && style.role == Role::Text {
            self.text_with_bare_links(&clean, style);
        } else {
            self.plain_text(&clean, style);
        }
    }

    /// Sanitized text, part of the link being read when there is one.
    fn plain_text(&mut self, clean: &str, style: Style) {
        if let Some(link) = self.link.filter(|l| l.describing) {
            self.links.describe(link.number, clean);
        }
        let style = self.resolve(style);
        self.push_text(clean, style);
    }

    /// Text outside any link: the http(s) URLs written in it bare become numbered links,
    /// as if they had been marked up.
    fn text_with_bare_links(&mut self, clean: &str, style: Style) {
        let mut done = 0;
        for (start, end) in bare_links(clean) {
            self.plain_text(&clean[done..start], style);
            let url = &clean[start..end];
            self.open_link(url);
            self.plain_text(url, style);
            self.close_link();
            done = end;
        }
        self.plain_text(&clean[done..], style);
    }

    fn resolve(&self, style: Style) -> Style {
        let style = match self.link {
            Some(link) => style.in_link(link.number),
            None => style,
        };
        match style.role {
            Role::Text if self.link.is_some() => Style {
                role: Role::Link,
                ..style
            },
            Role::Text if self.quotes > 0 => Style {
                role: Role::Quote,
                ..style
            },
            _ => style,
        }
    }

    fn push_text(&mut self, text: &str, style: Style) {
        let style = Style {
            spoiler: style.spoiler || self.spoilers > 0,
            ..style
        };
        if let Some(code) = self.code.as_mut() {
            code.push_str(text);
            return;
        }
        if let Some(table) = self.table.as_mut() {
            table.push(text, style);
            return;
        }
        let leaf = match self.leaf.as_mut() {
            Some(leaf) => leaf,
            None if text.trim().is_empty() => return,
            None => self.leaf.insert(Leaf::default()),
        };
        let mut rest = text;
        if let Some(Inline::Text(last)) = leaf.inlines.last_mut() {
            if last.style == style {
                last.text.push_str(rest);
                return;
            }
            rest = sanitize::attach_leading_marks(&mut last.text, rest);
        }
        if !rest.is_empty() {
            leaf.inlines.push(Inline::Text(Span {
                text: rest.into(),
                style,
            }));
        }
    }

    pub(crate) fn hard_break(&mut self) {
        if let Some(code) = self.code.as_mut() {
            code.push('\n');
        } else if let Some(table) = self.table.as_mut() {
            table.space_pending = true;
        } else if let Some(leaf) = self.leaf.as_mut() {
            leaf.inlines.push(Inline::Break);
        }
    }

    /// Starts a link; its number follows its text. Empty targets and in-page anchors
    /// are not numbered: there is nothing to open.
    pub(crate) fn open_link(&mut self, url: &str) {
        let url = url.trim();
        if self.link.is_some() || self.link_nesting > 0 || url.is_empty() || url.starts_with('#') {
            self.link_nesting += 1;
            return;
        }
        let number = self.links.number(url, self.spoilers > 0);
        self.link = Some(ActiveLink {
            number,
            describing: self.links.is_undescribed(number),
        });
    }

    pub(crate) fn close_link(&mut self) {
        if self.link_nesting > 0 {
            self.link_nesting -= 1;
            return;
        }
        if let Some(link) = self.link.take() {
            let reference = format!("[{}]", link.number);
            self.push_text(&reference, Style::role(Role::LinkRef).in_link(link.number));
        }
    }

    /// Starts a spoiler: the text until its end is hidden until revealed.
    pub(crate) fn open_spoiler(&mut self) {
        self.spoilers += 1;
    }

    pub(crate) fn close_spoiler(&mut self) {
        self.spoilers = self.spoilers.saturating_sub(1);
    }

    /// An image, shown by its description; `src` (when there is one) is where the
    /// picture itself is, for a reader that shows pictures.
    pub(crate) fn image(&mut self, alt: &str, src: &str) {
        let alt = sanitize::clean_line(alt);
        let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(link) = self.link.filter(|l| l.describing) {
            self.links.describe(link.number, &alt);
        }
        let text = if alt.is_empty() {
            "[image]".to_owned()
        } else {
            format!("[image: {alt}]")
        };
        let mut style = self.resolve(Style::role(Role::Marker));
        let src = src.trim();
        if !src.is_empty()
            && self.pictures.len() < MAX_PICTURES
            && let Ok(index) = u16::try_from(self.pictures.len())
        {
            self.pictures.push(Picture {
                url: self.links.absolute(src),
                alt: alt.clone(),
                spoiler: self.spoilers > 0,
            });
            style.picture = Some(index);
        }
        self.push_text(&text, style);
    }

    /// "NAME said:" above a quote's text.
    pub(crate) fn attribution(&mut self, name: &str) {
        let name = sanitize::clean_line(name);
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        self.boundary(false);
        let style = Style {
            role: Role::Quote,
            emphasis: Emphasis::BOLD,
            link: None,
            spoiler: false,
            picture: None,
        };
        self.push_text(&format!("{name} said:"), style);
        self.boundary(false);
        self.glue_next = true;
    }

    /// A note the renderer adds (text cut, shown as plain text), on its own.
    pub(crate) fn note(&mut self, text: &str) {
        self.close_open_blocks();
        self.boundary(true);
        self.push_text(text, Style::role(Role::Marker));
        self.boundary(true);
    }

    pub(crate) fn open_table(&mut self, aligns: Vec<Align>) {
        if let Some(table) = self.table.as_mut() {
            table.nested += 1;
            table.space_pending = true;
            return;
        }
        if self.code.is_some() {
            return;
        }
        self.boundary(true);
        self.table = Some(TableBuilder {
            table: Table {
                rows: Vec::new(),
                aligns,
            },
            ..TableBuilder::default()
        });
    }

    pub(crate) fn open_row(&mut self, header: bool) {
        if let Some(table) = self.table.as_mut() {
            table.open_row(header);
        }
    }

    pub(crate) fn close_row(&mut self) {
        if let Some(table) = self.table.as_mut() {
            table.close_row();
        }
    }

    pub(crate) fn open_cell(&mut self) {
        if let Some(table) = self.table.as_mut() {
            table.open_cell();
        }
    }

    pub(crate) fn close_cell(&mut self) {
        if let Some(table) = self.table.as_mut() {
            table.close_cell();
        }
    }

    pub(crate) fn close_table(&mut self) {
        match self.table.as_mut() {
            Some(table) if table.nested > 0 => {
                table.nested -= 1;
                table.space_pending = true;
            }
            Some(_) => {
                if let Some(mut table) = self.table.take() {
                    table.nested = 0;
                    table.close_row();
                    if !table.table.rows.is_empty() {
                        self.push_block(Content::Table(table.table));
                    }
                }
                self.pending_gap = true;
            }
            None => {}
        }
    }

    fn close_leaf(&mut self) {
        let Some(leaf) = self.leaf.take() else {
            return;
        };
        let mut inlines = leaf.inlines;
        while matches!(inlines.last(), Some(Inline::Break)) {
            inlines.pop();
        }
        let leading = inlines
            .iter()
            .take_while(|i| matches!(i, Inline::Break))
            .count();
        inlines.drain(..leading);
        let has_text = inlines.iter().any(|i| match i {
            Inline::Text(span) => !span.text.trim().is_empty(),
            Inline::Break => false,
        });
        if !has_text {
            return;
        }
        let content = match leaf.heading {
            Some(level) => Content::Heading { level, inlines },
            None => Content::Paragraph(inlines),
        };
        self.push_block(content);
    }

    fn push_block(&mut self, content: Content) {
        let gap_before = self.pending_gap && !self.glue_next && !self.blocks.is_empty();
        let path = self.take_path();
        self.blocks.push(Block {
            path,
            gap_before,
            content,
        });
        self.pending_gap = false;
        self.glue_next = false;
    }

    /// The containers around the next block; items' markers go to their first block.
    fn take_path(&mut self) -> Vec<Container> {
        let mut path = Vec::with_capacity(self.depth);
        for open in &mut self.stack {
            match open {
                Open::Quote { id } => path.push(Container::Quote { id: *id }),
                Open::Item {
                    id,
                    list,
                    number,
                    marker_pending,
                } => {
                    path.push(Container::Item {
                        id: *id,
                        list: *list,
                        number: *number,
                        first: *marker_pending,
                    });
                    *marker_pending = false;
                }
                Open::List { .. } => {}
            }
        }
        path
    }
}

/// Where the bare http(s) URLs of `text` are (byte ranges); a trailing `.` or `)` that
/// ends the sentence around a URL is not part of it (linkify's rules).
fn bare_links(text: &str) -> Vec<(usize, usize)> {
    // Cheap test first: most text has no URL at all.
    if !text.contains("://") {
        return Vec::new();
    }
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder
        .links(text)
        .filter(|link| {
            let url = link.as_str();
            url.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
                || url
                    .get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
        })
        .map(|link| (link.start(), link.end()))
        .collect()
}

fn digits(n: u64) -> u8 {
    u8::try_from(n.checked_ilog10().unwrap_or(0) + 1).unwrap_or(u8::MAX)
}

#[cfg(test)]
#[path = "builder_tests.rs"]
mod tests;
