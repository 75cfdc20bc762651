//! What a big cache's first frame shows of the tree before its threads are loaded: each
//! area's unread posts from the tree index (`tree.sqlite`), read in a few milliseconds
//! whatever the size of the forum, muted threads and areas left out.

use crate::model::{AreaId, Places, ThreadId};
use crate::store::{Cache, StoreError};
use std::collections::HashMap;

/// Each area's unread posts as the tree shows them, when the tree index is current with
/// the files (`None`: it is not, and is not built here — the first frame then waits for
/// nothing and shows no counts until the threads come).
pub fn rolled_up(
    cache: &mut Cache,
    places: &Places,
) -> Result<Option<HashMap<AreaId, u32>>, StoreError> {
    let own: Vec<&ThreadId> = places.threads.keys().collect();
    Ok(cache.tree_rollups(&own)?.map(|rollups| {
        crate::app::tree::lazy::area_unread(
            rollups.areas.into_iter().map(|r| (r.area, r.unread)),
            &rollups.own,
            places,
        )
    }))
}

/// A start that does not wait for the thread index (see `crate::app::start_index`):
/// the areas show `rolled_up` meanwhile, when known.
pub fn wait_for_index(
    state: &mut crate::app::State,
    ui: &crate::app::UiState,
    rolled_up: Option<impl IntoIterator<Item = (AreaId, u32)>>,
) -> Vec<crate::app::Effect> {
    let effects = crate::app::start_index::wait_for_index(state, ui);
    if let Some(unread) = rolled_up {
        state
            .tree
            .set_rolled_up(unread.into_iter().collect(), &state.data.read);
        if let Some(wait) = state.index_wait.as_mut() {
            wait.counted = true;
        }
    }
    effects
}
