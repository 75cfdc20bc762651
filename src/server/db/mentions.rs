//! What a post's text says about other users: the `@names` it mentions and the posts it
//! quotes (the composer's `NAME wrote (#SEQ):` line above `> ` lines), read from the
//! Markdown without rendering it.
//!
//! Code (fenced blocks, inline spans) and quoted lines mention no one: pasting a log or
//! quoting an earlier post must not notify the people named there again.

/// At most this many distinct names notify per post (a list of every member is spam).
pub const MAX_MENTIONS: usize = 20;

/// Whether a character may be part of a user name after `@`.
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// The text of `line` outside inline code spans.
fn outside_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// The lines of `body` that are neither code nor quotes.
fn plain_lines(body: &str) -> impl Iterator<Item = String> + '_ {
    let mut fenced = false;
    body.lines().filter_map(move |line| {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            return None;
        }
        if fenced || trimmed.starts_with('>') || line.starts_with("    ") {
            return None;
        }
        Some(outside_code(line))
    })
}

/// The names `body` mentions with `@name`, each once (compared without case), in order.
pub fn mentioned(body: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in plain_lines(body) {
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            // `a@b` is an address, not a mention.
            if *c != '@' || (i > 0 && name_char(chars[i - 1])) {
                continue;
            }
            let name: String = chars[i + 1..]
                .iter()
                .take_while(|c| name_char(**c))
                .collect();
            let name = name.trim_end_matches(['.', '-']);
            if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.to_owned());
            }
            if names.len() == MAX_MENTIONS {
                return names;
            }
        }
    }
    names
}

/// The posts `body` quotes, as (author name, seq) from each `NAME wrote (#SEQ):` line that
/// a quoted line follows.
pub fn quoted(body: &str) -> Vec<(String, u32)> {
    let lines: Vec<&str> = body.lines().collect();
    let mut out: Vec<(String, u32)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let followed = lines
            .get(i + 1)
            .is_some_and(|next| next.trim_start().starts_with('>'));
        let Some(head) = line.trim().strip_suffix("):") else {
            continue;
        };
        let Some((name, seq)) = head.rsplit_once(" wrote (#") else {
            continue;
        };
        let (name, Ok(seq)) = (name.trim(), seq.parse::<u32>()) else {
            continue;
        };
        if followed && !name.is_empty() && !out.iter().any(|(n, s)| n == name && *s == seq) {
            out.push((name.to_owned(), seq));
        }
    }
    out
}

/// The start of a post's own words for a notification: quotes and code left out,
/// whitespace folded, at most `max` characters.
pub fn excerpt(body: &str, max: usize) -> String {
    let quoted_heads: Vec<String> = quoted(body)
        .into_iter()
        .map(|(name, seq)| format!("{name} wrote (#{seq}):"))
        .collect();
    let words: Vec<String> = plain_lines(body)
        .filter(|l| !quoted_heads.iter().any(|h| h == l.trim()))
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let text = words.join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_names_after_an_at_outside_code_quotes_and_addresses() {
        let body = "Thanks @ana, and @Bo.\nmail me: x@ana.example\n`@code` here\n\
                    ```\n@fenced\n```\n> @quoted said so\n@ANA again, @c-d_e.";
        assert_eq!(mentioned(body), ["ana", "Bo", "c-d_e"]);
        assert!(mentioned("just text @ and @.").is_empty());
    }

    #[test]
    fn mentions_stop_at_the_limit() {
        let body = (0..50)
            .map(|i| format!("@user{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(mentioned(&body).len(), MAX_MENTIONS);
    }

    #[test]
    fn a_quote_is_the_composer_attribution_above_quoted_lines() {
        let body = "ana wrote (#3):\n> something\n>\n\nI agree.\nbo wrote (#4):\nno quote follows";
        assert_eq!(quoted(body), [("ana".to_owned(), 3)]);
        assert!(quoted("x wrote (#y):\n> z").is_empty());
    }

    #[test]
    fn an_excerpt_is_the_posts_own_words() {
        let body = "ana wrote (#3):\n> something long\n\nI   agree\nwith @ana.";
        assert_eq!(excerpt(body, 140), "I agree with @ana.");
        assert_eq!(excerpt("abcdef", 4), "abc…");
    }
}
