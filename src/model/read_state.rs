//! What the user has read: per thread, a high-water `seq` plus explicit marks, merged monotonically.

use super::ids::ThreadId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Read state of one thread.
///
/// `read_through` says "every post up to this seq has been read". Posts above it can be
/// read one by one (`read_above`), and posts below it can be explicitly marked unread
/// again (`unread_below`) — the undo of "mark read".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRead {
    #[serde(default)]
    pub read_through: u32,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub read_above: BTreeSet<u32>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unread_below: BTreeSet<u32>,
    /// The `last_seq` the user had seen when they last left the thread: posts above it are
    /// "new since last visit".
    #[serde(default)]
    pub seen_through: u32,
    /// The newest deliberate "unread" from another device this copy has taken in (see
    /// [`ReadState::apply_marker`](super::ReadState::apply_marker)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_unread_at: Option<jiff::Timestamp>,
}

impl ThreadRead {
    pub fn is_read(&self, seq: u32) -> bool {
        if seq <= self.read_through {
            !self.unread_below.contains(&seq)
        } else {
            self.read_above.contains(&seq)
        }
    }

    /// Marks one post read.
    pub fn mark_read(&mut self, seq: u32) {
        if seq <= self.read_through {
            self.unread_below.remove(&seq);
        } else {
            self.read_above.insert(seq);
            self.compact();
        }
    }

    /// Marks one post unread.
    pub fn mark_unread(&mut self, seq: u32) {
        if seq <= self.read_through {
            self.unread_below.insert(seq);
        } else {
            self.read_above.remove(&seq);
        }
    }

    /// Marks every post up to `last_seq` read.
    pub fn mark_all_read(&mut self, last_seq: u32) {
        self.read_through = self.read_through.max(last_seq);
        self.read_above.retain(|&s| s > self.read_through);
        self.unread_below.clear();
    }

    /// Marks every post unread.
    pub fn mark_all_unread(&mut self) {
        self.read_through = 0;
        self.read_above.clear();
        self.unread_below.clear();
    }

    /// Unread posts among seqs `1..=last_seq`.
    pub fn unread_count(&self, last_seq: u32) -> u32 {
        let below = u32::try_from(self.unread_below.iter().filter(|&&s| s <= last_seq).count())
            .unwrap_or(u32::MAX);
        let above_read = u32::try_from(self.read_above.iter().filter(|&&s| s <= last_seq).count())
            .unwrap_or(u32::MAX);
        let high = self.read_through.min(last_seq);
        (last_seq - high)
            .saturating_sub(above_read)
            .saturating_add(below)
    }

    /// Is `seq` new since the user's last visit?
    pub fn is_new(&self, seq: u32) -> bool {
        seq > self.seen_through
    }

    /// Folds another device's or an older copy's state in: reading only moves forward,
    /// except that explicit "unread" marks from either side are kept.
    pub fn merge(&mut self, other: &ThreadRead) {
        let through = self.read_through.max(other.read_through);
        let mut above: BTreeSet<u32> = self.read_above.union(&other.read_above).copied().collect();
        let mut unread: BTreeSet<u32> = self
            .unread_below
            .union(&other.unread_below)
            .copied()
            .collect();
        // A post read through one side's high-water mark but explicitly unread on the side
        // that reached it stays unread.
        unread.retain(|&s| s <= through);
        above.retain(|&s| s > through);
        self.read_through = through;
        self.read_above = above;
        self.unread_below = unread;
        self.seen_through = self.seen_through.max(other.seen_through);
        self.remote_unread_at = self.remote_unread_at.max(other.remote_unread_at);
        self.compact();
    }

    /// Folds a contiguous run of `read_above` into `read_through`.
    fn compact(&mut self) {
        while self.read_above.remove(&(self.read_through + 1)) {
            self.read_through += 1;
        }
    }
}

/// The sum of unread counts, stopping at `u32::MAX` (a server may claim absurd post
/// numbers; a total must never wrap around to a plausible-looking figure).
pub fn saturating_total(counts: impl IntoIterator<Item = u32>) -> u32 {
    counts.into_iter().fold(0, u32::saturating_add)
}

/// Read state of every thread of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    #[serde(default)]
    pub threads: BTreeMap<ThreadId, ThreadRead>,
}

impl ReadState {
    pub fn thread(&self, id: &ThreadId) -> Option<&ThreadRead> {
        self.threads.get(id)
    }

    pub fn thread_mut(&mut self, id: &ThreadId) -> &mut ThreadRead {
        self.threads.entry(id.clone()).or_default()
    }

    pub fn unread_count(&self, id: &ThreadId, last_seq: u32) -> u32 {
        self.threads
            .get(id)
            .map_or(last_seq, |t| t.unread_count(last_seq))
    }

    pub fn merge(&mut self, other: &ReadState) {
        for (id, theirs) in &other.threads {
            self.thread_mut(id).merge(theirs);
        }
    }

    /// The server says the thread was read up to `seq` (on another device, or in the
    /// forum's own web pages). Reading only moves forward, and a post the user marked
    /// unread here stays unread. Returns whether anything changed.
    pub fn read_elsewhere(&mut self, id: &ThreadId, seq: u32) -> bool {
        let theirs = ThreadRead {
            read_through: seq,
            ..ThreadRead::default()
        };
        let thread = self.thread_mut(id);
        let before = thread.clone();
        thread.merge(&theirs);
        *thread != before
    }
}

/// What one process last wrote to `read.json` and the state it wrote it from: the base
/// its next save is merged against (see [`ReadState::merged_for_save`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedReadState {
    /// The process's own state as it stood at that save (or as loaded at start).
    pub ours: ReadState,
    /// What it wrote (or found) in the file then.
    pub written: ReadState,
}

impl SavedReadState {
    /// The base when the file held `loaded` and the process started from it.
    pub fn loaded(loaded: ReadState) -> Self {
        Self {
            ours: loaded.clone(),
            written: loaded,
        }
    }
}

impl ReadState {
    /// What to write over `disk` — the file as it is now, perhaps written by another
    /// threadmark on the same account since this one last saved (`base`). Thread by
    /// thread: changed only here, ours; changed only there, theirs (a deliberate
    /// "unread" included); changed on both sides, the two merged (reading only moves
    /// forward, explicit unread marks of either side are kept); changed nowhere, the
    /// file's. No read mark made by either side is lost.
    #[must_use]
    pub fn merged_for_save(&self, base: &SavedReadState, disk: &ReadState) -> ReadState {
        let ids: BTreeSet<&ThreadId> = self.threads.keys().chain(disk.threads.keys()).collect();
        let mut merged = ReadState::default();
        for id in ids {
            let ours = self.threads.get(id);
            let theirs = disk.threads.get(id);
            let we_changed = ours != base.ours.threads.get(id);
            let they_changed = theirs != base.written.threads.get(id);
            let kept = match (ours, theirs) {
                (Some(ours), Some(theirs)) if we_changed && they_changed => {
                    let mut both = ours.clone();
                    both.merge(theirs);
                    both
                }
                (Some(ours), Some(_)) if we_changed => ours.clone(),
                (Some(ours), None) => ours.clone(),
                (_, Some(theirs)) => theirs.clone(),
                (None, None) => continue,
            };
            merged.threads.insert(id.clone(), kept);
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(id: &str, thread: ThreadRead) -> ReadState {
        let mut state = ReadState::default();
        state.threads.insert(ThreadId::new(id), thread);
        state
    }

    fn read_through(n: u32) -> ThreadRead {
        let mut t = ThreadRead::default();
        t.mark_all_read(n);
        t
    }

    #[test]
    fn a_stale_copy_saved_last_keeps_what_the_other_reader_marked() {
        // Both readers started from the same file; A read thread x and saved.
        let start = one("y", read_through(2));
        let base_b = SavedReadState::loaded(start.clone());
        let mut a = start.clone();
        a.threads.insert(ThreadId::new("x"), read_through(9));
        let disk = a.merged_for_save(&SavedReadState::loaded(start.clone()), &start);
        // B read thread y further and quits last, from its stale copy.
        let mut b = start;
        b.thread_mut(&ThreadId::new("y")).mark_all_read(5);
        let written = b.merged_for_save(&base_b, &disk);
        assert_eq!(
            written.unread_count(&ThreadId::new("x"), 9),
            0,
            "A's marks kept"
        );
        assert_eq!(
            written.unread_count(&ThreadId::new("y"), 5),
            0,
            "B's marks kept"
        );
    }

    #[test]
    fn a_deliberate_unread_survives_when_only_one_side_changed_the_thread() {
        let start = one("x", read_through(9));
        // A marks x unread again and saves; B never touched x.
        let mut a = start.clone();
        a.thread_mut(&ThreadId::new("x")).mark_all_unread();
        let disk = a.merged_for_save(&SavedReadState::loaded(start.clone()), &start);
        let b = start.clone();
        let written = b.merged_for_save(&SavedReadState::loaded(start), &disk);
        assert_eq!(written.unread_count(&ThreadId::new("x"), 9), 9);
    }

    #[test]
    fn a_thread_changed_on_both_sides_keeps_every_read_mark() {
        let start = one("x", read_through(2));
        let mut a = start.clone();
        a.thread_mut(&ThreadId::new("x")).mark_read(5);
        let disk = a.merged_for_save(&SavedReadState::loaded(start.clone()), &start);
        let mut b = start.clone();
        b.thread_mut(&ThreadId::new("x")).mark_read(3);
        let written = b.merged_for_save(&SavedReadState::loaded(start), &disk);
        let x = written.thread(&ThreadId::new("x")).unwrap();
        assert!(x.is_read(3) && x.is_read(5) && !x.is_read(4));
    }

    #[test]
    fn saving_again_after_a_merge_keeps_a_later_unread_of_ones_own() {
        let start = one("x", read_through(2));
        let mut a = start.clone();
        a.thread_mut(&ThreadId::new("x")).mark_read(5);
        let disk = a.merged_for_save(&SavedReadState::loaded(start.clone()), &start);
        // B read post 3 of x: both changed x, so B's save merges in A's post 5.
        let mut b = start.clone();
        b.thread_mut(&ThreadId::new("x")).mark_read(3);
        let base = SavedReadState::loaded(start);
        let written = b.merged_for_save(&base, &disk);
        let base = SavedReadState {
            ours: b.clone(),
            written: written.clone(),
        };
        // Then B marks x unread on purpose and saves again; nobody else wrote since.
        b.thread_mut(&ThreadId::new("x")).mark_all_unread();
        let again = b.merged_for_save(&base, &written);
        assert_eq!(again.unread_count(&ThreadId::new("x"), 5), 5);
    }

    #[test]
    fn reading_in_order_advances_the_high_water_mark() {
        let mut t = ThreadRead::default();
        t.mark_read(2);
        assert_eq!(t.read_through, 0);
        assert_eq!(t.unread_count(3), 2);
        t.mark_read(1);
        assert_eq!(t.read_through, 2);
        assert!(t.read_above.is_empty());
        assert_eq!(t.unread_count(3), 1);
    }

    #[test]
    fn mark_unread_undoes_mark_read() {
        let mut t = ThreadRead::default();
        t.mark_all_read(8);
        t.mark_unread(3);
        assert!(!t.is_read(3));
        assert_eq!(t.unread_count(8), 1);
        t.mark_read(3);
        assert_eq!(t.unread_count(8), 0);
        t.mark_all_unread();
        assert_eq!(t.unread_count(8), 8);
    }

    #[test]
    fn merge_is_monotonic_and_commutative_on_progress() {
        let mut a = ThreadRead::default();
        a.mark_all_read(5);
        let mut b = ThreadRead::default();
        b.mark_read(7);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.unread_count(7), 1);
    }

    #[test]
    fn a_server_read_mark_moves_forward_only_and_keeps_local_unread_marks() {
        let mut state = ReadState::default();
        let id = ThreadId::new("t");
        state.thread_mut(&id).mark_all_read(6);
        state.thread_mut(&id).mark_unread(2);
        assert!(!state.read_elsewhere(&id, 4), "behind what is read here");
        assert!(state.read_elsewhere(&id, 9));
        assert_eq!(
            state.unread_count(&id, 10),
            2,
            "#2 stays unread, #10 is new"
        );
    }

    #[test]
    fn an_unknown_thread_is_wholly_unread() {
        let state = ReadState::default();
        assert_eq!(state.unread_count(&ThreadId::new("x"), 4), 4);
    }
}
