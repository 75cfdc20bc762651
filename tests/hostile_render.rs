//! Hostile post bodies render as inert text: no escape, C1 or bidi character in any span,
//! only http(s) links openable, nothing that overflows the stack or hangs.
//!
//! No timing is asserted: conversions get a time budget far beyond need, so every case
//! is converted in full (never rescued by the plain-text fallback), and a case that
//! went quadratic or hung would time the run out.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use threadmark::model::{Body, BodyFormat};
use threadmark::render::{Document, Limits, Line};

/// The default limits with a time budget no conversion should come near.
fn limits() -> Limits {
    Limits {
        time_budget: std::time::Duration::from_secs(600),
        ..Limits::default()
    }
}

/// Converts `text`; the conversion must not have given up.
fn convert(format: BodyFormat, text: &str) -> Document {
    let doc = Document::from_body_with(&body(format, text), &limits());
    assert!(!doc.is_plain_fallback(), "{format:?} fell back: {text:.80}");
    doc
}

fn body(format: BodyFormat, text: &str) -> Body {
    Body {
        format,
        text: text.to_owned(),
        base_url: None,
    }
}

/// Characters that must never reach the terminal from a post.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
            | '\u{e0000}'..='\u{e007f}')
}

/// Everything a reader of `doc` can be shown is inert.
fn assert_inert(doc: &Document, case: &str) {
    for width in [12, 40, 80] {
        for line in doc.wrap(width) {
            assert!(
                line.width() <= width,
                "{case}: line wider than {width}: {line:?}"
            );
            for span in &line.spans {
                assert!(
                    !span.text.chars().any(forbidden),
                    "{case}: forbidden character in {:?}",
                    span.text
                );
            }
        }
    }
    assert!(
        !doc.plain_text().chars().any(|c| c != '\n' && forbidden(c)),
        "{case}: forbidden character in the plain text"
    );
    for link in doc.links() {
        assert!(!link.url.chars().any(forbidden), "{case}: {:?}", link.url);
        assert!(!link.text.chars().any(forbidden), "{case}: {:?}", link.text);
        if let Some(url) = link.openable() {
            let lower = url.to_ascii_lowercase();
            assert!(
                lower.starts_with("https://") || lower.starts_with("http://"),
                "{case}: openable non-http URL {url:?}"
            );
        }
    }
}

fn render_both(text: &str, case: &str) -> (Document, Document) {
    let markdown = convert(BodyFormat::Markdown, text);
    assert_inert(&markdown, &format!("{case} as Markdown"));
    let html = convert(BodyFormat::Html, text);
    assert_inert(&html, &format!("{case} as HTML"));
    (markdown, html)
}

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut cases: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap() != "README.md")
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    cases.sort();
    cases
}

/// `count` lines made by `line`, joined.
fn repeat_lines(count: usize, line: impl Fn(usize) -> String) -> String {
    (0..count).map(line).collect::<Vec<_>>().concat()
}

/// The words of a document, without markers and link numbers.
fn all_text(doc: &Document) -> String {
    doc.plain_text()
}

/// Letters and digits only, so text can be compared across what sanitizing removes.
fn letters(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[test]
fn every_corpus_file_renders_inert_in_both_formats() {
    let cases = corpus();
    assert!(cases.len() >= 15, "the corpus is missing: {}", cases.len());
    for (name, text) in &cases {
        let (markdown, html) = render_both(text, name);
        // The words around the attack survive: sanitizing removes, it does not blank out.
        let first_word = letters(text.split_whitespace().next().unwrap());
        if std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e == "txt")
        {
            assert!(
                letters(&all_text(&markdown)).contains(&first_word),
                "{name}: text lost"
            );
            assert!(
                letters(&all_text(&html)).contains(&first_word),
                "{name}: text lost"
            );
        }
    }
}

#[test]
fn escape_sequences_leave_only_their_printable_tail() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/csi.txt"),
    )
    .unwrap();
    let (markdown, html) = render_both(&text, "csi");
    for doc in [markdown, html] {
        assert!(all_text(&doc).starts_with("Red [31malert[0m then [2J[H cleared"));
    }
}

#[test]
fn bare_carriage_returns_cannot_overwrite_a_line() {
    // Each format reads a bare CR as it defines it (a line ending); either way it is
    // gone and both texts stay visible, one after the other.
    let (markdown, html) = render_both("innocent\rEVIL", "cr");
    for doc in [markdown, html] {
        let lines: Vec<String> = doc.wrap(80).iter().map(Line::plain).collect();
        assert_eq!(lines, ["innocent EVIL"]);
    }
}

#[test]
fn hostile_links_are_never_openable() {
    for (name, format) in [
        ("hostile_links.md", BodyFormat::Markdown),
        ("hostile_links.html", BodyFormat::Html),
    ] {
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/hostile")
                .join(name),
        )
        .unwrap();
        let doc = convert(format, &text);
        let openable: Vec<&str> = doc.links().iter().filter_map(|l| l.openable()).collect();
        assert_eq!(
            openable,
            ["https://example.com/fine"],
            "{name}: {:?}",
            doc.links()
        );
        assert!(
            doc.links().len() >= 8,
            "{name}: links lost: {:?}",
            doc.links()
        );
    }
}

#[test]
fn a_one_mebibyte_line_wraps() {
    let words = "lorem ipsum dolor ".repeat((1 << 20) / 18);
    let (markdown, html) = render_both(&words, "1 MiB of words");
    assert!(markdown.wrap(80).len() > 10_000);
    assert!(html.wrap(80).len() > 10_000);
    let one_word = "x".repeat(1 << 20);
    let (markdown, _) = render_both(&one_word, "1 MiB word");
    assert_eq!(markdown.wrap(100).len(), (1 << 20) / 100 + 1);
    let wide = "漢".repeat(400_000);
    let (markdown, _) = render_both(&wide, "wide characters");
    assert!(
        markdown
            .wrap(81)
            .iter()
            .all(|l| l.width() == 80 || l.width() < 80)
    );
}

#[test]
fn more_than_the_size_cap_is_cut_with_a_note() {
    let text = format!("{}tail", "a ".repeat(600_000));
    let doc = convert(BodyFormat::Markdown, &text);
    let cut = text.len() - Limits::default().max_source_bytes;
    let last = doc.wrap(80).last().unwrap().plain();
    assert_eq!(last, format!("[… {cut} bytes not shown]"));
    assert!(!all_text(&doc).contains("tail"));
}

fn max_prefix_depth(doc: &Document) -> usize {
    doc.wrap(400)
        .iter()
        .map(|l| {
            l.plain()
                .chars()
                .take_while(|c| matches!(c, '│' | ' ' | '•' | '◦' | '▪'))
                .filter(|c| *c != ' ')
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn ten_thousand_levels_of_markdown_nesting() {
    let depth = 10_000;
    let cap = Limits::default().max_depth;
    let lists = format!("{}deep", "- ".repeat(depth));
    let (doc, _) = render_both(&lists, "nested lists on one line");
    assert!(all_text(&doc).contains("deep"));
    assert!(max_prefix_depth(&doc) <= cap);

    let indented = repeat_lines(700, |i| format!("{}- level {i}\n", "  ".repeat(i)));
    let (doc, _) = render_both(&indented, "indented nested lists");
    assert!(all_text(&doc).contains("level 699"));
    assert!(max_prefix_depth(&doc) <= cap);

    let quotes = format!("{}deep", "> ".repeat(depth));
    let (doc, _) = render_both(&quotes, "nested quotes");
    assert!(all_text(&doc).contains("deep"));
    assert!(max_prefix_depth(&doc) <= cap);

    let mixed = format!("{}deep", "> - 1. ".repeat(depth / 3));
    render_both(&mixed, "mixed nesting");
}

#[test]
fn ten_thousand_levels_of_html_nesting() {
    let depth = 10_000;
    let cap = Limits::default().max_depth;
    for (open, close) in [
        ("<div>", "</div>"),
        ("<blockquote>", "</blockquote>"),
        ("<ul><li>", "</li></ul>"),
        ("<ol><li>", "</li></ol>"),
        (
            "<aside class=\"quote\" data-username=\"x\"><blockquote>",
            "</blockquote></aside>",
        ),
        ("<b><i>", "</i></b>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<a href=\"https://x.example/\">", "</a>"),
        ("<span>", "</span>"),
    ] {
        let closed = format!("{}deep{}after", open.repeat(depth), close.repeat(depth));
        let html = convert(BodyFormat::Html, &closed);
        assert_inert(&html, open);
        let text = all_text(&html);
        assert!(
            text.contains("deep") && text.contains("after"),
            "{open}: {text:.200}"
        );
        assert!(max_prefix_depth(&html) <= cap, "{open}");
        // Never closed, a megabyte of it.
        let unclosed = open.repeat((1 << 20) / open.len());
        let html = convert(BodyFormat::Html, &unclosed);
        assert_inert(&html, &format!("unclosed {open}"));
    }
}

#[test]
fn known_quadratic_markdown_patterns() {
    let size = 1 << 19;
    let patterns = [
        "[".repeat(size),
        "*".repeat(size),
        "*a ".repeat(size / 3),
        "_a ".repeat(size / 3),
        "**a".repeat(size / 3),
        "*_".repeat(size / 2),
        "~~a".repeat(size / 3),
        "> ".repeat(size / 2),
        "`".repeat(size),
        (1..800).map(|i| "`".repeat(i) + "a").collect(),
        "` ".repeat(size / 2),
        "[a](".repeat(size / 4),
        "![[".repeat(size / 3),
        "[x][".repeat(size / 4),
        "[x]: ".repeat(size / 5),
        "<".repeat(size),
        "<a ".repeat(size / 3),
        "&#".repeat(size / 2),
        "\\".repeat(size),
        "- ".repeat(size / 2),
        "1. ".repeat(size / 3),
        "|a".repeat(size / 2) + "\n" + &"|-".repeat(size / 2),
    ];
    for (i, pattern) in patterns.iter().enumerate() {
        render_both(pattern, &format!("pattern {i}: {pattern:.12}"));
    }
}

#[test]
fn a_huge_table() {
    let rows = repeat_lines(20_000, |i| format!("| {i} | cell {i} | more |\n"));
    let markdown = format!("| a | b | c |\n|---|---|---|\n{rows}");
    let (doc, _) = render_both(&markdown, "huge markdown table");
    assert!(all_text(&doc).contains("cell 19999"));
    let wide = format!("{}\n{}\n", "| col ".repeat(5_000), "|---".repeat(5_000));
    render_both(&wide, "wide markdown table");

    let html_rows = repeat_lines(20_000, |i| {
        format!("<tr><td>{i}</td><td>cell {i}</td></tr>")
    });
    let html = format!(
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>{html_rows}</tbody></table>"
    );
    let doc = convert(BodyFormat::Html, &html);
    assert_inert(&doc, "huge html table");
    assert!(all_text(&doc).contains("cell 19999"));
}

#[test]
fn a_spent_time_budget_falls_back_to_plain_text() {
    let limits = Limits {
        time_budget: std::time::Duration::ZERO,
        ..Limits::default()
    };
    for format in [BodyFormat::Markdown, BodyFormat::Html] {
        let doc = Document::from_body_with(&body(format, "*a* <b>\x1b[31mb</b>\n\nnext"), &limits);
        assert!(doc.is_plain_fallback());
        assert_inert(&doc, "fallback");
        let lines: Vec<String> = doc.wrap(80).iter().map(Line::plain).collect();
        assert_eq!(
            lines,
            [
                "[shown as plain text: the formatting took too long to lay out]",
                "",
                "*a* <b>[31mb</b>",
                "",
                "next"
            ]
        );
    }
}
