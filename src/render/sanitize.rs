//! Makes untrusted text safe to put on a terminal (DESIGN §6).
//!
//! Removes C0/C1 controls except newline (tab becomes spaces, CR is dropped), bidi
//! controls, zero-width and tag characters, and caps combining marks per grapheme.
//! Idempotent: cleaning clean text returns it borrowed, unchanged.

use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;

/// Most combining marks kept on one base character ("zalgo" text is cut to this).
pub const MAX_COMBINING_PER_GRAPHEME: usize = 4;

/// Spaces a tab becomes.
const TAB: &str = "    ";

/// Cleans a block of text; newlines are kept.
pub fn clean(text: &str) -> Cow<'_, str> {
    clean_with(text, true)
}

/// Cleans one-line text (a title, a name): newlines become spaces too.
pub fn clean_line(text: &str) -> Cow<'_, str> {
    clean_with(text, false)
}

fn clean_with(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if is_clean(text, keep_newlines) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for grapheme in text.graphemes(true) {
        let mut combining = 0;
        for c in grapheme.chars() {
            match classify(c) {
                Class::Keep => out.push(c),
                Class::Newline if keep_newlines => out.push('\n'),
                Class::Newline => out.push(' '),
                Class::Tab => out.push_str(TAB),
                Class::Drop => {}
                Class::Combining => {
                    combining += 1;
                    if combining <= MAX_COMBINING_PER_GRAPHEME {
                        out.push(c);
                    }
                }
            }
        }
    }
    Cow::Owned(out)
}

fn is_clean(text: &str, keep_newlines: bool) -> bool {
    // Fast path for the common case; anything unusual goes through the full pass.
    text.chars().all(|c| match classify(c) {
        Class::Keep => true,
        Class::Newline => keep_newlines,
        _ => false,
    }) && !has_long_combining_run(text)
}

fn has_long_combining_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if is_combining(c) {
            run += 1;
            if run > MAX_COMBINING_PER_GRAPHEME {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
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
        // Line and paragraph separators act like newlines in some terminals.
        '\n' | '\u{2028}' | '\u{2029}' => Class::Newline,
        '\t' => Class::Tab,
        // C0, DEL, C1 (CR included: a bare CR would let text overwrite its own line);
        // bidi controls (marks, embeddings/overrides, isolates); zero-width and invisible
        // formatting characters, BOM, interlinear annotations, tag characters.
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200b}'..='\u{200d}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206a}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}' => Class::Drop,
        c if is_combining(c) => Class::Combining,
        _ => Class::Keep,
    }
}

/// Combining marks (the blocks zalgo text is built from).
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_lose_their_escape() {
        let cleaned = clean("a\u{1b}[31mred\u{1b}]0;title\u{7}b\u{9b}2J");
        assert!(!cleaned.chars().any(|c| c.is_control() && c != '\n'));
        assert_eq!(cleaned, "a[31mred]0;titleb2J");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            clean("plain, ünïcode 漢字 🎉\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn zalgo_is_capped_per_grapheme() {
        let zalgo = format!("e{}", "\u{0301}".repeat(50));
        assert_eq!(
            clean(&zalgo).chars().count(),
            1 + MAX_COMBINING_PER_GRAPHEME
        );
    }

    #[test]
    fn tabs_and_carriage_returns() {
        assert_eq!(clean("a\tb\r\nc\rd"), "a    b\ncd");
        assert_eq!(clean_line("a\nb"), "a b");
    }
}
