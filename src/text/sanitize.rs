//! Makes untrusted text safe to put on a terminal (DESIGN §6).
//!
//! Removes C0/C1 controls except newline (tab becomes spaces, CR is dropped), bidi
//! controls, zero-width and tag characters, and caps combining marks per grapheme.
//! Idempotent: cleaning clean text returns it borrowed, unchanged.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

/// Most combining marks kept on one base character ("zalgo" text is cut to this).
pub const MAX_COMBINING_PER_GRAPHEME: usize = 4;

/// Spaces a tab becomes.
const TAB: &str = "    ";

/// What a URL shows in place of a character that must not reach a terminal.
pub(crate) const REPLACEMENT: char = '\u{fffd}';

/// Cleans a block of text; newlines are kept.
pub fn clean(text: &str) -> Cow<'_, str> {
    clean_with(text, true)
}

/// Cleans one-line text (a title, a name): newlines become spaces too.
pub fn clean_line(text: &str) -> Cow<'_, str> {
    clean_with(text, false)
}

/// Cleans a link target for display. Unlike [`clean`], whatever is removed from text is
/// replaced by U+FFFD here, so tampering stays visible and the URL cannot pass for a
/// well-formed one (see `Link::openable`).
pub(crate) fn clean_url(url: &str) -> Cow<'_, str> {
    if url
        .chars()
        .all(|c| matches!(classify(c), Class::Keep | Class::Combining))
    {
        return clean_line(url);
    }
    let marked: String = url
        .chars()
        .map(|c| match classify(c) {
            Class::Keep | Class::Combining => c,
            Class::Newline | Class::Tab | Class::Drop => REPLACEMENT,
        })
        .collect();
    Cow::Owned(clean_line(&marked).into_owned())
}

/// Moves the combining marks that start `text` onto `previous`, whose last character
/// they belong to, and returns the rest: a character and its marks stay in one span,
/// measured and drawn together.
pub(crate) fn attach_leading_marks<'t>(
    previous: &mut compact_str::CompactString,
    text: &'t str,
) -> &'t str {
    let rest = text.trim_start_matches(is_combining);
    previous.push_str(&text[..text.len() - rest.len()]);
    rest
}

/// Whether `text` shows nothing at all: only blanks, control and format characters
/// (zero-width, bidi, tags), lone combining marks, and characters drawn as blanks
/// (Hangul fillers, the braille blank, the soft hyphen).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || matches!(classify(c), Class::Drop | Class::Combining)
            || matches!(
                c,
                '\u{ad}' | '\u{115f}' | '\u{1160}' | '\u{2800}' | '\u{3164}' | '\u{ffa0}'
            )
    })
}

fn clean_with(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if is_clean(text, keep_newlines) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // Marks in a row since the last kept base character. Dropped characters do not end
    // a run: that keeps the result stable when it is cleaned again.
    let mut marks = 0;
    for c in text.chars() {
        match classify(c) {
            Class::Keep => {
                marks = 0;
                out.push(c);
            }
            Class::Newline => {
                marks = 0;
                out.push(if keep_newlines { '\n' } else { ' ' });
            }
            Class::Tab => {
                marks = 0;
                out.push_str(TAB);
            }
            Class::Drop => {}
            Class::Combining => {
                marks += 1;
                if marks <= MAX_COMBINING_PER_GRAPHEME {
                    out.push(c);
                }
            }
        }
    }
    Cow::Owned(out)
}

fn is_clean(text: &str, keep_newlines: bool) -> bool {
    if text.is_ascii() {
        return text
            .bytes()
            .all(|b| (b' '..0x7f).contains(&b) || (keep_newlines && b == b'\n'));
    }
    let mut marks = 0;
    for c in text.chars() {
        match classify(c) {
            Class::Keep => marks = 0,
            Class::Newline if keep_newlines && c == '\n' => marks = 0,
            Class::Combining => {
                marks += 1;
                if marks > MAX_COMBINING_PER_GRAPHEME {
                    return false;
                }
            }
            Class::Newline | Class::Tab | Class::Drop => return false,
        }
    }
    true
}

enum Class {
    Keep,
    Newline,
    Tab,
    Drop,
    Combining,
}

fn classify(c: char) -> Class {
    match c {
        ' '..='~' => Class::Keep,
        // Line and paragraph separators act like newlines in some terminals.
        '\n' | '\u{2028}' | '\u{2029}' => Class::Newline,
        '\t' => Class::Tab,
        // C0, DEL, C1 (CR included: a bare CR would let text overwrite its own line);
        // bidi controls (marks, embeddings/overrides, isolates); zero-width and invisible
        // formatting characters, BOM, interlinear annotations, tag characters.
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{061c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}' => Class::Drop,
        c if is_combining(c) => Class::Combining,
        _ => Class::Keep,
    }
}

/// A character drawn on top of the one before it: combining marks of every script,
/// variation selectors and the like (zalgo text is built from these).
fn is_combining(c: char) -> bool {
    // Blocks with no such character answer without the width table's lookup, which
    // was a tenth of cleaning a large sync's posts. (A unit test checks every character
    // against the table.)
    if matches!(
        c,
        '\0'..='\u{ac}' | '\u{ae}'..='\u{2ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ac00}'..='\u{d7a3}'
    ) {
        return false;
    }
    c.width() == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_forbidden(text: &str) -> bool {
        text.chars().any(|c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')
                || matches!(c, '\u{2066}'..='\u{2069}' | '\u{e0000}'..='\u{e007f}')
        })
    }

    #[test]
    fn escape_sequences_lose_their_escape() {
        let cleaned = clean("a\u{1b}[31mred\u{1b}]0;title\u{7}b\u{9b}2J\u{1b}P1;2|x\u{1b}\\");
        assert!(!has_forbidden(&cleaned));
        assert_eq!(cleaned, "a[31mred]0;titleb2JP1;2|x\\");
    }

    #[test]
    fn the_blocks_skipped_have_no_combining_character() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_combining(c), c.width() == Some(0), "{:#x}", u32::from(c));
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            clean("plain, ünïcode 漢字 🎉 é\n"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(clean_line("one line"), Cow::Borrowed(_)));
        assert!(matches!(clean_line("two\nlines"), Cow::Owned(_)));
    }

    #[test]
    fn zalgo_is_capped_per_grapheme() {
        let zalgo = format!("e{}x{}", "\u{0301}".repeat(50), "\u{1dc0}".repeat(9));
        let cleaned = clean(&zalgo);
        assert_eq!(cleaned.chars().count(), 2 + 2 * MAX_COMBINING_PER_GRAPHEME);
        assert_eq!(clean(&cleaned), cleaned);
    }

    #[test]
    fn marks_of_other_scripts_are_kept_within_the_cap() {
        // Vietnamese, Hindi and Hebrew with points keep every mark.
        for word in ["Việt", "हिन्दी", "שָׁלוֹם"] {
            assert_eq!(clean(word), word);
        }
    }

    #[test]
    fn tabs_and_carriage_returns() {
        assert_eq!(clean("a\tb\r\nc\rd"), "a    b\ncd");
        assert_eq!(clean_line("a\nb"), "a b");
        assert_eq!(clean("a\u{2028}b"), "a\nb");
    }

    #[test]
    fn bidi_zero_width_and_tags_are_removed() {
        let hostile =
            "a\u{202e}b\u{2066}c\u{2069}d\u{200b}e\u{200d}f\u{feff}g\u{e0041}h\u{061c}i\u{200f}";
        assert_eq!(clean(hostile), "abcdefghi");
    }

    #[test]
    fn a_dropped_character_between_marks_does_not_reset_the_cap() {
        let text = format!("e{}\u{200b}{}", "\u{0301}".repeat(3), "\u{0301}".repeat(3));
        let once = clean(&text).into_owned();
        assert_eq!(once.chars().count(), 1 + MAX_COMBINING_PER_GRAPHEME);
        assert_eq!(clean(&once), once);
    }

    #[test]
    fn text_of_only_invisible_characters_is_blank() {
        for blank in [
            "",
            " \n\t",
            "\u{200b}\u{200d}\u{feff}",
            "\u{2060}\u{202e} \u{3000}",
            "\u{3164}\u{2800}\u{ad}\u{e0041}",
            "\u{301}\u{301}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for shown in ["a", "\u{200b}x", "漢", "🎉", ".", "\u{2028}-"] {
            assert!(!is_blank(shown), "{shown:?}");
        }
    }

    #[test]
    fn urls_show_where_characters_were_removed() {
        assert_eq!(clean_url("https://a.example/x"), "https://a.example/x");
        assert_eq!(
            clean_url("https://a.example/\u{1b}[31m\u{202e}"),
            "https://a.example/\u{fffd}[31m\u{fffd}"
        );
        assert_eq!(clean_url("http://a b"), "http://a b");
        assert_eq!(clean_url("http://a\tb\nc"), "http://a\u{fffd}b\u{fffd}c");
    }
}
