//! Unit tests of the block builder.

use super::*;
use crate::render::table_builder::MAX_COLUMNS;

fn paragraph_texts(parsed: &Parsed) -> Vec<String> {
    parsed
        .blocks
        .iter()
        .map(|b| match &b.content {
            Content::Paragraph(inlines) | Content::Heading { inlines, .. } => inlines
                .iter()
                .map(|i| match i {
                    Inline::Text(s) => s.text.as_str(),
                    Inline::Break => "\n",
                })
                .collect(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn depth_is_capped_and_deeper_content_kept_flat() {
    let mut b = Builder::new(3);
    for _ in 0..100 {
        b.open_quote();
    }
    b.text("deep", Style::default());
    for _ in 0..100 {
        b.close_quote();
    }
    b.text("after", Style::default());
    let parsed = b.finish();
    assert_eq!(parsed.blocks.len(), 2);
    assert_eq!(parsed.blocks[0].path.len(), 3);
    assert!(parsed.blocks[1].path.is_empty());
    assert_eq!(paragraph_texts(&parsed), ["deep", "after"]);
}

#[test]
fn list_markers_go_to_the_first_block_of_an_item() {
    let mut b = Builder::new(24);
    b.open_list(Some(9));
    b.open_item();
    b.text("one", Style::default());
    b.boundary(true);
    b.text("one, again", Style::default());
    b.close_item();
    b.open_item();
    b.text("two", Style::default());
    b.close_item();
    b.close_list();
    let parsed = b.finish();
    let firsts: Vec<(u64, bool)> = parsed
        .blocks
        .iter()
        .map(|b| match b.path[0] {
            Container::Item { number, first, .. } => (number, first),
            Container::Quote { .. } => (0, false),
        })
        .collect();
    assert_eq!(firsts, [(9, true), (9, false), (10, true)]);
    assert_eq!(parsed.lists[0].number_width, 2);
    assert!(parsed.blocks[1].gap_before);
    assert!(!parsed.blocks[2].gap_before);
}

#[test]
fn links_are_numbered_and_referenced() {
    let mut b = Builder::new(24);
    b.open_link("https://a.example/");
    b.text("A", Style::default());
    b.close_link();
    b.text(" and ", Style::default());
    b.open_link("#anchor");
    b.text("here", Style::default());
    b.close_link();
    b.open_link("https://a.example/");
    b.text("again", Style::default());
    b.close_link();
    let parsed = b.finish();
    assert_eq!(paragraph_texts(&parsed), ["A[1] and hereagain[1]"]);
    assert_eq!(parsed.links.len(), 1);
    assert_eq!(parsed.links[0].text, "A");
}

#[test]
fn whitespace_alone_makes_no_paragraph() {
    let mut b = Builder::new(24);
    b.text("\n  \n", Style::default());
    b.hard_break();
    b.boundary(true);
    let parsed = b.finish();
    assert!(parsed.blocks.is_empty());
}

#[test]
fn wide_rows_join_extra_cells() {
    let mut b = Builder::new(24);
    b.open_table(Vec::new());
    b.open_row(false);
    for i in 0..(MAX_COLUMNS + 5) {
        b.open_cell();
        b.text(&i.to_string(), Style::default());
        b.close_cell();
    }
    b.close_row();
    b.close_table();
    let parsed = b.finish();
    let Content::Table(table) = &parsed.blocks[0].content else {
        panic!("not a table");
    };
    assert_eq!(table.rows[0].cells.len(), MAX_COLUMNS);
    assert_eq!(
        table.rows[0].cells[MAX_COLUMNS - 1][0].text,
        "63 64 65 66 67 68"
    );
}

#[test]
fn number_widths() {
    assert_eq!(digits(0), 1);
    assert_eq!(digits(9), 1);
    assert_eq!(digits(10), 2);
    assert_eq!(digits(u64::MAX), 20);
}
