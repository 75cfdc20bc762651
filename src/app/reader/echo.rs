//! Local echoes: replies in the outbox shown in their thread at once, as pending posts
//! nested under what they answer, until the synced thread holds the real post.

use crate::model::{Author, Body, OutboxEntry, OutboxState, Post, PostId, Target, ThreadId};
use crate::render::Document;

/// Echoes sort after every real post (siblings are ordered by seq). They are never shown
/// with this number, never marked read and never counted as new.
const ECHO_SEQ: u32 = u32::MAX / 2;

/// Who an echo is shown as: the server has not said yet under which name.
pub const ECHO_AUTHOR: &str = "you";

/// A reply in the outbox, as the reader shows it.
#[derive(Clone, Debug)]
pub struct Echo {
    pub mark: EchoMark,
    pub post: Post,
    pub doc: Document,
}

/// What makes an echo differ from a post: its outbox entry and where that stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchoMark {
    pub key: String,
    pub state: OutboxState,
    /// The server's last word on it (for a failed or held reply).
    pub message: Option<String>,
}

/// True when the synced thread already holds the post this entry became.
fn arrived(entry: &OutboxEntry, posts: &[Post]) -> bool {
    let sent_as = match &entry.state {
        OutboxState::Sent { post, .. } | OutboxState::Done { post, .. } => Some(post),
        _ => None,
    };
    posts
        .iter()
        .any(|p| p.client_key.as_deref() == Some(entry.key.as_str()) || Some(&p.id) == sent_as)
}

/// The echoes of `thread`: its replies in the outbox that its `posts` do not hold yet,
/// oldest first.
pub fn echoes_for(thread: &ThreadId, posts: &[Post], entries: &[OutboxEntry]) -> Vec<Echo> {
    entries
        .iter()
        .filter(|e| matches!(&e.target, Target::Reply { thread: t, .. } if t == thread))
        .filter(|e| !arrived(e, posts))
        .zip(ECHO_SEQ..)
        .map(|(entry, seq)| {
            let reply_to = match &entry.target {
                Target::Reply { reply_to, .. } => reply_to.clone(),
                _ => None,
            };
            let body = Body::markdown(entry.body.as_str());
            Echo {
                mark: EchoMark {
                    key: entry.key.clone(),
                    state: entry.state.clone(),
                    message: entry.last_message.clone(),
                },
                doc: Document::from_body(&body),
                post: Post {
                    id: PostId::new(format!("local:{}", entry.key)),
                    thread: thread.clone(),
                    seq,
                    reply_to,
                    author: Author::new(ECHO_AUTHOR),
                    created_at: entry.created_at,
                    edited_at: None,
                    body,
                    deleted: false,
                    removed: false,
                    score: None,
                    version: 0,
                    client_key: Some(entry.key.clone()),
                    reactions: crate::model::Reactions::default(),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn entry(reply_to: Option<&str>, state: OutboxState) -> OutboxEntry {
        let mut e = OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("t"),
                reply_to: reply_to.map(PostId::new),
            },
            "hello".into(),
            Timestamp::UNIX_EPOCH,
        );
        e.state = state;
        e
    }

    #[test]
    fn an_echo_answers_its_post_until_the_real_one_arrives() {
        let held = entry(Some("p2"), OutboxState::Held);
        let other_thread = OutboxEntry::new(
            Target::Reply {
                thread: ThreadId::new("elsewhere"),
                reply_to: None,
            },
            "x".into(),
            Timestamp::UNIX_EPOCH,
        );
        let entries = vec![held.clone(), other_thread];
        let echoes = echoes_for(&ThreadId::new("t"), &[], &entries);
        assert_eq!(echoes.len(), 1);
        assert_eq!(echoes[0].post.reply_to, Some(PostId::new("p2")));
        assert_eq!(echoes[0].mark.state, OutboxState::Held);

        let mut real = echoes[0].post.clone();
        real.id = PostId::new("p9");
        real.seq = 9;
        assert!(
            echoes_for(&ThreadId::new("t"), &[real], &entries).is_empty(),
            "the synced post carries our key: the echo gives way"
        );
    }
}
