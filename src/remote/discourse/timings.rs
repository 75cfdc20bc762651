//! Reading, both ways. What the user read here goes to the forum as
//! `POST /topics/timings` (`topic_id`, `topic_time`, `timings[post_number]=ms`), the call
//! Discourse's web client makes while a topic is on screen: `PostTiming.process_timings`
//! (`app/models/post_timing.rb`) records each post read and moves the user's
//! `last_read_post_number` to the highest one, so the web, the notifications and the
//! trust level see it. What the user read elsewhere comes from the topic lists'
//! `last_read_post_number` and is merged into the local read state (which only moves
//! forward).
//!
//! Only posts read here without a gap from the first (`ThreadRead::read_to`), whose
//! bodies were downloaded (a post never shown is never reported), not tombstones, and
//! beyond what the forum already has; one request per topic per sync round at most,
//! counted against the budget like every request. threadmark does not time reading: each
//! post counts [`MS_PER_POST`]. `Discourse-Present: true` goes only while the reader is
//! open (the engine has a thread in focus): Discourse takes it for a user in front of
//! the screen. "Mark unread" has no Discourse equivalent and stays local: it sends
//! nothing, and the forum's read marker, unchanged, is not imported again until the
//! user reads further elsewhere.

use super::cursor::TopicRecord;
use super::pull::Pull;
use super::wire::TopicListItem;
use crate::model::{ReadState, ThreadId};
use crate::remote::RemoteError;

/// What each post reported read counts, in milliseconds (Discourse caps a post at 60 s
/// a batch, `MAX_READ_TIME_PER_BATCH`).
pub const MS_PER_POST: u64 = 2_000;

/// Post numbers sent in one request at most; the rest go next round.
const MAX_PER_REQUEST: usize = 500;

/// `Discourse-Present`: the user is in front of the screen.
pub const PRESENT_HEADER: &str = "discourse-present";

impl Pull<'_> {
    /// The next topic with reading to send this round, if any.
    pub(super) fn next_timing(&self) -> Option<u64> {
        let read = self.read?;
        let timed = self.cursor.round.as_ref().map(|r| &r.timed);
        read.threads.keys().find_map(|thread| {
            let topic = thread.as_str().parse::<u64>().ok()?;
            if timed.is_some_and(|t| t.contains(&topic)) {
                return None;
            }
            let record = self.cursor.topics.get(&topic)?;
            (!unsent(record, read, thread).is_empty()).then_some(topic)
        })
    }

    /// Sends the reading of one topic.
    pub(super) async fn send_timings(&mut self, topic: u64) -> Result<(), RemoteError> {
        self.round().timed.insert(topic);
        let (Some(read), Some(record)) = (self.read, self.cursor.topics.get(&topic)) else {
            return Ok(());
        };
        let numbers = unsent(record, read, &super::posts::thread_id(topic));
        let Some(&highest) = numbers.iter().max() else {
            return Ok(());
        };
        let total = MS_PER_POST * numbers.len() as u64;
        let mut form = vec![
            ("topic_id".to_owned(), topic.to_string()),
            ("topic_time".to_owned(), total.to_string()),
        ];
        form.extend(
            numbers
                .iter()
                .map(|n| (format!("timings[{n}]"), MS_PER_POST.to_string())),
        );
        let headers: &[(&str, &str)] = if self.present {
            &[(PRESENT_HEADER, "true")]
        } else {
            &[]
        };
        self.count_request();
        match self
            .transport
            .post_form("/topics/timings", &form, headers)
            .await
        {
            Ok(_) => {
                if let Some(record) = self.cursor.topics.get_mut(&topic) {
                    record.server_read = record.server_read.max(highest);
                }
                Ok(())
            }
            // Gone, or no longer visible: there is nothing to mark.
            Err(RemoteError::Status {
                status: 403 | 404, ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A listing entry's `last_read_post_number`: read elsewhere up to there, when it
    /// moved since last seen (an unread marked here stays until the user reads on).
    pub(super) fn import_reading(&mut self, item: &TopicListItem) {
        if item.unseen == Some(true) {
            return;
        }
        let Some(record) = self.cursor.topics.get_mut(&item.id) else {
            return;
        };
        let Some(number) = item
            .last_read_post_number
            .filter(|&n| n > record.server_read)
        else {
            return;
        };
        record.server_read = number;
        let seq = read_to_seq(record, number, item);
        if seq > 0 {
            let thread = super::posts::thread_id(item.id);
            self.batch.read_through.retain(|(t, _)| *t != thread);
            self.batch.read_through.push((thread, seq));
        }
    }
}

/// The `seq` reading up to post `number` reaches: from the posts downloaded when they
/// show it; else, for a topic the user tracks, what the forum counts unread off the
/// post count; else the post number (numbers are positions but for deleted posts).
fn read_to_seq(record: &TopicRecord, number: u64, item: &TopicListItem) -> u32 {
    let posts_count = item.posts_count.unwrap_or(0);
    let known = record
        .posts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.fetched() && p.number() <= number)
        .map(|(i, p)| {
            if record.numbered {
                p.number()
            } else {
                i as u64 + 1
            }
        })
        .max();
    let tracked = item.notification_level.is_some_and(|l| l >= 2);
    let seq = match (known, item.unread_posts) {
        (Some(seq), _) if record.highest_number() >= number => seq,
        (_, Some(unread)) if tracked => {
            posts_count.saturating_sub(unread + item.new_posts.unwrap_or(0))
        }
        _ if posts_count > 0 => number.min(posts_count),
        _ => number,
    };
    u32::try_from(seq).unwrap_or(u32::MAX)
}

/// Post numbers of `record` read here up to `read_to` without a gap, downloaded, not
/// deleted, beyond what the forum has.
fn unsent(record: &TopicRecord, read: &ReadState, thread: &ThreadId) -> Vec<u64> {
    let Some(thread_read) = read.thread(thread) else {
        return Vec::new();
    };
    let read_to = u64::from(thread_read.read_to());
    record
        .posts
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            let seq = if record.numbered {
                p.number()
            } else {
                *i as u64 + 1
            };
            seq <= read_to && p.fetched() && !p.gone() && p.number() > record.server_read
        })
        .map(|(_, p)| p.number())
        .take(MAX_PER_REQUEST)
        .collect()
}
