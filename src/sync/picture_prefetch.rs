//! Pictures of prefetched threads, fetched ahead for offline reading: the posts a pull
//! brings (the threads the prefetch policy downloads, and the one being read) name their
//! pictures; after the pull, those not in the offline picture cache yet are fetched into
//! it, at most [`PICTURES_PER_PULL`] a pull (the rest come in later pulls, or when the
//! thread is read), with the reader's own caps and origins. Picture fetches are plain
//! downloads without credentials, so they spend none of the forum's API request budget;
//! the cache keeps to its size budget (least recently used go first).

use super::pictures::PictureFetch;
use crate::model::Post;
use crate::store::{ImageCache, pictures_of};
use std::collections::HashSet;

/// The most pictures one pull fetches ahead.
pub const PICTURES_PER_PULL: usize = 20;

/// The most post bodies with picture syntax one pull looks through for pictures (laying a
/// body out costs more than storing it; a forum full of emoji must not slow a sync).
pub const BODIES_PER_PULL: usize = 10 * PICTURES_PER_PULL;

/// The pictures to fetch ahead, and where they go.
#[derive(Debug)]
pub struct PicturePrefetch {
    cache: ImageCache,
    fetch: PictureFetch,
    queue: Vec<String>,
    seen: HashSet<String>,
    /// Bodies looked through this pull.
    looked: usize,
}

impl PicturePrefetch {
    pub fn new(cache: ImageCache, fetch: PictureFetch) -> Self {
        Self {
            cache,
            fetch,
            queue: Vec::new(),
            seen: HashSet::new(),
            looked: 0,
        }
    }

    /// Notes the pictures of `posts` not cached yet (up to this pull's bound).
    pub fn note(&mut self, posts: &[Post]) {
        for post in posts.iter().filter(|p| !p.deleted) {
            if self.queue.len() >= PICTURES_PER_PULL || self.looked >= BODIES_PER_PULL {
                return;
            }
            let urls = pictures_of(&post.body);
            if !urls.is_empty() {
                self.looked += 1;
            }
            for url in urls {
                if self.queue.len() < PICTURES_PER_PULL
                    && !self.cache.holds(&url)
                    && self.seen.insert(url.clone())
                {
                    self.queue.push(url);
                }
            }
        }
    }

    /// Fetches the pictures noted into the offline cache, one after another; one refused
    /// or unreachable is left for the reader to say why.
    pub async fn fetch_noted(&mut self) -> usize {
        let mut kept = 0;
        for url in std::mem::take(&mut self.queue) {
            match self.fetch.fetch(&url).await {
                Ok(bytes) => match self.cache.put(&url, &bytes) {
                    Ok(()) => kept += 1,
                    Err(e) => tracing::warn!("picture cache: {e}"),
                },
                Err(why) => tracing::debug!("picture not fetched ahead: {why}"),
            }
        }
        self.seen.clear();
        self.looked = 0;
        if kept > 0 {
            tracing::info!("{kept} pictures of prefetched threads fetched ahead");
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, Body, PostId, ThreadId};

    fn post(n: usize, text: &str) -> Post {
        Post {
            id: PostId::new(format!("p{n}")),
            thread: ThreadId::new("t"),
            seq: u32::try_from(n).unwrap(),
            reply_to: None,
            author: Author::new("a"),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            edited_at: None,
            body: Body::markdown(text),
            deleted: false,
            removed: false,
            score: None,
            version: 1,
            client_key: None,
            reactions: crate::model::Reactions::default(),
        }
    }

    #[test]
    fn a_pull_notes_each_uncached_picture_once_and_at_most_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ImageCache::new(dir.path(), 1024 * 1024);
        cache.put("https://f.example/cached.png", b"x").unwrap();
        let mut ahead =
            PicturePrefetch::new(cache, PictureFetch::new(Some("https://f.example"), &[]));
        let mut posts = vec![
            post(0, "plain text"),
            post(
                1,
                "![c](https://f.example/cached.png) ![a](https://f.example/a.png)",
            ),
            post(2, "![a again](https://f.example/a.png)"),
        ];
        posts.extend((3..40).map(|n| post(n, &format!("![{n}](https://f.example/{n}.png)"))));
        ahead.note(&posts);
        assert_eq!(ahead.queue.len(), PICTURES_PER_PULL);
        assert_eq!(ahead.queue[0], "https://f.example/a.png");
        assert_eq!(ahead.queue[1], "https://f.example/3.png");
    }
}
