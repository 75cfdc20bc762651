//! The desktop hook: when new inbox items arrive, `notify_command` runs (a program and
//! its arguments, never a shell) and the bell rings, at most once every few seconds —
//! items that arrive meanwhile wait and go together in the next run.

use crate::model::InboxItem;
use crate::text::sanitize::clean_line;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The least time between two runs of the hook.
pub const QUIET: Duration = Duration::from_secs(5);

/// New items waiting for the hook, and when it last ran.
#[derive(Debug)]
pub struct Notifier {
    command: Vec<String>,
    bell: bool,
    waiting: Vec<(String, InboxItem)>,
    last_run: Option<Instant>,
}

/// What one run of the hook does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// The program and its arguments, placeholders filled in (none without a command).
    pub argv: Option<Vec<String>>,
    pub bell: bool,
}

impl Notifier {
    pub fn new(command: Vec<String>, bell: bool) -> Self {
        Self {
            command,
            bell,
            waiting: Vec::new(),
            last_run: None,
        }
    }

    /// Takes new items of `account` (nothing is kept when there is no hook and no bell).
    pub fn offer(&mut self, account: &str, items: &[InboxItem]) {
        if self.command.is_empty() && !self.bell {
            return;
        }
        self.waiting
            .extend(items.iter().map(|i| (account.to_owned(), i.clone())));
    }

    /// When what waits may go (`None`: nothing waits).
    pub fn due_at(&self) -> Option<Instant> {
        if self.waiting.is_empty() {
            return None;
        }
        Some(self.last_run.map_or_else(Instant::now, |last| last + QUIET))
    }

    /// The run for everything waiting, if it is due at `now`: the newest item fills the
    /// placeholders and `{count}` says how many came together.
    pub fn take_due(&mut self, now: Instant) -> Option<Announcement> {
        if self.waiting.is_empty() || self.last_run.is_some_and(|last| last + QUIET > now) {
            return None;
        }
        let count = self.waiting.len();
        let (account, newest) = self
            .waiting
            .iter()
            .max_by_key(|(_, item)| item.created_at)?
            .clone();
        self.waiting.clear();
        self.last_run = Some(now);
        let argv = (!self.command.is_empty()).then(|| {
            self.command
                .iter()
                .map(|arg| fill(arg, &account, &newest, count))
                .collect()
        });
        Some(Announcement {
            argv,
            bell: self.bell,
        })
    }
}

/// `template` with its placeholders filled by cleaned, one-line text. A value never
/// starts an argument with `-`, so server text cannot pass itself off as an option.
fn fill(template: &str, account: &str, item: &InboxItem, count: usize) -> String {
    let filled = template
        .replace("{account}", &clean_line(account))
        .replace("{kind}", item.kind.as_str())
        .replace("{author}", &clean_line(&item.author.name))
        .replace("{thread}", &clean_line(&item.thread_title))
        .replace("{excerpt}", &clean_line(&item.excerpt))
        .replace("{count}", &count.to_string());
    if filled.starts_with('-') && !template.starts_with('-') {
        format!(" {filled}")
    } else {
        filled
    }
}

/// Starts the hook's program, not waiting for it (a thread reaps it); a program that
/// cannot start is logged, never shown over the reader.
pub fn spawn(command_line: &[String]) {
    let Some((program, args)) = command_line.split_first() else {
        return;
    };
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            std::thread::spawn(move || {
                let _ = child.wait();
            });
        }
        Err(e) => tracing::warn!("notify_command {program:?} did not start: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Author, InboxKind, PostId, ThreadId};

    fn item(id: &str, second: i64, author: &str) -> InboxItem {
        InboxItem {
            id: id.into(),
            kind: InboxKind::Mention,
            thread: ThreadId::new("t"),
            thread_title: "A thread".into(),
            post: PostId::new(id),
            seq: 3,
            author: Author::new(author),
            excerpt: "hello @you".into(),
            created_at: jiff::Timestamp::from_second(second).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            read: false,
            announced: false,
        }
    }

    fn notifier() -> Notifier {
        Notifier::new(
            vec![
                "notify".into(),
                "{account}: {author} ({kind}, {count})".into(),
                "{excerpt}".into(),
            ],
            false,
        )
    }

    #[test]
    fn items_arriving_together_make_one_run_and_the_next_waits_its_turn() {
        let mut n = notifier();
        let start = Instant::now();
        n.offer("club", &[item("1", 10, "ann"), item("2", 20, "bob")]);
        let run = n.take_due(start).unwrap();
        assert_eq!(
            run.argv.unwrap(),
            ["notify", "club: bob (mention, 2)", "hello @you"]
        );
        assert!(n.take_due(start).is_none(), "nothing waits");
        n.offer("club", &[item("3", 30, "cy")]);
        assert!(
            n.take_due(start + Duration::from_secs(1)).is_none(),
            "too soon"
        );
        let run = n.take_due(start + QUIET).unwrap();
        assert_eq!(run.argv.unwrap()[1], "club: cy (mention, 1)");
    }

    #[test]
    fn server_text_is_one_cleaned_argument_and_never_an_option() {
        let mut n = Notifier::new(
            vec!["notify".into(), "{author}".into(), "{excerpt}".into()],
            true,
        );
        let mut hostile = item("1", 1, "--exec=rm\u{1b}[2J");
        hostile.excerpt = "a\nb; $(rm -rf ~)".into();
        n.offer("club", &[hostile]);
        let run = n.take_due(Instant::now()).unwrap();
        let argv = run.argv.unwrap();
        assert!(run.bell);
        assert_eq!(argv.len(), 3);
        assert!(argv[1].starts_with(" --exec=rm"), "{argv:?}");
        assert!(!argv[1].contains('\u{1b}'), "{argv:?}");
        assert!(!argv[2].contains('\n'), "{argv:?}");
    }

    #[test]
    fn without_a_hook_or_a_bell_nothing_is_kept() {
        let mut n = Notifier::new(Vec::new(), false);
        n.offer("club", &[item("1", 1, "ann")]);
        assert!(n.due_at().is_none());
    }
}
