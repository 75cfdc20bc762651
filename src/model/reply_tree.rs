//! Orders a thread's posts for reading: each reply nested under the post it answers.

use super::ids::PostId;
use super::post::Post;
use std::collections::HashMap;

/// One post's place in the reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// Index into the slice given to [`reading_order`].
    pub index: usize,
    /// 0 for the opening post and direct replies to the thread, parent depth + 1 otherwise.
    pub depth: usize,
    /// Index of the post this one answers, when that post is in the thread.
    pub parent: Option<usize>,
}

/// Depth-first reading order: the opening post, then each reply followed by its answers,
/// siblings in `seq` order.
///
/// Replies to the opening post sit at depth 0 beside it (that is how forums show them:
/// a reply to the topic is not "nested"); answers to a reply are nested one deeper.
/// A reply whose parent is missing (deleted upstream, not synced yet) is shown at
/// depth 0 rather than dropped. Cycles in hostile data cannot loop: a post is placed once.
pub fn reading_order(posts: &[Post]) -> Vec<Placed> {
    let mut by_seq: Vec<usize> = (0..posts.len()).collect();
    by_seq.sort_by_key(|&i| posts[i].seq);
    let opening = by_seq.first().copied();

    let position: HashMap<&PostId, usize> =
        posts.iter().enumerate().map(|(i, p)| (&p.id, i)).collect();

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); posts.len()];
    let mut roots = Vec::new();
    for &i in &by_seq {
        let parent = posts[i]
            .reply_to
            .as_ref()
            .and_then(|id| position.get(id).copied())
            .filter(|&p| p != i && Some(p) != opening);
        match parent {
            Some(p) if posts[p].seq < posts[i].seq => children[p].push(i),
            _ => roots.push(i),
        }
    }

    let mut order = Vec::with_capacity(posts.len());
    let mut placed = vec![false; posts.len()];
    let mut stack: Vec<(usize, usize, Option<usize>)> =
        roots.iter().rev().map(|&r| (r, 0, None)).collect();
    while let Some((index, depth, parent)) = stack.pop() {
        if std::mem::replace(&mut placed[index], true) {
            continue;
        }
        order.push(Placed {
            index,
            depth,
            parent: parent.or_else(|| {
                posts[index]
                    .reply_to
                    .as_ref()
                    .and_then(|id| position.get(id).copied())
            }),
        });
        for &child in children[index].iter().rev() {
            stack.push((child, depth + 1, Some(index)));
        }
    }
    order
}

/// Places post `index` in `order`, the reading order of the other posts, where
/// [`reading_order`] of all of them puts it — for a post newer than every other (the
/// greatest `seq`, the last of equals) that no other post answers: after the replies of
/// the post it answers, or last. A post arriving in the open thread then costs a walk
/// of the order, not ordering the whole thread again.
pub fn place_newest(order: &mut Vec<Placed>, posts: &[Post], index: usize) {
    let Some(post) = posts.get(index) else {
        return;
    };
    // As `reading_order` looks posts up: the last one with the id.
    let answered = post
        .reply_to
        .as_ref()
        .and_then(|id| posts.iter().rposition(|p| &p.id == id));
    let opening = posts
        .iter()
        .enumerate()
        .min_by_key(|(_, p)| p.seq)
        .map(|(i, _)| i);
    let under = answered
        .filter(|&p| p != index && Some(p) != opening && posts[p].seq < post.seq)
        .and_then(|p| order.iter().position(|q| q.index == p).map(|at| (p, at)));
    match under {
        Some((parent, at)) => {
            let depth = order[at].depth;
            let end = order[at + 1..]
                .iter()
                .position(|q| q.depth <= depth)
                .map_or(order.len(), |k| at + 1 + k);
            order.insert(
                end,
                Placed {
                    index,
                    depth: depth + 1,
                    parent: Some(parent),
                },
            );
        }
        None => order.push(Placed {
            index,
            depth: 0,
            parent: answered,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, Body, ThreadId};
    use jiff::Timestamp;

    fn post(seq: u32, reply_to: Option<u32>) -> Post {
        Post {
            id: PostId::new(format!("p{seq}")),
            thread: ThreadId::new("t"),
            seq,
            reply_to: reply_to.map(|r| PostId::new(format!("p{r}"))),
            author: Author::new("a"),
            created_at: Timestamp::UNIX_EPOCH,
            edited_at: None,
            body: Body::markdown(""),
            deleted: false,
            removed: false,
            score: None,
            version: 1,
            client_key: None,
            reactions: crate::model::Reactions::default(),
        }
    }

    fn shape(posts: &[Post]) -> Vec<(u32, usize)> {
        reading_order(posts)
            .iter()
            .map(|p| (posts[p.index].seq, p.depth))
            .collect()
    }

    #[test]
    fn the_newest_post_is_placed_where_ordering_all_puts_it() {
        // Replies to the opening post, to replies, to deep replies, to a missing post,
        // to itself, and a tie on the last seq.
        let answers = [
            None,
            Some(1),
            Some(1),
            Some(2),
            Some(4),
            Some(2),
            Some(99),
            None,
            Some(5),
            Some(3),
            Some(8),
            Some(12),
            Some(6),
        ];
        let mut posts: Vec<Post> = answers
            .iter()
            .enumerate()
            .map(|(i, &to)| post(u32::try_from(i).unwrap() + 1, to))
            .collect();
        let mut tie = post(13, Some(2));
        tie.id = PostId::new("tie");
        posts.push(tie);
        for n in 1..posts.len() {
            let mut order = reading_order(&posts[..n]);
            place_newest(&mut order, &posts[..=n], n);
            assert_eq!(order, reading_order(&posts[..=n]), "post {n}");
        }
    }

    #[test]
    fn answers_nest_under_the_reply_they_answer() {
        let posts = [
            post(1, None),
            post(2, Some(1)),
            post(3, Some(2)),
            post(4, None),
            post(5, Some(2)),
        ];
        assert_eq!(shape(&posts), vec![(1, 0), (2, 0), (3, 1), (5, 1), (4, 0)]);
    }

    #[test]
    fn a_missing_parent_or_a_cycle_never_drops_a_post() {
        let mut posts = vec![
            post(1, None),
            post(2, Some(9)),
            post(3, Some(4)),
            post(4, Some(3)),
        ];
        posts.swap(1, 3);
        let order = shape(&posts);
        assert_eq!(order.len(), 4);
        let mut seqs: Vec<u32> = order.iter().map(|(s, _)| *s).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, vec![1, 2, 3, 4]);
    }
}
