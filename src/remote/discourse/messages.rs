//! Discourse private messages as threads of the Messages area
//! ([`crate::model::MESSAGES_AREA`]). The user's messages are listed by
//! `/topics/private-messages/{username}.json` (messages with posts from others) and
//! `/topics/private-messages-sent/{username}.json` (messages the user posted in) —
//! discourse/discourse `app/controllers/list_controller.rb` (`private_messages`,
//! `private_messages_sent`, only for the user themselves or staff) through
//! `lib/topic_query/private_message_lists.rb`, newest activity first, 30 a page; each
//! topic is then read like any other (`/t/{id}.json`, its posts as the topic job
//! wants), whatever the prefetch policy: messages are few and meant for the user.
//! A topic without a category is a message (every regular topic has one).
//!
//! Paging: `private_messages_for` (`private_messages_default_scope` in newer versions)
//! limits a list to `per_page` (`TopicQuery#per_page_setting`, `DEFAULT_PER_PAGE_COUNT`,
//! 30) and skips `page * per_page` topics for `?page=N` (0-based);
//! `ListController.generate_message_route` sets `more_topics_url` with the next page
//! (`construct_url_with(:next, …, "topics")`: `/topics/private-messages/bob?page=1`), which
//! `TopicListSerializer#include_more_topics_url?` sends only when the page is full. Until
//! a list has been read to its end once (the account's first sync; a cache from before
//! this) it is followed page by page, [`MESSAGE_PAGES_PER_ROUND`] pages a round, the
//! rest in the next rounds, so a user with hundreds of messages gets them all.
//!
//! Cost: the two lists' first pages every [`MESSAGE_ROUNDS`] rounds (and in the first),
//! two requests; a round comes every 71 s at most with a user key, so a message shows
//! within about 3.5 minutes, for some 800 requests a day of the 2,448 a user key leaves
//! background work — less when topics are read, which rounds spend first.
//!
//! New messages are `POST /posts.json` with `archetype=private_message` and
//! `target_recipients` (see `submit.rs`); replies are ordinary replies.

use super::cursor::{ListingMark, PullCursor, Queued};
use super::posts::summary_from_listing;
use super::pull::Pull;
use super::wire::{TopicListItem, TopicListPage, User};
use crate::model::{ThreadSummary, messages_area};
use crate::remote::RemoteError;

/// The message lists are read every this many sync rounds (and on the first).
pub const MESSAGE_ROUNDS: u32 = 3;

/// The two lists, by the path part after `/topics/`.
pub const LISTS: [&str; 2] = ["private-messages", "private-messages-sent"];

/// Pages of one list read in one round while it is followed to its end (30 messages a
/// page); the rest waits for the next round, so a long history costs its requests a few
/// at a time.
pub const MESSAGE_PAGES_PER_ROUND: u32 = 2;

/// The page `more_topics_url` points to (`/topics/private-messages/bob?page=2`), else the
/// one after `current`.
fn next_page(more_topics_url: &str, current: u32) -> u32 {
    more_topics_url
        .split_once('?')
        .and_then(|(_, query)| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
        })
        .filter(|&page| page > current)
        .unwrap_or(current + 1)
}

impl Pull<'_> {
    /// Whether this round reads the message lists (see [`MESSAGE_ROUNDS`]).
    pub(super) fn messages_due(cursor: &mut PullCursor) -> bool {
        let rounds = cursor.message_rounds.map_or(MESSAGE_ROUNDS, |r| r + 1);
        let due = rounds >= MESSAGE_ROUNDS;
        cursor.message_rounds = Some(if due { 0 } else { rounds });
        due
    }

    /// The next message list of this round: its topics become threads of the Messages
    /// area, and those that changed are queued to be read.
    pub(super) async fn read_messages(&mut self) -> Result<(), RemoteError> {
        let Some(username) = self.messages.clone() else {
            self.round().messages.clear();
            return Ok(());
        };
        let Some(list) = self.round().messages.first().cloned() else {
            return Ok(());
        };
        let path = format!("/topics/{list}/{username}.json");
        let number = self.cursor.message_pages.get(&list).copied().unwrap_or(0);
        let query = if number == 0 {
            Vec::new()
        } else {
            vec![("page", number.to_string())]
        };
        let page: TopicListPage = self.get(&path, &query, "the private messages").await?;
        for item in &page.topic_list.topics {
            self.listed_message(item, &page.users);
        }
        // Until a list has been read to its end once, its pages are followed; after
        // that its first page brings what is new (newest activity first).
        let next = page
            .topic_list
            .more_topics_url
            .as_deref()
            .filter(|_| !page.topic_list.topics.is_empty())
            .filter(|_| !self.cursor.messages_walked.contains(&list))
            .map(|url| next_page(url, number));
        let round = self.round();
        round.message_pages_read += 1;
        let share_spent = round.message_pages_read >= u64::from(MESSAGE_PAGES_PER_ROUND);
        if let Some(next) = next {
            self.cursor.message_pages.insert(list.clone(), next);
        } else {
            self.cursor.message_pages.remove(&list);
            self.cursor.messages_walked.insert(list.clone());
        }
        if next.is_none() || share_spent {
            let round = self.round();
            round.messages.retain(|l| *l != list);
            round.message_pages_read = 0;
        }
        Ok(())
    }

    fn listed_message(&mut self, item: &TopicListItem, users: &[User]) {
        let mark = ListingMark {
            bumped_at: item.bumped_at,
            highest_post_number: item.highest_post_number.unwrap_or(0),
            posts_count: item.posts_count.unwrap_or(0),
        };
        let record = self.cursor.topics.entry(item.id).or_default();
        if record.listed != Some(mark) {
            record.listed = Some(mark);
            let summary = in_messages(summary_from_listing(item, users, Some(record), 0));
            self.batch.threads.retain(|t| t.id != summary.id);
            self.batch.threads.push(summary);
        }
        let stale = record.mark.is_none_or(|read| {
            mark.bumped_at > read.bumped_at
                || mark.highest_post_number > read.highest_post_number
                || mark.posts_count != read.posts_count
        });
        self.import_reading(item);
        let round = self.round();
        if stale && !round.queue.iter().any(|q| q.topic == item.id) {
            round.queue.push_back(Queued {
                topic: item.id,
                mark: Some(mark),
            });
            round.total += 1;
        }
    }
}

/// A summary filed in the Messages area.
pub fn in_messages(mut summary: ThreadSummary) -> ThreadSummary {
    summary.area = messages_area();
    summary
}

/// `GET /u/search/users.json?term=` (discourse/discourse `app/controllers/users_controller.rb`
/// `search_users`, through `UserSearch`): `{users: [{username, name, avatar_template}]}`,
/// the names that match, best first. One request, at the user's priority.
pub async fn search_users(
    transport: &mut super::transport::Transport,
    prefix: &str,
) -> Result<Vec<String>, RemoteError> {
    #[derive(serde::Deserialize)]
    struct Found {
        #[serde(default)]
        users: Vec<Named>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        username: String,
    }
    transport.set_priority(crate::model::Priority::User);
    let found: Found = transport
        .get(
            "/u/search/users.json",
            &[
                ("term", prefix.to_owned()),
                ("include_groups", "false".to_owned()),
            ],
            super::transport::As::Account,
            "user names",
        )
        .await?;
    Ok(found.users.into_iter().map(|u| u.username).collect())
}
