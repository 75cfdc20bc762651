//! Words for where a reply goes ("Reply to Connie Williams (#2) in “Advocacy”"), shared by
//! the composer, the outbox list and the drafts list.

use crate::app::state::State;
use crate::model::Target;
use crate::render::target_words;

/// A one-line description of `target`, with names from the cache where it has them.
pub fn target(state: &State, target: &Target) -> String {
    let thread = target.place();
    let open = state
        .reader
        .open
        .as_ref()
        .filter(|o| Some(o.id()) == thread);
    target_words(target, &state.data.threads, &state.data.forum, |id| {
        open.and_then(|o| o.real_posts().iter().find(|p| &p.id == id))
    })
}
