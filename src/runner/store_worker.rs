//! The store worker: one thread that does the reader's draft and outbox writes in the
//! order they were asked for, off the UI loop, and reports each outcome as a message.

use crate::app::{Msg, Outgoing, StoreJob, Stored};
use crate::model::OutboxEntry;
use crate::store::{AccountDir, Drafts, Outbox, Retried};
use jiff::Timestamp;
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug)]
pub struct StoreWorker {
    jobs: Option<mpsc::Sender<StoreJob>>,
    thread: Option<JoinHandle<()>>,
}

impl StoreWorker {
    pub fn start(dir: AccountDir, reply: UnboundedSender<Msg>) -> Self {
        let (jobs, queue) = mpsc::channel::<StoreJob>();
        let thread = std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                let jobs = StoreJobs::open(&dir);
                for job in queue {
                    jobs.run(job, &mut |stored| {
                        let _ = reply.send(Msg::Stored(stored));
                    });
                }
            });
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::error!("could not start the store worker: {e}");
                None
            }
        };
        Self {
            jobs: Some(jobs),
            thread,
        }
    }

    pub fn submit(&self, job: StoreJob) {
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_err()
        {
            tracing::error!("the store worker is gone; a draft or outbox change was not made");
        }
    }

    /// Does every job asked for so far (the last draft save on the way out), then stops.
    pub fn finish(mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store worker panicked");
        }
    }
}

/// How each job is done, against one account's drafts and outbox; each outcome is told
/// to `tell` (the worker passes them to the UI loop as messages).
#[derive(Debug)]
pub struct StoreJobs {
    outbox: Outbox,
    drafts: Drafts,
}

type Tell<'a> = &'a mut dyn FnMut(Stored);

impl StoreJobs {
    pub fn open(dir: &AccountDir) -> Self {
        Self {
            outbox: Outbox::open(dir),
            drafts: Drafts::open(dir),
        }
    }

    fn failed(tell: Tell<'_>, text: String) {
        tracing::warn!("{text}");
        tell(Stored::Failed(text));
    }

    /// Does one job.
    pub fn run(&self, job: StoreJob, tell: Tell<'_>) {
        match job {
            StoreJob::LoadOutbox => self.load_outbox(tell),
            StoreJob::LoadDrafts { offer } => self.load_drafts(offer, tell),
            StoreJob::SaveDraft(draft) => {
                if let Err(e) = self.drafts.save(&draft) {
                    Self::failed(
                        tell,
                        format!("could not save the draft ({e}); it is still open in the composer"),
                    );
                }
                self.load_drafts(false, tell);
            }
            StoreJob::RemoveDraft(id) => {
                if let Err(e) = self.drafts.remove(&id) {
                    Self::failed(tell, format!("could not delete the draft: {e}"));
                }
                self.load_drafts(false, tell);
            }
            StoreJob::Send(outgoing) => self.send(*outgoing, tell),
            StoreJob::Retry(key) => self.retry(&key, tell),
            StoreJob::Discard(key) => self.discard(&key, tell),
        }
    }

    fn load_outbox(&self, tell: Tell<'_>) {
        match self.outbox.list() {
            Ok((entries, unreadable)) => tell(Stored::Outbox {
                entries,
                unreadable: unreadable.iter().map(ToString::to_string).collect(),
            }),
            Err(e) => Self::failed(tell, format!("could not read the outbox: {e}")),
        }
    }

    fn load_drafts(&self, offer: bool, tell: Tell<'_>) {
        match self.drafts.list() {
            Ok((drafts, problems)) => tell(Stored::Drafts {
                drafts,
                problems: problems.iter().map(ToString::to_string).collect(),
                offer,
            }),
            Err(e) => Self::failed(tell, format!("could not read the drafts: {e}")),
        }
    }

    /// The entry is made here, once: its idempotency key never changes after this. It is
    /// durable before the draft goes; when it cannot be written the text stays a draft.
    fn send(&self, outgoing: Outgoing, tell: Tell<'_>) {
        let now = Timestamp::now();
        let mut entry = OutboxEntry::new(outgoing.target.clone(), outgoing.body.clone(), now);
        entry.draft_id = Some(outgoing.draft_id.clone());
        let replaced = outgoing
            .replaces
            .as_deref()
            .and_then(|key| self.outbox.get(key).ok().flatten());
        let queued = match &replaced {
            Some(old) => self.outbox.replace(old, &entry),
            None => self.outbox.enqueue(&entry),
        };
        if let Err(e) = queued {
            tracing::warn!("could not queue a reply: {e}");
            tell(Stored::NotQueued {
                why: format!(
                    "could not put the reply in the outbox ({e}); it is back in the composer"
                ),
                outgoing: Box::new(outgoing),
            });
            return;
        }
        if let Err(e) = self.drafts.remove(&outgoing.draft_id) {
            Self::failed(
                tell,
                format!("the reply is in the outbox, but its draft could not be removed: {e}"),
            );
        }
        tell(Stored::Queued { key: entry.key });
        self.load_outbox(tell);
        self.load_drafts(false, tell);
    }

    fn retry(&self, key: &str, tell: Tell<'_>) {
        match self.outbox.get(key) {
            Ok(Some(entry)) => match self.outbox.retry(&entry, Timestamp::now()) {
                Ok(Some(Retried::Requeued(again))) => tell(Stored::Queued { key: again.key }),
                Ok(Some(Retried::Rescheduled)) => tell(Stored::Queued { key: entry.key }),
                Ok(None) => tell(Stored::Done(format!(
                    "this reply is {}: nothing to retry",
                    entry.state.label()
                ))),
                Err(e) => Self::failed(tell, format!("could not retry the reply: {e}")),
            },
            Ok(None) => tell(Stored::Done("that reply has left the outbox".into())),
            Err(problem) => Self::failed(tell, problem.to_string()),
        }
        self.load_outbox(tell);
    }

    fn discard(&self, key: &str, tell: Tell<'_>) {
        match self.outbox.get(key) {
            Ok(Some(entry)) => match self.outbox.discard(&entry) {
                Ok(()) => tell(Stored::Done(
                    "discarded (kept on disk under outbox/discarded/)".into(),
                )),
                Err(e) => Self::failed(tell, format!("could not discard the reply: {e}")),
            },
            Ok(None) => tell(Stored::Done("that reply has left the outbox".into())),
            Err(problem) => Self::failed(tell, problem.to_string()),
        }
        self.load_outbox(tell);
    }
}
