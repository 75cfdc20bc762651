//! The words the search index has seen (its `terms` table): every run of letters and
//! digits of every indexed post and title, lowercased, once (numbers aside). A search asks it whether a
//! word of the query stands whole anywhere, or begins a longer word anywhere; when it
//! does neither, every hit has it inside a word, and the search can stop at the first
//! hits it finds rather than read every candidate looking for better ones
//! (see `super::search`).
//!
//! The table only grows between builds: a word edited away stays, which can only make a
//! search look further than it needed to. It is written in the same transaction as the
//! rows of the posts the words come from, so it never lacks a word of an indexed post;
//! the threads a write left pending are not covered, and while there are any the index
//! says it cannot tell.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::HashSet;

/// The longest word (in characters) kept whole. A longer one (a long compound, a
/// sentence in a script written without spaces) is kept as its first [`LONG_PREFIX`]
/// characters and [`LONG`], so the table stays small whatever the text.
const TERM_CHARS: usize = 24;
/// The characters a longer word is kept by.
const LONG_PREFIX: usize = 2;
/// Ends the entry of a longer word: no word of a post holds it (it is not a letter or a
/// digit), so such an entry never equals a word.
const LONG: char = '\u{1}';

/// The table, made by a build along with the index's others.
pub const TABLE: &str = "
    DROP TABLE IF EXISTS terms;
    CREATE TABLE terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
";

/// Where a word of a query may stand in the indexed text, as far as the words seen say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Possible {
    /// Some post or title may hold it whole.
    pub whole: bool,
    /// Some post or title may hold a longer word beginning with it.
    pub start: bool,
}

impl Possible {
    /// What a word the table does not answer for (one with a blank or a mark in it) may
    /// be: anything.
    const ANY: Self = Self {
        whole: true,
        start: true,
    };
}

/// The words of one write, gathered from the texts it indexes and added to the table
/// before its transaction commits.
#[derive(Debug, Default)]
pub struct Terms {
    seen: HashSet<String, foldhash::fast::RandomState>,
}

impl Terms {
    /// Gathers the words of `lower`: an indexed run's text (lowercased words, each once,
    /// separated by blanks) or a lowercased title.
    pub fn gather(&mut self, lower: &str) {
        for token in lower.split_whitespace() {
            for word in token.split(|c: char| !c.is_alphanumeric()) {
                if word.is_empty() || is_number(word) || self.seen.contains(word) {
                    continue;
                }
                self.seen.insert(key(word));
            }
        }
    }

    /// Adds the words gathered to the table (those it has are left as they are).
    pub fn write(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let mut add = tx.prepare_cached("INSERT OR IGNORE INTO terms (term) VALUES (?1)")?;
        for term in self.seen.drain() {
            add.execute([term])?;
        }
        Ok(())
    }
}

/// Numbers are not kept: a forum holds countless different ones (post numbers, dates,
/// amounts), and a query for one may find it anywhere.
fn is_number(word: &str) -> bool {
    word.chars().all(char::is_numeric)
}

/// How a word is kept: whole when short enough, else by its first characters.
fn key(word: &str) -> String {
    match word.char_indices().nth(TERM_CHARS) {
        None => word.to_owned(),
        Some(_) => long_key(word),
    }
}

/// The entry of a longer word beginning as `word` does.
fn long_key(word: &str) -> String {
    let mut key: String = word.chars().take(LONG_PREFIX).collect();
    key.push(LONG);
    key
}

/// Where each of `words` (lowercased) may stand in the indexed posts and titles. A word
/// with anything but letters and digits in it may stand anywhere: a hit's fit looks at
/// its first and last characters' neighbours, which the runs of letters kept here do not
/// show for it.
pub fn possible(conn: &Connection, words: &[String]) -> rusqlite::Result<Vec<Possible>> {
    let mut has = conn.prepare_cached("SELECT 1 FROM terms WHERE term = ?1")?;
    let mut longer = conn.prepare_cached("SELECT 1 FROM terms WHERE term > ?1 AND term < ?2")?;
    let mut exists = |term: &str| has.query_row([term], |_| Ok(())).optional();
    words
        .iter()
        .map(|word| {
            if word.is_empty() || is_number(word) || !word.chars().all(char::is_alphanumeric) {
                return Ok(Possible::ANY);
            }
            let chars = word.chars().count();
            let as_long = (chars >= LONG_PREFIX)
                .then(|| long_key(word))
                .map(|k| exists(&k))
                .transpose()?
                .flatten()
                .is_some();
            let whole = if chars <= TERM_CHARS {
                exists(word)?.is_some()
            } else {
                as_long
            };
            // Kept whole and longer, beginning with it: between it and it followed by the
            // last character there is (a longer word kept by its first characters, when
            // those are the word's, is in this range too).
            let mut upper = word.clone();
            upper.push(char::MAX);
            let begins = longer
                .query_row(params![word, upper], |_| Ok(()))
                .optional()?
                .is_some();
            Ok(Possible {
                whole,
                start: begins || as_long,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(texts: &[&str]) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(TABLE).unwrap();
        let tx = conn.transaction().unwrap();
        let mut terms = Terms::default();
        for text in texts {
            terms.gather(text);
        }
        terms.write(&tx).unwrap();
        tx.commit().unwrap();
        conn
    }

    fn ask(conn: &Connection, word: &str) -> (bool, bool) {
        let p = possible(conn, &[word.to_owned()]).unwrap()[0];
        (p.whole, p.start)
    }

    #[test]
    fn a_word_is_found_whole_as_a_beginning_or_not_at_all() {
        let conn = table(&["the framework's (draft) training, v2.0 "]);
        assert_eq!(ask(&conn, "framework"), (true, false));
        assert_eq!(ask(&conn, "frame"), (false, true));
        assert_eq!(ask(&conn, "ewor"), (false, false), "only inside a word");
        assert_eq!(ask(&conn, "train"), (false, true));
        assert_eq!(
            ask(&conn, "draft"),
            (true, false),
            "brackets are not letters"
        );
        assert_eq!(
            ask(&conn, "s"),
            (true, false),
            "framework's: s stands alone"
        );
        assert_eq!(ask(&conn, "v2"), (true, false));
        assert_eq!(ask(&conn, "v"), (false, true), "v2 begins with it");
        assert_eq!(
            ask(&conn, "2"),
            (true, true),
            "numbers are not kept: anywhere"
        );
        assert_eq!(ask(&conn, "t"), (false, true), "the, training");
        assert_eq!(ask(&conn, "x"), (false, false));
    }

    #[test]
    fn a_word_with_a_mark_or_a_blank_may_stand_anywhere() {
        let conn = table(&["nothing "]);
        assert_eq!(ask(&conn, "v2.0"), (true, true));
        assert_eq!(ask(&conn, "annual report"), (true, true));
    }

    #[test]
    fn a_long_word_is_kept_by_its_first_characters() {
        // 30 characters of one script without spaces: one long word.
        let long = "戦略的な計画について話し合うための会議を来週に開きたいと思います";
        let conn = table(&[long, "internationalizationization "]);
        assert_eq!(ask(&conn, "戦略"), (false, true), "it begins a long word");
        assert_eq!(ask(&conn, "計画"), (false, false), "only inside it");
        assert_eq!(ask(&conn, long), (true, true), "whole: maybe");
        assert_eq!(ask(&conn, "internationalizationization"), (true, true));
        assert_eq!(ask(&conn, "inter"), (false, true));
        assert_eq!(ask(&conn, "i"), (false, true));
        assert_eq!(ask(&conn, "nation"), (false, false));
    }

    #[test]
    fn gathering_keeps_each_word_once_and_the_table_only_grows() {
        let mut conn = table(&["alpha beta alpha "]);
        let tx = conn.transaction().unwrap();
        let mut terms = Terms::default();
        terms.gather("beta gamma ");
        terms.write(&tx).unwrap();
        tx.commit().unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM terms", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 3);
        let mut terms = Terms::default();
        terms.gather("4999 ٣٤ 2026-12-05 #12 ");
        assert!(
            terms.seen.is_empty(),
            "numbers are not kept: {:?}",
            terms.seen
        );
        assert!(terms.seen.is_empty(), "written and forgotten");
    }
}
