//! Tables as aligned text columns; a table too wide for the width degrades to one
//! wrapped line group per row, cells separated by bars.

use super::blocks::{Align, Inline, Row, Table};
use super::wrap::{text_width, wrap_inlines};
use super::{Emphasis, Role, Span, Style};

const SEPARATOR: &str = " │ ";
const HEADER_JOIN: &str = "─┼─";

pub(crate) fn layout(table: &Table, width: usize) -> Vec<Vec<Span>> {
    let columns = table.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let mut widths = vec![0; columns];
    for row in &table.rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = (*w).max(cell_width(cell));
        }
    }
    let total = widths.iter().sum::<usize>() + SEPARATOR.len() * (columns - 1);
    if total <= width {
        aligned(table, &widths)
    } else {
        degraded(table, width)
    }
}

fn cell_width(cell: &[Span]) -> usize {
    cell.iter().map(|s| text_width(&s.text)).sum()
}

fn marker(text: &str) -> Span {
    Span {
        text: text.into(),
        style: Style::role(Role::Marker),
    }
}

fn header_style(span: &Span, header: bool) -> Span {
    let mut span = span.clone();
    if header {
        span.style.emphasis = span.style.emphasis.with(Emphasis::BOLD);
    }
    span
}

fn aligned(table: &Table, widths: &[usize]) -> Vec<Vec<Span>> {
    let mut lines = Vec::with_capacity(table.rows.len() + 1);
    for (i, row) in table.rows.iter().enumerate() {
        lines.push(aligned_row(row, widths, &table.aligns));
        let next_is_header = table.rows.get(i + 1).is_some_and(|r| r.header);
        if row.header && !next_is_header && i + 1 < table.rows.len() {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            lines.push(vec![marker(&rule.join(HEADER_JOIN))]);
        }
    }
    lines
}

fn aligned_row(row: &Row, widths: &[usize], aligns: &[Align]) -> Vec<Span> {
    let mut spans = Vec::new();
    let last = widths.len() - 1;
    for (col, &width) in widths.iter().enumerate() {
        if col > 0 {
            spans.push(marker(SEPARATOR));
        }
        let cell = row.cells.get(col).map_or(&[][..], Vec::as_slice);
        let pad = width.saturating_sub(cell_width(cell));
        let (before, after) = match aligns.get(col).copied().unwrap_or_default() {
            Align::Left => (0, pad),
            Align::Right => (pad, 0),
            Align::Center => (pad / 2, pad - pad / 2),
        };
        if before > 0 {
            spans.push(blank(before));
        }
        spans.extend(cell.iter().map(|s| header_style(s, row.header)));
        if after > 0 && col < last {
            spans.push(blank(after));
        }
    }
    while let Some(last) = spans.last_mut() {
        let kept = last.text.trim_end().len();
        last.text.truncate(kept);
        if !last.text.is_empty() {
            break;
        }
        spans.pop();
    }
    spans
}

fn blank(width: usize) -> Span {
    Span {
        text: " ".repeat(width).into(),
        style: Style::default(),
    }
}

fn degraded(table: &Table, width: usize) -> Vec<Vec<Span>> {
    let mut lines = Vec::new();
    for row in &table.rows {
        let mut inlines = Vec::new();
        for (col, cell) in row.cells.iter().enumerate() {
            if col > 0 {
                inlines.push(Inline::Text(marker(SEPARATOR)));
            }
            inlines.extend(
                cell.iter()
                    .map(|s| Inline::Text(header_style(s, row.header))),
            );
        }
        lines.extend(wrap_inlines(&inlines, width));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(header: bool, cells: &[&str]) -> Row {
        Row {
            header,
            cells: cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Vec::new()
                    } else {
                        vec![Span {
                            text: (*c).into(),
                            style: Style::default(),
                        }]
                    }
                })
                .collect(),
        }
    }

    fn plain(lines: &[Vec<Span>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn columns_line_up() {
        let table = Table {
            rows: vec![
                row(true, &["name", "n"]),
                row(false, &["apples", "12"]),
                row(false, &["figs", ""]),
            ],
            aligns: vec![Align::Left, Align::Right],
        };
        assert_eq!(
            plain(&layout(&table, 40)),
            ["name   │  n", "───────┼───", "apples │ 12", "figs   │"]
        );
    }

    #[test]
    fn too_wide_tables_wrap_row_by_row() {
        let table = Table {
            rows: vec![row(false, &["a long cell here", "another long cell"])],
            aligns: Vec::new(),
        };
        assert_eq!(
            plain(&layout(&table, 20)),
            ["a long cell here │", "another long cell"]
        );
    }
}
