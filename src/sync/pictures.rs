//! The reader's picture fetches, for the runner: the account's picture fetcher (its
//! origin and `image_origins`, the caps of `remote::images`), or why there is none.

use crate::remote::Timeouts;
use crate::remote::images::ImageFetcher;

/// Fetches pictures for one account, one at a time.
#[derive(Debug)]
pub struct PictureFetch {
    fetcher: Option<ImageFetcher>,
    /// Why nothing is fetched, when nothing is.
    why: String,
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
            },
            Some(Err(why)) => {
                tracing::warn!("pictures are not fetched: {why}");
                Self {
                    fetcher: None,
                    why: format!("not fetched ({why})"),
                }
            }
            None => Self {
                fetcher: None,
                why: "not in the offline cache".to_owned(),
            },
        }
    }

    /// The picture's bytes within the caps, or why not.
    pub async fn fetch(&mut self, url: &str) -> Result<Vec<u8>, String> {
        match &mut self.fetcher {
            Some(fetcher) => fetcher.fetch(url).await,
            None => Err(self.why.clone()),
        }
    }
}
