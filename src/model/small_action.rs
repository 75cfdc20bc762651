//! What a moderator did to a thread (locked it, moved it, hid a post), shown in the thread
//! as one line between the posts of its time: "locked by ann, 3 Dec".

use super::Post;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One moderation action on a thread, as its server reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallAction {
    pub at: Timestamp,
    /// A user's name, or `(operator)` for the server's command line.
    pub actor: String,
    /// `lock`, `unlock`, `pin`, `unpin`, `move`, `split`, `hide`, `unhide`, or one this
    /// build does not know (shown by its name).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The post it touched, by its place in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_seq: Option<u32>,
}

impl SmallAction {
    /// What happened and by whom, without the date: "locked by ann", "post #3 hidden by
    /// ann: off topic". Not yet cleaned for a terminal.
    pub fn describe(&self) -> String {
        let post = self
            .post_seq
            .map_or_else(|| "a post".to_owned(), |seq| format!("post #{seq}"));
        let detail = self.detail.as_deref().unwrap_or_default();
        let by = &self.actor;
        match self.action.as_str() {
            "lock" => format!("locked by {by}"),
            "unlock" => format!("unlocked by {by}"),
            "pin" => format!("pinned by {by}"),
            "unpin" => format!("unpinned by {by}"),
            "move" if !detail.is_empty() => format!("moved {detail} by {by}"),
            "move" => format!("moved by {by}"),
            "split" if !detail.is_empty() => format!("split by {by}: {detail}"),
            "split" => format!("split by {by}"),
            "hide" if !detail.is_empty() => format!("{post} hidden by {by}: {detail}"),
            "hide" => format!("{post} hidden by {by}"),
            "unhide" => format!("{post} shown again by {by}"),
            other if !detail.is_empty() => format!("{other} by {by}: {detail}"),
            other => format!("{other} by {by}"),
        }
    }
}

/// Which post each action follows: the index (in `posts`) of the latest post written at or
/// before it — the posts of its time — or `None` when it came before every post. Pairs in
/// the order of `actions`.
pub fn anchors<'a>(
    actions: &'a [SmallAction],
    posts: &[Post],
) -> Vec<(Option<usize>, &'a SmallAction)> {
    actions
        .iter()
        .map(|action| {
            let anchor = posts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.created_at <= action.at)
                .max_by_key(|(_, p)| (p.created_at, p.seq))
                .map(|(i, _)| i);
            (anchor, action)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(action: &str, detail: Option<&str>, seq: Option<u32>) -> SmallAction {
        SmallAction {
            at: "2026-12-03T10:00:00Z".parse().unwrap(),
            actor: "ann".into(),
            action: action.into(),
            detail: detail.map(str::to_owned),
            post_seq: seq,
        }
    }

    #[test]
    fn each_action_reads_as_a_short_sentence() {
        assert_eq!(action("lock", None, None).describe(), "locked by ann");
        assert_eq!(action("unpin", None, None).describe(), "unpinned by ann");
        assert_eq!(
            action("move", Some("from a to b"), None).describe(),
            "moved from a to b by ann"
        );
        assert_eq!(
            action("hide", Some("off topic"), Some(3)).describe(),
            "post #3 hidden by ann: off topic"
        );
        assert_eq!(
            action("unhide", None, Some(3)).describe(),
            "post #3 shown again by ann"
        );
        assert_eq!(action("merge", None, None).describe(), "merge by ann");
    }
}
