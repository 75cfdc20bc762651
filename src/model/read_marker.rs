//! How far one user read one thread as the server keeps it (a "read up to" marker), and
//! the merge rule every side applies to it: reading only moves forward; a deliberate
//! "mark unread" carries its time and wins over older marks, and loses to newer ones.

use super::ids::ThreadId;
use super::read_state::{ReadState, ThreadRead};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The server's record of one user's reading of one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    /// Every post up to this `seq` is read.
    pub read_to_seq: u32,
    /// When the mark that last moved `read_to_seq` forward was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<Timestamp>,
    /// When the user last marked the thread unread on purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_at: Option<Timestamp>,
}

/// One mark the user made, as queued and sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum ReadMark {
    /// Read every post up to `seq`.
    ReadTo { seq: u32, at: Timestamp },
    /// Posts from `seq` on are unread again (a deliberate act).
    UnreadFrom { seq: u32, at: Timestamp },
}

impl ReadMark {
    pub fn at(&self) -> Timestamp {
        match self {
            ReadMark::ReadTo { at, .. } | ReadMark::UnreadFrom { at, .. } => *at,
        }
    }
}

impl ReadMarker {
    /// Folds one mark in; returns whether the marker changed.
    ///
    /// - "read to N" moves the marker forward to N, unless it is older than the last
    ///   deliberate unread (then it was undone on purpose and is dropped).
    /// - "unread from N" moves the marker back to N − 1 and records its time, unless a
    ///   mark that moved the marker forward is newer (then the user read on after it).
    ///   Its time counts even when it moves nothing back: a read made before it that
    ///   arrives later is dropped.
    pub fn apply(&mut self, mark: &ReadMark) -> bool {
        let before = *self;
        match *mark {
            ReadMark::ReadTo { seq, at } => {
                if self.unread_at.is_some_and(|u| at < u) || seq <= self.read_to_seq {
                    return false;
                }
                self.read_to_seq = seq;
                self.read_at = Some(self.read_at.map_or(at, |r| r.max(at)));
            }
            ReadMark::UnreadFrom { seq, at } => {
                if self.read_at.is_some_and(|r| at < r) {
                    return false;
                }
                self.read_to_seq = self.read_to_seq.min(seq.saturating_sub(1));
                self.unread_at = Some(self.unread_at.map_or(at, |u| u.max(at)));
            }
        }
        *self != before
    }
}

impl ThreadRead {
    /// How far the thread is read without a gap: the "read up to" a server keeps.
    pub fn read_to(&self) -> u32 {
        match self.unread_below.first() {
            Some(&first) => first.saturating_sub(1).min(self.read_through),
            None => self.read_through,
        }
    }

    /// Every post after `seq` becomes unread.
    pub fn unread_after(&mut self, seq: u32) {
        self.read_through = self.read_through.min(seq);
        self.read_above.retain(|&s| s <= seq);
        let through = self.read_through;
        self.unread_below.retain(|&s| s <= through);
    }
}

impl ReadState {
    /// Takes in the server's marker for a thread: reading only moves forward, and a
    /// deliberate "unread" made elsewhere after the last one taken in moves it back.
    /// Returns whether anything changed.
    pub fn apply_marker(&mut self, id: &ThreadId, marker: &ReadMarker) -> bool {
        let mut changed = self.read_elsewhere(id, marker.read_to_seq);
        let thread = self.thread_mut(id);
        if let Some(unread_at) = marker.unread_at
            && thread.remote_unread_at.is_none_or(|seen| unread_at > seen)
        {
            thread.remote_unread_at = Some(unread_at);
            if thread.read_to() > marker.read_to_seq
                || thread.read_above.iter().any(|&s| s > marker.read_to_seq)
            {
                thread.unread_after(marker.read_to_seq);
            }
            changed = true;
        }
        changed
    }

    /// The marks that take a server from `before` to this state, thread by thread:
    /// "read to" where the gapless read moved forward, "unread from" where it moved back.
    /// A move back that came with another device's unread, taken in since `before`, is
    /// that device's mark, not one made here: it is not sent back (its echo, stamped
    /// now, would undo reading done elsewhere in between).
    pub fn marks_since(&self, before: &ReadState, at: Timestamp) -> Vec<(ThreadId, ReadMark)> {
        let mut marks = Vec::new();
        for (id, now) in &self.threads {
            let old = before.thread(id);
            let was = old.map_or(0, ThreadRead::read_to);
            let is = now.read_to();
            let taken_in = now.remote_unread_at > old.and_then(|t| t.remote_unread_at);
            if is > was {
                marks.push((id.clone(), ReadMark::ReadTo { seq: is, at }));
            } else if is < was && !taken_in {
                marks.push((id.clone(), ReadMark::UnreadFrom { seq: is + 1, at }));
            }
        }
        marks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    fn read(seq: u32, at: i64) -> ReadMark {
        ReadMark::ReadTo { seq, at: t(at) }
    }

    fn unread(seq: u32, at: i64) -> ReadMark {
        ReadMark::UnreadFrom { seq, at: t(at) }
    }

    fn folded(marks: &[ReadMark]) -> u32 {
        let mut m = ReadMarker::default();
        for mark in marks {
            m.apply(mark);
        }
        m.read_to_seq
    }

    #[test]
    fn reading_only_moves_forward_in_any_order() {
        assert_eq!(folded(&[read(5, 1), read(3, 2)]), 5);
        assert_eq!(folded(&[read(3, 2), read(5, 1)]), 5);
    }

    #[test]
    fn a_deliberate_unread_wins_over_older_reads_whatever_arrives_first() {
        assert_eq!(folded(&[read(9, 1), unread(4, 2)]), 3);
        assert_eq!(folded(&[unread(4, 2), read(9, 1)]), 0, "older read dropped");
        let mut m = ReadMarker::default();
        m.apply(&read(9, 1));
        m.apply(&unread(4, 2));
        assert!(!m.apply(&read(9, 1)), "a late retry of the older read");
        assert_eq!(m.read_to_seq, 3);
    }

    #[test]
    fn a_newer_read_wins_over_an_older_unread_whatever_arrives_first() {
        assert_eq!(folded(&[unread(1, 1), read(7, 2)]), 7);
        assert_eq!(folded(&[read(7, 2), unread(1, 1)]), 7);
    }

    #[test]
    fn an_unread_already_in_place_changes_nothing() {
        let mut m = ReadMarker::default();
        m.apply(&read(4, 1));
        m.apply(&unread(3, 2));
        let before = m;
        assert!(!m.apply(&unread(3, 2)), "the same mark again");
        assert_eq!(m, before);
    }

    #[test]
    fn another_devices_unread_moves_this_copy_back_once() {
        let id = ThreadId::new("x");
        let mut state = ReadState::default();
        state.thread_mut(&id).mark_all_read(9);
        let marker = ReadMarker {
            read_to_seq: 3,
            read_at: Some(t(1)),
            unread_at: Some(t(2)),
        };
        assert!(state.apply_marker(&id, &marker));
        assert_eq!(state.unread_count(&id, 9), 6);
        // Read on here after it: the same marker again does not undo that.
        state.thread_mut(&id).mark_all_read(9);
        assert!(!state.apply_marker(&id, &marker));
        assert_eq!(state.unread_count(&id, 9), 0);
    }

    #[test]
    fn another_devices_unread_is_not_sent_back() {
        let id = ThreadId::new("x");
        let mut before = ReadState::default();
        before.thread_mut(&id).mark_all_read(9);
        let mut now = before.clone();
        let marker = ReadMarker {
            read_to_seq: 3,
            read_at: Some(t(1)),
            unread_at: Some(t(2)),
        };
        now.apply_marker(&id, &marker);
        assert_eq!(now.marks_since(&before, t(5)), vec![]);
        // An unread made here afterwards is sent.
        let base = now.clone();
        now.thread_mut(&id).unread_after(1);
        assert_eq!(
            now.marks_since(&base, t(6)),
            vec![(id, ReadMark::UnreadFrom { seq: 2, at: t(6) })]
        );
    }

    #[test]
    fn marks_since_say_what_moved_and_which_way() {
        let (x, y) = (ThreadId::new("x"), ThreadId::new("y"));
        let mut before = ReadState::default();
        before.thread_mut(&y).mark_all_read(5);
        let mut now = before.clone();
        now.thread_mut(&x).mark_all_read(4);
        now.thread_mut(&y).mark_unread(3);
        let marks = now.marks_since(&before, t(0));
        assert_eq!(
            marks,
            vec![
                (x, ReadMark::ReadTo { seq: 4, at: t(0) }),
                (y, ReadMark::UnreadFrom { seq: 3, at: t(0) }),
            ]
        );
    }
}
