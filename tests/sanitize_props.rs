//! Properties of the sanitizer and of rendered documents, over arbitrary text.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use threadmark::model::{Body, BodyFormat};
use threadmark::render::Document;
use threadmark::text::sanitize::{clean, clean_line};

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{e0000}'..='\u{e007f}')
}

/// Text with a high share of what the sanitizer must handle: controls (C0, C1, DEL),
/// escape sequences, bidi and zero-width characters, tags, combining marks, wide and
/// emoji characters, markup characters, plus any character at all.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9 ]{1,8}",
        2 => prop::sample::select(vec![
            "\u{1b}[31m", "\u{1b}]0;t\u{7}", "\u{1b}]8;;http://x\u{1b}\\", "\u{1b}P1$q\u{1b}\\",
            "\u{9b}2J", "\u{9d}0;x\u{9c}", "\r", "\n", "\n\n", "\t", "\u{0}", "\u{7f}", "\u{85}",
            "\u{202e}", "\u{2066}", "\u{2069}", "\u{200f}", "\u{061c}", "\u{200b}", "\u{200d}",
            "\u{feff}", "\u{e0041}", "\u{e007f}", "\u{2028}", "\u{0301}", "\u{0301}\u{0302}\u{0303}",
            "\u{1160}", "\u{fe0f}", "漢字", "🎉", "👩\u{200d}💻", "\u{1f1eb}\u{1f1f7}", "\u{a0}",
            "- ", "1. ", "> ", "*", "_", "`", "[x](http://a.example)", "<b>", "</b>", "&#27;",
            "&#x9b;", "&amp;", "|", "\\", "#",
        ]).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn clean_output_has_no_controls_but_newline(text in hostile_text()) {
        let out = clean(&text);
        prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        prop_assert!(!out.chars().any(is_bidi_control), "{out:?}");
        prop_assert!(!out.chars().any(is_invisible), "{out:?}");
        let line = clean_line(&text);
        prop_assert!(!line.chars().any(char::is_control), "{line:?}");
    }

    #[test]
    fn clean_is_idempotent(text in hostile_text()) {
        let once = clean(&text).into_owned();
        prop_assert_eq!(clean(&once), once.as_str());
        let line = clean_line(&text).into_owned();
        prop_assert_eq!(clean_line(&line), line.as_str());
    }

    #[test]
    fn clean_is_idempotent_on_any_string(text in any::<String>()) {
        let once = clean(&text).into_owned();
        prop_assert_eq!(clean(&once), once.as_str());
    }

    #[test]
    fn wrapped_documents_fit_and_hold_no_controls(
        text in hostile_text(),
        width in 10usize..120,
        html in any::<bool>(),
    ) {
        let format = if html { BodyFormat::Html } else { BodyFormat::Markdown };
        let doc = Document::from_body(&Body {
            format,
            text,
            base_url: None,
        });
        for line in doc.wrap(width) {
            prop_assert!(line.width() <= width, "{} > {width}: {line:?}", line.width());
            prop_assert!(
                unicode_width::UnicodeWidthStr::width(line.plain().as_str()) <= width,
                "{line:?}"
            );
            for span in &line.spans {
                prop_assert!(!span.text.chars().any(char::is_control), "{span:?}");
                prop_assert!(!span.text.chars().any(is_bidi_control), "{span:?}");
                prop_assert!(!span.text.chars().any(is_invisible), "{span:?}");
            }
        }
        let plain = doc.plain_text();
        prop_assert!(!plain.chars().any(|c| c.is_control() && c != '\n'), "{plain:?}");
        for link in doc.links() {
            if let Some(url) = link.openable() {
                prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
            }
        }
    }

    #[test]
    fn narrow_widths_never_panic(text in hostile_text(), width in 0usize..10) {
        let doc = Document::from_body(&Body::markdown(text));
        let _ = doc.wrap(width);
    }
}
