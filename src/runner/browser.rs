//! Opening a link: the browser is started off the UI loop, detached from the terminal; a
//! failure comes back as a message.

use crate::app::Msg;
use std::process::{Command, Stdio};
use tokio::sync::mpsc::UnboundedSender;

/// The command that opens a URL: `$BROWSER` (its first entry, its words split by the
/// shell's quoting rules; `%s` stands for the URL), else the platform's opener.
fn browser_command(url: &str, browser: Option<&str>) -> Option<(String, Vec<String>)> {
    if let Some(entry) = browser.and_then(|b| b.split(':').find(|e| !e.trim().is_empty())) {
        let mut words = shell_words::split(entry).ok()?.into_iter();
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
            "$BROWSER is set but names no program (or its quotes do not close)".to_owned(),
        ));
        return;
    };
    // The browser runs at the user's priority, not the background threads' (see
    // `super::priority`); nothing waits for this thread but the browser's exit.
    let started = super::priority::user_thread(move || {
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
    if let Err(e) = started {
        tracing::warn!("could not start a thread to open a link: {e}");
    }
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
        let (p, a) =
            browser_command("https://x.org", Some(r#""/opt/My Browser/run" --x"#)).unwrap();
        assert_eq!(
            (p.as_str(), a),
            (
                "/opt/My Browser/run",
                vec!["--x".to_owned(), "https://x.org".to_owned()]
            ),
            "quoted words stay whole"
        );
        assert!(browser_command("https://x.org", Some("w3m 'open")).is_none());
        let (p, _) = browser_command("https://x.org", None).unwrap();
        assert!(p == "xdg-open" || p == "open");
    }
}
