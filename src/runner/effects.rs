//! Carries out the effects with I/O off the UI loop: loading a thread or the index from the
//! cache and opening a link in the browser. Their outcomes come back as messages.

use crate::app::{IndexData, LoadedThread, Msg};
use crate::model::ThreadId;
use crate::store::{AccountDir, Cache};
use std::process::{Command, Stdio};
use tokio::sync::mpsc::UnboundedSender;

/// Reads a thread and parses its bodies on a blocking thread; answers on `reply`.
pub fn load_thread(dir: AccountDir, id: ThreadId, reply: UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let mut cache = Cache::open(dir);
        let result = cache.load_thread(&id);
        for problem in cache.take_problems() {
            tracing::warn!("{problem}");
            let _ = reply.send(Msg::Notice(problem.to_string()));
        }
        let msg = match result {
            Ok(Some(file)) => Msg::ThreadLoaded(Box::new(LoadedThread::parse(file))),
            Ok(None) => Msg::ThreadFailed {
                message: format!(
                    "thread {id} is not in the local cache; sync while online to fetch it"
                ),
                thread: id,
            },
            Err(e) => Msg::ThreadFailed {
                message: format!("could not read thread {id}: {e}"),
                thread: id,
            },
        };
        let _ = reply.send(msg);
    });
}

/// Reloads the forum tree and thread index after a sync changed them.
pub fn load_index(dir: AccountDir, reply: UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let mut cache = Cache::open(dir);
        let loaded = cache
            .load_forum()
            .and_then(|forum| Ok((forum, cache.load_index()?)));
        for problem in cache.take_problems() {
            tracing::warn!("{problem}");
            let _ = reply.send(Msg::Notice(problem.to_string()));
        }
        match loaded {
            Ok((forum, threads)) => {
                let _ = reply.send(Msg::IndexLoaded(Box::new(IndexData {
                    forum: forum.unwrap_or_default(),
                    threads,
                })));
            }
            Err(e) => {
                let _ = reply.send(Msg::Notice(format!(
                    "could not reload the thread list: {e}"
                )));
            }
        }
    });
}

/// The command that opens a URL: `$BROWSER` (its first entry; `%s` stands for the URL),
/// else the platform's opener.
fn browser_command(url: &str, browser: Option<&str>) -> Option<(String, Vec<String>)> {
    if let Some(entry) = browser.and_then(|b| b.split(':').find(|e| !e.trim().is_empty())) {
        let mut words = entry.split_whitespace().map(str::to_owned);
        let program = words.next()?;
        let mut args: Vec<String> = words.collect();
        if args.iter().any(|a| a.contains("%s")) {
            for a in &mut args {
                *a = a.replace("%s", url);
            }
        } else {
            args.push(url.to_owned());
        }
        return Some((program, args));
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    Some((opener.to_owned(), vec![url.to_owned()]))
}

/// Starts the browser on an already validated http(s) URL, detached from the terminal.
pub fn open_url(url: String, reply: UnboundedSender<Msg>) {
    let browser = std::env::var("BROWSER").ok();
    let Some((program, args)) = browser_command(&url, browser.as_deref()) else {
        let _ = reply.send(Msg::Notice(
            "$BROWSER is set but names no program".to_owned(),
        ));
        return;
    };
    tokio::task::spawn_blocking(move || {
        let spawned = Command::new(&program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                tracing::info!(%program, %url, "opened link");
                // Reap it so no zombie is left behind.
                let _ = child.wait();
            }
            Err(e) => {
                tracing::warn!(%program, "could not open link: {e}");
                let _ = reply.send(Msg::Notice(format!(
                    "could not start {program} to open the link ({e}); set $BROWSER"
                )));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::browser_command;

    #[test]
    fn browser_is_taken_from_the_environment_first() {
        let (p, a) = browser_command("https://x.org", Some("firefox --new-tab")).unwrap();
        assert_eq!(
            (p.as_str(), a),
            (
                "firefox",
                vec!["--new-tab".to_owned(), "https://x.org".to_owned()]
            )
        );
        let (p, a) = browser_command("https://x.org", Some("w3m %s:lynx")).unwrap();
        assert_eq!((p.as_str(), a), ("w3m", vec!["https://x.org".to_owned()]));
        let (p, _) = browser_command("https://x.org", None).unwrap();
        assert!(p == "xdg-open" || p == "open");
    }
}
