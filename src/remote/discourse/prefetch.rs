//! Which topics are downloaded in full without being opened: the account's prefetch
//! policy applied to what the listings say about each topic and the categories.

use super::cursor::Interest;
use super::wire::Category;
use crate::config::{DEFAULT_PREFETCH_DAYS, DEFAULT_PREFETCH_POSTS, Prefetch};
use jiff::{SignedDuration, Timestamp};

/// Watch levels (`NotificationLevels` in `app/models/notification_level.rb`): tracking,
/// watching, watching first post.
const TRACKING: u8 = 2;

/// The policy and its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefetchSettings {
    pub policy: Prefetch,
    /// `recent`: topics active in this many days.
    pub days: u32,
    /// Long topics: the newest this many posts.
    pub posts: u32,
}

impl PrefetchSettings {
    /// The default for an account: what it watches when logged in (an anonymous reader
    /// watches nothing), else what is recent.
    pub fn default_for(logged_in: bool) -> Self {
        Self {
            policy: if logged_in {
                Prefetch::Watched
            } else {
                Prefetch::Recent
            },
            days: DEFAULT_PREFETCH_DAYS,
            posts: DEFAULT_PREFETCH_POSTS,
        }
    }

    /// Posts fetched of a long topic, at least one page.
    pub fn posts(&self) -> usize {
        usize::try_from(self.posts.max(20)).unwrap_or(usize::MAX)
    }

    /// Should a topic be downloaded in the background?
    pub fn wants(
        &self,
        interest: &Interest,
        bumped_at: Option<Timestamp>,
        categories: &[Category],
        now: Timestamp,
    ) -> bool {
        match self.policy {
            Prefetch::All => true,
            Prefetch::None => false,
            Prefetch::Recent => {
                let since = now - SignedDuration::from_hours(24 * i64::from(self.days));
                bumped_at.is_some_and(|at| at >= since)
            }
            Prefetch::Watched => {
                interest.posted
                    || interest.level.is_some_and(|l| l >= TRACKING)
                    || category_watched(interest.category, categories)
            }
        }
    }
}

/// A category watched or tracked, itself or through its parent (as Discourse's
/// `TopicQuery.tracked_filter` counts it).
fn category_watched(id: u64, categories: &[Category]) -> bool {
    let level = |id: u64| {
        categories
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.notification_level)
    };
    let parent = categories
        .iter()
        .find(|c| c.id == id)
        .and_then(|c| c.parent_category_id);
    level(id).is_some_and(|l| l >= TRACKING)
        || parent.and_then(level).is_some_and(|l| l >= TRACKING)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: u64, parent: Option<u64>, level: Option<u8>) -> Category {
        serde_json::from_value(serde_json::json!({
            "id": id, "parent_category_id": parent, "notification_level": level
        }))
        .unwrap()
    }

    #[test]
    fn watched_means_the_topic_its_category_or_its_parent_or_a_post_of_ours() {
        let settings = PrefetchSettings::default_for(true);
        let cats = [
            category(1, None, Some(3)),
            category(2, Some(1), None),
            category(5, None, Some(1)),
        ];
        let now = Timestamp::now();
        let wants = |i: Interest| settings.wants(&i, None, &cats, now);
        assert!(
            wants(Interest {
                category: 2,
                ..Interest::default()
            }),
            "the parent is watched"
        );
        assert!(!wants(Interest {
            category: 5,
            ..Interest::default()
        }));
        assert!(wants(Interest {
            category: 5,
            level: Some(2),
            posted: false
        }));
        assert!(wants(Interest {
            category: 5,
            level: None,
            posted: true
        }));
    }

    #[test]
    fn recent_counts_days_and_the_anonymous_default_is_recent() {
        let settings = PrefetchSettings::default_for(false);
        assert_eq!(settings.policy, Prefetch::Recent);
        let now = Timestamp::now();
        let i = Interest::default();
        assert!(settings.wants(&i, Some(now - SignedDuration::from_hours(24)), &[], now));
        assert!(!settings.wants(
            &i,
            Some(now - SignedDuration::from_hours(24 * 15)),
            &[],
            now
        ));
        assert!(!settings.wants(&i, None, &[], now));
    }
}
