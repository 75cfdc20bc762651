//! The stand-in Discourse's data: categories, topics, posts and users, rendered in the
//! shapes real Discourse answers with (field sets copied from the fixtures' shapes), plus
//! a generated forum rich enough to exercise paging, pinning, gaps and reply chains.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Clone, Debug, Default)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: Option<String>,
    pub admin: bool,
    pub moderator: bool,
    /// Trust level 0 is a new member (`TrustLevel[0]`).
    pub trust_level: u8,
    /// Silenced members may not post (`UserSilencer`).
    pub silenced: bool,
}

impl User {
    pub fn staff(&self) -> bool {
        self.admin || self.moderator
    }
}

// The flags are Discourse's own post columns and states (hidden, whisper, deleted).
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct Post {
    pub id: u64,
    pub number: u64,
    pub user_id: i64,
    pub raw: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub reply_to_post_number: Option<u64>,
    pub version: u64,
    /// Gone from the stream (what a regular user sees of a deleted post).
    pub removed: bool,
    /// In the stream, flagged hidden.
    pub hidden: bool,
    pub whisper: bool,
    /// Served as `cooked` instead of the HTML made from `raw` (hand-written HTML).
    pub cooked: Option<String>,
    /// A small action (`post_type` 3) with this `action_code`.
    pub action_code: Option<String>,
    /// A `[poll]` after the text of `raw` (`plugins/poll`).
    pub poll: Option<Poll>,
    /// Who liked it (`PostAction`s of type 2).
    pub likes: Vec<i64>,
    /// Deleted by its author: still in the stream, its text replaced
    /// (`lib/post_destroyer.rb`, `mark_for_deletion`).
    pub user_deleted: bool,
}

/// A poll as the poll plugin keeps it: its options with their votes so far.
#[derive(Clone, Debug)]
pub struct Poll {
    pub name: String,
    /// `open` or `closed`.
    pub status: String,
    /// Each option's text and its votes.
    pub options: Vec<(String, u64)>,
    /// Distinct voters.
    pub voters: u64,
}

impl Poll {
    /// The `[poll]` bbcode the post's author wrote.
    pub fn raw(&self) -> String {
        let mut options = String::new();
        for (option, _) in &self.options {
            let _ = writeln!(options, "* {option}");
        }
        format!(
            "[poll name={} type=regular results=always]\n{options}[/poll]",
            self.name
        )
    }

    /// An option's id: the poll plugin's digest of the option (a hex string).
    fn digest(option: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in option.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}{:016x}", h.rotate_left(17))
    }

    /// What `plugins/poll/assets/javascripts/lib/discourse-markdown/poll.js` cooks
    /// `[poll]` into: the options, and a voter count of 0 that the web client replaces
    /// with the live one from the post's `polls`.
    fn cooked(&self) -> String {
        let mut options = String::new();
        for (option, _) in &self.options {
            let id = Self::digest(option);
            let _ = writeln!(options, "<li data-poll-option-id=\"{id}\">{option}</li>");
        }
        format!(
            "<div class=\"poll\" data-poll-name=\"{}\" data-poll-results=\"always\" \
             data-poll-status=\"{}\" data-poll-type=\"regular\">\n<div class=\"poll-container\">\n\
             <ul>\n{options}</ul>\n</div>\n<div class=\"poll-info\">\n<div class=\"poll-info_counts\">\n\
             <div class=\"poll-info_counts-count\">\n<span class=\"info-number\">0</span>\n\
             <span class=\"info-label\">voters</span>\n</div>\n</div>\n</div>\n</div>",
            self.name, self.status
        )
    }

    /// `PollSerializer` (`plugins/poll/app/serializers/poll_serializer.rb`) with its
    /// options by `PollOptionSerializer` (votes shown: `results=always`), as
    /// `plugins/poll/plugin.rb` adds it to a post (`add_to_serializer(:post, :polls)`).
    fn json(&self, id: u64) -> Value {
        json!({
            "id": id, "name": self.name, "type": "regular", "status": self.status,
            "public": true, "results": "always", "chart_type": "bar", "title": null,
            "voters": self.voters, "preloaded_voters": {},
            "options": self.options.iter().map(|(o, votes)| json!({
                "id": Self::digest(o), "html": o, "votes": votes
            })).collect::<Vec<_>>()
        })
    }
}

// The flags are Discourse's own topic columns (pinned, pinned_globally, closed, archived).
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct Topic {
    pub id: u64,
    pub title: String,
    pub category_id: u64,
    pub created_at: Timestamp,
    pub bumped_at: Timestamp,
    pub pinned: bool,
    /// Pinned on every list, `/latest` included (`pinned_globally`).
    pub pinned_globally: bool,
    pub closed: bool,
    pub archived: bool,
    pub posts: Vec<Post>,
}

impl Topic {
    pub fn visible(&self) -> impl Iterator<Item = &Post> {
        self.posts.iter().filter(|p| !p.removed)
    }

    pub fn highest_post_number(&self) -> u64 {
        self.posts.iter().map(|p| p.number).max().unwrap_or(0)
    }

    pub fn stream(&self) -> Vec<u64> {
        self.visible().map(|p| p.id).collect()
    }

    /// `TopicView#is_mega_topic?`: `posts_count >= MEGA_TOPIC_POSTS_COUNT` (10,000).
    pub fn is_mega(&self) -> bool {
        self.visible().count() >= MEGA_TOPIC_POSTS_COUNT
    }

    pub fn post_mut(&mut self, number: u64) -> &mut Post {
        self.posts.iter_mut().find(|p| p.number == number).unwrap()
    }
}

/// `TopicView::MEGA_TOPIC_POSTS_COUNT` (`lib/topic_view.rb`).
pub const MEGA_TOPIC_POSTS_COUNT: usize = 10_000;

/// What a hidden post shows everyone but staff (`BasicPostSerializer#cooked`,
/// `flagging.user_must_edit`).
pub const HIDDEN_COOKED: &str =
    "<p>This post was flagged by the community and is temporarily hidden.</p>";

/// Who is asking: what the serializers show depends on it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewer {
    pub user_id: Option<i64>,
    pub staff: bool,
}

/// Everything the stand-in serves.
#[derive(Clone, Debug)]
pub struct Forum {
    pub title: String,
    /// Category objects as `/site.json` lists them (kept as JSON so fixtures pass through).
    pub categories: Vec<Value>,
    pub topics: BTreeMap<u64, Topic>,
    pub users: Vec<User>,
    pub next_post_id: u64,
    pub next_topic_id: u64,
}

/// Times are written with mixed offsets, as the fixtures have them.
pub fn time_json(t: Timestamp, variant: u64) -> Value {
    if variant.is_multiple_of(2) {
        json!(t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    } else {
        let zoned = t.to_zoned_datetime(TimeZone::fixed(Offset::constant(-5)));
        json!(zoned.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
    }
}

pub fn base_time() -> Timestamp {
    "2024-03-01T12:00:00Z".parse().unwrap()
}

fn cooked(raw: &str) -> String {
    raw.split("\n\n")
        .map(|p| format!("<p>{}</p>", p.replace('&', "&amp;").replace('<', "&lt;")))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Forum {
    pub fn empty(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            categories: Vec::new(),
            topics: BTreeMap::new(),
            users: vec![
                user(1, "alice", Some("Alice Archer"), true, false),
                user(2, "bob", None, false, false),
                user(3, "carol", Some("Carol"), false, true),
            ],
            next_post_id: 10_000,
            next_topic_id: 9_000,
        }
    }

    pub fn user(&self, id: i64) -> &User {
        self.users
            .iter()
            .find(|u| u.id == id)
            .unwrap_or(&self.users[0])
    }

    pub fn user_named(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    pub fn add_category(&mut self, id: u64, name: &str, parent: Option<u64>, topic_count: u64) {
        let slug = name.to_lowercase().replace(' ', "-");
        self.categories.push(json!({
            "id": id, "name": name, "color": "0088CC", "text_color": "FFFFFF", "slug": slug,
            "topic_count": topic_count, "post_count": topic_count * 3, "position": self.categories.len(),
            "description": format!("<p>About {name}.</p>"), "description_text": format!("About {name}."),
            "topic_url": format!("/t/about-the-{slug}-category/{id}"), "read_restricted": false,
            "permission": 1, "notification_level": 1, "parent_category_id": parent,
            "has_children": false, "sort_order": "", "uploaded_logo": null
        }));
    }

    /// Sets a category attribute as `/site.json` lists it (`sort_order`, `permission`,
    /// `notification_level`, `minimum_required_tags`, `topic_url`, …).
    pub fn set_category(&mut self, id: u64, key: &str, value: Value) {
        let c = self.categories.iter_mut().find(|c| c["id"] == id).unwrap();
        c[key] = value;
    }

    pub fn category(&self, id: u64) -> Option<&Value> {
        self.categories.iter().find(|c| c["id"] == id)
    }

    pub fn category_slug(&self, id: u64) -> Option<String> {
        self.categories
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["slug"].as_str().map(str::to_owned))
    }

    /// `id` and every category below it.
    pub fn category_family(&self, id: u64) -> Vec<u64> {
        let mut family = vec![id];
        let mut i = 0;
        while i < family.len() {
            let parent = family[i];
            for c in &self.categories {
                if c["parent_category_id"] == parent
                    && let Some(child) = c["id"].as_u64()
                    && !family.contains(&child)
                {
                    family.push(child);
                }
            }
            i += 1;
        }
        family
    }

    /// A topic with `replies + 1` posts, one a minute from `start`.
    pub fn add_topic(
        &mut self,
        id: u64,
        category: u64,
        title: &str,
        start: Timestamp,
        replies: u64,
    ) -> &mut Topic {
        let mut posts = Vec::new();
        for n in 0..=replies {
            let at = start + jiff::SignedDuration::from_mins(i64::try_from(n).unwrap());
            self.next_post_id += 1;
            posts.push(Post {
                id: self.next_post_id,
                number: n + 1,
                user_id: i64::try_from(n % 3 + 1).unwrap(),
                raw: format!("Post {} of {title}.", n + 1),
                created_at: at,
                updated_at: at,
                reply_to_post_number: None,
                version: 1,
                removed: false,
                hidden: false,
                whisper: false,
                cooked: None,
                action_code: None,
                poll: None,
                likes: Vec::new(),
                user_deleted: false,
            });
        }
        let bumped_at = posts.last().map_or(start, |p| p.created_at);
        self.topics.insert(
            id,
            Topic {
                id,
                title: title.to_owned(),
                category_id: category,
                created_at: start,
                bumped_at,
                pinned: false,
                pinned_globally: false,
                closed: false,
                archived: false,
                posts,
            },
        );
        self.topics.get_mut(&id).unwrap()
    }

    /// The generated forum: a category tree with subcategories and a grandchild, a
    /// category of 70 topics (three pages of 30) with two old pinned topics, and topic 500
    /// with 65 posts whose numbers have gaps and whose replies form a chain.
    pub fn rich() -> Self {
        let mut f = Self::empty("Strategic Framework Forum");
        f.add_category(1, "Uncategorized", None, 1);
        f.add_category(10, "Strategic Initiatives", None, 0);
        f.add_category(11, "Advocacy", Some(10), 70);
        f.add_category(12, "Research", Some(10), 1);
        f.add_category(13, "Field Studies", Some(12), 1);
        f.add_category(20, "Enabling Strategies", None, 1);
        f.add_category(21, "Communications", Some(20), 1);
        let t0 = base_time();
        let hours = |h: i64| t0 + jiff::SignedDuration::from_hours(h);

        f.add_topic(100, 1, "Welcome to the forum", hours(-500), 0);
        // Strategic Initiatives has no topics of its own but its "About" topic.
        f.add_topic(
            101,
            10,
            "About the Strategic Initiatives category",
            hours(-400),
            0,
        )
        .pinned = true;
        f.set_category(
            10,
            "topic_url",
            json!("/t/about-the-strategic-initiatives-category/101"),
        );
        for i in 0..68 {
            let id = 200 + i;
            f.add_topic(
                id,
                11,
                &format!("Advocacy thread {i}"),
                hours(-300 + i64::try_from(i).unwrap()),
                1,
            );
        }
        f.add_topic(300, 11, "Read this first: advocacy rules", hours(-450), 0)
            .pinned_globally = true;
        f.add_topic(301, 11, "Advocacy FAQ", hours(-440), 2)
            .pinned_globally = true;
        f.add_topic(400, 12, "Research agenda", hours(-100), 3);
        f.add_topic(401, 13, "Field study in the north", hours(-90), 1);
        f.add_topic(410, 20, "How we enable", hours(-80), 1);
        f.add_topic(420, 21, "Newsletter plans", hours(-70), 2);
        f.add_big_topic(500, 12, hours(-60));
        f
    }

    /// A forum the size of a real one's first sync: `categories` categories (flat), `topics`
    /// topics spread over them round-robin with one to three posts each (none by bob), the newest
    /// activity on the highest ids, an hour apart.
    pub fn sized(topics: u64, categories: u64) -> Self {
        let mut f = Self::empty("A large forum");
        for c in 0..categories {
            f.add_category(100 + c, &format!("Category {c}"), None, topics / categories);
        }
        let t0 = base_time() - jiff::SignedDuration::from_hours(i64::try_from(topics).unwrap());
        for i in 0..topics {
            let at = t0 + jiff::SignedDuration::from_hours(i64::try_from(i).unwrap());
            let topic = f.add_topic(
                10_000 + i,
                100 + i % categories,
                &format!("Topic {i}"),
                at,
                i % 3,
            );
            // Written by alice and carol: bob (the tests' user) posted in none of them.
            for (n, post) in topic.posts.iter_mut().enumerate() {
                post.user_id = if n % 2 == 0 { 1 } else { 3 };
            }
        }
        f
    }

    /// 65 posts in the stream (70 written, 5 removed: gaps in the numbers), one hidden
    /// by flags, one whisper, a reply chain 20 ← 21 ← … ← 30, a reply to the opening
    /// post and one to a removed post.
    fn add_big_topic(&mut self, id: u64, category: u64, start: Timestamp) {
        let topic = self.add_topic(id, category, "The long discussion", start, 69);
        for post in &mut topic.posts {
            let n = post.number;
            post.removed = [5, 17, 33, 34, 60].contains(&n);
            post.hidden = n == 40;
            post.whisper = n == 41;
            post.reply_to_post_number = match n {
                21..=30 => Some(n - 1),
                18 => Some(17),
                50 => Some(1),
                _ => None,
            };
        }
    }

    /// A `/latest.json` entry (`TopicListItemSerializer`); for a logged-in viewer, their
    /// watch level on the topic (`level`) and whether they posted in it.
    pub fn topic_list_item(&self, t: &Topic, viewer: Viewer, level: Option<u8>) -> Value {
        let last = t.visible().last();
        let poster = t.posts.first().map_or(1, |p| p.user_id);
        let mut item = json!({
            "id": t.id, "title": t.title, "fancy_title": t.title, "slug": slug(&t.title),
            "posts_count": t.visible().count(), "reply_count": t.visible().count().saturating_sub(1),
            "highest_post_number": t.highest_post_number(), "image_url": null,
            "created_at": time_json(t.created_at, t.id),
            "last_posted_at": last.map(|p| time_json(p.created_at, t.id + 1)),
            "bumped": true, "bumped_at": time_json(t.bumped_at, t.id),
            "unseen": false, "pinned": t.pinned || t.pinned_globally, "unpinned": null, "excerpt": null,
            "visible": true, "closed": t.closed, "archived": t.archived, "views": 10, "like_count": 0,
            "has_summary": false, "archetype": "regular",
            "last_poster_username": last.map(|p| self.user(p.user_id).username.clone()),
            "category_id": t.category_id, "pinned_globally": t.pinned_globally,
            "posters": [{"extras": "latest", "description": "Original Poster, Most Recent Poster", "user_id": poster}]
        });
        if let Some(user) = viewer.user_id {
            item["posted"] = json!(t.visible().any(|p| p.user_id == user));
            item["notification_level"] = json!(level.unwrap_or(1));
        }
        item
    }

    pub fn post_json(&self, t: &Topic, p: &Post, with_raw: bool, viewer: Viewer) -> Value {
        let u = self.user(p.user_id);
        // `BasicPostSerializer#cooked_hidden` / `PostSerializer#version`: a hidden post
        // shows a notice and version 1 to everyone but staff.
        let hidden_from_viewer = p.hidden && !viewer.staff;
        let cooked = if hidden_from_viewer {
            HIDDEN_COOKED.to_owned()
        } else if p.action_code.is_some() {
            String::new()
        } else if let Some(poll) = &p.poll {
            let text = p.raw.split("[poll").next().unwrap_or_default().trim();
            format!("{}\n{}", cooked(text), poll.cooked())
        } else {
            p.cooked.clone().unwrap_or_else(|| cooked(&p.raw))
        };
        let post_type = if p.whisper {
            4
        } else if p.action_code.is_some() {
            3
        } else {
            1
        };
        let mut v = json!({
            "id": p.id, "name": u.name, "username": u.username,
            "avatar_template": format!("/user_avatar/localhost/{}/{{size}}/1.png", u.username),
            "created_at": time_json(p.created_at, p.id), "cooked": cooked,
            "post_number": p.number, "post_type": post_type,
            "updated_at": time_json(p.updated_at, p.id + 1), "reply_count": 0,
            "reply_to_post_number": p.reply_to_post_number, "quote_count": 0,
            "incoming_link_count": 0, "reads": 1, "score": 0.2, "yours": viewer.user_id == Some(u.id),
            "topic_id": t.id, "topic_slug": slug(&t.title), "topic_title": t.title,
            "display_username": u.name, "primary_group_name": null,
            "version": if hidden_from_viewer { 1 } else { p.version },
            "can_edit": false, "can_delete": false, "can_recover": false, "user_title": null,
            "actions_summary": actions_summary(p, viewer), "moderator": u.moderator, "admin": u.admin,
            "staff": u.admin || u.moderator, "user_id": u.id, "hidden": p.hidden,
            "trust_level": u.trust_level, "deleted_at": null, "user_deleted": p.user_deleted, "edit_reason": null,
            "can_view_edit_history": true, "wiki": false, "action_code": p.action_code
        });
        if hidden_from_viewer {
            v["cooked_hidden"] = json!(true);
        }
        if let Some(poll) = p.poll.as_ref().filter(|_| !hidden_from_viewer) {
            v["polls"] = json!([poll.json(p.id)]);
        }
        if with_raw && !hidden_from_viewer {
            v["raw"] = json!(p.raw);
        }
        v
    }

    /// `/t/{id}.json`: the first 20 posts and every post id (`post_stream.stream`) — but
    /// no stream for a mega topic (`post_stream_serializer_mixin.rb`: `isMegaTopic` and
    /// `lastId` instead).
    pub fn topic_json(&self, t: &Topic, viewer: Viewer, level: Option<u8>) -> Value {
        let posts: Vec<Value> = t
            .visible()
            .take(20)
            .map(|p| self.post_json(t, p, false, viewer))
            .collect();
        let creator = self.user(t.posts.first().map_or(1, |p| p.user_id));
        let mut stream = json!({"posts": posts});
        if t.is_mega() {
            stream["isMegaTopic"] = json!(true);
            stream["lastId"] = json!(t.visible().last().map(|p| p.id));
        } else {
            stream["stream"] = json!(t.stream());
        }
        let can_create_post = viewer.user_id.is_some() && !t.closed && !t.archived;
        json!({
            "post_stream": stream,
            "draft": null, "draft_key": format!("topic_{}", t.id), "draft_sequence": null,
            "pinned": t.pinned || t.pinned_globally, "highest_post_number": t.highest_post_number(),
            "deleted_by": null, "id": t.id, "title": t.title, "fancy_title": t.title,
            "posts_count": t.visible().count(), "created_at": time_json(t.created_at, t.id + 1),
            "views": 10, "reply_count": 0, "last_posted_at": time_json(t.bumped_at, t.id),
            "bumped_at": time_json(t.bumped_at, t.id),
            "visible": true, "closed": t.closed, "archived": t.archived, "has_best_of": false,
            "archetype": "regular", "slug": slug(&t.title), "category_id": t.category_id,
            "deleted_at": null,
            "details": {
                "auto_close_at": null, "can_create_post": can_create_post,
                "notification_level": level.unwrap_or(1),
                "created_by": {"id": creator.id, "username": creator.username, "avatar_template": "/a/{size}.png"}
            }
        })
    }
}

/// `PostSerializer#actions_summary`: the like entry with its count, `acted` when the
/// viewer liked it, `can_act` for a logged-in viewer who did not write it.
fn actions_summary(p: &Post, viewer: Viewer) -> Value {
    let mut like = json!({"id": 2, "count": p.likes.len()});
    if let Some(user) = viewer.user_id {
        if p.likes.contains(&user) {
            like["acted"] = json!(true);
            like["can_undo"] = json!(true);
        } else if user != p.user_id {
            like["can_act"] = json!(true);
        }
    }
    if p.likes.is_empty() && like.get("can_act").is_none() {
        return json!([]);
    }
    json!([like])
}

fn user(id: i64, username: &str, name: Option<&str>, admin: bool, moderator: bool) -> User {
    User {
        id,
        username: username.to_owned(),
        name: name.map(str::to_owned),
        admin,
        moderator,
        trust_level: 1,
        silenced: false,
    }
}

pub fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
