//! The width-independent block model a body is parsed into: a flat list of leaf blocks,
//! each carrying the path of quotes and list items it sits in (never a recursive tree,
//! so nothing that walks it follows the input's depth).

use super::Span;

/// A piece of inline content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Inline {
    /// Sanitized text without newlines; whitespace in it is a place to wrap.
    Text(Span),
    /// A hard line break.
    Break,
}

/// A quote or list item around a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Container {
    Quote {
        id: u32,
    },
    Item {
        id: u32,
        /// Index into the document's list table.
        list: u32,
        number: u64,
        /// This block is the item's first: the bullet or number is drawn on its first line.
        first: bool,
    },
}

impl Container {
    pub(crate) fn id(self) -> u32 {
        match self {
            Self::Quote { id } | Self::Item { id, .. } => id,
        }
    }
}

/// What the layout needs to know about a whole list to draw its markers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ListInfo {
    pub ordered: bool,
    /// How many bullet lists enclose this one (it picks the bullet glyph).
    pub bullet_level: u8,
    /// Digits of the largest number, so numbers can be right-aligned.
    pub number_width: u8,
}

/// Column alignment in a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub header: bool,
    /// Each cell is one line of spans, whitespace already collapsed.
    pub cells: Vec<Vec<Span>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Table {
    pub rows: Vec<Row>,
    pub aligns: Vec<Align>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Paragraph(Vec<Inline>),
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    /// Preformatted lines, laid out as they are (long ones are cut, never re-flowed);
    /// `spoiler` when they are inside a spoiler (hidden until revealed).
    Code {
        lines: Vec<String>,
        spoiler: bool,
    },
    Rule,
    Table(Table),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// Enclosing quotes and list items, outermost first.
    pub path: Vec<Container>,
    /// A blank line separates this block from the one before.
    pub gap_before: bool,
    pub content: Content,
}
