//! `threadmark serve import DIR`: a Discourse export folder — the JSON a Discourse admin
//! saves from its API — read into a forum: parent categories become sections, categories
//! areas, topics threads and posts posts, answers kept (`reply_to_post_number`), authors
//! users by name (no secrets: there are none in these files).
//!
//! The folder holds `site.json` (`GET /site.json`), topic lists `c/{id}.json` or
//! `c/{slug}/{id}.json` (`GET /c/…json`) and topics `t/{id}.json` (`GET /t/{id}.json`).
//! Field names follow discourse/discourse `app/serializers/site_serializer.rb`,
//! `basic_category_serializer.rb` (`id`, `name`, `slug`, `position`, `description_text`,
//! `parent_category_id`), `topic_list_item_serializer.rb`, `topic_view_serializer.rb`
//! (`post_stream.posts`, `category_id`, `pinned`, `closed`, `archived`) and
//! `post_serializer.rb` (`post_number`, `post_type`, `reply_to_post_number`, `username`,
//! `cooked`, `created_at`, `hidden`, `deleted_at`).
//!
//! Only regular posts (`post_type` 1) come in: moderator actions and small actions are
//! Discourse's own bookkeeping, and whispers are for staff only. A deleted post becomes a
//! tombstone and a hidden one a stub, so numbering stays dense.

use super::discourse_html::to_markdown;
use crate::model::{
    Area, AreaId, Author, Body, Forum, Post, PostId, Section, SectionId, ThreadId, ThreadSummary,
};
use anyhow::{Context as _, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Site {
    #[serde(default)]
    categories: Vec<Category>,
}

#[derive(Debug, Deserialize)]
struct Category {
    id: i64,
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    description_text: Option<String>,
    #[serde(default)]
    parent_category_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct TopicList {
    topic_list: TopicListBody,
}

#[derive(Debug, Deserialize)]
struct TopicListBody {
    #[serde(default)]
    topics: Vec<ListedTopic>,
}

#[derive(Debug, Deserialize)]
struct ListedTopic {
    id: i64,
}

#[derive(Debug, Deserialize)]
struct Topic {
    id: i64,
    title: String,
    category_id: Option<i64>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    archived: bool,
    post_stream: PostStream,
}

#[derive(Debug, Deserialize)]
struct PostStream {
    posts: Vec<DiscoursePost>,
}

#[derive(Debug, Deserialize)]
struct DiscoursePost {
    post_number: u32,
    #[serde(default = "regular")]
    post_type: i64,
    username: String,
    created_at: jiff::Timestamp,
    #[serde(default)]
    cooked: String,
    #[serde(default)]
    reply_to_post_number: Option<u32>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    deleted_at: Option<String>,
}

fn regular() -> i64 {
    1
}

/// What an export folder holds, as a forum and its threads.
pub type Imported = (Forum, Vec<(ThreadSummary, Vec<Post>)>);

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not what Discourse answers there (the JSON of its API)",
            path.display()
        )
    })
}

/// The `.json` files under `dir`, sorted, searched one level of folders deep.
fn json_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(json_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// An id the server takes (letters, digits, `-`, `_`, `.`; 1 to 64), from a slug.
fn id_of(slug: &str, fallback: &str) -> String {
    let id: String = slug
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if id.is_empty() {
        fallback.to_owned()
    } else {
        id
    }
}

/// The topics of the folder by id, checked against the topic lists.
fn read_topics(dir: &Path) -> anyhow::Result<BTreeMap<i64, Topic>> {
    // Every topic the lists name must be in the folder.
    let mut listed = Vec::new();
    for file in json_files(&dir.join("c"))? {
        let list: TopicList = read_json(&file)?;
        listed.extend(list.topic_list.topics.iter().map(|t| (t.id, file.clone())));
    }
    let mut topics: BTreeMap<i64, Topic> = BTreeMap::new();
    for file in json_files(&dir.join("t"))? {
        let topic: Topic = read_json(&file)?;
        topics.insert(topic.id, topic);
    }
    for (id, file) in &listed {
        if !topics.contains_key(id) {
            bail!(
                "{} lists topic {id}, but t/{id}.json is not in the folder; save it from /t/{id}.json",
                file.display()
            );
        }
    }
    if topics.is_empty() {
        bail!(
            "{} holds no topics (t/{{id}}.json); nothing to import",
            dir.display()
        );
    }

    Ok(topics)
}

/// Reads the folder `dir` (nothing is written).
pub fn read_folder(dir: &Path) -> anyhow::Result<Imported> {
    let site: Site = read_json(&dir.join("site.json"))?;
    let by_id: HashMap<i64, &Category> = site.categories.iter().map(|c| (c.id, c)).collect();
    let mut categories: Vec<&Category> = site.categories.iter().collect();
    categories.sort_by_key(|c| (c.position.unwrap_or(i64::MAX), c.id));

    let topics = read_topics(dir)?;
    // Parent categories are sections; a category without a parent or children goes in
    // one section of its own kind.
    let is_parent = |c: &Category| {
        site.categories
            .iter()
            .any(|o| o.parent_category_id == Some(c.id))
    };
    let mut sections: Vec<Section> = Vec::new();
    let mut area_of: HashMap<i64, String> = HashMap::new();
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut area_id = |c: &Category| {
        let mut id = id_of(&c.slug, &format!("c{}", c.id));
        if !taken.insert(id.clone()) {
            id = format!("{id}-{}", c.id);
            taken.insert(id.clone());
        }
        id
    };
    let section_index = |sections: &mut Vec<Section>, id: String, title: String| {
        if let Some(i) = sections.iter().position(|s| s.id.0 == id) {
            return i;
        }
        sections.push(Section {
            id: SectionId::new(id),
            title,
            areas: Vec::new(),
        });
        sections.len() - 1
    };
    for category in &categories {
        let (section_id, section_title) =
            match category.parent_category_id.and_then(|p| by_id.get(&p)) {
                Some(parent) => (
                    id_of(&parent.slug, &format!("c{}", parent.id)),
                    parent.name.clone(),
                ),
                None if is_parent(category) => (
                    id_of(&category.slug, &format!("c{}", category.id)),
                    category.name.clone(),
                ),
                None => ("categories".to_owned(), "Categories".to_owned()),
            };
        let has_topics = topics.values().any(|t| t.category_id == Some(category.id));
        if is_parent(category) && !has_topics {
            section_index(&mut sections, section_id, section_title);
            continue;
        }
        let id = area_id(category);
        let index = section_index(&mut sections, section_id, section_title);
        sections[index].areas.push(Area {
            id: AreaId::new(id.clone()),
            title: category.name.clone(),
            description: category
                .description_text
                .clone()
                .filter(|d| !d.trim().is_empty()),
            access: crate::model::Access::default(),
            required_tags: 0,
        });
        area_of.insert(category.id, id);
    }

    let mut threads = Vec::new();
    for topic in topics.into_values() {
        let Some(area) = topic.category_id.and_then(|c| area_of.get(&c)) else {
            bail!(
                "topic {} is in category {:?}, which site.json does not list; save /site.json again",
                topic.id,
                topic.category_id
            );
        };
        threads.push(thread(&topic, area)?);
    }
    let forum = Forum {
        title: "Imported from Discourse".to_owned(),
        sections,
        ..Forum::default()
    };
    Ok((forum, threads))
}

fn thread(topic: &Topic, area: &str) -> anyhow::Result<(ThreadSummary, Vec<Post>)> {
    let id = ThreadId::new(format!("t{}", topic.id));
    let mut source: Vec<&DiscoursePost> = topic
        .post_stream
        .posts
        .iter()
        .filter(|p| p.post_type == 1)
        .collect();
    source.sort_by_key(|p| p.post_number);
    let Some(first) = source.first() else {
        bail!("topic {} has no posts in its post_stream", topic.id);
    };
    // Post numbers have gaps (deleted posts, whispers): seqs are dense.
    let ids: HashMap<u32, PostId> = source
        .iter()
        .map(|p| {
            (
                p.post_number,
                PostId::new(format!("t{}-{}", topic.id, p.post_number)),
            )
        })
        .collect();
    let mut posts = Vec::with_capacity(source.len());
    for (seq, p) in (1_u32..).zip(&source) {
        let deleted = p.deleted_at.is_some();
        let text = if deleted {
            String::new()
        } else if p.hidden {
            "*Hidden on Discourse*".to_owned()
        } else {
            to_markdown(&p.cooked)
        };
        posts.push(Post {
            id: ids[&p.post_number].clone(),
            thread: id.clone(),
            seq,
            reply_to: p
                .reply_to_post_number
                .filter(|n| *n != p.post_number)
                .and_then(|n| ids.get(&n).cloned()),
            author: Author {
                name: p.username.as_str().into(),
                badge: None,
            },
            created_at: p.created_at,
            edited_at: None,
            body: Body::markdown(text),
            deleted,
            removed: false,
            score: None,
            version: 1,
            client_key: None,
            reactions: crate::model::Reactions::default(),
        });
    }
    let last = posts.len();
    let summary = ThreadSummary {
        id,
        area: AreaId::new(area.to_owned()),
        title: topic.title.as_str().into(),
        author: Author {
            name: first.username.as_str().into(),
            badge: None,
        },
        created_at: first.created_at,
        last_post_at: posts
            .iter()
            .map(|p| p.created_at)
            .max()
            .unwrap_or(first.created_at),
        post_count: u32::try_from(last).unwrap_or(u32::MAX),
        last_seq: u32::try_from(last).unwrap_or(u32::MAX),
        pinned: topic.pinned,
        locked: topic.closed || topic.archived,
        missing: thin_vec::ThinVec::new(),
        small_actions: thin_vec::ThinVec::new(),
    };
    Ok((summary, posts))
}
