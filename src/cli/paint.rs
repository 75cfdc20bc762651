//! Colour in command output: on a terminal unless `NO_COLOR` says otherwise (or
//! `--color` decides). Only whole, already-cleaned pieces of text are painted, so a style
//! never wraps anything that came from a server.

use super::args::ColorChoice;
use anstyle::{AnsiColor, Effects, Style};
use std::ops::Range;

/// What a piece of output is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A thread's title above its posts, a forum's name.
    Title,
    /// Section and area names in the tree.
    Heading,
    /// A post's or thread's author.
    Author,
    /// Ids, counts, dates: the quieter part of a line.
    Meta,
    /// Unread counts and the NEW mark.
    Unread,
    /// A search word where it was found.
    Hit,
    /// Link numbers and targets.
    Link,
    /// Replies of yours still in the outbox.
    Pending,
    /// A refused reply, a read-only forum.
    Warning,
}

impl Role {
    fn style(self) -> Style {
        match self {
            Role::Title => Style::new().effects(Effects::BOLD),
            Role::Heading => Style::new().fg_color(Some(AnsiColor::Blue.into())).bold(),
            Role::Author => Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold(),
            Role::Meta => Style::new().effects(Effects::DIMMED),
            Role::Unread => Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
            Role::Hit => Style::new()
                .fg_color(Some(AnsiColor::Black.into()))
                .bg_color(Some(AnsiColor::Yellow.into())),
            Role::Link => Style::new().fg_color(Some(AnsiColor::Blue.into())),
            Role::Pending => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Role::Warning => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        }
    }
}

/// Paints text, or leaves it alone when colour is off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paint {
    on: bool,
    /// Everything in the quiet grey of [`Role::Meta`] (a post a rule dims).
    grey: bool,
}

impl Paint {
    /// Colour for a stream: `--color always|never` decides; `auto` colours a terminal unless
    /// `NO_COLOR` is set (to anything but empty) or `TERM` is `dumb`.
    pub fn new(choice: ColorChoice, is_terminal: bool) -> Self {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
        Self { on, grey: false }
    }

    /// No colour at all (JSON, tests).
    pub fn off() -> Self {
        Self {
            on: false,
            grey: false,
        }
    }

    pub fn is_on(self) -> bool {
        self.on
    }

    /// The same paint with every role greyed.
    #[must_use]
    pub fn greyed(self) -> Self {
        Self { grey: true, ..self }
    }

    /// Text no role names (a post's body): grey when greyed, else as it is.
    pub fn plain(self, text: &str) -> String {
        if self.grey {
            self.paint(text, Role::Meta)
        } else {
            text.to_owned()
        }
    }

    /// `text` in the colours of `role`.
    pub fn paint(self, text: &str, role: Role) -> String {
        if !self.on || text.is_empty() {
            return text.to_owned();
        }
        let style = if self.grey {
            Role::Meta.style()
        } else {
            role.style()
        };
        format!("{}{text}{}", style.render(), style.render_reset())
    }

    /// `line` with the given byte ranges painted (ranges sorted, not overlapping, on char
    /// boundaries).
    pub fn paint_ranges(self, line: &str, ranges: &[Range<usize>], role: Role) -> String {
        if !self.on {
            return line.to_owned();
        }
        let mut out = String::with_capacity(line.len() + ranges.len() * 12);
        let mut at = 0;
        for range in ranges {
            out.push_str(&line[at..range.start]);
            out.push_str(&self.paint(&line[range.clone()], role));
            at = range.end;
        }
        out.push_str(&line[at..]);
        out
    }
}

/// Where any of `words` occurs in `line`, ignoring case: byte ranges, sorted and merged.
pub fn find_words(line: &str, words: &[String]) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = Vec::new();
    for word in words.iter().filter(|w| !w.is_empty()) {
        let needle: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        for (start, _) in line.char_indices() {
            if let Some(len) = match_at(&line[start..], &needle) {
                found.push(start..start + len);
            }
        }
    }
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in found {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The byte length of the prefix of `hay` equal to `needle` (lowercased), if it is one.
fn match_at(hay: &str, needle: &[char]) -> Option<usize> {
    let mut wanted = needle.iter();
    let mut pending: Option<char> = wanted.next().copied();
    for (i, c) in hay.char_indices() {
        for lower in c.to_lowercase() {
            match pending {
                Some(w) if w == lower => pending = wanted.next().copied(),
                _ => return None,
            }
        }
        if pending.is_none() {
            return Some(i + c.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_ignoring_case_and_merged() {
        let words = vec!["advo".to_owned(), "CACY".to_owned()];
        let line = "Advocacy and more advocacy";
        let ranges = find_words(line, &words);
        assert_eq!(ranges, vec![0..8, 18..26]);
        assert!(find_words("Straße", &["STRASSE".to_owned()]).is_empty());
        assert_eq!(
            find_words("ÉCOLE école", &["école".to_owned()]),
            vec![0..6, 7..13]
        );
    }

    #[test]
    fn painting_wraps_only_the_ranges_and_off_changes_nothing() {
        let on = Paint {
            on: true,
            grey: false,
        };
        let hit = [2..5, 6..6];
        let painted = on.paint_ranges("a hit here", &hit, Role::Hit);
        assert!(painted.starts_with("a \u{1b}["), "{painted:?}");
        assert!(painted.ends_with("\u{1b}[0m here"), "{painted:?}");
        assert_eq!(
            Paint::off().paint_ranges("a hit here", &hit, Role::Hit),
            "a hit here"
        );
    }

    #[test]
    fn always_and_never_win_over_the_terminal() {
        assert!(Paint::new(ColorChoice::Always, false).is_on());
        assert!(!Paint::new(ColorChoice::Never, true).is_on());
        assert!(!Paint::new(ColorChoice::Auto, false).is_on());
    }
}
