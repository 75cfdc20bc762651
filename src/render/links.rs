//! The numbered link list of a document: one number per distinct URL, in order of
//! first appearance, and the test for a URL that may be opened.

use super::Link;
use crate::text::sanitize;
use std::collections::HashMap;

/// Longest link text kept for the link list.
const MAX_TEXT_CHARS: usize = 200;
/// Longest URL that counts as openable (browsers and terminals cope with this much).
const MAX_OPENABLE_LEN: usize = 2048;
/// Longest URL kept for display; longer ones (data: URLs) are cut with an ellipsis.
const MAX_URL_CHARS: usize = 4096;

#[derive(Clone, Debug, Default)]
pub(crate) struct LinkTable {
    links: Vec<Link>,
    by_url: HashMap<String, usize>,
    /// Relative links are read against this (an http(s) site URL).
    base: Option<url::Url>,
}

impl LinkTable {
    /// A table that resolves relative links against `base` (ignored unless http(s)).
    pub(crate) fn with_base(base: Option<&str>) -> Self {
        Self {
            base: base
                .and_then(|b| url::Url::parse(b).ok())
                .filter(|b| matches!(b.scheme(), "http" | "https")),
            ..Self::default()
        }
    }

    /// The number of `raw_url`, adding it when it is new.
    /// `spoiler` when this occurrence is inside a spoiler: a link is hidden with the
    /// spoilers only while every occurrence of it is.
    pub(crate) fn number(&mut self, raw_url: &str, spoiler: bool) -> usize {
        let url = display_url(&self.resolve(raw_url));
        if let Some(&number) = self.by_url.get(&url) {
            if let Some(link) = self.links.get_mut(number - 1) {
                link.spoiler &= spoiler;
            }
            return number;
        }
        let number = self.links.len() + 1;
        self.by_url.insert(url.clone(), number);
        self.links.push(Link {
            number,
            url,
            text: String::new(),
            spoiler,
        });
        number
    }

    /// `raw` made absolute against the base when it is relative (`/t/57`, `//cdn/x.png`);
    /// absolute URLs and anything without a base stay as written.
    fn resolve(&self, raw: &str) -> String {
        let trimmed = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        match &self.base {
            Some(base)
                if url::Url::parse(trimmed) == Err(url::ParseError::RelativeUrlWithoutBase) =>
            {
                base.join(trimmed)
                    .map_or_else(|_| raw.to_owned(), String::from)
            }
            _ => raw.to_owned(),
        }
    }

    /// `raw` made absolute against the base (as link targets are), sanitized and capped
    /// like a link's URL.
    pub(crate) fn absolute(&self, raw: &str) -> String {
        display_url(&self.resolve(raw))
    }

    /// Adds text to link `number`'s description while it is first being read.
    pub(crate) fn describe(&mut self, number: usize, text: &str) {
        let Some(link) = number.checked_sub(1).and_then(|i| self.links.get_mut(i)) else {
            return;
        };
        let room = MAX_TEXT_CHARS.saturating_sub(link.text.chars().count());
        if room == 0 {
            return;
        }
        for c in text.chars().take(room) {
            let c = if c.is_whitespace() { ' ' } else { c };
            if c != ' ' || !(link.text.is_empty() || link.text.ends_with(' ')) {
                link.text.push(c);
            }
        }
    }

    /// Whether link `number` still has no description.
    pub(crate) fn is_undescribed(&self, number: usize) -> bool {
        number
            .checked_sub(1)
            .and_then(|i| self.links.get(i))
            .is_some_and(|l| l.text.is_empty())
    }

    pub(crate) fn into_links(mut self) -> Vec<Link> {
        for link in &mut self.links {
            let trimmed = link.text.trim_end().len();
            link.text.truncate(trimmed);
        }
        self.links
    }
}

fn display_url(raw: &str) -> String {
    // Attribute values often carry stray spaces around the URL; browsers strip them too.
    let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    let url = sanitize::clean_url(raw);
    match url.char_indices().nth(MAX_URL_CHARS) {
        Some((cut, _)) => format!("{}…", &url[..cut]),
        None => url.into_owned(),
    }
}

pub(crate) fn is_openable(url: &str) -> bool {
    let scheme_ok = url
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        || url
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    scheme_ok
        && url.len() <= MAX_OPENABLE_LEN
        && !url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == sanitize::REPLACEMENT)
        && url::Url::parse(url).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_url_same_number() {
        let mut table = LinkTable::default();
        assert_eq!(table.number("https://a.example/", false), 1);
        assert_eq!(table.number("https://b.example/", false), 2);
        assert_eq!(table.number(" https://a.example/ ", false), 1);
        table.describe(1, "the  first\nlink");
        table.describe(1, " and more");
        let links = table.into_links();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].text, "the first link and more");
    }

    #[test]
    fn only_clean_http_urls_open() {
        for good in [
            "https://example.com",
            "http://example.com/a?b=c#d",
            "HTTPS://EXAMPLE.COM/x",
            "https://de.wikipedia.org/wiki/Straße",
        ] {
            assert!(is_openable(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "mailto:a@example.com",
            "/relative/path",
            "//example.com/protocol-relative",
            "https://",
            "http://exa mple.com",
            "https://example.com/\u{fffd}[31m",
            "https://example.com/\u{1b}[31m",
            "",
        ] {
            assert!(!is_openable(bad), "{bad:?}");
        }
        assert!(!is_openable(&format!(
            "https://example.com/{}",
            "a".repeat(3000)
        )));
    }

    #[test]
    fn hostile_urls_are_marked_not_cleaned_into_looking_fine() {
        let mut table = LinkTable::default();
        table.number(
            "https://example.com/\u{1b}]8;;https://evil.example\u{7}",
            false,
        );
        let links = table.into_links();
        assert_eq!(
            links[0].url,
            "https://example.com/\u{fffd}]8;;https://evil.example\u{fffd}"
        );
        assert_eq!(links[0].openable(), None);
    }

    #[test]
    fn relative_links_are_read_against_the_site() {
        let mut table = LinkTable::with_base(Some("https://forum.example.org/community/"));
        table.number("/t/topic/57", false);
        table.number("//cdn.example.org/a.png", false);
        table.number("u/bob", false);
        table.number("https://elsewhere.example.com/x", false);
        let urls: Vec<String> = table.into_links().into_iter().map(|l| l.url).collect();
        assert_eq!(
            urls,
            [
                "https://forum.example.org/t/topic/57",
                "https://cdn.example.org/a.png",
                "https://forum.example.org/community/u/bob",
                "https://elsewhere.example.com/x",
            ]
        );
        let mut bare = LinkTable::default();
        bare.number("/t/topic/57", false);
        assert_eq!(
            bare.into_links()[0].openable(),
            None,
            "no base: not openable"
        );
    }
}
