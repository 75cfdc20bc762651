//! The hostile corpus end to end: every file of `tests/hostile/`, plus generated bodies
//! too large or too deep to keep as files (a 1 MiB line, 10,000 levels of nesting, the
//! known quadratic Markdown patterns, huge tables), and the one-line tricks used for
//! titles, author names, section and area names.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Bodies up to this many characters can be posted to the reference server (its limit);
/// larger ones are loaded into its store directly, as a hostile server would serve them.
pub const POSTABLE_CHARS: usize = 50_000;

/// One hostile post and how to find it again.
#[derive(Clone, Debug)]
pub struct Case {
    /// `caseNN`: in the thread's title, and `caseNN-body` opens the body.
    pub id: String,
    pub name: String,
    pub body: String,
    /// Plain words of the body that must be visible once it is shown.
    pub visible: Option<String>,
    /// Hand-written HTML (served as Discourse's `cooked` as it is).
    pub html: bool,
}

impl Case {
    pub fn marker(&self) -> String {
        format!("{}-body", self.id)
    }

    /// The body as posted: the marker paragraph first.
    pub fn posted_body(&self) -> String {
        if self.html {
            format!("<p>{}</p>{}", self.marker(), self.body)
        } else {
            format!("{}\n\n{}", self.marker(), self.body)
        }
    }

    pub fn postable(&self) -> bool {
        self.posted_body().chars().count() <= POSTABLE_CHARS
    }
}

fn hostile_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// The lines of `one_line_tricks.txt`: escapes, bidi, invisible characters, C1, CR, zalgo
/// and wide characters, each in a few words.
pub fn one_line_tricks() -> Vec<String> {
    std::fs::read_to_string(hostile_dir().join("one_line_tricks.txt"))
        .unwrap()
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every case, numbered in a stable order.
pub fn cases() -> Vec<Case> {
    let mut named: Vec<(String, String, Option<String>, bool)> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(hostile_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "README.md")
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read_to_string(&path).unwrap();
        let plain_text = path.extension().is_some_and(|e| e == "txt");
        let visible = plain_text
            .then(|| body.split_whitespace().next().unwrap().to_owned())
            .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric()));
        let html = path.extension().is_some_and(|e| e == "html");
        named.push((name, body, visible, html));
    }
    let nested = 10_000;
    let generated: Vec<(&str, String, Option<&str>)> = vec![
        (
            "a 1 MiB single line",
            format!("LongLine {}", "word ".repeat((1 << 20) / 5)),
            Some("LongLine"),
        ),
        (
            "10,000 nested lists",
            format!("{}deepest", "- ".repeat(nested)),
            None,
        ),
        (
            "10,000 nested quotes",
            format!("{}deepest", "> ".repeat(nested)),
            None,
        ),
        (
            "10,000 mixed levels",
            format!("{}deepest", "> - 1. ".repeat(nested / 3)),
            None,
        ),
        (
            "10,000 unclosed inline tags",
            format!("{}deepest", "<i>".repeat(nested)),
            None,
        ),
        (
            "10,000 nested HTML blocks",
            format!(
                "{}deepest{}",
                "<div><blockquote>".repeat(nested),
                "</blockquote></div>".repeat(nested)
            ),
            None,
        ),
        ("quadratic brackets", "[".repeat(45_000), None),
        ("quadratic emphasis", "*a ".repeat(15_000), None),
        ("quadratic link openers", "[a](".repeat(11_000), None),
        ("quadratic code spans", "` ".repeat(22_000), None),
        ("quadratic tag openers", "<a ".repeat(15_000), None),
        (
            "quadratic backtick ladder",
            (1..300).map(|i| "`".repeat(i) + "a").collect(),
            None,
        ),
        ("large quadratic brackets", "[".repeat(1 << 19), None),
        ("large quadratic emphasis", "**a".repeat(170_000), None),
        ("a table of 1,000 rows", table(1_000), Some("Table")),
        ("a table of 20,000 rows", table(20_000), Some("Table")),
        (
            "a table 2,000 columns wide",
            format!(
                "Wide\n\n{}|\n{}|\n",
                "| col ".repeat(2_000),
                "|---".repeat(2_000)
            ),
            Some("Wide"),
        ),
    ];
    for (name, body, visible) in generated {
        named.push((name.to_owned(), body, visible.map(str::to_owned), false));
    }
    named
        .into_iter()
        .enumerate()
        .map(|(i, (name, body, visible, html))| Case {
            id: format!("case{:02}", i + 1),
            name,
            body,
            visible,
            html,
        })
        .collect()
}

fn table(rows: usize) -> String {
    let mut text = String::from("Table\n\n| n | cell \u{1b}[31m | more |\n|---|---|---|\n");
    for i in 0..rows {
        let _ = writeln!(text, "| {i} | cell {i} \u{202e}x | more |");
    }
    text
}

/// A thread title for case `index`: its id, then a trick.
pub fn title(case: &Case, index: usize) -> String {
    let tricks = one_line_tricks();
    format!("{} {}", case.id, tricks[index % tricks.len()])
}
