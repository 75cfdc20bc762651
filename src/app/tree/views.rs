//! Views: the order and content of an area's threads in the tree (`activity`, `new`,
//! `unread`, `score`, `created`, `top`), chosen per area with `V`. A pure function over
//! thread rows, however the rows were loaded.

use crate::app::judged::ThreadCounts;
use crate::model::{ReadState, Thread, ThreadSummary};
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// How an area lists its threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum View {
    /// Latest post first (the forum's own order).
    #[default]
    Activity,
    /// Only threads never opened, latest post first.
    New,
    /// Only threads with unread posts, latest post first.
    Unread,
    /// Highest score from the rules first.
    Score,
    /// Newest thread first.
    Created,
    /// Most posts written in the last week first.
    Top,
}

/// What `top` counts: posts written this long before now.
pub const TOP_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

impl View {
    /// Every view, in the order `V` cycles through them.
    pub const ALL: [View; 6] = [
        View::Activity,
        View::New,
        View::Unread,
        View::Score,
        View::Created,
        View::Top,
    ];

    /// The name shown in the tree and written in `ui.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            View::Activity => "activity",
            View::New => "new",
            View::Unread => "unread",
            View::Score => "score",
            View::Created => "created",
            View::Top => "top",
        }
    }

    /// The view named `name` (as [`View::name`] spells it).
    pub fn parse(name: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The view after this one (`V`), back to `activity` after `top`.
    #[must_use]
    pub fn next(self) -> View {
        let at = View::ALL.iter().position(|v| *v == self).unwrap_or(0);
        View::ALL[(at + 1) % View::ALL.len()]
    }
}

/// What a view looks at in one thread row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadRow {
    pub pinned: bool,
    pub created_at: Timestamp,
    pub last_post_at: Timestamp,
    /// Unread posts, as the tree counts them (the rules' leaving out included).
    pub unread: u32,
    /// The thread was ever opened (or any post of it read).
    pub opened: bool,
    /// Its score from the rules.
    pub score: i64,
    /// Its cached posts written within [`TOP_WINDOW`] of now.
    pub recent_posts: u32,
}

/// The rows `view` shows, as indexes into `rows`, in the order it shows them. Pinned
/// threads lead in every view (as moderators meant); ties keep the rows' own order.
pub fn arrange(view: View, rows: &[ThreadRow]) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..rows.len())
        .filter(|&i| match view {
            View::New => !rows[i].opened,
            View::Unread => rows[i].unread > 0,
            _ => true,
        })
        .collect();
    shown.sort_by(|&a, &b| {
        let (a, b) = (&rows[a], &rows[b]);
        b.pinned.cmp(&a.pinned).then_with(|| match view {
            View::Activity | View::New | View::Unread => b.last_post_at.cmp(&a.last_post_at),
            View::Score => b.score.cmp(&a.score),
            View::Created => b.created_at.cmp(&a.created_at),
            View::Top => b.recent_posts.cmp(&a.recent_posts),
        })
    });
    shown
}

/// The view of each area: its own when `V` set one, else the default (`V` on the
/// forum's root or a section). Kept in `ui.json` by area id, `*` for the default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaViews {
    by_area: BTreeMap<String, View>,
}

/// The key of the default view in [`AreaViews::to_names`].
pub const DEFAULT_KEY: &str = "*";

impl AreaViews {
    /// From `ui.json`'s names; names this version does not know are left out.
    pub fn from_names(names: &BTreeMap<String, String>) -> Self {
        Self {
            by_area: names
                .iter()
                .filter_map(|(area, name)| View::parse(name).map(|v| (area.clone(), v)))
                .collect(),
        }
    }

    /// For `ui.json`: only views other than `activity` are written.
    pub fn to_names(&self) -> BTreeMap<String, String> {
        self.by_area
            .iter()
            .filter(|(_, v)| **v != View::Activity)
            .map(|(area, v)| (area.clone(), v.name().to_owned()))
            .collect()
    }

    /// One view everywhere (`threadmark tree --view`).
    pub fn everywhere(view: View) -> Self {
        Self {
            by_area: [(DEFAULT_KEY.to_owned(), view)].into(),
        }
    }

    /// The default: the view of areas without one of their own.
    pub fn default_view(&self) -> View {
        self.by_area.get(DEFAULT_KEY).copied().unwrap_or_default()
    }

    /// The view of the area with id `area`.
    pub fn of(&self, area: &str) -> View {
        self.by_area
            .get(area)
            .copied()
            .unwrap_or_else(|| self.default_view())
    }

    /// The area's own view (`None`: it follows the default).
    pub fn own(&self, area: &str) -> Option<View> {
        self.by_area.get(area).copied()
    }

    /// Sets the view of `area` (`None`: the default).
    pub fn set(&mut self, area: Option<&str>, view: View) {
        self.by_area
            .insert(area.unwrap_or(DEFAULT_KEY).to_owned(), view);
    }

    /// Whether any area lists its threads by `view`.
    pub fn uses(&self, view: View) -> bool {
        self.by_area.values().any(|v| *v == view)
    }

    /// Whether every area keeps the forum's own order.
    pub fn is_plain(&self) -> bool {
        self.by_area.values().all(|v| *v == View::Activity)
    }
}

/// Whether the thread was ever opened (its visit recorded, or any post of it read).
pub fn opened(read: &ReadState, summary: &ThreadSummary) -> bool {
    read.thread(&summary.id).is_some_and(|t| {
        t.seen_through > 0
            || t.read_through > 0
            || !t.read_above.is_empty()
            || read.unread_count(&summary.id, summary.last_seq) < summary.last_seq
    })
}

/// The row a view looks at for one thread of the index.
pub fn row(summary: &ThreadSummary, read: &ReadState, counts: &ThreadCounts) -> ThreadRow {
    ThreadRow {
        pinned: summary.pinned,
        created_at: summary.created_at,
        last_post_at: summary.last_post_at,
        unread: counts.unread(summary, read),
        opened: opened(read, summary),
        score: counts.score(&summary.id),
        recent_posts: counts.recent(&summary.id).unwrap_or(0),
    }
}

/// The threads each area's view shows, in its order (areas keep their threads together
/// as the index had them).
pub fn arranged(
    threads: &[ThreadSummary],
    views: &AreaViews,
    read: &ReadState,
    counts: &ThreadCounts,
) -> Vec<ThreadSummary> {
    let mut by_area: HashMap<&str, Vec<&ThreadSummary>> = HashMap::new();
    let mut areas: Vec<&str> = Vec::new();
    for t in threads {
        let list = by_area.entry(t.area.as_str()).or_insert_with(|| {
            areas.push(t.area.as_str());
            Vec::new()
        });
        list.push(t);
    }
    let mut out = Vec::with_capacity(threads.len());
    for area in areas {
        let list = &by_area[area];
        let rows: Vec<ThreadRow> = list.iter().map(|t| row(t, read, counts)).collect();
        out.extend(
            arrange(views.of(area), &rows)
                .into_iter()
                .map(|i| list[i].clone()),
        );
    }
    out
}

/// The thread's cached posts written at `since` or later (what `top` counts).
pub fn posts_since(thread: &Thread, since: Timestamp) -> u32 {
    let n = thread
        .posts
        .iter()
        .filter(|p| !p.deleted && p.created_at >= since)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    fn row(pinned: bool, created: i64, last: i64, unread: u32, opened: bool) -> ThreadRow {
        ThreadRow {
            pinned,
            created_at: at(created),
            last_post_at: at(last),
            unread,
            opened,
            score: i64::from(unread) * 10 - created,
            recent_posts: unread,
        }
    }

    #[test]
    fn each_view_orders_and_filters_as_named() {
        let rows = [
            row(false, 10, 50, 0, true),
            row(false, 30, 40, 3, false),
            row(true, 5, 10, 1, true),
            row(false, 20, 60, 2, true),
        ];
        assert_eq!(arrange(View::Activity, &rows), [2, 3, 0, 1]);
        assert_eq!(arrange(View::New, &rows), [1]);
        assert_eq!(arrange(View::Unread, &rows), [2, 3, 1]);
        assert_eq!(arrange(View::Score, &rows), [2, 1, 3, 0]);
        assert_eq!(arrange(View::Created, &rows), [2, 1, 3, 0]);
        assert_eq!(arrange(View::Top, &rows), [2, 1, 3, 0]);
    }

    #[test]
    fn v_cycles_through_every_view_and_names_round_trip() {
        let mut seen = vec![View::Activity];
        let mut v = View::Activity.next();
        while v != View::Activity {
            seen.push(v);
            v = v.next();
        }
        assert_eq!(seen, View::ALL);
        for v in View::ALL {
            assert_eq!(View::parse(v.name()), Some(v));
        }
        let mut views = AreaViews::default();
        views.set(Some("gov"), View::Unread);
        views.set(None, View::Top);
        let back = AreaViews::from_names(&views.to_names());
        assert_eq!(back, views);
        assert_eq!(
            (back.of("gov"), back.of("other")),
            (View::Unread, View::Top)
        );
    }
}
