//! The forum's own web pages, for `gO`: the URL of a thread (at a post) on the site the
//! account syncs with, or why there is none.

use crate::config::AccountKind;
use crate::model::{PostId, ThreadId};

/// Where an account's threads are on the web.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WebSite {
    /// Discourse: `/t/{topic}`, a post at `/p/{post id}`.
    Discourse(String),
    /// Lemmy: `/post/{id}`, a comment at `/comment/{id}`.
    Lemmy(String),
    /// No web pages: the sentence that says why.
    Without(String),
    /// Not told yet (the runner tells it at start).
    #[default]
    Unknown,
}

impl WebSite {
    /// The site of an account of `kind` at `url`; `None` is the demo forum.
    pub fn of(account: Option<(&AccountKind, &str)>) -> Self {
        match account {
            None => Self::Without(
                "the demo forum has no web site; an account on a Discourse or Lemmy forum has"
                    .into(),
            ),
            Some((AccountKind::Native, _)) => Self::Without(
                "threadmark's own server (threadmark serve) has no web pages to open".into(),
            ),
            Some((AccountKind::Discourse, url)) => {
                Self::Discourse(url.trim_end_matches('/').to_owned())
            }
            Some((AccountKind::Lemmy, url)) => Self::Lemmy(url.trim_end_matches('/').to_owned()),
        }
    }

    /// The page of `thread`, at `post` when given; or why there is none.
    pub fn url(&self, thread: &ThreadId, post: Option<&PostId>) -> Result<String, String> {
        match self {
            Self::Discourse(base) => Ok(match post.filter(|p| is_number(p.as_str())) {
                Some(post) => format!("{base}/p/{post}"),
                None => format!("{base}/t/{thread}"),
            }),
            Self::Lemmy(base) => Ok(
                match post
                    .and_then(|p| p.as_str().strip_prefix('c'))
                    .filter(|c| is_number(c))
                {
                    Some(comment) => format!("{base}/comment/{comment}"),
                    None => format!("{base}/post/{thread}"),
                },
            ),
            Self::Without(why) => Err(why.clone()),
            Self::Unknown => Err("this forum's web site is not known".into()),
        }
    }
}

/// Only ids the server gave (digits) go into a URL; a reply still in the outbox has none.
fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_forum_has_its_own_pages() {
        let thread = ThreadId::new("42");
        let discourse = WebSite::of(Some((
            &AccountKind::Discourse,
            "https://forum.example.org/",
        )));
        assert_eq!(
            discourse.url(&thread, None).unwrap(),
            "https://forum.example.org/t/42"
        );
        let post = PostId::new("977");
        assert_eq!(
            discourse.url(&thread, Some(&post)).unwrap(),
            "https://forum.example.org/p/977"
        );
        let lemmy = WebSite::of(Some((&AccountKind::Lemmy, "https://lemmy.example")));
        assert_eq!(
            lemmy.url(&thread, Some(&PostId::new("c5"))).unwrap(),
            "https://lemmy.example/comment/5"
        );
        assert_eq!(
            lemmy.url(&thread, Some(&PostId::new("p42"))).unwrap(),
            "https://lemmy.example/post/42"
        );
        assert!(
            WebSite::of(None)
                .url(&thread, None)
                .unwrap_err()
                .contains("demo")
        );
        let native = WebSite::of(Some((&AccountKind::Native, "https://x.org")));
        assert!(native.url(&thread, None).is_err());
    }
}
