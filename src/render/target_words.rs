//! Words for where a reply goes ("Reply to Connie Williams (#2) in “Advocacy”"), the same in
//! the reader's composer and lists and in `threadmark outbox`.

use crate::model::{Forum, ModAction, Post, Target, ThreadSummary};
use crate::text::sanitize::clean_line;

/// A one-line description of `target`, with names from `threads`, `forum` and the posts
/// `post_of` finds (the raw ids where they are not known).
pub fn target_words<'a>(
    target: &Target,
    threads: &[ThreadSummary],
    forum: &Forum,
    post_of: impl Fn(&crate::model::PostId) -> Option<&'a Post>,
) -> String {
    let title_of = |thread: &crate::model::ThreadId| {
        threads.iter().find(|t| &t.id == thread).map_or_else(
            || clean_line(thread.as_str()).into_owned(),
            |t| clean_line(&t.title).into_owned(),
        )
    };
    let post_words = |id: &crate::model::PostId| {
        post_of(id).map_or_else(
            || format!("post {}", clean_line(id.as_str())),
            |p| format!("{} (#{})", clean_line(&p.author.name), p.seq),
        )
    };
    match target {
        Target::Edit { thread, post, .. } => {
            format!("Edit of {} in “{}”", post_words(post), title_of(thread))
        }
        Target::Delete { thread, post, .. } => {
            format!("Deletion of {} in “{}”", post_words(post), title_of(thread))
        }
        Target::Like { thread, post } => {
            format!("Like of {} in “{}”", post_words(post), title_of(thread))
        }
        Target::Unlike { thread, post } => format!(
            "Like taken back from {} in “{}”",
            post_words(post),
            title_of(thread)
        ),
        Target::Moderation {
            user: Some(user),
            action: ModAction::Unsilence,
            ..
        } => format!("End of the silence of {}", clean_line(user)),
        Target::Moderation {
            user: Some(user), ..
        } => format!("Silence of {}", clean_line(user)),
        Target::Moderation {
            thread,
            post,
            action,
            user: None,
        } => match post {
            Some(post) => format!(
                "{} of {} in “{}”",
                mod_noun(*action),
                post_words(post),
                title_of(thread)
            ),
            None => format!("{} of “{}”", mod_noun(*action), title_of(thread)),
        },
        Target::Reply { thread, reply_to } => {
            let title = title_of(thread);
            let to = reply_to.as_ref().map(post_words);
            match to {
                Some(to) => format!("Reply to {to} in “{title}”"),
                None => format!("Reply in “{title}”"),
            }
        }
        Target::Message { to, title } => {
            let to: Vec<String> = to.iter().map(|n| clean_line(n).into_owned()).collect();
            format!("Message “{}” to {}", clean_line(title), to.join(", "))
        }
        Target::NewThread { area, title } => {
            let place = forum.area(area).map_or_else(
                || clean_line(area.as_str()).into_owned(),
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

/// "Lock", "Unpin", "Hiding": a moderator's action as the outbox lists it.
fn mod_noun(action: ModAction) -> &'static str {
    match action {
        ModAction::Lock => "Lock",
        ModAction::Unlock => "Unlock",
        ModAction::Pin => "Pin",
        ModAction::Unpin => "Unpin",
        ModAction::Hide => "Hiding",
        ModAction::Unhide => "Unhiding",
        ModAction::Move => "Move",
        ModAction::Split => "Split",
        ModAction::Silence => "Silence",
        ModAction::Unsilence => "End of the silence",
    }
}
