//! The reader pane's model: the open thread in reading order, its rows at the current width,
//! the scroll position, the current post, folded subthreads and the in-thread search.

use crate::app::judged::Judged;
use crate::app::msg::LoadedThread;
use crate::app::reader::echo::{Echo, EchoMark, echoes_for};
use crate::app::reader::rows::{LayoutInput, RowLayout, WrapCache, descendants, layout};
use crate::app::reader::search::{Match, find_all};
use crate::model::{
    OutboxEntry, Placed, Post, PostId, SeqRange, Thread, ThreadId, ThreadRead, Verdict,
    reading_order,
};
use crate::render::Document;
use std::collections::HashSet;

pub use crate::app::reader::rows::Row;

/// A thread shown in the reader.
#[derive(Debug)]
pub struct OpenThread {
    /// The synced posts, then the local echoes of replies still in the outbox.
    pub file: Thread,
    pub docs: Vec<Document>,
    pub order: Vec<Placed>,
    /// Posts with a seq above this were added since the last visit.
    pub new_above: u32,
    /// `file.posts[..real]` came from the server.
    pub(super) real: usize,
    /// `echoes[i]` describes the echo `file.posts[real + i]`.
    pub echoes: Vec<EchoMark>,
    /// What the rules make of the synced posts (one verdict per post of `real_posts`).
    pub judged: Judged,
    pub(super) cache: WrapCache,
    /// Bodies parsed on the reader's loop (a sync's changes applied in place), for tests
    /// and benchmarks: a thread's load parses its bodies off the loop.
    pub(super) parses: u64,
}

impl OpenThread {
    /// Added since the last visit — and not written by you (the server echoes a post's
    /// `client_key` to its author only): your own reply is never news to you.
    pub fn is_new(&self, post: &Post) -> bool {
        post.seq > self.new_above && post.client_key.is_none()
    }

    pub fn id(&self) -> &ThreadId {
        &self.file.summary.id
    }

    /// How many posts have their wrapped lines held (the ones on and near the screen).
    pub fn lines_held(&self) -> usize {
        self.cache.held()
    }

    /// The posts the server has (no echoes).
    pub fn real_posts(&self) -> &[Post] {
        &self.file.posts[..self.real]
    }

    /// The echo posts, in the order of `echoes`.
    pub fn echo_posts(&self) -> &[Post] {
        &self.file.posts[self.real..]
    }

    /// The outbox entry behind the post at `pos`, when it is a local echo.
    pub fn echo(&self, pos: usize) -> Option<&EchoMark> {
        self.order
            .get(pos)
            .and_then(|p| p.index.checked_sub(self.real))
            .and_then(|i| self.echoes.get(i))
    }

    pub fn is_echo(&self, pos: usize) -> bool {
        self.echo(pos).is_some()
    }

    /// The post at reading position `pos`.
    pub fn post(&self, pos: usize) -> Option<&Post> {
        self.order.get(pos).map(|p| &self.file.posts[p.index])
    }

    pub fn doc(&self, pos: usize) -> Option<&Document> {
        self.order.get(pos).and_then(|p| self.docs.get(p.index))
    }

    /// Wrapped body lines of the post at `pos` (as laid out last): held for the posts on
    /// and near the screen, wrapped on demand for the others.
    pub fn lines(&self, pos: usize) -> std::borrow::Cow<'_, [crate::render::Line]> {
        self.order
            .get(pos)
            .map_or(std::borrow::Cow::Borrowed(&[]), |p| {
                self.cache.lines(p.index, self.docs.get(p.index))
            })
    }

    /// What the rules make of the post at `pos` (nothing for an echo, or without rules).
    pub fn verdict(&self, pos: usize) -> Option<&Verdict> {
        self.order
            .get(pos)
            .and_then(|p| self.judged.verdicts.get(p.index))
    }

    /// The rule hiding the post at `pos`, if one does.
    pub fn hidden_by(&self, pos: usize) -> Option<usize> {
        self.verdict(pos).and_then(|v| v.hidden_by)
    }

    /// The rules leave the post at `pos` out of the unread counts (hidden, or marked read).
    pub fn left_out(&self, pos: usize) -> bool {
        self.verdict(pos).is_some_and(|v| v.hidden() || v.read)
    }

    /// How many bodies were wrapped and parsed on the reader's loop since the thread
    /// was shown: what laying it out again cost (tests and benchmarks).
    pub fn work_done(&self) -> (u64, u64) {
        (self.cache.wraps(), self.parses)
    }

    fn position_of_index(&self, index: usize) -> Option<usize> {
        self.order.iter().position(|p| p.index == index)
    }
}

/// An in-thread search: the query and where it matches in the current rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadSearch {
    pub query: String,
    pub matches: Vec<Match>,
    /// Index into `matches` of the one last jumped to.
    pub current: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Reader {
    pub open: Option<OpenThread>,
    /// The thread asked for last; a load answering for another thread is stale.
    pub requested: Option<ThreadId>,
    pub layout: RowLayout,
    /// First row shown.
    pub scroll: usize,
    /// Reading position of the current post.
    pub current: usize,
    pub folded: HashSet<usize>,
    pub search: Option<ThreadSearch>,
    /// Rows the pane shows.
    pub height: usize,
    /// The open thread's pictures and whether they are shown.
    pub pictures: crate::app::reader::pictures::Pictures,
    /// Posts whose spoilers are shown (the others are veiled), for this visit.
    pub revealed: HashSet<PostId>,
    /// Posts hidden by a rule that are shown anyway (`v` on the stub), for this visit.
    pub unhidden: HashSet<PostId>,
    /// Runs of posts not downloaded that were asked for during this visit: a run asked
    /// for is not asked again by scrolling while its load is in flight (a new run, after
    /// the load, is a new row).
    pub asked: Vec<SeqRange>,
    /// The post whose deletion `d` is asking about (the next key answers).
    pub confirm_delete: Option<PostId>,
    /// The post `H` is asking a hiding reason for: its thread, id and number.
    pub hiding: Option<(ThreadId, PostId, u32)>,
    /// The thread `A` is asking a target area for.
    pub moving: Option<ThreadId>,
    /// The post `Y` is asking a new thread's title for: its thread, id and number.
    pub splitting: Option<(ThreadId, PostId, u32)>,
    /// The author `Z` is asking a span of silence for, and the post they were met at.
    pub silencing: Option<(String, ThreadId, PostId)>,
    /// The key of the outbox entry whose conflict is on screen (`Overlay::Conflict`).
    pub conflict: Option<String>,
    /// The earlier versions of a post on screen (`Overlay::Revisions`), or being fetched.
    pub revisions: Option<Box<crate::app::reader::revisions::RevisionsView>>,
    /// Per reading position: the run of its rows (relative to its header) that has been on
    /// screen during this visit, for posts taller than the pane.
    seen: Vec<Option<(usize, usize)>>,
}

impl Reader {
    /// Shows a freshly loaded thread at its top. `seen` is the read state from before this
    /// visit, for the "new" markers.
    pub fn show(&mut self, loaded: LoadedThread, seen: Option<&ThreadRead>, width: usize) {
        let order = reading_order(&loaded.file.posts);
        let cache = WrapCache::new(loaded.file.posts.len());
        let docs = complete_docs(&loaded.file.posts, loaded.docs, Vec::new());
        self.open = Some(OpenThread {
            new_above: seen.map_or(0, |s| s.seen_through),
            real: loaded.file.posts.len(),
            echoes: Vec::new(),
            judged: Judged::default(),
            file: loaded.file,
            docs,
            order,
            cache,
            parses: 0,
        });
        self.folded.clear();
        self.revealed.clear();
        self.unhidden.clear();
        self.asked.clear();
        self.search = None;
        self.scroll = 0;
        self.current = 0;
        self.relayout(width);
    }

    /// Whether the spoilers of the post at `pos` are shown.
    pub fn spoilers_shown(&self, pos: usize) -> bool {
        self.open
            .as_ref()
            .and_then(|o| o.post(pos))
            .is_some_and(|p| self.revealed.contains(&p.id))
    }

    /// The current post's links, but those inside its spoilers while they are veiled.
    pub fn links_shown(&self) -> Vec<crate::render::Link> {
        let pos = self.current;
        let revealed = self.spoilers_shown(pos);
        self.open
            .as_ref()
            .and_then(|o| o.doc(pos))
            .map(|d| d.links_shown(revealed).cloned().collect())
            .unwrap_or_default()
    }

    /// What the rules make of the open thread's posts (judged as it loaded); laid out
    /// again, keeping the place.
    pub fn set_judged(&mut self, judged: Judged) {
        if let Some(open) = &mut self.open {
            open.judged = judged;
            let width = self.layout.width;
            self.relayout(width);
        }
    }

    /// Whether the post at `pos` shows as the one-line stub of a rule that hides it.
    pub fn stubbed(&self, pos: usize) -> bool {
        self.open.as_ref().is_some_and(|o| {
            o.hidden_by(pos).is_some()
                && o.post(pos).is_some_and(|p| !self.unhidden.contains(&p.id))
        })
    }

    /// `v`: a post a rule hides is shown (and, once shown, hidden again when it has no
    /// spoilers); otherwise the post's spoilers are shown or veiled again. False when the
    /// post has neither.
    pub fn toggle_spoilers(&mut self) -> bool {
        let Some(open) = &self.open else { return false };
        let pos = self.current;
        let (Some(post), Some(doc)) = (open.post(pos), open.doc(pos)) else {
            return false;
        };
        let by_rule = open.hidden_by(pos).is_some();
        let id = post.id.clone();
        if by_rule && (!self.unhidden.contains(&id) || !doc.has_spoilers()) {
            if !self.unhidden.remove(&id) {
                self.unhidden.insert(id);
            }
            let width = self.layout.width;
            self.relayout(width);
            return true;
        }
        if !doc.has_spoilers() {
            return false;
        }
        if !self.revealed.remove(&post.id) {
            self.revealed.insert(post.id.clone());
        }
        // The links found inside the spoilers come and go with them.
        let width = self.layout.width;
        self.relayout(width);
        true
    }

    /// Notes which rows are on screen and returns the reading positions whose every row
    /// has now been shown — at once, or a piece at a time while scrolling through a post
    /// taller than the pane. A jump that skips part of a post does not count it as shown.
    pub fn note_shown(&mut self) -> Vec<usize> {
        let top = self.scroll;
        let end = self.scroll + self.height;
        if self.seen.len() != self.layout.spans.len() {
            self.seen = vec![None; self.layout.spans.len()];
        }
        let mut whole = Vec::new();
        for (pos, span) in self.layout.spans.iter().enumerate() {
            let Some((first, last)) = *span else { continue };
            if last < top || first >= end {
                continue;
            }
            let lo = first.max(top) - first;
            let hi = last.min(end - 1) - first;
            let merged = match self.seen[pos] {
                // Overlapping or touching what was seen before: one longer run.
                Some((a, b)) if lo <= b + 1 && a <= hi + 1 => (a.min(lo), b.max(hi)),
                _ => (lo, hi),
            };
            self.seen[pos] = Some(merged);
            if merged == (0, last - first) {
                whole.push(pos);
            }
        }
        whole
    }

    /// Replaces the open thread's content (a sync brought new posts), keeping the place.
    /// Its echoes go until `set_echoes` brings back those still pending.
    pub fn refresh(&mut self, loaded: LoadedThread) {
        self.rebuild(|open| {
            // The documents of posts whose id and version did not change are kept.
            let mut held = std::mem::take(&mut open.docs);
            held.truncate(open.real);
            let held = open.file.posts.drain(..).zip(held).collect();
            open.docs = complete_docs(&loaded.file.posts, loaded.docs, held);
            open.real = loaded.file.posts.len();
            open.echoes.clear();
            open.file = loaded.file;
        });
    }

    /// Brings the open thread's echoes in line with the outbox (after a thread load or an
    /// outbox reload). Nothing moves when nothing changed.
    pub fn refresh_echoes(&mut self, outbox: &[OutboxEntry]) {
        let Some(open) = &self.open else {
            return;
        };
        let echoes = echoes_for(open.id(), open.real_posts(), outbox);
        let shown = open.echoes.iter().zip(open.echo_posts());
        let same = echoes.len() == open.echoes.len()
            && echoes
                .iter()
                .zip(shown)
                .all(|(e, (mark, post))| &e.mark == mark && e.post.body == post.body);
        if !same {
            self.set_echoes(echoes);
        }
    }

    /// Shows `echoes` after the synced posts (each nested under what it answers), in place
    /// of the ones shown before, keeping the place.
    pub fn set_echoes(&mut self, echoes: Vec<Echo>) {
        self.rebuild(|open| {
            open.file.posts.truncate(open.real);
            open.docs.truncate(open.real);
            open.echoes.clear();
            for echo in echoes {
                open.file.posts.push(echo.post);
                open.docs.push(echo.doc);
                open.echoes.push(echo.mark);
            }
        });
    }

    /// Changes the open thread's posts with `change`, then lays it out again with the same
    /// post at the top of the pane (by id, as positions move) and the same current post.
    fn rebuild(&mut self, change: impl FnOnce(&mut OpenThread)) {
        let Some(open) = &self.open else { return };
        let id_at = |pos: usize| open.post(pos).map(|p| p.id.clone());
        let current = id_at(self.current);
        let anchor = self
            .anchor()
            .and_then(|(pos, offset)| id_at(pos).map(|id| (id, offset)));
        let Some(open) = &mut self.open else { return };
        change(open);
        open.order = reading_order(&open.file.posts);
        open.cache = WrapCache::new(open.file.posts.len());
        self.folded.clear();
        self.seen.clear();
        let width = self.layout.width;
        self.layout = RowLayout::default();
        self.relayout(width);
        let Some(open) = &self.open else { return };
        let pos_of = |id: &PostId| {
            open.order
                .iter()
                .position(|p| &open.file.posts[p.index].id == id)
        };
        if let Some(pos) = current.as_ref().and_then(pos_of) {
            self.current = pos;
        }
        if let Some((pos, offset)) =
            anchor.and_then(|(id, offset)| pos_of(&id).map(|p| (p, offset)))
            && let Some(Some((first, last))) = self.layout.spans.get(pos)
        {
            self.scroll = (first + offset.min(last + 1 - first)).min(self.max_scroll());
        }
    }

    pub fn thread_id(&self) -> Option<&ThreadId> {
        self.open.as_ref().map(OpenThread::id)
    }

    pub fn max_scroll(&self) -> usize {
        self.layout.rows.len().saturating_sub(self.height.max(1))
    }

    /// Lays the rows out again at `width`, keeping the row at the top of the pane in place.
    pub fn relayout(&mut self, width: usize) {
        let anchor = self.anchor();
        let Some(open) = &mut self.open else {
            self.layout = RowLayout::default();
            return;
        };
        // Row offsets change with the layout: partial views start over.
        self.seen.clear();
        // Posts a rule hides (unless shown with `v`), by index into the posts.
        let stubs: Vec<Option<usize>> = open
            .judged
            .verdicts
            .iter()
            .zip(&open.file.posts)
            .map(|(v, p)| v.hidden_by.filter(|_| !self.unhidden.contains(&p.id)))
            .collect();
        let actions: Vec<Option<usize>> =
            crate::model::anchors(&open.file.summary.small_actions, open.real_posts())
                .into_iter()
                .map(|(post, _)| post)
                .collect();
        self.layout = layout(
            &LayoutInput {
                posts: &open.file.posts,
                docs: &open.docs,
                order: &open.order,
                folded: &self.folded,
                missing: &open.file.summary.missing,
                revealed: &self.revealed,
                stubs: &stubs,
                actions: &actions,
                pictures: &self.pictures,
                width,
            },
            &mut open.cache,
        );
        if let Some((pos, offset)) = anchor
            && let Some(Some((first, last))) = self.layout.spans.get(pos)
        {
            self.scroll = first + offset.min(last + 1 - first);
        }
        self.scroll = self.scroll.min(self.max_scroll());
        self.refresh_matches();
    }

    /// The post at the top of the pane and how many of its rows are above the top.
    pub(super) fn anchor(&self) -> Option<(usize, usize)> {
        let pos = self.layout.rows.get(self.scroll)?.pos();
        let (first, _) = (*self.layout.spans.get(pos)?)?;
        // A row of posts not downloaded sits above its post's first row.
        Some((pos, self.scroll.saturating_sub(first)))
    }

    /// The first run of posts not downloaded whose row is on screen and that was not
    /// asked for yet during this visit; it counts as asked from now on.
    pub fn earlier_in_view(&mut self) -> Option<SeqRange> {
        let open = self.open.as_ref()?;
        let end = (self.scroll + self.height.max(1)).min(self.layout.rows.len());
        let range = self
            .layout
            .rows
            .get(self.scroll..end)?
            .iter()
            .find_map(|row| {
                let Row::Missing { range, .. } = row else {
                    return None;
                };
                open.file
                    .summary
                    .missing
                    .get(*range)
                    .copied()
                    .filter(|r| !self.asked.contains(r))
            })?;
        self.asked.push(range);
        Some(range)
    }

    /// Changes the pane size; the position in the thread is kept.
    pub fn resize(&mut self, width: usize, height: usize) {
        self.height = height;
        if width == self.layout.width {
            self.scroll = self.scroll.min(self.max_scroll());
        } else {
            self.relayout(width);
        }
        self.hold_lines_in_view();
    }

    /// Holds the wrapped lines of the posts with a row on screen or within a screen of it
    /// (what the next frames draw), and lets go of the others' (their line counts stay).
    /// Called after every message, so a frame finds what it draws already wrapped.
    pub fn hold_lines_in_view(&mut self) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let height = self.height.max(1);
        let from = self.scroll.saturating_sub(height);
        let to = self
            .scroll
            .saturating_add(height.saturating_mul(2))
            .min(self.layout.rows.len());
        let wanted: HashSet<usize> = self.layout.rows[from.min(to)..to]
            .iter()
            .filter_map(|row| open.order.get(row.pos()).map(|p| p.index))
            .collect();
        open.cache.hold_only(&wanted, &open.docs);
    }

    /// Scrolls by `delta` rows; the current post follows the top of the pane.
    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll());
        self.follow_top();
    }

    pub fn scroll_to_top(&mut self) {
        self.scroll = 0;
        self.current = 0;
    }

    pub fn scroll_to_bottom(&mut self) {
        self.scroll = self.max_scroll();
        self.follow_top();
        if self.scroll + self.height >= self.layout.rows.len()
            && let Some(last) = self.visible_positions().last()
        {
            self.current = last;
        }
    }

    fn follow_top(&mut self) {
        if let Some(row) = self.layout.rows.get(self.scroll) {
            self.current = match row {
                Row::Gap { pos } => self.next_visible(*pos).unwrap_or(*pos),
                row => row.pos(),
            };
        }
    }

    /// Reading positions that have rows (not folded away), in order.
    pub fn visible_positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.layout
            .spans
            .iter()
            .enumerate()
            .filter_map(|(pos, s)| s.map(|_| pos))
    }

    fn next_visible(&self, pos: usize) -> Option<usize> {
        self.visible_positions().find(|&p| p > pos)
    }

    /// Makes `pos` the current post with its header at the top (as far as scrolling allows),
    /// unfolding whatever hides it.
    pub fn go_to(&mut self, pos: usize) {
        let Some(open) = &self.open else { return };
        if pos >= open.order.len() {
            return;
        }
        if self.layout.spans.get(pos).copied().flatten().is_none() {
            let hiding: Vec<usize> = self
                .folded
                .iter()
                .copied()
                .filter(|&f| descendants(&open.order, f).contains(&pos))
                .collect();
            for f in hiding {
                self.folded.remove(&f);
            }
            let width = self.layout.width;
            self.relayout(width);
        }
        if let Some(Some((first, _))) = self.layout.spans.get(pos) {
            self.current = pos;
            self.scroll = (*first).min(self.max_scroll());
        }
    }

    pub fn next_post(&mut self) -> bool {
        self.next_visible(self.current)
            .map(|p| self.go_to(p))
            .is_some()
    }

    pub fn prev_post(&mut self) -> bool {
        let current = self.current;
        self.visible_positions()
            .filter(|&p| p < current)
            .last()
            .map(|p| self.go_to(p))
            .is_some()
    }

    pub fn parent_post(&mut self) -> bool {
        let Some(open) = &self.open else { return false };
        let parent = open
            .order
            .get(self.current)
            .and_then(|p| p.parent)
            .and_then(|index| open.position_of_index(index));
        parent.map(|p| self.go_to(p)).is_some()
    }

    /// The next (or previous) reply at the same depth under the same parent.
    pub fn sibling(&mut self, forward: bool) -> bool {
        let Some(open) = &self.open else { return false };
        let Some(depth) = open.order.get(self.current).map(|p| p.depth) else {
            return false;
        };
        let found = if forward {
            open.order[self.current + 1..]
                .iter()
                .position(|p| p.depth <= depth)
                .map(|k| self.current + 1 + k)
        } else {
            open.order[..self.current]
                .iter()
                .rposition(|p| p.depth <= depth)
        };
        match found {
            Some(p) if open.order[p].depth == depth => {
                self.go_to(p);
                true
            }
            _ => false,
        }
    }

    /// The first unread post after the current one (by reading order) that the rules
    /// leave in.
    pub fn next_unread(&mut self, read: Option<&ThreadRead>) -> bool {
        let Some(open) = &self.open else { return false };
        let unread = |pos: usize| {
            !open.is_echo(pos)
                && !open.left_out(pos)
                && open
                    .post(pos)
                    .is_some_and(|p| !p.deleted && read.is_none_or(|r| !r.is_read(p.seq)))
        };
        let found = (self.current + 1..open.order.len()).find(|&p| unread(p));
        found.map(|p| self.go_to(p)).is_some()
    }

    /// Folds or unfolds the replies under the current post. False when it has none.
    pub fn toggle_fold(&mut self) -> bool {
        let Some(open) = &self.open else { return false };
        if descendants(&open.order, self.current).is_empty() {
            return false;
        }
        if !self.folded.remove(&self.current) {
            self.folded.insert(self.current);
        }
        let width = self.layout.width;
        self.relayout(width);
        let current = self.current;
        self.go_to(current);
        true
    }

    /// The searchable text of a body line of the post at `pos`.
    fn line_text(&self, pos: usize, line: &crate::render::Line) -> String {
        // Veiled text is not searched: a match would give the spoiler away.
        if line.has_spoiler() && !self.spoilers_shown(pos) {
            line.veiled().plain()
        } else {
            line.plain()
        }
    }

    /// The searchable text of a row (body lines and link references).
    pub fn row_text(&self, row: Row) -> Option<String> {
        let open = self.open.as_ref()?;
        match row {
            Row::Body { pos, line } => open.lines(pos).get(line).map(|l| self.line_text(pos, l)),
            Row::Link { pos, link } => open
                .doc(pos)
                .and_then(|d| d.links().get(link))
                .map(|l| format!("[{}] {}", l.number, l.url)),
            _ => None,
        }
    }

    /// Starts a search; jumps to the first match at or below the top of the pane.
    pub fn search(&mut self, query: &str) -> usize {
        self.search = (!query.is_empty()).then(|| ThreadSearch {
            query: query.to_owned(),
            ..ThreadSearch::default()
        });
        self.refresh_matches();
        let scroll = self.scroll;
        let Some(search) = &mut self.search else {
            return 0;
        };
        let first = search
            .matches
            .iter()
            .position(|m| m.row >= scroll)
            .or((!search.matches.is_empty()).then_some(0));
        search.current = first;
        let count = search.matches.len();
        self.show_current_match();
        count
    }

    /// Jumps to the next (or previous) match, wrapping around. False when nothing matches.
    pub fn search_step(&mut self, forward: bool) -> bool {
        let Some(search) = &mut self.search else {
            return false;
        };
        let n = search.matches.len();
        if n == 0 {
            return false;
        }
        search.current = Some(match (search.current, forward) {
            (None, _) => 0,
            (Some(c), true) => (c + 1) % n,
            (Some(c), false) => (c + n - 1) % n,
        });
        self.show_current_match();
        true
    }

    fn show_current_match(&mut self) {
        let Some(row) = self
            .search
            .as_ref()
            .and_then(|s| s.current.and_then(|c| s.matches.get(c)))
            .map(|m| m.row)
        else {
            return;
        };
        let height = self.height.max(1);
        if row < self.scroll || row >= self.scroll + height {
            // Put the match a third of the way down, so some context shows above it.
            self.scroll = row.saturating_sub(height / 3).min(self.max_scroll());
        }
        if let Some(r) = self.layout.rows.get(row) {
            self.current = r.pos();
        }
    }

    fn refresh_matches(&mut self) {
        let Some(query) = self.search.as_ref().map(|s| s.query.clone()) else {
            return;
        };
        let mut matches = Vec::new();
        // A post's lines, wrapped once for all its rows when they are not held.
        let mut post: Option<(usize, std::borrow::Cow<'_, [crate::render::Line]>)> = None;
        for (index, &row) in self.layout.rows.iter().enumerate() {
            let text = match (row, self.open.as_ref()) {
                (Row::Body { pos, line }, Some(open)) => {
                    if post.as_ref().is_none_or(|(at, _)| *at != pos) {
                        post = Some((pos, open.lines(pos)));
                    }
                    post.as_ref()
                        .and_then(|(_, lines)| lines.get(line))
                        .map(|l| self.line_text(pos, l))
                }
                _ => self.row_text(row),
            };
            if let Some(text) = text {
                matches.extend(
                    find_all(&text, &query)
                        .into_iter()
                        .map(|(start, end)| Match {
                            row: index,
                            start,
                            end,
                        }),
                );
            }
        }
        if let Some(search) = &mut self.search {
            search.current = search
                .current
                .filter(|_| !matches.is_empty())
                .map(|c| c.min(matches.len() - 1));
            search.matches = matches;
        }
    }
}

/// One document per post: the ones parsed at load time, else the one held for the same
/// post at the same version, else parsed now (a reload that raced another one).
fn complete_docs(
    posts: &[Post],
    parsed: Vec<Option<Document>>,
    held: Vec<(Post, Document)>,
) -> Vec<Document> {
    let mut held: std::collections::HashMap<(PostId, u64), Document> = held
        .into_iter()
        .map(|(post, doc)| ((post.id, post.version), doc))
        .collect();
    posts
        .iter()
        .zip(parsed)
        .map(|(post, doc)| {
            doc.or_else(|| held.remove(&(post.id.clone(), post.version)))
                .unwrap_or_else(|| Document::from_body(&post.body))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::demo_forum;

    fn reader_with(missing: Vec<SeqRange>) -> Reader {
        let demo = demo_forum().unwrap().threads.swap_remove(0);
        let mut file = Thread::new(demo.summary, demo.posts);
        file.summary.missing = missing.into();
        let docs = vec![None; file.posts.len()];
        let mut reader = Reader {
            height: 4,
            ..Reader::default()
        };
        reader.show(LoadedThread { file, docs }, None, 80);
        reader
    }

    #[test]
    fn scrolling_to_posts_not_downloaded_asks_for_them_once_per_row() {
        let last = demo_forum().unwrap().threads[0]
            .posts
            .iter()
            .map(|p| p.seq)
            .max()
            .unwrap();
        let earlier = SeqRange {
            from: last + 1,
            to: last + 40,
        };
        let mut reader = reader_with(vec![earlier]);
        // At the top the row is below the pane: nothing asked.
        assert_eq!(reader.earlier_in_view(), None);
        reader.scroll_to_bottom();
        assert_eq!(reader.earlier_in_view(), Some(earlier));
        // The key repeats while the load is in flight: no second request.
        reader.scroll_by(-1);
        reader.scroll_by(1);
        assert_eq!(reader.earlier_in_view(), None);

        // The load brought some: the row left is a new one, asked for when scrolled to.
        let rest = SeqRange {
            from: last + 1,
            to: last + 20,
        };
        let mut file = reader.open.as_ref().unwrap().file.clone();
        file.summary.missing = thin_vec::thin_vec![rest];
        let docs = vec![None; file.posts.len()];
        reader.refresh(LoadedThread { file, docs });
        reader.scroll_to_bottom();
        assert_eq!(reader.earlier_in_view(), Some(rest));
        assert_eq!(reader.earlier_in_view(), None);
    }
}
