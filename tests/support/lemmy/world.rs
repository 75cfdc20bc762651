//! The stand-in Lemmy's data: one instance with its users, communities (local and
//! federated), posts and comment trees (each comment's `path` names its ancestors) and
//! read marks.

use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which Lemmy the stand-in is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Lemmy 0.19: `/api/v3` only.
    V3,
    /// Lemmy 1.0: `/api/v4`.
    V4,
}

impl Api {
    pub fn prefix(self) -> &'static str {
        match self {
            Api::V3 => "/api/v3",
            Api::V4 => "/api/v4",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Api::V3 => "0.19.20",
            Api::V4 => "1.0.0-beta.1",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    /// `None`: local to this instance.
    pub home: Option<String>,
    pub bot: bool,
    pub admin: bool,
}

/// A person who can log in here.
#[derive(Clone, Debug)]
pub struct User {
    pub person: i64,
    pub local_user_id: i64,
    pub password: String,
    /// The code the authenticator app shows now (two-factor on).
    pub totp: Option<String>,
    /// Registration application accepted (or none needed).
    pub accepted: bool,
}

#[derive(Clone, Debug)]
pub struct Community {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// `None`: local to this instance.
    pub home: Option<String>,
    pub mods_only: bool,
    pub moderators: Vec<i64>,
    pub users_active_month: i64,
    pub published: Timestamp,
}

#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // Lemmy's own flags
pub struct Post {
    pub id: i64,
    pub community: i64,
    pub creator: i64,
    pub name: String,
    pub url: Option<String>,
    pub body: Option<String>,
    pub published: Timestamp,
    pub updated: Option<Timestamp>,
    pub locked: bool,
    pub deleted: bool,
    pub removed: bool,
    pub featured_community: bool,
    pub score: i64,
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub id: i64,
    pub post: i64,
    pub creator: i64,
    pub content: String,
    /// "0.12.45": the root, the ancestors, the comment.
    pub path: String,
    pub published: Timestamp,
    pub updated: Option<Timestamp>,
    pub deleted: bool,
    pub removed: bool,
    pub distinguished: bool,
    pub score: i64,
}

/// What a user has read of a post (Lemmy's `person_post_aggregates` / `post_actions`).
#[derive(Clone, Copy, Debug)]
pub struct ReadMark {
    pub read_at: Timestamp,
    pub read_comments: i64,
}

/// Everything the stand-in serves.
#[derive(Clone, Debug)]
pub struct Instance {
    pub host: String,
    pub name: String,
    /// `Open`, or `RequireApplication` when set (spelled by version when served).
    pub require_application: bool,
    pub persons: Vec<Person>,
    pub users: Vec<User>,
    pub communities: Vec<Community>,
    pub follows: BTreeSet<(i64, i64)>,
    pub posts: BTreeMap<i64, Post>,
    pub comments: BTreeMap<i64, Comment>,
    pub read: HashMap<(i64, i64), ReadMark>,
    /// Private messages, in the order sent.
    pub messages: Vec<PrivateMessage>,
    /// Reply and mention notices marked read (their ids; see `super::inbox`).
    pub replies_read: BTreeSet<i64>,
    pub mentions_read: BTreeSet<i64>,
    pub next_id: i64,
}

/// A private message (Lemmy's `private_message` row).
#[derive(Clone, Debug)]
pub struct PrivateMessage {
    pub id: i64,
    pub creator: i64,
    pub recipient: i64,
    pub content: String,
    pub read: bool,
    pub published: Timestamp,
}

/// The instance's clock starts here; everything is dated relative to "now" so listings
/// fall inside the client's horizon.
pub fn ago(hours: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(hours)
}

impl Instance {
    pub fn empty(host: &str, name: &str) -> Self {
        Self {
            host: host.to_owned(),
            name: name.to_owned(),
            require_application: false,
            persons: Vec::new(),
            users: Vec::new(),
            communities: Vec::new(),
            follows: BTreeSet::new(),
            posts: BTreeMap::new(),
            comments: BTreeMap::new(),
            read: HashMap::new(),
            messages: Vec::new(),
            replies_read: BTreeSet::new(),
            mentions_read: BTreeSet::new(),
            next_id: 1000,
        }
    }

    pub fn next(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn person(&self, id: i64) -> &Person {
        self.persons
            .iter()
            .find(|p| p.id == id)
            .expect("known person")
    }

    pub fn person_named(&self, name: &str) -> Option<&Person> {
        self.persons
            .iter()
            .find(|p| p.name == name && p.home.is_none())
    }

    pub fn community(&self, id: i64) -> Option<&Community> {
        self.communities.iter().find(|c| c.id == id)
    }

    pub fn user_of(&self, person: i64) -> Option<&User> {
        self.users.iter().find(|u| u.person == person)
    }

    pub fn add_person(&mut self, name: &str, home: Option<&str>) -> i64 {
        let id = self.next();
        self.persons.push(Person {
            id,
            name: name.to_owned(),
            display_name: None,
            home: home.map(str::to_owned),
            bot: false,
            admin: false,
        });
        id
    }

    pub fn add_user(&mut self, name: &str, password: &str) -> i64 {
        let person = self.add_person(name, None);
        let local_user_id = self.next();
        self.users.push(User {
            person,
            local_user_id,
            password: password.to_owned(),
            totp: None,
            accepted: true,
        });
        person
    }

    pub fn add_community(&mut self, name: &str, title: &str, home: Option<&str>) -> i64 {
        let id = self.next();
        self.communities.push(Community {
            id,
            name: name.to_owned(),
            title: title.to_owned(),
            description: None,
            home: home.map(str::to_owned),
            mods_only: false,
            moderators: Vec::new(),
            users_active_month: 10,
            published: ago(24 * 300),
        });
        id
    }

    pub fn add_post(
        &mut self,
        community: i64,
        creator: i64,
        name: &str,
        body: &str,
        at: Timestamp,
    ) -> i64 {
        let id = self.next();
        self.posts.insert(
            id,
            Post {
                id,
                community,
                creator,
                name: name.to_owned(),
                url: None,
                body: Some(body.to_owned()).filter(|b| !b.is_empty()),
                published: at,
                updated: None,
                locked: false,
                deleted: false,
                removed: false,
                featured_community: false,
                score: 1,
            },
        );
        id
    }

    /// A comment on `post`, answering `parent` (a comment id) or the post.
    pub fn add_comment(
        &mut self,
        post: i64,
        parent: Option<i64>,
        creator: i64,
        content: &str,
        at: Timestamp,
    ) -> i64 {
        let id = self.next();
        let path = match parent.and_then(|p| self.comments.get(&p)) {
            Some(parent) => format!("{}.{id}", parent.path),
            None => format!("0.{id}"),
        };
        self.comments.insert(
            id,
            Comment {
                id,
                post,
                creator,
                content: content.to_owned(),
                path,
                published: at,
                updated: None,
                deleted: false,
                removed: false,
                distinguished: false,
                score: 1,
            },
        );
        id
    }

    /// A private message from `creator` to `recipient`.
    pub fn add_message(
        &mut self,
        creator: i64,
        recipient: i64,
        content: &str,
        at: Timestamp,
    ) -> i64 {
        let id = self.next();
        self.messages.push(PrivateMessage {
            id,
            creator,
            recipient,
            content: content.to_owned(),
            read: false,
            published: at,
        });
        id
    }

    pub fn comments_of(&self, post: i64) -> impl Iterator<Item = &Comment> {
        self.comments.values().filter(move |c| c.post == post)
    }

    /// Comments below `comment`, at any depth (Lemmy's `child_count`).
    pub fn child_count(&self, comment: &Comment) -> i64 {
        let prefix = format!("{}.", comment.path);
        let below = self
            .comments_of(comment.post)
            .filter(|c| c.path.starts_with(&prefix))
            .count();
        i64::try_from(below).unwrap_or(i64::MAX)
    }

    pub fn comment_count(&self, post: i64) -> i64 {
        i64::try_from(self.comments_of(post).count()).unwrap_or(i64::MAX)
    }

    /// The post's newest activity (Lemmy's `newest_comment_time`: its creation until a
    /// comment comes).
    pub fn newest_comment_time(&self, post: &Post) -> Timestamp {
        self.comments_of(post.id)
            .map(|c| c.published)
            .max()
            .unwrap_or(post.published)
            .max(post.published)
    }
}
