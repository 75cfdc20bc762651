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

/// The pictures to fetch ahead, and where they go.
#[derive(Debug)]
pub struct PicturePrefetch {
    cache: ImageCache,
    fetch: PictureFetch,
    queue: Vec<String>,
    seen: HashSet<String>,
}

impl PicturePrefetch {
    pub fn new(cache: ImageCache, fetch: PictureFetch) -> Self {
        Self {
            cache,
            fetch,
            queue: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Notes the pictures of `posts` not cached yet (up to this pull's bound).
    pub fn note(&mut self, posts: &[Post]) {
        for post in posts.iter().filter(|p| !p.deleted) {
            if self.queue.len() >= PICTURES_PER_PULL {
                return;
            }
            for url in pictures_of(&post.body) {
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
        if kept > 0 {
            tracing::info!("{kept} pictures of prefetched threads fetched ahead");
        }
        kept
    }
}
