//! After an attempt whose outcome is unknown, on servers without idempotency keys
//! (Discourse, Lemmy): is the entry already there as our own post? One rule for every
//! such backend: by the same account, with the same text, created after the first
//! attempt (less some clock skew), in the same thread; the newest candidates first.

use crate::model::OutboxEntry;
use jiff::{SignedDuration, Timestamp};

/// Clocks differ: our post may carry a server time a little before our first attempt.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(10);

/// Recent posts of ours looked at, at most.
pub const CANDIDATES_CHECKED: usize = 5;

/// The earliest creation time our post can carry.
pub fn since(entry: &OutboxEntry) -> Timestamp {
    entry.first_attempt_at.unwrap_or(entry.created_at) - CLOCK_SKEW
}

/// Same text as far as servers keep it: line endings, trailing spaces and surrounding
/// blank lines do not count.
pub fn same_text(stored: &str, ours: &str) -> bool {
    fn normalize(text: &str) -> String {
        text.replace("\r\n", "\n")
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }
    normalize(stored) == normalize(ours)
}

/// The candidates worth checking: created since the entry's first attempt, newest
/// first, each once, at most [`CANDIDATES_CHECKED`].
pub fn newest_candidates<T: PartialEq>(
    entry: &OutboxEntry,
    mut candidates: Vec<(Timestamp, T)>,
) -> Vec<T> {
    let since = since(entry);
    candidates.retain(|(at, _)| *at >= since);
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut picked: Vec<T> = Vec::new();
    for (_, c) in candidates {
        if !picked.contains(&c) {
            picked.push(c);
        }
        if picked.len() == CANDIDATES_CHECKED {
            break;
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Target, ThreadId};

    #[test]
    fn text_comparison_ignores_what_servers_strip() {
        assert!(same_text("Hello\nworld", "Hello  \r\nworld\n\n"));
        assert!(!same_text("Hello world", "Hello  world"));
    }

    #[test]
    fn candidates_are_recent_newest_first_and_few() {
        let at = Timestamp::from_second(1_000_000).unwrap();
        let mut entry = OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("t"),
                reply_to: None,
            },
            "x".into(),
            at,
        );
        entry.first_attempt_at = Some(at);
        let old = at - SignedDuration::from_hours(1);
        let list = (0..8)
            .map(|i| (at + SignedDuration::from_secs(i), i))
            .chain([(old, 99), (at, 3)])
            .collect();
        assert_eq!(newest_candidates(&entry, list), vec![7, 6, 5, 4, 3]);
    }
}
