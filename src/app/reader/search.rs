//! Case-insensitive text matching for the in-thread search, in byte ranges of the original text.

/// One match: a byte range of a row's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub row: usize,
    pub start: usize,
    pub end: usize,
}

/// Every non-overlapping occurrence of `needle` in `haystack`, ignoring case, as byte ranges
/// of `haystack` (lowercasing can change byte lengths, so ranges are found char by char).
pub fn find_all(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut start = 0;
    while start < haystack.len() {
        match match_at(&haystack[start..], &needle) {
            Some(len) => {
                found.push((start, start + len));
                start += len;
            }
            None => {
                start += haystack[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    found
}

/// The byte length of the match of `needle` at the start of `text`, if it matches there.
fn match_at(text: &str, needle: &[char]) -> Option<usize> {
    let mut wanted = needle.iter();
    let mut next = wanted.next();
    for (at, c) in text.char_indices() {
        for lower in c.to_lowercase() {
            match next {
                Some(&w) if w == lower => next = wanted.next(),
                Some(_) => return None,
                None => return Some(at),
            }
        }
        if next.is_none() {
            return Some(at + c.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_all;

    #[test]
    fn matches_ignore_case_and_keep_original_offsets() {
        assert_eq!(
            find_all("Relentless, relentLESS", "relentless"),
            [(0, 10), (12, 22)]
        );
        assert_eq!(find_all("ÉTÉ été", "été"), [(0, 5), (6, 11)]);
        assert_eq!(find_all("aaa", "aa"), [(0, 2)]);
        assert!(find_all("abc", "").is_empty());
        assert!(find_all("abc", "abcd").is_empty());
        assert_eq!(find_all("日本語の本", "本"), [(3, 6), (12, 15)]);
    }
}
