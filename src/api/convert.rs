//! Conversions between wire types and [`crate::model`] types, both ways.
//!
//! Wire → model never fails: unknown enum values fall back to defaults. Area counts,
//! thread versions and similar server bookkeeping have no model field and are dropped.

use super::{Area, Author, Banner, Post, Section, Severity, SmallAction, Thread, Tree};
use crate::model;

impl From<&super::User> for model::Me {
    /// Moderators and admins may change others' posts.
    fn from(user: &super::User) -> Self {
        Self {
            name: user.name.clone(),
            moderator: matches!(user.role(), super::Role::Moderator | super::Role::Admin),
        }
    }
}

impl From<&model::Author> for Author {
    fn from(a: &model::Author) -> Self {
        Self {
            name: a.name.to_string(),
            badge: a.badge.clone(),
        }
    }
}

impl From<Author> for model::Author {
    fn from(a: Author) -> Self {
        Self {
            name: a.name.into(),
            badge: a.badge,
        }
    }
}

impl From<model::Severity> for Severity {
    fn from(s: model::Severity) -> Self {
        match s {
            model::Severity::Info => Severity::Info,
            model::Severity::Warning => Severity::Warning,
            model::Severity::Critical => Severity::Critical,
        }
    }
}

impl From<Severity> for model::Severity {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Warning => model::Severity::Warning,
            Severity::Critical => model::Severity::Critical,
            Severity::Info | Severity::Other => model::Severity::Info,
        }
    }
}

/// Banner links have no wire field (a mode banner is text only); they are dropped.
impl From<&model::Banner> for Banner {
    fn from(b: &model::Banner) -> Self {
        Self {
            id: b.id.clone(),
            severity: b.severity.into(),
            text: b.text.clone(),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
        }
    }
}

impl From<Banner> for model::Banner {
    fn from(b: Banner) -> Self {
        Self {
            id: b.id,
            severity: b.severity.into(),
            text: b.text,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            links: Vec::new(),
        }
    }
}

/// The body is sent as Markdown text whatever the model's format says.
impl From<&model::Post> for Post {
    fn from(p: &model::Post) -> Self {
        Self {
            id: p.id.0.to_string(),
            thread_id: p.thread.0.to_string(),
            seq: p.seq,
            reply_to: p.reply_to.as_ref().map(|r| r.0.to_string()),
            author: (&p.author).into(),
            created_at: p.created_at,
            edited_at: p.edited_at,
            body: p.body.text.clone(),
            deleted: p.deleted,
            version: p.version,
            client_key: p.client_key.clone(),
            reactions: match p.reactions.likes {
                0 => std::collections::BTreeMap::new(),
                n => std::collections::BTreeMap::from([(super::LIKE.to_owned(), u64::from(n))]),
            },
            me: if p.reactions.liked {
                vec![super::LIKE.to_owned()]
            } else {
                Vec::new()
            },
        }
    }
}

impl From<Post> for model::Post {
    fn from(p: Post) -> Self {
        let reactions = model::Reactions {
            likes: u32::try_from(p.likes()).unwrap_or(u32::MAX),
            liked: p.liked(),
        };
        Self {
            id: model::PostId::new(p.id),
            thread: model::ThreadId::new(p.thread_id),
            seq: p.seq,
            reply_to: p.reply_to.map(model::PostId::new),
            author: p.author.into(),
            created_at: p.created_at,
            edited_at: p.edited_at,
            body: model::Body::markdown(p.body),
            deleted: p.deleted,
            removed: false,
            score: None,
            reactions,
            version: p.version,
            client_key: p.client_key,
        }
    }
}

impl From<&model::ThreadSummary> for Thread {
    fn from(t: &model::ThreadSummary) -> Self {
        Self {
            id: t.id.0.to_string(),
            area_id: t.area.0.to_string(),
            title: t.title.to_string(),
            author: (&t.author).into(),
            created_at: t.created_at,
            last_post_at: t.last_post_at,
            post_count: t.post_count,
            last_seq: t.last_seq,
            pinned: t.pinned,
            locked: t.locked,
            version: 0,
            read_to_seq: None,
            watch: None,
            participants: Vec::new(),
            small_actions: t.small_actions.iter().map(SmallAction::from).collect(),
        }
    }
}

impl From<Thread> for model::ThreadSummary {
    fn from(t: Thread) -> Self {
        Self {
            id: model::ThreadId::new(t.id),
            // A private message has no area: it lives in the Messages area.
            area: if t.area_id.is_empty() {
                model::messages_area()
            } else {
                model::AreaId::new(t.area_id)
            },
            title: t.title.into(),
            author: t.author.into(),
            created_at: t.created_at,
            last_post_at: t.last_post_at,
            post_count: t.post_count,
            last_seq: t.last_seq,
            pinned: t.pinned,
            locked: t.locked,
            missing: thin_vec::ThinVec::new(),
            small_actions: t.small_actions.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<SmallAction> for model::SmallAction {
    fn from(a: SmallAction) -> Self {
        Self {
            at: a.at,
            actor: a.actor,
            action: a.action,
            detail: a.detail,
            post_seq: a.post_seq,
        }
    }
}

impl From<&model::SmallAction> for SmallAction {
    fn from(a: &model::SmallAction) -> Self {
        Self {
            at: a.at,
            actor: a.actor.clone(),
            action: a.action.clone(),
            detail: a.detail.clone(),
            post_seq: a.post_seq,
        }
    }
}

/// Area counts are not in the model: they come back as zero.
impl From<&model::Forum> for Tree {
    fn from(f: &model::Forum) -> Self {
        Self {
            title: f.title.clone(),
            sections: f
                .sections
                .iter()
                .map(|s| Section {
                    id: s.id.0.to_string(),
                    title: s.title.clone(),
                    areas: s
                        .areas
                        .iter()
                        .map(|a| Area {
                            id: a.id.0.to_string(),
                            title: a.title.clone(),
                            description: a.description.clone(),
                            ..Area::default()
                        })
                        .collect(),
                })
                .collect(),
            announcement: f.announcement.as_ref().map(Banner::from),
            undated: f.undated,
        }
    }
}

impl From<Tree> for model::Forum {
    fn from(t: Tree) -> Self {
        Self {
            title: t.title,
            sections: t
                .sections
                .into_iter()
                .map(|s| model::Section {
                    id: model::SectionId::new(s.id),
                    title: s.title,
                    areas: s
                        .areas
                        .into_iter()
                        .map(|a| model::Area {
                            description: a.description,
                            ..model::Area::new(a.id, a.title)
                        })
                        .collect(),
                })
                .collect(),
            announcement: t.announcement.map(model::Banner::from),
            undated: t.undated,
            // From `/status`, not the tree: the backend adds them.
            limits: model::PostLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_forum_survives_the_wire_both_ways() {
        let demo = model::demo_forum().unwrap();
        let mut forum = demo.forum.clone();
        let tree: Tree = (&forum).into();
        let json = serde_json::to_string(&tree).unwrap();
        let back: model::Forum = serde_json::from_str::<Tree>(&json).unwrap().into();
        // Banner links are not part of the wire banner.
        if let Some(a) = forum.announcement.as_mut() {
            a.links.clear();
        }
        assert_eq!(back, forum);

        for thread in &demo.threads {
            let wire: Thread = (&thread.summary).into();
            assert_eq!(model::ThreadSummary::from(wire), thread.summary);
            for post in &thread.posts {
                let wire: Post = post.into();
                let json = serde_json::to_string(&wire).unwrap();
                let back: model::Post = serde_json::from_str::<Post>(&json).unwrap().into();
                assert_eq!(&back, post);
            }
        }
    }

    #[test]
    fn unknown_fields_are_ignored_and_optional_fields_default() {
        let post: Post = serde_json::from_str(
            r#"{"id":"p1","thread_id":"t1","seq":1,"author":{"name":"Ann","shoe":42},
                "created_at":"2024-03-26T10:00:00Z","future_field":[1,2]}"#,
        )
        .unwrap();
        assert_eq!(post.body, "");
        assert!(!post.deleted);
        assert_eq!(post.reply_to, None);
    }
}
