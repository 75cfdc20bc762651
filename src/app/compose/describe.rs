//! Words for where a reply goes ("Reply to Connie Williams (#2) in “Advocacy”"), shared by
//! the composer, the outbox list and the drafts list.

use crate::app::state::State;
use crate::model::Target;
use crate::text::sanitize::clean_line;

/// A one-line description of `target`, with names from the cache where it has them.
pub fn target(state: &State, target: &Target) -> String {
    match target {
        Target::Reply { thread, reply_to } => {
            let title = state
                .data
                .threads
                .iter()
                .find(|t| &t.id == thread)
                .map_or_else(|| thread.to_string(), |t| clean_line(&t.title).into_owned());
            let to = reply_to.as_ref().map(|id| {
                state
                    .reader
                    .open
                    .as_ref()
                    .filter(|o| o.id() == thread)
                    .and_then(|o| o.real_posts().iter().find(|p| &p.id == id))
                    .map_or_else(
                        || format!("post {id}"),
                        |p| format!("{} (#{})", clean_line(&p.author.name), p.seq),
                    )
            });
            match to {
                Some(to) => format!("Reply to {to} in “{title}”"),
                None => format!("Reply in “{title}”"),
            }
        }
        Target::NewThread { area, title } => {
            let place = state.data.forum.area(area).map_or_else(
                || area.to_string(),
                |(section, a)| format!("{} › {}", clean_line(&section.title), clean_line(&a.title)),
            );
            if title.trim().is_empty() {
                format!("New thread in {place}")
            } else {
                format!("New thread “{}” in {place}", clean_line(title))
            }
        }
    }
}
