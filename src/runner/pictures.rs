//! Fetching the reader's pictures off the loop: from the offline picture cache when it
//! has them, else from their site within the fetcher's caps (kept in the cache for next
//! time), then decoded on a blocking thread; each answer goes back as `Msg::Picture`.

use crate::app::Msg;
use crate::app::reader::pictures::{Decoded, decode};
use crate::config::ImageProtocol;
use crate::store::ImageCache;
use crate::sync::pictures::PictureFetch;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc::UnboundedSender};

/// Settles `image_protocol = "auto"` from the environment (never asking the terminal,
/// so the first frame waits for nothing), and the pixels of a cell (8×16 when the
/// terminal does not say).
pub fn settle(pictures: &mut crate::app::reader::pictures::Pictures, configured: ImageProtocol) {
    pictures.protocol = match configured {
        ImageProtocol::Auto => crate::ui::graphics::detect(|name| std::env::var(name).ok()),
        forced => forced,
    };
    read_cell_pixels(pictures);
    tracing::info!(
        "pictures: {:?}, cells of {:?} pixels",
        pictures.protocol,
        pictures.cell_pixels
    );
}

/// The pixels of a cell as the terminal's window size says them (an ioctl, no answer
/// awaited), read at the start and again on each resize (a new font size or a window
/// moved to another screen changes them); kept as they were when the terminal says none.
pub fn read_cell_pixels(pictures: &mut crate::app::reader::pictures::Pictures) {
    if let Ok(size) = crossterm::terminal::window_size()
        && size.columns > 0
        && size.rows > 0
        && size.width >= size.columns
        && size.height >= size.rows
    {
        pictures.cell_pixels = (size.width / size.columns, size.height / size.rows);
    }
}

/// Deletes the kitty pictures threadmark sent from the terminal (best effort: a terminal
/// that cannot be written to has nothing to show them on).
pub fn delete_from_terminal() {
    use std::io::Write as _;
    let mut out = std::io::stdout();
    let _ = out
        .write_all(crate::ui::graphics::KITTY_DELETE.as_bytes())
        .and_then(|()| out.flush());
}

/// The cache and the fetcher, shared by the fetches under way.
#[derive(Clone)]
pub struct PictureSource {
    cache: ImageCache,
    fetch: Arc<Mutex<PictureFetch>>,
    reply: UnboundedSender<Msg>,
}

impl std::fmt::Debug for PictureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PictureSource")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl PictureSource {
    /// Pictures for `account` as `config` says, cached in the data dir's picture cache.
    pub fn configured(
        data_dir: &crate::store::DataDir,
        account: &crate::account::Account,
        config: &crate::config::Config,
        reply: UnboundedSender<Msg>,
    ) -> Self {
        let budget = u64::from(config.ui.image_cache_mb) * 1024 * 1024;
        let remote = account.remote.as_ref();
        let mut fetch = PictureFetch::new(remote.map(|r| r.url.as_str()), &config.ui.image_origins);
        if let Some(r) = remote.filter(|r| r.kind == crate::config::AccountKind::Discourse) {
            fetch = fetch.discourse(&r.url);
        }
        Self {
            cache: ImageCache::new(data_dir.images_dir(), budget),
            fetch: Arc::new(Mutex::new(fetch)),
            reply,
        }
    }

    /// Fetches and decodes `urls` one after another, off the loop.
    pub fn fetch(&self, urls: Vec<String>) {
        let source = self.clone();
        tokio::spawn(async move {
            for url in urls {
                let outcome = source.one(&url).await;
                if let Err(why) = &outcome {
                    tracing::info!("picture not shown: {why}");
                }
                let msg = Msg::Picture { url, outcome };
                if source.reply.send(msg).is_err() {
                    return;
                }
            }
        });
    }

    async fn one(&self, url: &str) -> Result<Arc<Decoded>, String> {
        let cache = self.cache.clone();
        let key = url.to_owned();
        let cached = tokio::task::spawn_blocking(move || cache.get(&key))
            .await
            .ok()
            .flatten();
        if let Some(bytes) = cached {
            return decoded(bytes).await;
        }
        let bytes = self.fetch.lock().await.fetch(url).await?;
        let kept = bytes.clone();
        let picture = decoded(bytes).await?;
        // Only a picture that decodes is kept; a cache that cannot be written costs the
        // offline copy only.
        let (cache, key) = (self.cache.clone(), url.to_owned());
        let stored = tokio::task::spawn_blocking(move || cache.put(&key, &kept)).await;
        if let Ok(Err(e)) = stored {
            tracing::warn!("picture cache: {e}");
        }
        Ok(picture)
    }
}

/// `bytes` decoded on a blocking thread, within the decoder's bounds.
async fn decoded(bytes: Vec<u8>) -> Result<Arc<Decoded>, String> {
    tokio::task::spawn_blocking(move || decode(&bytes))
        .await
        .map_err(|_| "a broken picture".to_owned())?
}
