//! A sync's new and changed posts of the open thread, applied in place: only those posts
//! are parsed, judged by the rules and wrapped; every other post keeps its document, its
//! verdict and its wrapped lines, and the reader keeps its place (the same post at the
//! top of the pane, the same current post, the same folds). No file is read.

use crate::app::judged::Judged;
use crate::app::reader::OpenThread;
use crate::app::reader::model::Reader;
use crate::app::state::State;
use crate::model::{Post, PostId, Thread, Verdict, place_newest, reading_order};
use crate::render::Document;
use crate::sync::protocol::FocusedChange;
use std::collections::{HashMap, HashSet};

/// Applies `change` to the open thread; false when it is not the thread shown (then the
/// caller reads the thread again).
pub fn apply(state: &mut State, change: FocusedChange) -> bool {
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
    reader.merge(change, |file, changed, kept| {
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

/// Changes of more posts than this rearrange the thread (see [`Reader::merge`]).
const IN_PLACE_MAX: usize = 32;

/// Where the reader was in the thread, by post id (positions move as posts arrive).
struct Place {
    current: Option<PostId>,
    /// The post at the top of the pane and how many of its rows are above the top.
    anchor: Option<(PostId, usize)>,
    folded: HashSet<PostId>,
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
        let Some(place) = self.place() else { return };
        let Some(open) = &mut self.open else { return };
        match in_place_slots(open, &change.posts) {
            Some(slots) => merge_in_place(open, change, &slots, judge),
            None => merge_rearranging(open, change, judge),
        }
        self.keep_place(place);
    }

    /// Where the reader is in the open thread, by post id.
    fn place(&self) -> Option<Place> {
        let open = self.open.as_ref()?;
        let id_at = |pos: usize| open.post(pos).map(|p| p.id.clone());
        Some(Place {
            current: id_at(self.current),
            anchor: self
                .anchor()
                .and_then(|(pos, offset)| id_at(pos).map(|id| (id, offset))),
            folded: self.folded.iter().filter_map(|&pos| id_at(pos)).collect(),
        })
    }

    /// Lays the thread out again with `place`'s posts current, folded and at the top.
    fn keep_place(&mut self, place: Place) {
        let Some(open) = &self.open else { return };
        let pos_of = |id: &PostId| {
            open.order
                .iter()
                .position(|p| &open.file.posts[p.index].id == id)
        };
        self.folded = place.folded.iter().filter_map(pos_of).collect();
        let current = place.current.and_then(|id| pos_of(&id));
        let anchor = place
            .anchor
            .and_then(|(id, offset)| pos_of(&id).map(|pos| (pos, offset)));
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

/// Where each of `posts` goes when the change moves no post held: the index of the post it
/// replaces (same id, `seq` and post answered), or `None` for a post newer than every post
/// held that none of them answers — appended, in `seq` order. `None` when the thread must
/// be rearranged instead (echoes shown, posts out of order, a post twice, a big change).
fn in_place_slots(open: &OpenThread, posts: &[Post]) -> Option<Vec<Option<usize>>> {
    let held = open.real_posts();
    if posts.len() > IN_PLACE_MAX
        || held.len() != open.file.posts.len()
        || held.len() != open.docs.len()
        || held.len() != open.judged.verdicts.len()
        || !held.is_sorted_by_key(|p| p.seq)
    {
        return None;
    }
    let mut last = held.last()?.seq;
    let mut slots = Vec::with_capacity(posts.len());
    for (k, post) in posts.iter().enumerate() {
        if posts[..k].iter().any(|p| p.id == post.id) {
            return None;
        }
        if let Some(i) = held.iter().rposition(|p| p.id == post.id) {
            let was = &held[i];
            if was.seq != post.seq || was.reply_to != post.reply_to {
                return None;
            }
            slots.push(Some(i));
        } else {
            // A post held or placed before answering the new one would name it as its
            // parent.
            let answers = |p: &Post| p.reply_to.as_ref() == Some(&post.id);
            if post.seq < last || held.iter().any(answers) || posts[..k].iter().any(answers) {
                return None;
            }
            last = post.seq;
            slots.push(None);
        }
    }
    Some(slots)
}

/// Applies a change that moves no post (see [`in_place_slots`]): the changed posts take
/// their slots, the new ones go last and into the reading order; every other post keeps
/// its index, document, verdict and wrapped lines.
fn merge_in_place(
    open: &mut OpenThread,
    change: FocusedChange,
    slots: &[Option<usize>],
    judge: impl FnOnce(&Thread, &[usize], Vec<Verdict>) -> Judged,
) {
    let mut verdicts = std::mem::take(&mut open.judged.verdicts);
    let mut changed = Vec::with_capacity(slots.len());
    for (post, slot) in change.posts.into_iter().zip(slots) {
        open.parses += 1;
        let doc = Document::from_body(&post.body);
        let index = if let Some(i) = *slot {
            open.file.posts[i] = post;
            open.docs[i] = doc;
            verdicts[i] = Verdict::default();
            i
        } else {
            open.file.posts.push(post);
            open.docs.push(doc);
            verdicts.push(Verdict::default());
            let i = open.file.posts.len() - 1;
            place_newest(&mut open.order, &open.file.posts, i);
            i
        };
        open.cache.forget(index);
        changed.push(index);
    }
    changed.sort_unstable();
    open.real = open.file.posts.len();
    open.file.summary = change.summary;
    open.judged = judge(&open.file, &changed, verdicts);
}

/// Applies any change: the posts in `seq` order again, each keeping what it had under
/// its new index, the reading order made again.
fn merge_rearranging(
    open: &mut OpenThread,
    change: FocusedChange,
    judge: impl FnOnce(&Thread, &[usize], Vec<Verdict>) -> Judged,
) {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::LoadedThread;
    use crate::app::reader::Row;
    use crate::model::{Body, Placed, demo_forum};

    /// A reader showing the demo thread in a pane 60×12, scrolled down, the first post
    /// with replies folded.
    fn reader() -> Reader {
        let demo = demo_forum().unwrap();
        let thread = &demo.threads[0];
        let mut reader = Reader::default();
        reader.resize(60, 12);
        let count = thread.posts.len();
        reader.show(
            LoadedThread::parse(Thread::new(thread.summary.clone(), thread.posts.clone())),
            None,
            60,
        );
        reader.set_judged(Judged {
            verdicts: vec![Verdict::default(); count],
        });
        let open = reader.open.as_ref().unwrap();
        let folded = (0..open.order.len())
            .find(|&pos| open.order.get(pos + 1).is_some_and(|next| next.depth > 0))
            .unwrap();
        reader.folded.insert(folded);
        reader.relayout(60);
        reader.scroll_by(15);
        reader
    }

    /// What the reader shows and holds: posts (id, text), reading order, rows, scroll
    /// and current post, folded positions, verdicts.
    type Shown = (
        Vec<(PostId, String)>,
        Vec<Placed>,
        Vec<Row>,
        [usize; 2],
        Vec<usize>,
        Vec<Verdict>,
    );

    fn shown(reader: &Reader) -> Shown {
        let open = reader.open.as_ref().unwrap();
        let mut folded: Vec<usize> = reader.folded.iter().copied().collect();
        folded.sort_unstable();
        (
            open.file
                .posts
                .iter()
                .map(|p| (p.id.clone(), p.body.text.clone()))
                .collect(),
            open.order.clone(),
            reader.layout.rows.clone(),
            [reader.scroll, reader.current],
            folded,
            open.judged.verdicts.clone(),
        )
    }

    /// The changed posts get a score of their index: the verdicts say which were judged.
    #[allow(clippy::needless_pass_by_value)]
    fn judge(_: &Thread, changed: &[usize], mut kept: Vec<Verdict>) -> Judged {
        for &i in changed {
            kept[i].score = i64::try_from(i).unwrap() + 1;
        }
        Judged { verdicts: kept }
    }

    #[test]
    fn changes_applied_in_place_look_as_the_thread_rearranged() {
        let demo = demo_forum().unwrap();
        let thread = &demo.threads[0];
        let posts = &thread.posts;
        let last = posts.iter().map(|p| p.seq).max().unwrap();
        let new = |n: u32, to: Option<&PostId>| Post {
            id: PostId::new(format!("new-{n}")),
            seq: last + n,
            reply_to: to.cloned(),
            body: Body::markdown(format!("new post {n}")),
            ..posts[0].clone()
        };
        let mut edited = posts[2].clone();
        edited.body = Body::markdown("edited");
        let changes: Vec<Vec<Post>> = vec![
            // Answering the opening post, a reply, the last post, nothing held.
            vec![new(1, Some(&posts[0].id))],
            vec![new(1, Some(&posts[1].id))],
            vec![new(1, Some(&posts[posts.len() - 1].id))],
            vec![new(1, Some(&PostId::new("gone")))],
            // An edit and two new posts, the second answering the first.
            vec![edited, new(1, Some(&posts[3].id)), new(2, None)],
        ];
        // A new post answering one that comes after it in the change: rearranged.
        let ahead = vec![new(1, Some(&PostId::new("new-2"))), new(2, None)];
        assert!(in_place_slots(reader().open.as_ref().unwrap(), &ahead).is_none());
        for mut change in changes {
            change[1..].iter_mut().for_each(|p| {
                if p.reply_to.is_none() {
                    p.reply_to = Some(PostId::new("new-1"));
                }
            });
            let mut summary = thread.summary.clone();
            summary.last_seq = last + 2;
            let focused = FocusedChange {
                summary,
                posts: change,
            };
            let mut in_place = reader();
            assert!(
                in_place_slots(in_place.open.as_ref().unwrap(), &focused.posts).is_some(),
                "{:?}",
                focused.posts
            );
            in_place.merge(focused.clone(), judge);

            let mut rearranged = reader();
            let place = rearranged.place().unwrap();
            merge_rearranging(rearranged.open.as_mut().unwrap(), focused.clone(), judge);
            rearranged.keep_place(place);

            assert_eq!(shown(&in_place), shown(&rearranged), "{:?}", focused.posts);
            assert_ne!(shown(&in_place), shown(&reader()), "the change shows");
        }
    }
}
