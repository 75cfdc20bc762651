//! Whether a body's source already holds every word its rendering shows, so indexing for
//! search can take the words from the source without laying it out (which was a sixth of
//! the client's time in a large sync).

use super::Limits;
use crate::model::{Body, BodyFormat};
use crate::text::sanitize::clean;
use std::borrow::Cow;

/// Markdown characters that, rendered, join words (`**a**b` shows `ab`), replace text
/// (`&amp;`, `\*`), or hide it behind markup (links, inline HTML, code spans, tables).
/// A source without them shows its own words: paragraphs, headings, quotes, lists and
/// indented code only take characters away at the start of a line.
const JOINS_OR_REPLACES: &[char] = &['\\', '*', '_', '`', '~', '[', ']', '<', '&', '|'];

/// [`JOINS_OR_REPLACES`] by byte: each is ASCII, so a byte finds it without decoding
/// the text character by character.
const MARKUP: [bool; 128] = {
    let mut table = [false; 128];
    let mut i = 0;
    while i < JOINS_OR_REPLACES.len() {
        table[JOINS_OR_REPLACES[i] as usize] = true;
        i += 1;
    }
    table
};

/// The body's source when every word of its rendered plain text
/// ([`super::plain_text`]) is a word, or part of one, of the source as written: Markdown
/// within the size cap, left as it is by the sanitizer, and without
/// [`JOINS_OR_REPLACES`]. `None` when the body has to be rendered to know.
pub fn words_as_written(body: &Body) -> Option<&str> {
    let source = body.text.as_str();
    let plain = body.format == BodyFormat::Markdown
        && source.len() <= Limits::default().max_source_bytes
        && !source
            .bytes()
            .any(|b| MARKUP.get(usize::from(b)) == Some(&true))
        && matches!(clean(source), Cow::Borrowed(_));
    plain.then_some(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    #[test]
    fn prose_quotes_lists_and_headings_are_read_as_written() {
        for text in [
            "Hello there, world. Straße 提案 🚀!",
            "> quoted line\n>\n> > nested\n\nreply",
            "# Heading\n\n- item one\n- item two\n\n1. first\n2. second",
            "Setext\n======\n\n    indented code\n\n---",
        ] {
            assert_eq!(
                words_as_written(&Body::markdown(text)),
                Some(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn markup_that_joins_or_hides_words_needs_the_renderer() {
        for text in [
            "**bo**ld",
            "a&amp;b",
            "[link](https://example.com)",
            "`code`span",
            "a\u{200b}b",
            "tab\there",
            "line\r\nend",
        ] {
            assert_eq!(words_as_written(&Body::markdown(text)), None, "{text:?}");
        }
        assert_eq!(words_as_written(&Body::html("plain words")), None);
        let huge = "word ".repeat(Limits::default().max_source_bytes / 5 + 1);
        assert_eq!(words_as_written(&Body::markdown(huge)), None);
    }

    /// Pieces of Markdown a body read as written is made of: words of several scripts,
    /// combining marks, spacing, punctuation and every line-start marker.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "word",
            "Straße",
            "ΟΔΟΣ",
            "提案",
            "🚀",
            "👍🏽",
            "e\u{301}",
            " ",
            "  ",
            "\n",
            "\n\n",
            "\n> ",
            "\n>",
            "\n- ",
            "\n+ ",
            "\n1. ",
            "\n2) ",
            "\n# ",
            "\n## ",
            "\n    ",
            "\n===\n",
            "\n---\n",
            "\n- - -\n",
            ".",
            ",",
            "!",
            "?",
            "'",
            "\"",
            "-",
            "--",
            "...",
            "(",
            ")",
            ":",
            "#",
            "=",
            "+",
            "1.",
            "\u{a0}",
            "http://example.com/a-b",
            "www.example.com",
            "a@b.example",
            ">",
        ])
    }

    proptest! {
        // Failures are kept beside the other regression seeds, under `tests/`.
        #![proptest_config(ProptestConfig {
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                "tests/proptest-regressions/words_as_written.txt",
            ))),
            ..ProptestConfig::with_cases(3_000)
        })]

        /// What search relies on: a body read as written holds every word of its
        /// rendering (a word of the source may be longer, never missing).
        #[test]
        fn every_rendered_word_is_in_the_source_read_as_written(
            pieces in prop::collection::vec(piece(), 0..60)
        ) {
            let text: String = pieces.concat();
            let body = Body::markdown(text.clone());
            let source = words_as_written(&body);
            prop_assert_eq!(source, Some(text.as_str()));
            let written: Vec<&str> = text.split_whitespace().collect();
            for word in super::super::plain_text(&body).split_whitespace() {
                prop_assert!(
                    written.iter().any(|w| w.contains(word)),
                    "{:?} of the rendering is not in {:?}", word, text
                );
            }
        }
    }
}
