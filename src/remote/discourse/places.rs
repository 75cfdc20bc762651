//! Watch levels and bookmarks, both ways. Discourse keeps a `notification_level` per
//! topic (`TopicUser`) and per category (`CategoryUser`), 0 muted, 1 regular, 2
//! tracking, 3 watching (`app/models/notification_level.rb`; threadmark's "normal" is
//! regular), and bookmarks on posts with an optional name (`app/models/bookmark.rb`).
//!
//! Push (drained from the marks queue like every backend's): `POST /t/{id}/notifications`
//! (`topics_controller.rb#set_notifications`), `POST /category/{id}/notifications`
//! (`categories_controller.rb#set_notifications`), `POST /bookmarks.json` with
//! `bookmarkable_type: "Post"`, `PUT /bookmarks/{id}.json` for a new note and
//! `DELETE /bookmarks/{id}.json` (`bookmarks_controller.rb`, `lib/bookmark_manager.rb`).
//! Discourse refuses a second bookmark on a post (400, `bookmarks.errors.already_bookmarked`):
//! a resent bookmark (after a crash) finds the one it made and sets its note instead.
//! A removal or note change needs the bookmark's id: remembered from the create's answer
//! or the last bookmark list read, else looked up in the user's bookmark list.
//!
//! Pull: topic list entries and `/t/{id}.json` carry the user's `notification_level`
//! (`listable_topic_serializer.rb`, `topic_view_details_serializer.rb`), category objects
//! too (`basic_category_serializer.rb`; the categories are read again once a day). A
//! level that differs from the one last seen there changed on the web since: it is taken
//! as a change made now. Bookmarks come from `GET /u/{username}/bookmarks.json`
//! (`users_controller.rb#bookmarks`): `{"user_bookmark_list": {"bookmarks": [...],
//! "more_bookmarks_url": ...}}` with 20 a page, the URL only when the page is full, and
//! `{"bookmarks": []}` when a page is empty. Each bookmark carries its `updated_at`; one
//! gone from a complete list was removed on the web. A change the user made here and
//! that is still queued wins over what a pull brings (the sync engine sees to that).

use super::cursor::PullCursor;
use super::pull::Pull;
use super::transport::{As, Transport};
use crate::model::{AreaId, PlaceMark, PostId, ThreadId, WatchLevel, WatchTarget};
use crate::remote::RemoteError;
use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The bookmark list is read every this many sync rounds (and on the first). Up to date,
/// a round comes every 71 s at most with a user key ([`super::DiscourseBackend`]'s
/// `poll_interval`), so the list is read about every 12 minutes: some 120 requests a day
/// of the 2,448 a user key leaves background work, where every round would double what a
/// quiet round costs. Bookmarks set here go out at once; only those set on the web wait.
pub const BOOKMARK_ROUNDS: u32 = 10;

/// Pages of 20 bookmarks read at most in one listing; a longer list is not complete, so
/// nothing is taken as removed from it.
const MAX_BOOKMARK_PAGES: u32 = 10;

/// `BOOKMARKS_LIMIT` of `users_controller.rb`: the most a page holds.
const PAGE_SIZE: usize = 20;

/// What the pulls last saw of the user's marks on the forum.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenPlaces {
    /// Topic → its level other than regular, as last listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub topics: BTreeMap<u64, u8>,
    /// Category → its level other than regular, as last read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<u64, u8>,
    /// Post → the bookmark on it, from the last complete bookmark list.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bookmarks: BTreeMap<u64, SeenBookmark>,
    /// Who the user is, as the forum said (a User API key does not name its user):
    /// asked once, not once a process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Post → the id of the user's bookmark on it, as far as known (made here, or
    /// listed): a removal or a new note needs it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ids: BTreeMap<u64, u64>,
    /// Sync rounds since the bookmark list was last read.
    #[serde(default)]
    pub rounds: u32,
    /// The bookmark list has been read once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub listed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenBookmark {
    /// Discourse's bookmark id.
    pub id: u64,
    pub topic: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub updated_at: Timestamp,
}

/// Paging through the bookmark list in a round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BookmarkScan {
    pub page: u32,
    #[serde(default)]
    pub found: BTreeMap<u64, SeenBookmark>,
}

/// One bookmark as `UserPostBookmarkSerializer` sends it (what threadmark reads of it).
#[derive(Clone, Debug, Deserialize)]
struct WireBookmark {
    id: u64,
    #[serde(default)]
    bookmarkable_id: Option<u64>,
    #[serde(default)]
    bookmarkable_type: Option<String>,
    #[serde(default)]
    topic_id: Option<u64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    updated_at: Option<Timestamp>,
    #[serde(default)]
    created_at: Option<Timestamp>,
}

/// A page of the list: the serialized list, or the bare `{"bookmarks": []}` of an empty
/// page.
#[derive(Clone, Debug, Default, Deserialize)]
struct BookmarkPage {
    #[serde(default)]
    user_bookmark_list: Option<BookmarkList>,
    #[serde(default)]
    bookmarks: Vec<WireBookmark>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct BookmarkList {
    #[serde(default)]
    bookmarks: Vec<WireBookmark>,
    #[serde(default)]
    more_bookmarks_url: Option<String>,
}

impl BookmarkPage {
    /// The post bookmarks of the page, and whether another page may follow.
    fn read(self) -> (BTreeMap<u64, SeenBookmark>, bool) {
        let (list, more) = match self.user_bookmark_list {
            Some(list) => {
                let more = list.more_bookmarks_url.is_some() && list.bookmarks.len() >= PAGE_SIZE;
                (list.bookmarks, more)
            }
            None => (self.bookmarks, false),
        };
        let found = list
            .into_iter()
            .filter(|b| b.bookmarkable_type.as_deref().is_none_or(|t| t == "Post"))
            .filter_map(|b| {
                let post = b.bookmarkable_id?;
                let seen = SeenBookmark {
                    id: b.id,
                    topic: b.topic_id?,
                    name: b.name.filter(|n| !n.trim().is_empty()),
                    updated_at: b.updated_at.or(b.created_at)?,
                };
                Some((post, seen))
            })
            .collect();
        (found, more)
    }
}

/// Discourse's number for a level.
pub fn level_number(level: WatchLevel) -> u8 {
    match level {
        WatchLevel::Muted => 0,
        WatchLevel::Normal => 1,
        WatchLevel::Tracking => 2,
        WatchLevel::Watching => 3,
    }
}

/// The level of a Discourse number; `None` for one threadmark does not know (Discourse
/// stores what `to_i` makes of the parameter, unchecked).
pub fn level_of(number: u8) -> Option<WatchLevel> {
    match number {
        0 => Some(WatchLevel::Muted),
        1 => Some(WatchLevel::Normal),
        2 => Some(WatchLevel::Tracking),
        3 => Some(WatchLevel::Watching),
        _ => None,
    }
}

/// The user's bookmark list, page `page` (`/u/{username}/bookmarks.json`).
fn list_path(username: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(username.as_bytes()).collect();
    format!("/u/{name}/bookmarks.json")
}

impl Pull<'_> {
    /// A topic's level as a listing or the topic shows it: a change when it differs
    /// from the one last seen.
    pub(super) fn import_topic_level(&mut self, topic: u64, number: Option<u8>) {
        if self.places.is_none() {
            return;
        }
        let Some(number) = number else { return };
        let Some(level) = level_of(number) else {
            return;
        };
        let seen = &mut self.cursor.places.topics;
        if seen.get(&topic).copied().unwrap_or(1) == number {
            return;
        }
        if number == 1 {
            seen.remove(&topic);
        } else {
            seen.insert(topic, number);
        }
        self.batch.places.push(PlaceMark::Watch {
            target: WatchTarget::Thread(super::posts::thread_id(topic)),
            level,
            at: Timestamp::now(),
        });
    }

    /// The categories' levels, after they were read: for each category that is an area
    /// of its own (a folded grandchild's level is not its area's).
    pub(super) fn import_category_levels(&mut self) {
        if self.places.is_none() {
            return;
        }
        let levels: Vec<(u64, u8)> = self
            .cursor
            .categories
            .iter()
            .filter_map(|c| Some((c.id, c.notification_level?)))
            .collect();
        for (category, number) in levels {
            let Some(level) = level_of(number) else {
                continue;
            };
            if self.areas.get(&category) != Some(&category) {
                continue;
            }
            let seen = &mut self.cursor.places.categories;
            if seen.get(&category).copied().unwrap_or(1) == number {
                continue;
            }
            if number == 1 {
                seen.remove(&category);
            } else {
                seen.insert(category, number);
            }
            self.batch.places.push(PlaceMark::Watch {
                target: WatchTarget::Area(AreaId::new(category.to_string())),
                level,
                at: Timestamp::now(),
            });
        }
    }

    /// Whether this round reads the bookmark list (see [`BOOKMARK_ROUNDS`]).
    pub(super) fn bookmarks_due(cursor: &mut PullCursor) -> bool {
        let seen = &mut cursor.places;
        let due = !seen.listed || seen.rounds + 1 >= BOOKMARK_ROUNDS;
        seen.rounds = if due { 0 } else { seen.rounds + 1 };
        due
    }

    /// One page of the bookmark list; the last one brings the bookmarks in, and takes
    /// those gone from a complete list as removed on the web.
    pub(super) async fn read_bookmarks(&mut self) -> Result<(), RemoteError> {
        let Some(username) = self.places.clone() else {
            self.round().bookmarks = None;
            return Ok(());
        };
        let Some(scan) = self.round().bookmarks.clone() else {
            return Ok(());
        };
        let page: BookmarkPage = self
            .get(
                &list_path(&username),
                &[
                    ("page", scan.page.to_string()),
                    ("limit", PAGE_SIZE.to_string()),
                ],
                "the bookmarks",
            )
            .await?;
        let (found, more) = page.read();
        let mut scan = scan;
        scan.found.extend(found);
        scan.page += 1;
        if more && scan.page < MAX_BOOKMARK_PAGES {
            self.round().bookmarks = Some(scan);
            return Ok(());
        }
        self.round().bookmarks = None;
        let now = Timestamp::now();
        if !more {
            for post in self.cursor.places.bookmarks.keys() {
                if !scan.found.contains_key(post) {
                    self.batch.places.push(PlaceMark::Unbookmark {
                        post: PostId::new(post.to_string()),
                        at: now,
                    });
                }
            }
        }
        for (post, b) in &scan.found {
            self.batch.places.push(PlaceMark::Bookmark {
                post: PostId::new(post.to_string()),
                thread: ThreadId::new(b.topic.to_string()),
                note: b.name.clone(),
                at: b.updated_at,
            });
        }
        if more {
            // Incomplete: what it shows is added to what was seen, nothing removed.
            self.cursor.places.bookmarks.extend(scan.found);
        } else {
            self.cursor.places.bookmarks = scan.found;
        }
        self.cursor.places.listed = true;
        Ok(())
    }
}

/// Sends one watch level or bookmark change for `username`. `ids`: post → bookmark id,
/// as far as known (kept up to date here).
pub async fn send(
    transport: &mut Transport,
    username: &str,
    ids: &mut BTreeMap<u64, u64>,
    mark: &PlaceMark,
) -> Result<(), RemoteError> {
    match mark {
        PlaceMark::Watch { target, level, .. } => {
            let id = number(target.id(), "the thread or area")?;
            let path = match target {
                WatchTarget::Thread(_) => format!("/t/{id}/notifications"),
                WatchTarget::Area(_) => format!("/category/{id}/notifications"),
            };
            let form = [(
                "notification_level".to_owned(),
                level_number(*level).to_string(),
            )];
            transport.post_form(&path, &form, &[]).await?;
            Ok(())
        }
        PlaceMark::Bookmark { post, note, .. } => {
            let post = number(post.as_str(), "the post")?;
            let name = note.clone().unwrap_or_default();
            if let Some(id) = ids.get(&post).copied() {
                match rename(transport, id, &name).await {
                    Err(RemoteError::Status { status: 404, .. }) => {
                        // Removed on the web since: made again below.
                        ids.remove(&post);
                    }
                    other => return other,
                }
            }
            let body = serde_json::json!({
                "bookmarkable_id": post,
                "bookmarkable_type": "Post",
                "name": name,
            });
            match transport
                .write(Method::POST, "/bookmarks.json", &[], Some(&body))
                .await
            {
                Ok(answer) => {
                    let created: Created = super::wire::decode(&answer, "the new bookmark")?;
                    ids.insert(post, created.id);
                    Ok(())
                }
                // `already_bookmarked` (a resend after a crash, or set on the web too):
                // the one there gets this note. Any other 400 (a name over 100
                // characters, `max_bookmarks_per_user` reached) can never succeed as is.
                Err(refused @ RemoteError::Status { status: 400, .. }) => {
                    match find(transport, username, post).await? {
                        Some(id) => {
                            ids.insert(post, id);
                            rename(transport, id, &name).await
                        }
                        None => Err(refused),
                    }
                }
                Err(e) => Err(e),
            }
        }
        PlaceMark::Unbookmark { post, .. } => {
            let post = number(post.as_str(), "the post")?;
            let id = match ids.get(&post).copied() {
                Some(id) => id,
                None => match find(transport, username, post).await? {
                    Some(id) => id,
                    None => return Ok(()), // not there: nothing to remove
                },
            };
            let path = format!("/bookmarks/{id}.json");
            match transport.write(Method::DELETE, &path, &[], None).await {
                // Gone already (removed on the web): what the user wanted.
                Ok(_) | Err(RemoteError::Status { status: 404, .. }) => {
                    ids.remove(&post);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// `{"success": "OK", "id": N}` (`success_json.merge(id: bookmark.id)`).
#[derive(Deserialize)]
struct Created {
    id: u64,
}

/// `PUT /bookmarks/{id}.json` with the note as `name`.
async fn rename(transport: &mut Transport, id: u64, name: &str) -> Result<(), RemoteError> {
    let body = serde_json::json!({ "name": name });
    let path = format!("/bookmarks/{id}.json");
    transport
        .write(Method::PUT, &path, &[], Some(&body))
        .await
        .map(|_| ())
}

/// The id of the user's bookmark on `post`, from their bookmark list (20 a page, at most
/// [`MAX_BOOKMARK_PAGES`] pages).
async fn find(
    transport: &mut Transport,
    username: &str,
    post: u64,
) -> Result<Option<u64>, RemoteError> {
    let path = list_path(username);
    for page in 0..MAX_BOOKMARK_PAGES {
        let answer: BookmarkPage = transport
            .get(
                &path,
                &[("page", page.to_string()), ("limit", PAGE_SIZE.to_string())],
                As::Account,
                "the bookmarks",
            )
            .await?;
        let (found, more) = answer.read();
        if let Some(b) = found.get(&post) {
            return Ok(Some(b.id));
        }
        if !more {
            break;
        }
    }
    Ok(None)
}

fn number(id: &str, what: &str) -> Result<u64, RemoteError> {
    id.parse().map_err(|_| RemoteError::Status {
        status: 404,
        code: Some("not_found".to_owned()),
        message: format!("{what} {id:?} is not a Discourse id"),
        retry_after: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_both_ways_and_unknown_numbers_are_left_out() {
        for level in WatchLevel::ALL {
            assert_eq!(level_of(level_number(level)), Some(level));
        }
        assert_eq!(level_of(9), None);
    }

    #[test]
    fn an_empty_page_comes_bare_and_a_full_one_says_more() {
        let empty: BookmarkPage = serde_json::from_str(r#"{"bookmarks": []}"#).unwrap();
        let (found, more) = empty.read();
        assert!(found.is_empty() && !more);
        let one = r#"{"user_bookmark_list": {"more_bookmarks_url": "/u/bob/bookmarks.json?page=1",
            "bookmarks": [{"id": 7, "bookmarkable_id": 12, "bookmarkable_type": "Post",
            "topic_id": 3, "name": "", "updated_at": "2026-01-02T03:04:05.000Z"},
            {"id": 8, "bookmarkable_id": 3, "bookmarkable_type": "Topic", "topic_id": 3,
            "updated_at": "2026-01-02T03:04:05.000Z"}]}}"#;
        let (found, more) = serde_json::from_str::<BookmarkPage>(one).unwrap().read();
        assert!(!more, "a page short of 20 is the last");
        assert_eq!(found.len(), 1, "topic bookmarks are not threadmark's");
        assert_eq!(found[&12].id, 7);
        assert_eq!(found[&12].name, None, "an empty name is no note");
    }
}
