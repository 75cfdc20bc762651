//! The store worker: one thread that carries out the reader's writes (drafts, outbox, read
//! state, `ui.json`) and index loads (with their trees) in the order they were asked for,
//! off the UI loop; thread loads run on blocking tasks beside it. Every outcome comes back
//! to the loop as a message.

use super::interpreter::{Interpreter, Job};
use crate::app::Msg;
use crate::store::AccountDir;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug)]
pub struct StoreWorker {
    dir: AccountDir,
    reply: UnboundedSender<Msg>,
    jobs: Option<mpsc::Sender<Job>>,
    /// What the worker's interpreter judges the index with: the loads share it.
    judging: super::judging::JudgingHandle,
    thread: Option<JoinHandle<Interpreter>>,
    /// The reader is quitting: index loads still queued are not worth doing.
    quitting: Arc<AtomicBool>,
}

impl StoreWorker {
    /// Starts the worker at once; its interpreter (the outbox and drafts read from disk) is
    /// built by `build` on the worker's own thread, before the first job. `judging` is what
    /// that interpreter judges with, shared with the thread loads meanwhile.
    pub fn start(
        dir: AccountDir,
        judging: super::judging::JudgingHandle,
        build: impl FnOnce() -> Interpreter + Send + 'static,
        reply: UnboundedSender<Msg>,
    ) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let answers = reply.clone();
        let quitting = Arc::new(AtomicBool::new(false));
        let stop_loading = Arc::clone(&quitting);
        let thread = std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                // Loading a big index and building its tree must not slow a key's frame.
                super::priority::background();
                let mut core = build();
                for job in queue {
                    if matches!(job, Job::LoadIndex(_) | Job::CountRecent)
                        && stop_loading.load(Ordering::Relaxed)
                    {
                        continue;
                    }
                    for msg in core.run(job) {
                        let _ = answers.send(msg);
                    }
                }
                core
            });
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::error!("could not start the store worker: {e}");
                None
            }
        };
        Self {
            dir,
            reply,
            jobs: Some(jobs),
            judging,
            thread,
            quitting,
        }
    }

    /// Hands a job over: thread loads go to a blocking task of their own (parsing a long
    /// thread must not hold up a draft save), everything else to the worker, in order.
    pub fn submit(&self, job: Job) {
        if job.is_load() {
            let dir = self.dir.clone();
            let reply = self.reply.clone();
            let judging = self.judging.clone();
            tokio::task::spawn_blocking(move || {
                for msg in Interpreter::open(&dir).sharing_judging(judging).run(job) {
                    let _ = reply.send(msg);
                }
            });
            return;
        }
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_err()
        {
            tracing::error!("the store worker is gone; a write was not made");
        }
    }

    /// Does every job asked for so far, then stops. Returns the interpreter for the last
    /// writes on the way out, done in order after all of those.
    pub fn finish(mut self) -> Interpreter {
        self.quitting.store(true, Ordering::Relaxed);
        drop(self.jobs.take());
        let core = self.thread.take().and_then(|thread| {
            let joined = thread.join();
            if joined.is_err() {
                tracing::error!("the store worker panicked");
            }
            joined.ok()
        });
        core.unwrap_or_else(|| Interpreter::open(&self.dir))
    }
}
