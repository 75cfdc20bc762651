//! The reader's rows: each visible post as a header, its wrapped body and its link list,
//! nested replies indented, and a row where posts are not downloaded yet. Bodies are
//! wrapped once per (post, width) and cached.

use crate::model::{Placed, Post, PostId, SeqRange};
use crate::render::{Document, Line};
use std::borrow::Cow;
use std::collections::HashSet;

/// Columns one nesting level takes ("│ ").
pub const INDENT: usize = 2;
/// Nesting deeper than this is drawn at this depth, so text keeps a usable width.
pub const MAX_DRAWN_DEPTH: usize = 8;
/// Bodies are never wrapped narrower than this.
const MIN_BODY_WIDTH: usize = 16;

/// One row of the reader, tied to the post it belongs to (`pos` is its reading position).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Header {
        pos: usize,
    },
    /// Line `line` of the post's wrapped body.
    Body {
        pos: usize,
        line: usize,
    },
    /// Row `row` of the post's picture `picture` (drawn above the line its alt text
    /// starts on).
    Picture {
        pos: usize,
        picture: u16,
        row: u16,
    },
    /// The post's `link`-th link reference.
    Link {
        pos: usize,
        link: usize,
    },
    Deleted {
        pos: usize,
    },
    /// The one line standing for a post rule `rule` hides (in place of its header).
    Hidden {
        pos: usize,
        rule: usize,
    },
    /// The replies under this post are folded away.
    Folded {
        pos: usize,
        hidden: usize,
    },
    /// Blank row after a post.
    Gap {
        pos: usize,
    },
    /// Posts not downloaded yet (`range` indexes the thread's `missing`), before the
    /// post at `pos` (or after the last one; at 0 in a thread with none downloaded).
    Missing {
        pos: usize,
        range: usize,
    },
    /// A moderator's small action (`action` indexes the thread's `small_actions`), after
    /// the post at `pos`, the latest written before it ("locked by ann, 3 Dec").
    Action {
        pos: usize,
        action: usize,
    },
}

impl Row {
    pub fn pos(self) -> usize {
        match self {
            Row::Header { pos }
            | Row::Body { pos, .. }
            | Row::Picture { pos, .. }
            | Row::Link { pos, .. }
            | Row::Deleted { pos }
            | Row::Hidden { pos, .. }
            | Row::Folded { pos, .. }
            | Row::Gap { pos }
            | Row::Missing { pos, .. }
            | Row::Action { pos, .. } => pos,
        }
    }
}

/// The drawn depth of a post: its nesting level, capped.
pub fn drawn_depth(depth: usize) -> usize {
    depth.min(MAX_DRAWN_DEPTH)
}

/// Columns before a body line's text besides the depth bars: a margin, then two columns
/// that line the text up with the author's name (after the unread dot).
pub const GUTTER: usize = 3;

/// Body width for a post at `depth` in a pane `width` columns wide.
pub fn body_width(width: usize, depth: usize) -> usize {
    width
        .saturating_sub(drawn_depth(depth) * INDENT + GUTTER)
        .max(MIN_BODY_WIDTH)
}

/// One post's body as last wrapped: the width, how many lines it took, the line each of
/// its pictures starts on, and the lines themselves while the post is near the screen.
#[derive(Clone, Debug)]
struct Wrapped {
    width: usize,
    count: usize,
    pictures: Vec<(usize, u16)>,
    lines: Option<Vec<Line>>,
}

/// Wrapped bodies, one slot per post (by index into the thread's posts). Every post's line
/// count is kept (the layout needs them all), but its lines only while it is on or near
/// the screen ([`Self::hold_only`]): a thread of thousands of posts would otherwise hold
/// every line of it, several times the size of its text.
#[derive(Clone, Debug, Default)]
pub struct WrapCache {
    slots: Vec<Option<Wrapped>>,
    /// Bodies wrapped for the layout so far (what a layout cost), for tests and
    /// benchmarks; wrapping again a post that comes back on screen is not counted.
    wraps: u64,
}

impl WrapCache {
    pub fn new(posts: usize) -> Self {
        Self {
            slots: vec![None; posts],
            wraps: 0,
        }
    }

    /// How many bodies this cache has wrapped for the layout.
    pub fn wraps(&self) -> u64 {
        self.wraps
    }

    /// The cache for the posts rearranged: new post `i` keeps the lines of old post
    /// `from[i]`; `None` (a new or changed post) is wrapped when next laid out.
    #[must_use]
    pub fn rearranged(mut self, from: &[Option<usize>]) -> Self {
        let slots = from
            .iter()
            .map(|old| old.and_then(|i| self.slots.get_mut(i).and_then(Option::take)))
            .collect();
        Self {
            slots,
            wraps: self.wraps,
        }
    }

    /// Forgets the lines of post `index` (changed or new): wrapped when next laid out.
    pub fn forget(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = None;
        }
    }

    /// How many lines post `index` takes at `width`, and the line each of its pictures
    /// starts on, wrapping only when the width changed (a post whose lines are held keeps
    /// them, wrapped at the new width).
    pub fn measure(
        &mut self,
        index: usize,
        doc: &Document,
        width: usize,
    ) -> (usize, &[(usize, u16)]) {
        if index >= self.slots.len() {
            self.slots.resize(index + 1, None);
        }
        let slot = &mut self.slots[index];
        if slot.as_ref().is_none_or(|w| w.width != width) {
            let held = slot.as_ref().is_some_and(|w| w.lines.is_some());
            let lines = doc.wrap(width);
            // Most posts have no pictures: their lines are not looked through.
            let pictures = if doc.pictures().is_empty() {
                Vec::new()
            } else {
                picture_starts(&lines)
            };
            *slot = Some(Wrapped {
                width,
                count: lines.len(),
                pictures,
                lines: held.then_some(lines),
            });
            self.wraps += 1;
        }
        slot.as_ref()
            .map_or((0, &[][..]), |w| (w.count, w.pictures.as_slice()))
    }

    /// The lines of post `index` as laid out last: the ones held, else wrapped now from
    /// `doc` (empty for a post not laid out).
    pub fn lines<'a>(&'a self, index: usize, doc: Option<&Document>) -> Cow<'a, [Line]> {
        match self.slots.get(index).and_then(Option::as_ref) {
            Some(Wrapped {
                lines: Some(lines), ..
            }) => Cow::Borrowed(lines.as_slice()),
            Some(wrapped) => doc.map_or(Cow::Borrowed(&[][..]), |doc| {
                Cow::Owned(doc.wrap(wrapped.width))
            }),
            None => Cow::Borrowed(&[][..]),
        }
    }

    /// Holds the lines of the posts `wanted` (by index; `docs` are their bodies) and lets
    /// go of every other post's.
    pub fn hold_only(&mut self, wanted: &HashSet<usize>, docs: &[Document]) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let Some(wrapped) = slot else { continue };
            if !wanted.contains(&index) {
                wrapped.lines = None;
            } else if wrapped.lines.is_none()
                && let Some(doc) = docs.get(index)
            {
                wrapped.lines = Some(doc.wrap(wrapped.width));
            }
        }
    }

    /// How many posts have their lines held (tests).
    pub fn held(&self) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|w| w.lines.is_some())
            .count()
    }
}

/// Rows for the whole thread at one width, plus where each post's rows are.
#[derive(Clone, Debug, Default)]
pub struct RowLayout {
    pub width: usize,
    pub rows: Vec<Row>,
    /// For each reading position: the rows from its header to its last content row, or
    /// `None` while it is folded away.
    pub spans: Vec<Option<(usize, usize)>>,
}

/// What a layout pass needs to know about the thread.
#[derive(Debug)]
pub struct LayoutInput<'a> {
    pub posts: &'a [Post],
    pub docs: &'a [Document],
    pub order: &'a [Placed],
    /// Reading positions whose replies are folded.
    pub folded: &'a HashSet<usize>,
    /// Posts the server has that are not downloaded.
    pub missing: &'a [SeqRange],
    /// Posts whose spoilers are shown: the links inside the others are not listed.
    pub revealed: &'a HashSet<PostId>,
    /// Per post (by index): the rule hiding it, shown as a stub.
    pub stubs: &'a [Option<usize>],
    /// Per small action of the thread: the post (by index) it follows.
    pub actions: &'a [Option<usize>],
    /// The pictures ready to show (none while pictures are off).
    pub pictures: &'a super::pictures::Pictures,
    pub width: usize,
}

/// Positions of the replies under `pos` (all deeper posts that follow it).
pub fn descendants(order: &[Placed], pos: usize) -> std::ops::Range<usize> {
    let Some(depth) = order.get(pos).map(|p| p.depth) else {
        return pos..pos;
    };
    let end = order[pos + 1..]
        .iter()
        .position(|p| p.depth <= depth)
        .map_or(order.len(), |k| pos + 1 + k);
    pos + 1..end
}

/// For each reading position, the end of its replies (what [`descendants`] gives), all
/// found in one pass: asking each post in turn would be quadratic in a deep reply chain.
pub fn reply_ends(order: &[Placed]) -> Vec<usize> {
    let mut ends = vec![order.len(); order.len()];
    let mut open: Vec<usize> = Vec::new();
    for (pos, placed) in order.iter().enumerate() {
        while let Some(&top) = open.last() {
            if order[top].depth < placed.depth {
                break;
            }
            ends[top] = pos;
            open.pop();
        }
        open.push(pos);
    }
    ends
}

/// Where each run of posts not downloaded goes: before the first post answering the
/// thread (depth 0) that comes after it, which is where the conversation goes on; after
/// the last post when none does. `(position, index into missing)`, by position.
fn missing_places(input: &LayoutInput<'_>) -> Vec<(usize, usize)> {
    let mut places: Vec<(usize, usize)> = input
        .missing
        .iter()
        .enumerate()
        .map(|(range_index, range)| {
            let at = input
                .order
                .iter()
                .position(|p| p.depth == 0 && input.posts[p.index].seq > range.to)
                .unwrap_or(input.order.len());
            (at, range_index)
        })
        .collect();
    places.sort_unstable();
    places
}

/// The line each picture's alt text starts on, `(line, picture)` in line order.
pub fn picture_starts(lines: &[Line]) -> Vec<(usize, u16)> {
    let mut seen = HashSet::new();
    let mut starts = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        for picture in line.spans.iter().filter_map(|s| s.style.picture) {
            if seen.insert(picture) {
                starts.push((index, picture));
            }
        }
    }
    starts
}

/// Lays the thread out, wrapping through `cache`.
pub fn layout(input: &LayoutInput<'_>, cache: &mut WrapCache) -> RowLayout {
    let mut rows = Vec::with_capacity(input.order.len() * 8 + input.missing.len());
    let mut spans = vec![None; input.order.len()];
    let ends = reply_ends(input.order);
    let gaps = missing_places(input);
    let mut gaps = gaps.iter().peekable();
    // Actions before every post are shown after the first one.
    let follows = |pos: usize, index: usize| {
        input
            .actions
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.unwrap_or(input.order.first().map_or(0, |p| p.index)) == index)
            .map(move |(action, _)| Row::Action { pos, action })
    };
    let mut pos = 0;
    while pos < input.order.len() {
        while let Some(&(_, range)) = gaps.next_if(|&&(at, _)| at <= pos) {
            rows.push(Row::Missing { pos, range });
        }
        let placed = input.order[pos];
        let post = &input.posts[placed.index];
        let first = rows.len();
        if let Some(rule) = input.stubs.get(placed.index).copied().flatten() {
            // The stub alone, in place of the header and the body.
            rows.push(Row::Hidden { pos, rule });
        } else if post.deleted {
            rows.push(Row::Header { pos });
            rows.push(Row::Deleted { pos });
        } else if let Some(doc) = input.docs.get(placed.index) {
            rows.push(Row::Header { pos });
            let width = body_width(input.width, placed.depth);
            let revealed = input.revealed.contains(&post.id);
            let (count, starts) = cache.measure(placed.index, doc, width);
            let starts = if input.pictures.active() { starts } else { &[] };
            let mut starts = starts.iter().peekable();
            for line in 0..count {
                while let Some(&(_, picture)) = starts.next_if(|&&(at, _)| at == line) {
                    let shown = doc
                        .pictures()
                        .get(usize::from(picture))
                        .filter(|p| revealed || !p.spoiler)
                        .and_then(|p| input.pictures.cells(p, width));
                    if let Some((_, height)) = shown {
                        rows.extend((0..height).map(|row| Row::Picture { pos, picture, row }));
                    }
                }
                rows.push(Row::Body { pos, line });
            }
            rows.extend(
                doc.links()
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| revealed || !l.spoiler)
                    .map(|(link, _)| Row::Link { pos, link }),
            );
        } else {
            rows.push(Row::Header { pos });
        }
        let replies = pos + 1..ends[pos];
        let folded = input.folded.contains(&pos) && !replies.is_empty();
        if folded {
            rows.push(Row::Folded {
                pos,
                hidden: replies.len(),
            });
        }
        spans[pos] = Some((first, rows.len() - 1));
        rows.push(Row::Gap { pos });
        let before = rows.len();
        rows.extend(follows(pos, placed.index));
        if rows.len() > before {
            rows.push(Row::Gap { pos });
        }
        pos = if folded { replies.end } else { pos + 1 };
    }
    let last = input.order.len().saturating_sub(1);
    rows.extend(gaps.map(|&(_, range)| Row::Missing { pos: last, range }));
    RowLayout {
        width: input.width,
        rows,
        spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{demo_forum, reading_order};

    #[test]
    fn folding_hides_the_replies_and_keeps_the_post() {
        let demo = demo_forum().unwrap();
        let posts = &demo.threads[0].posts;
        let docs: Vec<Document> = posts.iter().map(|p| Document::from_body(&p.body)).collect();
        let order = reading_order(posts);
        let connie = order.iter().position(|p| posts[p.index].seq == 2).unwrap();
        let mut cache = WrapCache::new(posts.len());
        let mut folded = HashSet::new();
        let open = layout(
            &LayoutInput {
                posts,
                docs: &docs,
                order: &order,
                folded: &folded,
                missing: &[],
                revealed: &HashSet::new(),
                stubs: &[],
                actions: &[],
                pictures: &super::super::pictures::Pictures::default(),
                width: 80,
            },
            &mut cache,
        );
        assert!(open.spans.iter().all(Option::is_some));
        folded.insert(connie);
        let closed = layout(
            &LayoutInput {
                posts,
                docs: &docs,
                order: &order,
                folded: &folded,
                missing: &[],
                revealed: &HashSet::new(),
                stubs: &[],
                actions: &[],
                pictures: &super::super::pictures::Pictures::default(),
                width: 80,
            },
            &mut cache,
        );
        assert_eq!(closed.spans.iter().filter(|s| s.is_none()).count(), 1);
        assert!(closed.rows.contains(&Row::Folded {
            pos: connie,
            hidden: 1
        }));
        assert!(closed.rows.len() < open.rows.len());
    }

    #[test]
    fn reply_ends_agree_with_descendants() {
        let depths = [0, 0, 1, 2, 3, 1, 2, 0, 1, 1, 4, 0];
        let order: Vec<Placed> = depths
            .iter()
            .enumerate()
            .map(|(index, &depth)| Placed {
                index,
                depth,
                parent: None,
            })
            .collect();
        let ends = reply_ends(&order);
        for (pos, &end) in ends.iter().enumerate() {
            assert_eq!(pos + 1..end, descendants(&order, pos), "at {pos}");
        }
    }

    #[test]
    fn posts_not_downloaded_show_where_the_conversation_goes_on() {
        let demo = demo_forum().unwrap();
        let posts = &demo.threads[0].posts;
        let docs: Vec<Document> = posts.iter().map(|p| Document::from_body(&p.body)).collect();
        let order = reading_order(posts);
        let folded = HashSet::new();
        let last = posts.iter().map(|p| p.seq).max().unwrap();
        let missing = [
            SeqRange { from: 2, to: 2 },
            SeqRange {
                from: last + 1,
                to: last + 5,
            },
        ];
        let laid = layout(
            &LayoutInput {
                posts,
                docs: &docs,
                order: &order,
                folded: &folded,
                missing: &missing,
                revealed: &HashSet::new(),
                stubs: &[],
                actions: &[],
                pictures: &super::super::pictures::Pictures::default(),
                width: 80,
            },
            &mut WrapCache::new(posts.len()),
        );
        // Before the first post answering the thread after #2, and after the last post.
        let after_two = order
            .iter()
            .position(|p| p.depth == 0 && posts[p.index].seq > 2)
            .unwrap();
        let header = laid
            .rows
            .iter()
            .position(|r| *r == Row::Header { pos: after_two })
            .unwrap();
        assert_eq!(
            laid.rows[header - 1],
            Row::Missing {
                pos: after_two,
                range: 0
            }
        );
        assert!(matches!(
            laid.rows.last(),
            Some(Row::Missing { range: 1, .. })
        ));

        // Nothing downloaded: the one row there is.
        let none = layout(
            &LayoutInput {
                posts: &[],
                docs: &[],
                order: &[],
                folded: &folded,
                missing: &[SeqRange { from: 1, to: 9 }],
                revealed: &HashSet::new(),
                stubs: &[],
                actions: &[],
                pictures: &super::super::pictures::Pictures::default(),
                width: 80,
            },
            &mut WrapCache::new(0),
        );
        assert_eq!(none.rows, [Row::Missing { pos: 0, range: 0 }]);
    }

    #[test]
    fn deep_nesting_keeps_a_usable_body_width() {
        assert_eq!(body_width(80, 0), 77);
        assert_eq!(body_width(80, 2), 73);
        assert_eq!(body_width(30, 50), MIN_BODY_WIDTH);
    }
}
