//! Greedy word wrapping of styled inline text to a column width, measured per grapheme.
//!
//! Linear in the input: each word is measured once, a word longer than the width is
//! cut between graphemes (a wide character is never split), and adjacent text in one
//! style shares a span instead of allocating one per piece.

use super::blocks::Inline;
use super::{Span, Style};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Display width of sanitized text in terminal columns, grapheme by grapheme.
pub(crate) fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Whitespace where a line may wrap; no-break spaces hold their words together.
fn is_break_space(c: char) -> bool {
    c == ' ' || (c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}'))
}

/// Wraps inline content to `width` columns (at least 1). A hard break always starts a
/// new line; runs of whitespace become one space, none at either end of a line.
pub(crate) fn wrap_inlines(inlines: &[Inline], width: usize) -> Vec<Vec<Span>> {
    let mut wrapper = Wrapper::new(width);
    for inline in inlines {
        match inline {
            Inline::Text(span) => wrapper.text(&span.text, span.style),
            Inline::Break => wrapper.hard_break(),
        }
    }
    wrapper.finish()
}

/// Cuts one preformatted line into pieces of at most `width` columns, keeping spaces.
pub(crate) fn hard_wrap(text: &str, style: Style, width: usize) -> Vec<Vec<Span>> {
    let mut wrapper = Wrapper::new(width);
    wrapper.place_broken(text, style);
    let mut lines = wrapper.finish();
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

struct Wrapper<'a> {
    width: usize,
    lines: Vec<Vec<Span>>,
    line: Vec<Span>,
    line_width: usize,
    space_style: Style,
    word: Vec<(&'a str, Style)>,
    word_width: usize,
    /// The last complete word, placed once the next one is known: a lone dash after
    /// it joins it, so no line starts with a dash that reads like a list item.
    held: Vec<(&'a str, Style)>,
    held_width: usize,
    /// Style of the whitespace before the held word.
    held_space: Style,
}

impl<'a> Wrapper<'a> {
    fn new(width: usize) -> Self {
        Self {
            width: width.max(1),
            lines: Vec::new(),
            line: Vec::new(),
            line_width: 0,
            space_style: Style::default(),
            word: Vec::new(),
            word_width: 0,
            held: Vec::new(),
            held_width: 0,
            held_space: Style::default(),
        }
    }

    fn text(&mut self, text: &'a str, style: Style) {
        let mut rest = text;
        while !rest.is_empty() {
            let word_end = rest.find(is_break_space).unwrap_or(rest.len());
            if word_end > 0 {
                let piece = &rest[..word_end];
                self.word.push((piece, style));
                self.word_width += text_width(piece);
                rest = &rest[word_end..];
            }
            let space_len = rest.find(|c| !is_break_space(c)).unwrap_or(rest.len());
            if space_len > 0 {
                self.end_word();
                self.space_style = style;
                rest = &rest[space_len..];
            }
        }
    }

    fn hard_break(&mut self) {
        self.end_word();
        self.place_held();
        self.push_line();
    }

    fn finish(mut self) -> Vec<Vec<Span>> {
        self.end_word();
        self.place_held();
        if !self.line.is_empty() {
            self.push_line();
        }
        self.lines
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let lone_dash = matches!(self.word.as_slice(), [(d, _)] if matches!(*d, "-" | "–" | "—"));
        if lone_dash && !self.held.is_empty() {
            self.held.push((" ", self.space_style));
            self.held.append(&mut self.word);
            self.held_width += 1 + std::mem::replace(&mut self.word_width, 0);
            return;
        }
        self.place_held();
        self.held_space = self.space_style;
        std::mem::swap(&mut self.held, &mut self.word);
        self.held_width = std::mem::replace(&mut self.word_width, 0);
    }

    fn place_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.held);
        let word_width = std::mem::replace(&mut self.held_width, 0);
        if self.line_width > 0 {
            if self.line_width + 1 + word_width <= self.width {
                self.push(" ", self.held_space);
                self.line_width += 1;
            } else {
                self.push_line();
            }
        }
        if self.line_width + word_width <= self.width {
            for &(piece, style) in &word {
                self.push(piece, style);
            }
            self.line_width += word_width;
        } else {
            for &(piece, style) in &word {
                self.place_broken(piece, style);
            }
        }
        // Hand the buffer back to reuse its allocation.
        self.held = word;
        self.held.clear();
    }

    /// Places text, starting new lines wherever the next grapheme would not fit.
    fn place_broken(&mut self, text: &str, style: Style) {
        if text.is_ascii() {
            let mut rest = text;
            while !rest.is_empty() {
                let room = self.width.saturating_sub(self.line_width);
                if room == 0 {
                    self.push_line();
                    continue;
                }
                let take = room.min(rest.len());
                self.push(&rest[..take], style);
                self.line_width += take;
                rest = &rest[take..];
            }
            return;
        }
        for grapheme in text.graphemes(true) {
            let width = UnicodeWidthStr::width(grapheme);
            if self.line_width > 0 && self.line_width + width > self.width {
                self.push_line();
            }
            self.push(grapheme, style);
            self.line_width += width;
        }
    }

    fn push(&mut self, text: &str, style: Style) {
        if let Some(last) = self.line.last_mut()
            && last.style == style
        {
            last.text.push_str(text);
            return;
        }
        self.line.push(Span {
            text: text.into(),
            style,
        });
    }

    fn push_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
        self.line_width = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Role;

    fn text(s: &str) -> Inline {
        Inline::Text(Span {
            text: s.into(),
            style: Style::default(),
        })
    }

    fn plain(lines: &[Vec<Span>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn greedy_wrap_collapses_spaces() {
        let lines = wrap_inlines(&[text("  the quick   brown fox jumps  ")], 10);
        assert_eq!(plain(&lines), ["the quick", "brown fox", "jumps"]);
    }

    #[test]
    fn hard_breaks_keep_lines() {
        let lines = wrap_inlines(&[text("-one"), Inline::Break, text("-two")], 40);
        assert_eq!(plain(&lines), ["-one", "-two"]);
    }

    #[test]
    fn long_words_are_cut_to_the_width() {
        let lines = wrap_inlines(&[text("ab abcdefghijklmnop")], 6);
        assert_eq!(plain(&lines), ["ab", "abcdef", "ghijkl", "mnop"]);
    }

    #[test]
    fn wide_characters_never_split() {
        let lines = wrap_inlines(&[text("漢字漢字漢")], 5);
        assert_eq!(plain(&lines), ["漢字", "漢字", "漢"]);
        for line in &lines {
            let width: usize = line.iter().map(|s| text_width(&s.text)).sum();
            assert!(width <= 5);
        }
    }

    #[test]
    fn link_reference_stays_with_its_word() {
        let reference = Inline::Text(Span {
            text: "[12]".into(),
            style: Style::role(Role::LinkRef),
        });
        let lines = wrap_inlines(&[text("see the page"), reference], 12);
        assert_eq!(plain(&lines), ["see the", "page[12]"]);
        assert_eq!(lines[1].len(), 2);
    }

    #[test]
    fn styles_are_kept_per_span() {
        let bold = Inline::Text(Span {
            text: "bold".into(),
            style: Style::role(Role::Heading),
        });
        let lines = wrap_inlines(&[text("a "), bold, text(" b")], 40);
        assert_eq!(lines[0].len(), 3);
        assert_eq!(lines[0][1].text, "bold");
    }

    #[test]
    fn no_line_starts_with_a_lone_dash() {
        let lines = wrap_inlines(&[text("when it goes - we go first")], 14);
        assert_eq!(plain(&lines), ["when it goes -", "we go first"]);
        let lines = wrap_inlines(&[text("-one"), Inline::Break, text("- two")], 14);
        assert_eq!(plain(&lines), ["-one", "- two"]);
    }

    #[test]
    fn no_break_space_holds() {
        let lines = wrap_inlines(&[text("aaaa 10\u{a0}km")], 6);
        assert_eq!(plain(&lines), ["aaaa", "10\u{a0}km"]);
    }

    #[test]
    fn preformatted_lines_keep_their_spaces() {
        let lines = hard_wrap("    let x  = 1;", Style::default(), 8);
        assert_eq!(plain(&lines), ["    let ", "x  = 1;"]);
        assert_eq!(plain(&hard_wrap("", Style::default(), 8)), [""]);
    }

    #[test]
    fn width_one_still_terminates() {
        let lines = wrap_inlines(&[text("ab 漢")], 1);
        assert_eq!(plain(&lines), ["a", "b", "漢"]);
    }
}
