//! Collects a table's rows and cells while a converter reads it: each cell becomes one
//! line of spans with whitespace collapsed; nested tables flatten into their cell.

use super::blocks::{Row, Table};
use super::{Span, Style};
use crate::text::sanitize;

/// Cells kept per table row; further cells are joined into the last one.
pub(crate) const MAX_COLUMNS: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct TableBuilder {
    pub table: Table,
    pub row: Option<Row>,
    pub cell: Option<Vec<Span>>,
    pub space_pending: bool,
    /// Tables opened inside this one: their rows and cells become spaces.
    pub nested: usize,
}

impl TableBuilder {
    pub(crate) fn open_row(&mut self, header: bool) {
        if self.nested > 0 {
            self.space_pending = true;
            return;
        }
        self.close_row();
        self.row = Some(Row {
            header,
            cells: Vec::new(),
        });
    }

    pub(crate) fn close_row(&mut self) {
        if self.nested > 0 {
            self.space_pending = true;
            return;
        }
        self.close_cell();
        if let Some(row) = self.row.take()
            && !row.cells.is_empty()
        {
            self.table.rows.push(row);
        }
    }

    pub(crate) fn open_cell(&mut self) {
        if self.nested > 0 {
            self.space_pending = true;
            return;
        }
        self.close_cell();
        let row = self.row.get_or_insert_with(Row::default);
        if row.cells.len() >= MAX_COLUMNS {
            self.cell = row.cells.pop();
            self.space_pending = true;
        } else {
            self.cell = Some(Vec::new());
            self.space_pending = false;
        }
    }

    pub(crate) fn close_cell(&mut self) {
        if self.nested > 0 {
            self.space_pending = true;
            return;
        }
        if let Some(cell) = self.cell.take() {
            self.row.get_or_insert_with(Row::default).cells.push(cell);
        }
    }

    /// Appends text to the current cell on one line, whitespace collapsed.
    pub(crate) fn push(&mut self, text: &str, style: Style) {
        if self.cell.is_none() {
            if text.trim().is_empty() {
                return;
            }
            self.open_cell();
        }
        let Some(cell) = self.cell.as_mut() else {
            return;
        };
        let text = match cell.last_mut() {
            Some(last) if last.style != style => {
                sanitize::attach_leading_marks(&mut last.text, text)
            }
            _ => text,
        };
        for (i, word) in text.split_whitespace().enumerate() {
            let starts_with_space = i > 0 || text.starts_with(char::is_whitespace);
            if (starts_with_space || self.space_pending) && !cell.is_empty() {
                push_span(cell, " ", style);
            }
            self.space_pending = false;
            push_span(cell, word, style);
        }
        if text.ends_with(char::is_whitespace) {
            self.space_pending = true;
        }
    }
}

fn push_span(spans: &mut Vec<Span>, text: &str, style: Style) {
    if let Some(last) = spans.last_mut()
        && last.style == style
    {
        last.text.push_str(text);
        return;
    }
    spans.push(Span {
        text: text.into(),
        style,
    });
}
