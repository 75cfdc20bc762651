//! What the outbox says about a synced post: our like or unlike on its way (the count shown
//! as it will be), a deletion or edit waiting for the server, and whether the post is ours.

use crate::model::{Me, OutboxEntry, OutboxState, Post, Reactions, Target};

/// A post's marks from our outbox entries that change it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostMarks {
    /// The likes as they will be once our queued like or unlike is sent.
    pub reactions: Reactions,
    /// Our like or unlike is still in the outbox.
    pub like_pending: bool,
    /// Our edit or deletion of it on its way, or stuck in a conflict.
    pub change: Option<Change>,
    /// We wrote it (sent from this outbox, or by the name the account signs in as).
    pub mine: bool,
    /// The user bookmarked it (set by the caller from the account's places).
    pub bookmarked: bool,
}

/// Our edit or deletion of a post, until the server has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The deletion is in the outbox.
    Deleting,
    /// The edit is in the outbox.
    Editing,
    /// The edit or deletion met a newer version on the server: the user chooses (O).
    Conflict,
}

/// Still to be carried out by the server, as far as we know: waiting in the outbox, or
/// taken by the server but not yet seen in the synced post. (A waiting unlike of a like
/// also waiting is outstanding although the synced post shows no like: order matters.)
fn outstanding(entry: &OutboxEntry, post: &Post) -> bool {
    match entry.state {
        OutboxState::Failed | OutboxState::Done { .. } => false,
        OutboxState::Conflict { .. } => true,
        ref pending if pending.is_pending() => true,
        _ => !entry.target.done_in(&entry.body, post),
    }
}

/// Did we write `post`? The server echoes a post's `client_key` to its author only; a post
/// written through another client is known by the author's name.
pub fn is_mine(post: &Post, me: Option<&Me>) -> bool {
    post.client_key.is_some() || me.is_some_and(|me| me.name == post.author.name)
}

/// The marks of `post` from the live outbox `entries` (in send order).
pub fn marks(post: &Post, entries: &[OutboxEntry], me: Option<&Me>) -> PostMarks {
    let mut marks = PostMarks {
        reactions: post.reactions,
        mine: is_mine(post, me),
        ..PostMarks::default()
    };
    let ours = entries
        .iter()
        .filter(|e| e.target.post().is_some_and(|(_, p)| *p == post.id))
        .filter(|e| outstanding(e, post));
    for entry in ours {
        match &entry.target {
            Target::Like { .. } => {
                marks.like_pending = true;
                if !marks.reactions.liked {
                    marks.reactions.liked = true;
                    marks.reactions.likes = marks.reactions.likes.saturating_add(1);
                }
            }
            Target::Unlike { .. } => {
                marks.like_pending = true;
                if marks.reactions.liked {
                    marks.reactions.liked = false;
                    marks.reactions.likes = marks.reactions.likes.saturating_sub(1);
                }
            }
            Target::Delete { .. } | Target::Edit { .. }
                if matches!(entry.state, OutboxState::Conflict { .. }) =>
            {
                marks.change = Some(Change::Conflict);
            }
            // A conflict outweighs what else is on its way.
            _ if marks.change == Some(Change::Conflict) => {}
            Target::Delete { .. } => marks.change = Some(Change::Deleting),
            Target::Edit { .. } if marks.change.is_none() => {
                marks.change = Some(Change::Editing);
            }
            Target::Edit { .. }
            | Target::Reply { .. }
            | Target::NewThread { .. }
            | Target::Message { .. }
            | Target::Moderation { .. } => {}
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, Body, PostId, ThreadId};

    fn post(likes: u32, by_me: bool) -> Post {
        Post {
            id: PostId::new("p1"),
            thread: ThreadId::new("t1"),
            seq: 2,
            reply_to: None,
            author: Author::new("Ann"),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            edited_at: None,
            body: Body::markdown("hi"),
            deleted: false,
            removed: false,
            score: None,
            version: 1,
            client_key: None,
            reactions: Reactions {
                likes,
                liked: by_me,
            },
        }
    }

    fn entry(target: Target) -> OutboxEntry {
        OutboxEntry::new(target, String::new(), jiff::Timestamp::UNIX_EPOCH)
    }

    fn like() -> Target {
        Target::Like {
            thread: ThreadId::new("t1"),
            post: PostId::new("p1"),
        }
    }

    #[test]
    fn a_queued_like_counts_at_once_with_a_pending_mark() {
        let marks = marks(&post(2, false), &[entry(like())], None);
        assert_eq!(
            marks.reactions,
            Reactions {
                likes: 3,
                liked: true
            }
        );
        assert!(marks.like_pending);
    }

    #[test]
    fn a_like_the_server_counted_is_no_longer_pending() {
        let mut sent = entry(like());
        sent.state = OutboxState::Sent {
            thread: ThreadId::new("t1"),
            post: PostId::new("p1"),
        };
        let marks = marks(&post(3, true), &[sent], None);
        assert_eq!(
            marks.reactions,
            Reactions {
                likes: 3,
                liked: true
            }
        );
        assert!(!marks.like_pending);
    }

    #[test]
    fn like_then_unlike_ends_where_it_began() {
        let unlike = Target::Unlike {
            thread: ThreadId::new("t1"),
            post: PostId::new("p1"),
        };
        let marks = marks(&post(2, false), &[entry(like()), entry(unlike)], None);
        assert_eq!(
            marks.reactions,
            Reactions {
                likes: 2,
                liked: false
            }
        );
    }

    #[test]
    fn a_post_is_mine_by_key_or_by_name() {
        let me = Me {
            name: "Ann".into(),
            moderator: false,
        };
        let other = Me {
            name: "Bob".into(),
            moderator: false,
        };
        assert!(is_mine(&post(0, false), Some(&me)));
        assert!(!is_mine(&post(0, false), Some(&other)));
        let mut sent = post(0, false);
        sent.client_key = Some("k".into());
        assert!(is_mine(&sent, None));
    }
}
