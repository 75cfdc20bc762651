//! The effect interpreter's synchronous core: carries out the disk work `update` asks for
//! against one account's folder — loading a thread or the index, saving read state,
//! `ui.json` and drafts, the outbox's changes — and answers each job with messages.
//!
//! The runner calls it on the store worker's thread (writes and index loads, in order) and
//! on blocking tasks (thread loads); the headless test harness calls it inline, so tests
//! carry out effects with the very code the reader uses.

use super::state_files::StateFiles;
use crate::app::{Effect, IndexData, LoadedThread, Msg, Outgoing, StoreJob, Stored};
use crate::model::{OutboxEntry, PostId, ReadState, ThreadId};
use crate::store::{AccountDir, Cache, Drafts, Enqueued, Outbox, Retried, StoreError};
use jiff::Timestamp;

/// Disk work: the effects the interpreter carries out. The others (the terminal, the
/// browser, the sync engine, the save timers) are the runner's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// Read a thread and parse its bodies, except those of the posts in `parsed` (id and
    /// version: the reader holds their documents).
    LoadThread {
        thread: ThreadId,
        parsed: Vec<(PostId, u64)>,
    },
    /// Read the forum tree and the thread index again; with a basis (a reload after a
    /// sync), build the new tree from it too.
    LoadIndex(Option<Box<crate::app::index_reload::TreeBasis>>),
    /// As `LoadIndex` without a basis, counting each thread's posts of the last week from
    /// now on (the `top` view).
    CountRecent,
    /// Run a query over the cache (`S`, the folders).
    Query(crate::app::lists::search_results::QueryJob),
    /// A write (or a read of drafts or the outbox), done in the order asked.
    Store(StoreJob),
}

/// Who carries out an effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Work {
    /// The interpreter: disk work.
    Disk(Job),
    /// The runner's loop itself: terminal, timers, browser, sync engine.
    Shell(Effect),
}

impl From<Effect> for Work {
    fn from(effect: Effect) -> Self {
        match effect {
            Effect::LoadThread(thread) => Self::Disk(Job::LoadThread {
                thread,
                parsed: Vec::new(),
            }),
            Effect::ReloadThread { thread, parsed } => {
                Self::Disk(Job::LoadThread { thread, parsed })
            }
            Effect::LoadIndex => Self::Disk(Job::LoadIndex(None)),
            Effect::ReloadIndex(basis) => Self::Disk(Job::LoadIndex(Some(basis))),
            Effect::CountRecentPosts => Self::Disk(Job::CountRecent),
            Effect::Query(job) => Self::Disk(Job::Query(job)),
            Effect::Store(job) => Self::Disk(Job::Store(job)),
            other => Self::Shell(other),
        }
    }
}

impl Job {
    /// Reads that may run beside the writes (they take a while: thread bodies are parsed).
    /// The index is loaded by the worker itself, which holds the rules, the read state a
    /// big cache's start did not wait for and the view it started with.
    pub fn is_load(&self) -> bool {
        matches!(self, Self::LoadThread { .. } | Self::Query(_))
    }
}

/// Carries out jobs against one account's cache, drafts and outbox.
#[derive(Debug)]
pub struct Interpreter {
    dir: AccountDir,
    outbox: Outbox,
    drafts: Drafts,
    state_files: StateFiles,
    /// Watch levels and bookmarks are queued for the server too (the account keeps them
    /// there: `Account::queues_place_marks`).
    queue_places: bool,
    /// The account's name and the rules, run over the cached threads at each reload of
    /// the index for the tree's counts (shared with the loads that run beside).
    judging: super::judging::JudgingHandle,
    /// `config.toml`, where `x` writes a rule and `u` takes it out again.
    config_path: Option<std::path::PathBuf>,
    /// Inbox items marked read are queued for the server too
    /// (`Account::queues_inbox_marks`).
    queue_inbox: bool,
    /// The reader started without the read state (a big cache): the first index load
    /// brings it, and becomes the base of the read state's saves.
    read_later: bool,
    /// The view the reader started with (its selection and folded nodes).
    start_ui: Option<crate::app::UiState>,
}

impl Interpreter {
    pub fn open(dir: &AccountDir) -> Self {
        Self {
            dir: dir.clone(),
            outbox: Outbox::open(dir),
            drafts: Drafts::open(dir),
            state_files: StateFiles::default(),
            queue_places: false,
            judging: super::judging::JudgingHandle::default(),
            config_path: None,
            queue_inbox: false,
            read_later: false,
            start_ui: None,
        }
    }

    /// Remembers the read state and view the reader started from: the base its saves
    /// merge against, so what another reader on the account saved meanwhile is kept.
    #[must_use]
    pub fn started_from(mut self, read: ReadState, ui: crate::app::UiState) -> Self {
        self.start_ui = Some(ui.clone());
        self.state_files = StateFiles::loaded(read, ui);
        self
    }

    /// The reader starts without the read state: the first index load reads it (off the
    /// reader's loop) and hands it over with the threads.
    #[must_use]
    pub fn reading_later(mut self, later: bool) -> Self {
        self.read_later = later;
        self
    }

    /// The read state a start did not wait for, read now, once: it becomes the base of
    /// the saves. `None` when it came already (or the start waited for it).
    fn read_state_later(&mut self, cache: &mut Cache) -> Result<Option<ReadState>, StoreError> {
        if !self.read_later {
            return Ok(None);
        }
        let read = cache.load_read_state()?;
        self.state_files.read_loaded(read.clone());
        self.read_later = false;
        Ok(Some(read))
    }

    /// Queues read marks for the server with each save of the read state.
    #[must_use]
    pub fn queueing_read_marks(mut self, on: bool) -> Self {
        self.state_files = std::mem::take(&mut self.state_files).queueing_marks(on);
        self
    }

    /// Queues watch levels and bookmarks for the server as they are made (API v1 and
    /// Discourse keep them there; read marks go only to API v1).
    #[must_use]
    pub fn queueing_place_marks(mut self, on: bool) -> Self {
        self.queue_places = on;
        self
    }

    /// Runs `rules` over the cached threads of `account` at each reload of the index.
    #[must_use]
    pub fn judging(self, account: &str, rules: std::sync::Arc<crate::model::RuleSet>) -> Self {
        self.judging
            .change(|j| j.rules = Some((account.to_owned(), rules)));
        self
    }

    /// Judges with what `handle` holds (the store worker's loads share its interpreter's).
    #[must_use]
    pub fn sharing_judging(mut self, handle: super::judging::JudgingHandle) -> Self {
        self.judging = handle;
        self
    }

    /// What this interpreter's index loads judge with, to share.
    pub fn judging_handle(&self) -> super::judging::JudgingHandle {
        self.judging.clone()
    }

    /// Quick rules (`x`) are written into `path`.
    #[must_use]
    pub fn config_at(mut self, path: &std::path::Path) -> Self {
        self.config_path = Some(path.to_owned());
        self
    }

    /// Queues inbox items marked read for the server as they are marked (the servers that
    /// keep the inbox read there).
    #[must_use]
    pub fn queueing_inbox_marks(mut self, on: bool) -> Self {
        self.queue_inbox = on;
        self
    }

    /// Does one job; returns the messages that answer it, in order.
    pub fn run(&mut self, job: Job) -> Vec<Msg> {
        let mut answers = Vec::new();
        match job {
            Job::LoadThread { thread, parsed } => self.load_thread(thread, &parsed, &mut answers),
            Job::LoadIndex(basis) => self.load_index(basis, &mut answers),
            Job::CountRecent => {
                self.judging.change(|j| j.count_recent = true);
                self.load_index(None, &mut answers);
            }
            Job::Query(job) => {
                let judging = self.judging.get();
                answers.push(super::query::run_job(
                    &self.dir,
                    judging.rules.as_ref(),
                    job,
                ));
            }
            Job::Store(job) => {
                self.store(job, &mut |stored| answers.push(Msg::Stored(stored)));
            }
        }
        answers
    }

    /// Writes `read.json` durably, merged with what another reader wrote meanwhile.
    pub fn save_read_state(&mut self, read: &ReadState) -> Result<(), StoreError> {
        // Saved before the first index came (marks the sync engine brought): the base is
        // the file, not an empty state; the read state still comes with that index.
        if self.read_later {
            let loaded = Cache::open(self.dir.clone()).load_read_state()?;
            self.state_files.read_loaded(loaded);
        }
        self.state_files.save_read(&self.dir, read)
    }

    /// Writes `ui.json`, merged with what another reader wrote meanwhile.
    pub fn save_ui_state(&mut self, ui: &crate::app::UiState) -> Result<(), StoreError> {
        self.state_files.save_ui(&self.dir, ui)
    }

    fn load_thread(&self, id: ThreadId, parsed: &[(PostId, u64)], answers: &mut Vec<Msg>) {
        let mut cache = Cache::open(self.dir.clone());
        let result = cache.load_thread(&id);
        for problem in cache.take_problems() {
            tracing::warn!("{problem}");
            answers.push(Msg::Notice(problem.to_string()));
        }
        answers.push(match result {
            Ok(Some(thread)) => {
                Msg::ThreadLoaded(Box::new(LoadedThread::parse_except(thread, parsed)))
            }
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
        });
    }

    /// Reloads the forum tree and thread index after a sync changed them (or after the
    /// first frame of a big cache, with the read state then). The threads come from the
    /// tree index (`tree.sqlite`), which is built first when it is not current.
    fn load_index(
        &mut self,
        basis: Option<Box<crate::app::index_reload::TreeBasis>>,
        answers: &mut Vec<Msg>,
    ) {
        let mut cache = Cache::open(self.dir.clone());
        let had_read_later = self.read_later;
        let read = self.read_state_later(&mut cache);
        let loaded = cache
            .load_forum()
            .and_then(|forum| Ok((forum.unwrap_or_default(), cache.load_tree_rows()?.threads)))
            .and_then(|(forum, threads)| {
                let counts = self.judging.get().counts(
                    &mut cache,
                    &forum,
                    &threads,
                    jiff::Timestamp::now(),
                )?;
                let read = read?;
                // With the read state (or a reload's basis), the tree too: built here, off
                // the reader's loop.
                let tree = match (read.as_ref(), basis) {
                    (Some(read), _) => {
                        let places = crate::store::load_places(&self.dir).unwrap_or_default();
                        Some(crate::app::start_index::Prebuilt::build(
                            &forum,
                            &threads,
                            read,
                            (places, counts.clone()),
                            self.start_ui
                                .as_ref()
                                .unwrap_or(&crate::app::UiState::default()),
                        ))
                    }
                    (None, Some(basis)) => Some(crate::app::start_index::Prebuilt::reload(
                        &forum,
                        &threads,
                        *basis,
                        counts.clone(),
                    )),
                    (None, None) => None,
                };
                Ok((forum, threads, counts, read, tree))
            });
        for problem in cache.take_problems() {
            tracing::warn!("{problem}");
            answers.push(Msg::Notice(problem.to_string()));
        }
        answers.push(match loaded {
            Ok((forum, threads, counts, read, tree)) => Msg::IndexLoaded(Box::new(IndexData {
                forum,
                threads,
                counts,
                read,
                tree,
            })),
            Err(e) => {
                // The read state comes with the next index that loads.
                self.read_later |= had_read_later;
                Msg::Notice(format!("could not reload the thread list: {e}"))
            }
        });
    }

    fn failed(tell: Tell<'_>, text: String) {
        tracing::warn!("{text}");
        tell(Stored::Failed(text));
    }

    fn store(&mut self, job: StoreJob, tell: Tell<'_>) {
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
            StoreJob::Queue(entry) => self.queue(&entry, tell),
            StoreJob::Retry(key) => self.retry(&key, tell),
            StoreJob::Discard(key) => self.discard(&key, tell),
            StoreJob::KeepMine(key) => self.keep_mine(&key, tell),
            StoreJob::SaveReadState(read) => {
                if let Err(e) = self.save_read_state(&read) {
                    tracing::warn!("saving read state: {e}");
                    tell(Stored::ReadStateNotSaved(format!(
                        "could not save what you read: {e}"
                    )));
                }
            }
            StoreJob::LoadPlaces => super::places::load(&self.dir, tell),
            StoreJob::LoadInbox => match crate::store::load_inbox(&self.dir) {
                Ok(inbox) => tell(Stored::Inbox {
                    unread: inbox.unread().count(),
                }),
                Err(e) => tracing::warn!("reading inbox.json: {e}"),
            },
            StoreJob::Place { mark, said } => {
                super::places::record(&self.dir, mark, &said, self.queue_places, tell);
            }
            StoreJob::LoadBookmarks => super::places::bookmarks(&self.dir, tell),
            StoreJob::LoadInboxItems => super::inbox::load(&self.dir, tell),
            StoreJob::AddRule(rule) => {
                super::rule_writes::change(
                    self.config_path.as_deref(),
                    &self.judging,
                    *rule,
                    true,
                    tell,
                );
            }
            StoreJob::RemoveRule(rule) => {
                super::rule_writes::change(
                    self.config_path.as_deref(),
                    &self.judging,
                    *rule,
                    false,
                    tell,
                );
            }
            StoreJob::MarkInboxRead { ids, say } => {
                super::inbox::mark_read(&self.dir, ids.as_deref(), say, self.queue_inbox, tell);
            }
            StoreJob::SaveUiState(ui) => {
                // A convenience, not user data: a failure is logged, not shown.
                if let Err(e) = self.save_ui_state(&ui) {
                    tracing::warn!("saving ui.json: {e}");
                }
            }
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

    /// The entry is made here, under the key made when the user sent it. It is durable
    /// before the draft goes; when it cannot be written the text stays a draft.
    fn send(&self, outgoing: Outgoing, tell: Tell<'_>) {
        let mut entry = OutboxEntry::queued(
            outgoing.key.clone(),
            outgoing.target.clone(),
            outgoing.body.clone(),
            outgoing.at,
        );
        entry.draft_id = Some(outgoing.draft_id.clone());
        entry.tags.clone_from(&outgoing.tags);
        let replaced = outgoing
            .replaces
            .as_deref()
            .and_then(|key| self.outbox.get(key).ok().flatten());
        let mut merged = None;
        let amends = outgoing.amends.clone();
        let queued = match (&replaced, amends.as_deref()) {
            (Some(old), _) => self.outbox.replace(old, &entry).map(|_| ()),
            (None, Some(key)) => match self.outbox.amend_waiting(key, &entry.body) {
                Ok(Some(amended)) => {
                    merged = Some(format!(
                        "changed the text of your {} still in the outbox (still one request)",
                        amended.target.kind().replace('_', " ")
                    ));
                    entry.key = amended.key;
                    Ok(())
                }
                // It left meanwhile: the new text stays, as a draft, in the composer.
                Ok(None) => {
                    tell(Stored::NotQueued {
                        why: "that reply left the outbox meanwhile; your new text is back in the composer (esc keeps it as a draft; e on the posted reply edits it)".into(),
                        outgoing: Box::new(Outgoing {
                            amends: None,
                            ..outgoing
                        }),
                    });
                    return;
                }
                Err(e) => Err(e),
            },
            (None, None) => match self.outbox.enqueue_edit(&entry) {
                Ok(Enqueued::Merged(earlier)) => {
                    merged = Some(
                        "your edit still in the outbox takes this text: only the last text is sent"
                            .to_owned(),
                    );
                    entry.key = earlier.key;
                    Ok(())
                }
                Ok(Enqueued::New(_)) => Ok(()),
                Err(e) => Err(e),
            },
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
        self.said_queued(entry.key, tell);
        if let Some(note) = merged {
            tell(Stored::Done(note));
        }
        self.load_drafts(false, tell);
    }

    /// Says `key` is queued, after the outbox as read now (with it). The reader may have
    /// taken in an older list meanwhile (asked for by the engine's news before this job,
    /// read before the write), which lacks the reader's own copy of the entry: the answer
    /// naming the key must find the entry there, or a notice such as "hiding #2…" is never
    /// replaced and stays on the status line whatever the server says.
    fn said_queued(&self, key: String, tell: Tell<'_>) {
        self.load_outbox(tell);
        tell(Stored::Queued { key });
    }

    /// A change without text (delete, like, unlike), durable before it is pushed.
    fn queue(&self, entry: &OutboxEntry, tell: Tell<'_>) {
        match self.outbox.enqueue(entry) {
            Ok(queued) => self.said_queued(queued.key, tell),
            Err(e) => {
                Self::failed(
                    tell,
                    format!(
                        "could not put the {} in the outbox ({e}); nothing was queued",
                        entry.target.kind()
                    ),
                );
                self.load_outbox(tell);
            }
        }
    }

    fn retry(&self, key: &str, tell: Tell<'_>) {
        match self.outbox.get(key) {
            Ok(Some(entry)) => match self.outbox.retry(&entry, Timestamp::now()) {
                Ok(Some(Retried::Requeued(again))) => return self.said_queued(again.key, tell),
                Ok(Some(Retried::Rescheduled)) => return self.said_queued(entry.key, tell),
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

    /// "Keep mine" on an entry in conflict: the very step `threadmark outbox keep` takes.
    fn keep_mine(&self, key: &str, tell: Tell<'_>) {
        match self.outbox.get(key) {
            Ok(Some(entry)) => match self.outbox.keep_mine(&entry, Timestamp::now()) {
                Ok(Some(again)) => return self.said_queued(again.key, tell),
                Ok(None) => tell(Stored::Done(format!(
                    "that entry is {}, not in conflict: nothing to keep",
                    entry.state.label()
                ))),
                Err(e) => Self::failed(tell, format!("could not queue yours again: {e}")),
            },
            Ok(None) => tell(Stored::Done("that entry has left the outbox".into())),
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

pub(super) type Tell<'a> = &'a mut dyn FnMut(Stored);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::UiState;
    use crate::model::ThreadRead;
    use crate::store::{DataDir, load_ui_state};

    fn read_state() -> ReadState {
        let mut read = ReadState::default();
        read.threads
            .insert(ThreadId::new("t1"), ThreadRead::default());
        read.thread_mut(&ThreadId::new("t1")).mark_all_read(3);
        read
    }

    /// An account folder, made, in `temp`.
    fn work_account(temp: &tempfile::TempDir) -> crate::store::AccountDir {
        let dir = DataDir::new(temp.path()).account("work");
        std::fs::create_dir_all(dir.root()).unwrap();
        dir
    }

    #[test]
    fn read_state_and_ui_json_are_written_as_jobs() {
        let temp = tempfile::tempdir().unwrap();
        let dir = work_account(&temp);
        let mut core = Interpreter::open(&dir);
        let ui = UiState {
            selected: Some("t:t1".into()),
            ..UiState::default()
        };
        let answers = core.run(Job::Store(StoreJob::SaveReadState(read_state())));
        assert!(answers.is_empty(), "{answers:?}");
        let answers = core.run(Job::Store(StoreJob::SaveUiState(Box::new(ui.clone()))));
        assert!(answers.is_empty(), "{answers:?}");
        let read = Cache::open(dir.clone()).load_read_state().unwrap();
        assert_eq!(read, read_state());
        assert_eq!(load_ui_state::<UiState>(&dir).unwrap(), (ui, None));
    }

    /// A big cache's start reads the read state with the first index; marks saved before
    /// it came (from the sync engine) keep the file's, and the read state still comes.
    #[test]
    fn a_start_without_the_read_state_gets_it_with_the_first_index() {
        let temp = tempfile::tempdir().unwrap();
        let dir = work_account(&temp);
        Cache::open(dir.clone())
            .save_read_state(&read_state())
            .unwrap();
        let mut core = Interpreter::open(&dir)
            .started_from(ReadState::default(), UiState::default())
            .reading_later(true);
        let mut meanwhile = ReadState::default();
        meanwhile.thread_mut(&ThreadId::new("t2")).mark_all_read(2);
        let answers = core.run(Job::Store(StoreJob::SaveReadState(meanwhile.clone())));
        assert!(answers.is_empty(), "{answers:?}");
        let mut both = read_state();
        both.merge(&meanwhile);
        assert_eq!(Cache::open(dir.clone()).load_read_state().unwrap(), both);

        let answers = core.run(Job::LoadIndex(None));
        let Some(Msg::IndexLoaded(data)) = answers.last() else {
            panic!("{answers:?}")
        };
        assert_eq!(data.read.as_ref(), Some(&both));
        assert!(data.tree.is_some(), "the tree comes built");
        // Once: the next index comes without it.
        let answers = core.run(Job::LoadIndex(None));
        let Some(Msg::IndexLoaded(data)) = answers.last() else {
            panic!("{answers:?}")
        };
        assert!(data.read.is_none() && data.tree.is_none());
    }

    /// A reload after a sync: the tree comes built on the basis the reader sent (its read
    /// state, expansion and selection), with the threads as the cache has them now.
    #[test]
    fn a_reload_with_a_basis_answers_with_the_tree_built_on_it() {
        use crate::app::index_reload::TreeBasis;
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::new(temp.path());
        crate::store::ensure_demo(&data).unwrap();
        let dir = data.account("demo");
        let threads = Cache::open(dir.clone()).load_index().unwrap();
        let first = &threads[0];
        let mut read = ReadState::default();
        read.thread_mut(&first.id).mark_all_read(first.last_seq);
        let area = format!("a:{}", first.area);
        let basis = TreeBasis {
            read: read.clone(),
            collapsed: std::iter::once(area.clone()).collect(),
            selected: Some(area.clone()),
            places: crate::model::Places::default(),
            counts: crate::app::judged::ThreadCounts::default(),
            views: crate::app::tree::views::AreaViews::default(),
        };
        let mut core = Interpreter::open(&dir);

        let answers = core.run(Job::LoadIndex(Some(Box::new(basis))));
        let Some(Msg::IndexLoaded(data)) = answers.last() else {
            panic!("{answers:?}")
        };
        assert!(data.read.is_none());
        let built = data.tree.as_ref().expect("the tree comes built");
        assert_eq!(built.built_on.as_ref(), Some(&read));
        assert_eq!(
            built.tree.selected().map(|n| n.key.as_str()),
            Some(area.as_str())
        );
        assert!(built.tree.collapsed_keys().contains(&area));
        let node = built
            .tree
            .nodes()
            .iter()
            .find(|n| n.thread_id() == Some(first.id.as_str()))
            .unwrap();
        assert_eq!(node.unread, 0, "read in the basis");
        assert_eq!(data.threads.len(), threads.len());

        let answers = core.run(Job::LoadIndex(None));
        let Some(Msg::IndexLoaded(data)) = answers.last() else {
            panic!("{answers:?}")
        };
        assert!(data.tree.is_none(), "no basis, no tree");
    }

    #[test]
    fn a_read_state_that_cannot_be_written_is_reported_for_another_try() {
        let temp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(temp.path()).account("work");
        std::fs::create_dir_all(dir.root().parent().unwrap()).unwrap();
        // The account's folder is a file: nothing can be written under it.
        std::fs::write(dir.root(), b"not a folder").unwrap();
        let answers =
            Interpreter::open(&dir).run(Job::Store(StoreJob::SaveReadState(read_state())));
        assert!(
            matches!(
                answers.as_slice(),
                [Msg::Stored(Stored::ReadStateNotSaved(why))]
                    if why.starts_with("could not save what you read")
            ),
            "{answers:?}"
        );
    }

    /// The answer naming a queued entry comes after a list that has it: the reader finds
    /// the entry it speaks of even when an older list replaced its own copy meanwhile.
    #[test]
    fn a_queued_entry_is_listed_before_it_is_said_queued() {
        use crate::model::{ModAction, OutboxEntry, PostId, Target};
        let temp = tempfile::tempdir().unwrap();
        let dir = work_account(&temp);
        let mut core = Interpreter::open(&dir);
        let hide = OutboxEntry::queued(
            "k1".into(),
            Target::Moderation {
                thread: ThreadId::new("t1"),
                post: Some(PostId::new("t1-2")),
                action: ModAction::Hide,
                user: None,
            },
            "off topic".into(),
            Timestamp::UNIX_EPOCH,
        );
        let answers = core.run(Job::Store(StoreJob::Queue(Box::new(hide))));
        let listed = answers.iter().position(|m| {
            matches!(m, Msg::Stored(Stored::Outbox { entries, .. })
                if entries.iter().any(|e| e.key == "k1"))
        });
        let said = answers
            .iter()
            .position(|m| matches!(m, Msg::Stored(Stored::Queued { key }) if key == "k1"));
        assert!(
            matches!((listed, said), (Some(l), Some(s)) if l < s),
            "{answers:?}"
        );
    }

    #[test]
    fn only_disk_work_goes_to_the_interpreter() {
        let load = Work::from(Effect::LoadThread(ThreadId::new("t1")));
        assert_eq!(
            load,
            Work::Disk(Job::LoadThread {
                thread: ThreadId::new("t1"),
                parsed: Vec::new()
            })
        );
        assert!(matches!(load, Work::Disk(job) if job.is_load()));
        assert_eq!(
            Work::from(Effect::Store(StoreJob::LoadOutbox)),
            Work::Disk(Job::Store(StoreJob::LoadOutbox))
        );
        assert_eq!(Work::from(Effect::Quit), Work::Shell(Effect::Quit));
        assert_eq!(
            Work::from(Effect::SaveReadState),
            Work::Shell(Effect::SaveReadState),
            "the runner times saves, then hands the snapshot over as a job"
        );
    }
}
