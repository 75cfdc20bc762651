//! The query language of `threadmark search`, saved-search folders and `S` in the reader:
//! words, `"phrases"`, `-word`, and operators (`author:`, `area:`, `thread:`, `before:`,
//! `after:`, `unread`, `is:bookmarked`, `is:mine`, `account:`), parsed once into a
//! [`Query`]. Pure: what a post must be is decided here, where the text is found is the
//! store's business.

use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp, civil::Date, tz::TimeZone};

/// A parsed query. Every part given must hold for a hit (a repeated `author:`, `area:` or
/// `thread:` is one of several allowed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    source: String,
    /// Words and phrases every hit holds: lowercased, a phrase's blanks made one space.
    pub words: Vec<String>,
    /// Words and phrases no hit holds (`-word`, `-"a phrase"`).
    pub without: Vec<String>,
    pub authors: Allowed,
    pub areas: Allowed,
    pub threads: Allowed,
    /// Written before each of these.
    pub before: Vec<When>,
    /// Written on or after each of these.
    pub after: Vec<When>,
    /// `unread` (`Some(true)`) or `-unread` (`Some(false)`).
    pub unread: Option<bool>,
    pub bookmarked: Option<bool>,
    pub mine: Option<bool>,
    /// The account the query is about (`account:NAME`); `None`: the one in use.
    pub account: Option<String>,
}

/// Names a key must be one of (when any is given) and must not be, lowercased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub any_of: Vec<String>,
    pub none_of: Vec<String>,
}

impl Allowed {
    /// Whether one of `names` (an id, a title: compared case-insensitively) is allowed.
    pub fn admits(&self, names: &[&str]) -> bool {
        let listed = |list: &[String]| {
            list.iter()
                .any(|want| names.iter().any(|n| n.to_lowercase() == *want))
        };
        (self.any_of.is_empty() || listed(&self.any_of)) && !listed(&self.none_of)
    }

    pub fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.none_of.is_empty()
    }
}

/// A point in time a date operator names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The start of this day (UTC).
    Day(Date),
    /// This long before now.
    Ago(SignedDuration),
}

impl When {
    pub fn at(self, now: Timestamp) -> Timestamp {
        match self {
            When::Day(day) => TimeZone::UTC
                .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                .unwrap_or(Timestamp::MIN),
            When::Ago(span) => now.checked_sub(span).unwrap_or(Timestamp::MIN),
        }
    }
}

/// What a query asks of one post (or, for a title, of the thread's first post).
#[derive(Clone, Copy, Debug)]
pub struct PostTraits<'a> {
    pub author: &'a str,
    pub created_at: Timestamp,
    /// Unread as the tree counts it (a post a rule hides or marks read is not).
    pub unread: bool,
    pub bookmarked: bool,
    pub mine: bool,
}

/// A query that does not parse: where (a character column, from 1) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

/// The operators, for messages.
const KNOWN: &str = "author:, area:, thread:, before:, after:, is:bookmarked, is:mine, \
                     is:unread (or unread), account:";

impl Query {
    /// Parses `text`; an error names the column where the query stops making sense.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        let mut query = Query {
            source: text.split_whitespace().collect::<Vec<_>>().join(" "),
            ..Query::default()
        };
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        let mut any = false;
        while at < chars.len() {
            if chars[at].is_whitespace() {
                at += 1;
                continue;
            }
            any = true;
            let start = at;
            let negated = chars[at] == '-';
            if negated {
                at += 1;
                if chars.get(at).is_none_or(|c| c.is_whitespace()) {
                    return Err(error(
                        start,
                        "`-` with nothing after it (`-word` leaves out what holds the word)",
                    ));
                }
            }
            if chars[at] == '"' {
                let (phrase, next) = quoted(&chars, at)?;
                at = next;
                let list = if negated {
                    &mut query.without
                } else {
                    &mut query.words
                };
                list.push(phrase);
                continue;
            }
            let key_end = (at..chars.len())
                .find(|&i| chars[i] == ':' || chars[i].is_whitespace())
                .unwrap_or(chars.len());
            let key: String = chars[at..key_end].iter().collect();
            let operator = chars.get(key_end) == Some(&':')
                && !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphabetic())
                && chars.get(key_end + 1).is_some_and(|c| !c.is_whitespace())
                && !(chars.get(key_end + 1) == Some(&'/') && chars.get(key_end + 2) == Some(&'/'));
            if operator {
                let (value, next) = if chars[key_end + 1] == '"' {
                    quoted(&chars, key_end + 1)?
                } else {
                    let end = (key_end + 1..chars.len())
                        .find(|&i| chars[i].is_whitespace())
                        .unwrap_or(chars.len());
                    (chars[key_end + 1..end].iter().collect(), end)
                };
                at = next;
                query.operator(
                    &key.to_ascii_lowercase(),
                    &value,
                    negated,
                    start,
                    key_end + 1,
                )?;
                continue;
            }
            let end = (at..chars.len())
                .find(|&i| chars[i].is_whitespace())
                .unwrap_or(chars.len());
            let word: String = chars[at..end].iter().collect::<String>().to_lowercase();
            at = end;
            match (word.as_str(), negated) {
                ("unread", _) => query.flag(Flag::Unread, !negated, start)?,
                (_, true) => query.without.push(word),
                (_, false) => query.words.push(word),
            }
        }
        if !any {
            return Err(error(0, "the query is empty: give words or operators"));
        }
        Ok(query)
    }

    /// The query a command line's words make. One word is the whole query, as quoted
    /// (`'budget author:"Ann Lee"'`); several are joined by spaces, an operator's value the
    /// shell kept together (`author:"Ann Lee" budget` arrives as `author:Ann Lee`,
    /// `budget`) quoted again.
    pub fn from_args(args: &[String]) -> String {
        if let [one] = args {
            return one.clone();
        }
        args.iter()
            .map(|arg| match arg.split_once(':') {
                Some((key, value))
                    if !key.is_empty()
                        && key
                            .trim_start_matches('-')
                            .chars()
                            .all(|c| c.is_ascii_alphabetic())
                        && value.contains(char::is_whitespace)
                        && !arg.contains('"') =>
                {
                    format!("{key}:\"{value}\"")
                }
                _ => arg.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The query as given, blanks made single spaces.
    pub fn source(&self) -> &str {
        &self.source
    }

    fn operator(
        &mut self,
        key: &str,
        value: &str,
        negated: bool,
        start: usize,
        value_at: usize,
    ) -> Result<(), QueryError> {
        let lower = value.to_lowercase();
        let add = |allowed: &mut Allowed| {
            if negated {
                allowed.none_of.push(lower.clone());
            } else {
                allowed.any_of.push(lower.clone());
            }
        };
        match key {
            "author" => add(&mut self.authors),
            "area" => add(&mut self.areas),
            "thread" => add(&mut self.threads),
            "before" | "after" => {
                let when = when(value).map_err(|m| error(value_at, &format!("{key}: {m}")))?;
                // `-before:D` is `after:D`, and the other way round.
                if (key == "before") == negated {
                    self.after.push(when);
                } else {
                    self.before.push(when);
                }
            }
            "is" => {
                let flag = match lower.as_str() {
                    "bookmarked" => Flag::Bookmarked,
                    "mine" => Flag::Mine,
                    "unread" => Flag::Unread,
                    "read" => return self.flag(Flag::Unread, negated, start),
                    _ => {
                        return Err(error(
                            value_at,
                            &format!(
                                "is:{value} is not something a post can be (is:bookmarked, \
                                 is:mine, is:unread, is:read)"
                            ),
                        ));
                    }
                };
                self.flag(flag, !negated, start)?;
            }
            "account" => {
                if negated {
                    return Err(error(
                        start,
                        "-account: is not possible: a query looks at one account",
                    ));
                }
                if let Some(other) = self.account.as_ref().filter(|a| **a != value) {
                    return Err(error(
                        start,
                        &format!(
                            "account:{value} after account:{other}: a query looks at one account"
                        ),
                    ));
                }
                self.account = Some(value.to_owned());
            }
            _ => {
                return Err(error(
                    start,
                    &format!(
                        "no operator {key}: (known: {KNOWN}); to search for the text, put it in quotes: \"{key}:{value}\""
                    ),
                ));
            }
        }
        Ok(())
    }

    fn flag(&mut self, flag: Flag, want: bool, start: usize) -> Result<(), QueryError> {
        let (slot, name) = match flag {
            Flag::Unread => (&mut self.unread, "unread"),
            Flag::Bookmarked => (&mut self.bookmarked, "is:bookmarked"),
            Flag::Mine => (&mut self.mine, "is:mine"),
        };
        if slot.is_some_and(|had| had != want) {
            return Err(error(
                start,
                &format!("{name} both asked for and left out: nothing could match"),
            ));
        }
        *slot = Some(want);
        Ok(())
    }

    /// Whether the query looks at posts only: with `author:`, a date, `unread`,
    /// `is:bookmarked` or `is:mine` a thread's title is not a hit of its own.
    pub fn posts_only(&self) -> bool {
        !self.authors.is_empty()
            || !self.before.is_empty()
            || !self.after.is_empty()
            || self.unread.is_some()
            || self.bookmarked.is_some()
            || self.mine.is_some()
    }

    /// The pieces of the words and phrases the search index can narrow the search with.
    pub fn index_words(&self) -> Vec<String> {
        self.words
            .iter()
            .flat_map(|w| w.split(' '))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether a phrase with blanks is asked for (or left out): the text is then matched
    /// with its blanks made single spaces.
    pub fn has_phrases(&self) -> bool {
        self.words
            .iter()
            .chain(&self.without)
            .any(|w| w.contains(' '))
    }

    /// Whether a thread (its id, area id and area title) may hold hits.
    pub fn admits_thread(&self, thread: &str, area_id: &str, area_title: &str) -> bool {
        self.threads.admits(&[thread]) && self.areas.admits(&[area_id, area_title])
    }

    /// Whether a post passes every operator (the words are the store's to find).
    pub fn admits_post(&self, post: &PostTraits<'_>, now: Timestamp) -> bool {
        let flag = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
        self.authors.admits(&[post.author])
            && self.before.iter().all(|w| post.created_at < w.at(now))
            && self.after.iter().all(|w| post.created_at >= w.at(now))
            && flag(self.unread, post.unread)
            && flag(self.bookmarked, post.bookmarked)
            && flag(self.mine, post.mine)
    }

    /// Whether `lower` (a lowercased text) holds a word or phrase left out.
    pub fn excludes(&self, lower: &str) -> bool {
        self.without.iter().any(|w| lower.contains(w.as_str()))
    }

    /// Whether the query needs the read state (`unread`).
    pub fn needs_read_state(&self) -> bool {
        self.unread.is_some()
    }
}

#[derive(Clone, Copy)]
enum Flag {
    Unread,
    Bookmarked,
    Mine,
}

fn error(at: usize, message: &str) -> QueryError {
    QueryError {
        column: at + 1,
        message: message.to_owned(),
    }
}

/// A quoted phrase starting at `chars[open]` (a `"`): lowercased, blanks made one space,
/// and the index after the closing quote.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let Some(close) = (open + 1..chars.len()).find(|&i| chars[i] == '"') else {
        return Err(error(open, "a quote that is not closed"));
    };
    let inner: String = chars[open + 1..close].iter().collect();
    let phrase = inner
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if phrase.is_empty() {
        return Err(error(open, "an empty phrase (\"\")"));
    }
    Ok((phrase, close + 1))
}

/// A date (`2026-01-31`) or a time ago (`7d`, `2w`, `12h`, `3 months` written `3mo`).
fn when(value: &str) -> Result<When, String> {
    if let Ok(day) = value.parse::<Date>() {
        return Ok(When::Day(day));
    }
    value
        .parse::<Span>()
        .and_then(|span| span.to_duration(SpanRelativeTo::days_are_24_hours()))
        .map(When::Ago)
        .map_err(|_| format!("{value:?} is not a date (2026-01-31) or a time ago (7d, 2w, 12h)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Query {
        Query::parse(text).unwrap()
    }

    fn fails(text: &str) -> QueryError {
        Query::parse(text).unwrap_err()
    }

    #[test]
    fn words_and_phrases_are_lowercased_and_phrases_keep_their_order() {
        let q = parsed("Budget  \"Annual   REPORT\" 戦略");
        assert_eq!(q.words, ["budget", "annual report", "戦略"]);
        assert_eq!(q.index_words(), ["budget", "annual", "report", "戦略"]);
        assert!(q.has_phrases());
        assert_eq!(q.source(), "Budget \"Annual REPORT\" 戦略");
        assert!(!q.posts_only());
    }

    #[test]
    fn a_dash_leaves_out_words_phrases_and_operators() {
        let q = parsed("budget -draft -\"old news\" -author:Ann -area:meta -unread");
        assert_eq!(q.words, ["budget"]);
        assert_eq!(q.without, ["draft", "old news"]);
        assert_eq!(q.authors.none_of, ["ann"]);
        assert_eq!(q.areas.none_of, ["meta"]);
        assert_eq!(q.unread, Some(false));
        assert!(q.excludes("an old news item"));
        assert!(!q.excludes("news, old"));
        // A dash inside a word is part of it.
        assert_eq!(parsed("e-mail").words, ["e-mail"]);
    }

    #[test]
    fn operators_take_plain_or_quoted_values() {
        let q = parsed(
            "author:ann AUTHOR:\"Mei Lin 林美\" area:Governance thread:t9 is:bookmarked \
             is:mine unread account:work",
        );
        assert_eq!(q.authors.any_of, ["ann", "mei lin 林美"]);
        assert_eq!(q.areas.any_of, ["governance"]);
        assert_eq!(q.threads.any_of, ["t9"]);
        assert_eq!(
            (q.bookmarked, q.mine, q.unread),
            (Some(true), Some(true), Some(true))
        );
        assert_eq!(q.account.as_deref(), Some("work"));
        assert!(q.words.is_empty());
        assert!(q.posts_only());
        assert_eq!(parsed("is:unread").unread, Some(true));
        assert_eq!(parsed("is:read").unread, Some(false));
        // Not operators: a time, a web address, a colon at the end, a quoted one.
        assert_eq!(parsed("10:30").words, ["10:30"]);
        assert_eq!(parsed("https://x.org").words, ["https://x.org"]);
        assert_eq!(parsed("note:").words, ["note:"]);
        assert_eq!(parsed("\"re:budget\"").words, ["re:budget"]);
    }

    #[test]
    fn an_operator_value_the_shell_kept_together_is_quoted_again() {
        let args =
            |a: &[&str]| Query::from_args(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            args(&["author:Ann Lee", "budget"]),
            "author:\"Ann Lee\" budget"
        );
        assert_eq!(args(&["-area:Big Area", "x"]), "-area:\"Big Area\" x");
        assert_eq!(
            args(&["area:a1 budget"]),
            "area:a1 budget",
            "one word: the whole query"
        );
        assert_eq!(
            args(&["annual report", "10:30 am"]),
            "annual report 10:30 am"
        );
        assert_eq!(args(&["author:\"Ann Lee\"", "x"]), "author:\"Ann Lee\" x");
        assert_eq!(
            parsed(&args(&["author:Ann Lee", "x"])).authors.any_of,
            ["ann lee"]
        );
    }

    #[test]
    fn dates_are_days_or_times_ago() {
        let q = parsed("before:2026-02-01 after:7d");
        let now: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            q.before[0].at(now),
            "2026-02-01T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            q.after[0].at(now),
            "2026-02-22T12:00:00Z".parse::<Timestamp>().unwrap()
        );
        let post = |at: &str| PostTraits {
            author: "Ann",
            created_at: at.parse().unwrap(),
            unread: true,
            bookmarked: false,
            mine: false,
        };
        let q = parsed("after:2026-01-31 before:2026-02-01");
        assert!(q.admits_post(&post("2026-01-31T23:59:00Z"), now));
        assert!(!q.admits_post(&post("2026-02-01T00:00:00Z"), now));
        assert!(!q.admits_post(&post("2026-01-30T23:59:00Z"), now));
        // `-before:` is `after:`.
        assert_eq!(parsed("-before:2026-01-31").after.len(), 1);
    }

    #[test]
    fn posts_pass_every_operator_given() {
        let now = Timestamp::UNIX_EPOCH;
        let post = PostTraits {
            author: "Ann",
            created_at: now,
            unread: true,
            bookmarked: false,
            mine: false,
        };
        assert!(parsed("author:ann unread").admits_post(&post, now));
        assert!(parsed("author:bob author:ANN").admits_post(&post, now));
        assert!(!parsed("author:bob").admits_post(&post, now));
        assert!(!parsed("-author:ann").admits_post(&post, now));
        assert!(!parsed("is:bookmarked").admits_post(&post, now));
        assert!(parsed("-is:mine").admits_post(&post, now));
        assert!(!parsed("-unread").admits_post(&post, now));
        let q = parsed("area:governance -thread:t2");
        assert!(q.admits_thread("t1", "gov", "Governance"));
        assert!(q.admits_thread("t1", "governance", "Other"));
        assert!(!q.admits_thread("t2", "gov", "Governance"));
        assert!(!q.admits_thread("t1", "meta", "Meta"));
    }

    #[test]
    fn errors_name_the_column_and_what_to_do() {
        let e = fails("budget \"annual report");
        assert_eq!(e.column, 8);
        assert!(e.message.contains("not closed"), "{e}");
        let e = fails("budget colour:red");
        assert_eq!(e.column, 8);
        assert!(e.message.contains("no operator colour:"), "{e}");
        assert!(e.message.contains("\"colour:red\""), "{e}");
        let e = fails("is:pinned");
        assert_eq!(e.column, 4);
        assert!(e.message.contains("is:bookmarked"), "{e}");
        let e = fails("a before:soon");
        assert_eq!(e.column, 10);
        assert!(
            e.message.contains("before:") && e.message.contains("2026-01-31"),
            "{e}"
        );
        assert_eq!(fails("x - y").column, 3);
        assert_eq!(fails("  ").column, 1);
        assert_eq!(fails("\"\"").column, 1);
        assert!(
            fails("unread -unread")
                .message
                .contains("nothing could match")
        );
        assert!(fails("account:a account:b").message.contains("one account"));
        assert!(fails("-account:a").message.contains("one account"));
        // Columns count characters, not bytes.
        assert_eq!(fails("戦略 zz:q").column, 4);
    }
}
