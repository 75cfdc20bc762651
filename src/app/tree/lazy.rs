//! The tree before its threads are loaded: each area's unread posts as the tree index
//! rolls them up (muted threads left out, as the tree leaves them out of every parent),
//! so the first frame of a big cache shows the right counts without a thread row.

use crate::model::{AreaId, Places, ThreadId, WatchLevel, WatchTarget, saturating_total};
use std::collections::HashMap;

/// Each area's unread posts, from `rollups` (area, unread posts of all its threads) less what
/// `places` mutes: a muted area counts only its threads that have a level of their own
/// that is not muted; another area leaves out its threads muted on their own. `own` has
/// the area and unread posts of each thread with a level of its own.
pub fn area_unread(
    rollups: impl IntoIterator<Item = (AreaId, u32)>,
    own: &[(ThreadId, AreaId, u32)],
    places: &Places,
) -> HashMap<AreaId, u32> {
    let mut unread: HashMap<AreaId, u32> = rollups
        .into_iter()
        .map(|(area, count)| {
            let muted = places.level(&WatchTarget::Area(area.clone())) == WatchLevel::Muted;
            (area, if muted { 0 } else { count })
        })
        .collect();
    for (thread, area, count) in own {
        let area_muted = places.level(&WatchTarget::Area(area.clone())) == WatchLevel::Muted;
        let muted = places.thread_level(thread, area) == WatchLevel::Muted;
        let Some(total) = unread.get_mut(area) else {
            continue;
        };
        match (area_muted, muted) {
            (true, false) => *total = saturating_total([*total, *count]),
            (false, true) => *total = total.saturating_sub(*count),
            _ => {}
        }
    }
    unread
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WatchSet;

    fn rollup(area: &str, unread: u32) -> (AreaId, u32) {
        (AreaId::new(area), unread)
    }

    fn set(level: WatchLevel, second: i64) -> WatchSet {
        WatchSet {
            level,
            at: jiff::Timestamp::from_second(second).unwrap(),
        }
    }

    #[test]
    fn muted_threads_and_areas_are_left_out_of_the_rollups() {
        let mut places = Places::default();
        places
            .areas
            .insert(AreaId::new("quiet"), set(WatchLevel::Muted, 1));
        places
            .threads
            .insert(ThreadId::new("loud"), set(WatchLevel::Watching, 2));
        places
            .threads
            .insert(ThreadId::new("hush"), set(WatchLevel::Muted, 2));
        let own = [
            (ThreadId::new("loud"), AreaId::new("quiet"), 4),
            (ThreadId::new("hush"), AreaId::new("busy"), 5),
        ];
        let unread = area_unread([rollup("quiet", 10), rollup("busy", 12)], &own, &places);
        assert_eq!(unread[&AreaId::new("quiet")], 4);
        assert_eq!(unread[&AreaId::new("busy")], 7);
    }
}
