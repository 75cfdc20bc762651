//! A sync's new and changed posts of the open thread, applied in place: only those posts
//! are parsed, judged by the rules and wrapped; every other post keeps its document, its
//! verdict and its wrapped lines, and the reader keeps its place (the same post at the
//! top of the pane, the same current post, the same folds). No file is read.

use crate::app::judged::Judged;
use crate::app::reader::model::Reader;
use crate::app::state::State;
use crate::model::{Post, PostId, Thread, Verdict, reading_order};
use crate::render::Document;
use crate::sync::protocol::FocusedChange;
use std::collections::{HashMap, HashSet};

/// Applies `change` to the open thread; false when it is not the thread shown (then the
/// caller reads the thread again).
pub fn apply(state: &mut State, change: Box<FocusedChange>) -> bool {
    let State {
        reader,
        rules,
        status,
        data,
        tree,
        now,
        ..
    } = state;
    let Some(open) = &reader.open else {
        return false;
    };
    if open.id() != change.thread() {
        return false;
    }
    // Verdicts hang on the thread's title and area too: when those changed every post is
    // judged again, otherwise only the posts that changed.
    let same_place = open.file.summary.title == change.summary.title
        && open.file.summary.area == change.summary.area;
    reader.merge(*change, |file, changed, kept| {
        let judged = if same_place {
            let fresh = Thread::new(
                file.summary.clone(),
                changed.iter().map(|&i| file.posts[i].clone()).collect(),
            );
            let mut fresh = Judged::thread(rules, &status.account, &data.forum, &fresh, *now)
                .verdicts
                .into_iter();
            let mut verdicts: Vec<Verdict> = kept;
            for &i in changed {
                if let (Some(slot), Some(verdict)) = (verdicts.get_mut(i), fresh.next()) {
                    *slot = verdict;
                }
            }
            Judged { verdicts }
        } else {
            Judged::thread(rules, &status.account, &data.forum, file, *now)
        };
        tree.judged_thread(file, &judged, &data.read);
        judged
    });
    reader.refresh_echoes(&state.outbox.entries);
    true
}

impl Reader {
    /// Puts `change`'s posts into the open thread (replacing the same post, or in `seq`
    /// order), parses only those, lets `judge` judge the synced posts (given the thread,
    /// the indexes of the changed posts, and the verdicts held for every post with a
    /// default one for the changed), and lays the thread out again keeping the place.
    fn merge(
        &mut self,
        change: FocusedChange,
        judge: impl FnOnce(&Thread, &[usize], Vec<Verdict>) -> Judged,
    ) {
        let Some(open) = &self.open else { return };
        let id_at = |pos: usize| open.post(pos).map(|p| p.id.clone());
        let current = id_at(self.current);
        let anchor = self
            .anchor()
            .and_then(|(pos, offset)| id_at(pos).map(|id| (id, offset)));
        let folded: HashSet<PostId> = self.folded.iter().filter_map(|&pos| id_at(pos)).collect();
        let Some(open) = &mut self.open else { return };

        // The posts, each with the index it had (none: new or changed).
        let mut posts: Vec<(Post, Option<usize>)> = std::mem::take(&mut open.file.posts)
            .into_iter()
            .enumerate()
            .map(|(i, post)| (post, Some(i)))
            .collect();
        let echoes = posts.split_off(open.real);
        let mut at: HashMap<PostId, usize> = posts
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.id.clone(), i))
            .collect();
        for post in change.posts {
            if let Some(&i) = at.get(&post.id) {
                posts[i] = (post, None);
            } else {
                at.insert(post.id.clone(), posts.len());
                posts.push((post, None));
            }
        }
        posts.sort_by_key(|(p, _)| p.seq);
        open.real = posts.len();
        posts.extend(echoes);

        let from: Vec<Option<usize>> = posts.iter().map(|(_, from)| *from).collect();
        let mut docs: Vec<Option<Document>> = std::mem::take(&mut open.docs)
            .into_iter()
            .map(Some)
            .collect();
        let mut old_verdicts = std::mem::take(&mut open.judged.verdicts);
        let mut kept = Vec::with_capacity(open.real);
        let mut changed = Vec::new();
        for (i, (post, from)) in posts.iter().enumerate() {
            let doc = from.and_then(|old| docs.get_mut(old).and_then(Option::take));
            let doc = doc.unwrap_or_else(|| {
                open.parses += 1;
                Document::from_body(&post.body)
            });
            open.docs.push(doc);
            if i < open.real {
                let verdict = from.and_then(|old| old_verdicts.get_mut(old).map(std::mem::take));
                if verdict.is_none() {
                    changed.push(i);
                }
                kept.push(verdict.unwrap_or_default());
            }
        }
        open.cache = std::mem::take(&mut open.cache).rearranged(&from);
        open.file.posts = posts.into_iter().map(|(post, _)| post).collect();
        open.file.summary = change.summary;

        // The rules judge the synced posts alone, as a thread's load has them.
        let echo_posts = open.file.posts.split_off(open.real);
        open.judged = judge(&open.file, &changed, kept);
        open.file.posts.extend(echo_posts);
        open.order = reading_order(&open.file.posts);

        let pos_of = |open: &crate::app::reader::OpenThread, id: &PostId| {
            open.order
                .iter()
                .position(|p| &open.file.posts[p.index].id == id)
        };
        self.folded = folded.iter().filter_map(|id| pos_of(open, id)).collect();
        let current = current.and_then(|id| pos_of(open, &id));
        let anchor = anchor.and_then(|(id, offset)| pos_of(open, &id).map(|pos| (pos, offset)));
        let width = self.layout.width;
        self.relayout(width);
        if let Some(pos) = current {
            self.current = pos;
        }
        if let Some((pos, offset)) = anchor
            && let Some(Some((first, last))) = self.layout.spans.get(pos)
        {
            self.scroll = (first + offset.min(last + 1 - first)).min(self.max_scroll());
        }
    }
}
