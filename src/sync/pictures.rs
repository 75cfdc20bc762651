//! The reader's picture fetches, for the runner: the account's picture fetcher (its
//! origin and `image_origins`, the caps of `remote::images`), or why there is none; on a
//! Discourse forum its upload CDN too, asked of the site the first time a picture comes
//! from an origin not allowed yet.

use crate::remote::Timeouts;
use crate::remote::images::ImageFetcher;

/// Fetches pictures for one account, one at a time.
#[derive(Debug)]
pub struct PictureFetch {
    fetcher: Option<ImageFetcher>,
    /// Why nothing is fetched, when nothing is.
    why: String,
    /// A Discourse forum whose upload CDN is not asked for yet.
    ask_cdn_of: Option<String>,
    timeouts: Timeouts,
}

impl PictureFetch {
    /// Pictures from `account_url`'s origin and `origins`; without an account URL (or
    /// with a bad origin, logged) nothing is fetched and only the offline cache shows.
    pub fn new(account_url: Option<&str>, origins: &[String]) -> Self {
        let timeouts = Timeouts::from_env().unwrap_or_default();
        match account_url.map(|u| ImageFetcher::new(u, origins, timeouts)) {
            Some(Ok(fetcher)) => Self {
                fetcher: Some(fetcher),
                why: String::new(),
                ask_cdn_of: None,
                timeouts,
            },
            Some(Err(why)) => {
                tracing::warn!("pictures are not fetched: {why}");
                Self {
                    fetcher: None,
                    why: format!("not fetched ({why})"),
                    ask_cdn_of: None,
                    timeouts,
                }
            }
            None => Self {
                fetcher: None,
                why: "not in the offline cache".to_owned(),
                ask_cdn_of: None,
                timeouts,
            },
        }
    }

    /// Pictures for a Discourse forum at `site`: its upload CDN is allowed too, once the
    /// site has named it.
    #[must_use]
    pub fn discourse(mut self, site: &str) -> Self {
        self.ask_cdn_of = Some(site.to_owned());
        self
    }

    /// The picture's bytes within the caps, or why not.
    pub async fn fetch(&mut self, url: &str) -> Result<Vec<u8>, String> {
        self.find_cdn(url).await;
        match &mut self.fetcher {
            Some(fetcher) => fetcher.fetch(url).await,
            None => Err(self.why.clone()),
        }
    }

    /// The first picture from an origin not allowed asks a Discourse forum for its upload
    /// CDN (once; again after a failed connection) and allows what it names.
    async fn find_cdn(&mut self, url: &str) {
        let Some(fetcher) = &mut self.fetcher else {
            return;
        };
        if !fetcher.foreign(url) {
            return;
        }
        let Some(site) = self.ask_cdn_of.take() else {
            return;
        };
        match crate::remote::discourse::upload_cdn::upload_cdns(&site, self.timeouts).await {
            Ok(origins) => {
                for origin in origins {
                    match fetcher.allow_origin(&origin) {
                        Ok(()) => tracing::info!("pictures: the forum's upload CDN {origin}"),
                        Err(why) => tracing::warn!("pictures: the forum's CDN {origin}: {why}"),
                    }
                }
            }
            Err(e) => {
                tracing::info!("pictures: the forum's upload CDN not found: {e}");
                self.ask_cdn_of = Some(site);
            }
        }
    }
}
