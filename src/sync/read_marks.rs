//! Draining the queue of read marks: each waiting mark is sent with its key and leaves
//! the queue only once the server took it. A network failure, a read-only forum or a
//! refused login leaves the rest queued for the next round.

use crate::model::{PlaceMark, ReadMark};
use crate::remote::{Backend, RemoteError};
use crate::store::{Queued, QueuedPlace, ReadMarks, StoreError};

/// What one drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub sent: usize,
    /// Marks the server refused for good (their thread is gone): logged and dropped.
    pub refused: usize,
    /// Why the drain stopped early, if it did.
    pub stopped: Option<String>,
}

/// Sends every waiting mark, oldest first. Nothing is sent when the backend does not
/// keep read marks (`read_sync = false`, no login, another server kind).
pub async fn drain<B: Backend>(backend: &mut B, marks: &ReadMarks) -> Result<Drained, StoreError> {
    let mut drained = Drained::default();
    if !(backend.syncs_read_marks() || backend.syncs_places() || backend.syncs_inbox())
        || !backend.state().mode.accepts_writes()
    {
        return Ok(drained);
    }
    let queue = marks.list_all()?;
    for (i, queued) in queue.iter().enumerate() {
        let queued = match queued {
            Queued::Read(_) if !backend.syncs_read_marks() => continue,
            Queued::Read(mark) => mark,
            Queued::Place(place) => {
                if !backend.syncs_places() {
                    continue;
                }
                if let Some(stop) = send_place(backend, marks, place).await? {
                    drained.stopped = Some(stop);
                    break;
                }
                drained.sent += 1;
                continue;
            }
            Queued::InboxRead(read) => {
                if !backend.syncs_inbox() {
                    continue;
                }
                let sent = backend.send_inbox_read(&read.key, &read.inbox_read).await;
                let what = format!("inbox items {:?} read", read.inbox_read);
                if let Some(stop) = settle(marks, &read.key, sent, &what)? {
                    drained.stopped = Some(stop);
                    break;
                }
                drained.sent += 1;
                continue;
            }
        };
        // A "read to" followed by a later, further one on the same thread says nothing
        // the later one does not: it leaves the queue unsent (one request, not many,
        // for a thread read in steps).
        if let Some(Queued::Read(next)) = queue.get(i + 1)
            && superseded(&queued.mark, &next.mark)
            && next.thread == queued.thread
        {
            marks.remove(queued)?;
            continue;
        }
        match backend
            .send_read_mark(&queued.key, &queued.thread, &queued.mark)
            .await
        {
            Ok(()) => {
                marks.remove(queued)?;
                drained.sent += 1;
            }
            Err(e) if !e.is_retryable() && !matches!(e.status(), Some(401 | 403)) => {
                let what = match queued.mark {
                    ReadMark::ReadTo { seq, .. } => format!("read up to #{seq}"),
                    ReadMark::UnreadFrom { seq, .. } => format!("unread from #{seq}"),
                };
                tracing::warn!(
                    thread = %queued.thread,
                    "the server refused the read mark \"{what}\" ({e}); it is dropped"
                );
                marks.remove(queued)?;
                drained.refused += 1;
            }
            Err(e) => {
                tracing::info!("read marks wait for the next sync: {e}");
                drained.stopped = Some(short(&e));
                break;
            }
        }
    }
    Ok(drained)
}

/// Sends one watch level or bookmark change; it leaves the queue once the server took it
/// (or refused it for good: logged). `Some(why)`: the drain stops, the rest waits.
async fn send_place<B: Backend>(
    backend: &mut B,
    marks: &ReadMarks,
    queued: &QueuedPlace,
) -> Result<Option<String>, StoreError> {
    let sent = backend.send_place_mark(&queued.key, &queued.place).await;
    settle(marks, &queued.key, sent, &format!("{:?}", queued.place))
}

/// What one sent change's answer means for its place in the queue: taken, or refused for
/// good (logged), and it leaves; anything else (offline, read-only, a login refused) and
/// it waits, and the drain stops with the reason.
fn settle(
    marks: &ReadMarks,
    key: &str,
    sent: Result<(), RemoteError>,
    what: &str,
) -> Result<Option<String>, StoreError> {
    match sent {
        Ok(()) => {}
        Err(e) if !e.is_retryable() && !matches!(e.status(), Some(401 | 403)) => {
            tracing::warn!("the server refused the change {what} ({e}); it is dropped");
        }
        Err(e) => {
            tracing::info!("marks wait for the next sync: {e}");
            return Ok(Some(short(&e)));
        }
    }
    marks.remove_key(key)?;
    Ok(None)
}

/// What a pull brought of the user's watch levels and bookmarks, without what a change
/// of theirs still queued here is about: the queued change wins, whatever times the
/// server gives (Discourse gives none for levels: a level seen changed counts as changed
/// when seen).
pub fn not_queued(marks: &ReadMarks, pulled: Vec<PlaceMark>) -> Result<Vec<PlaceMark>, StoreError> {
    if pulled.is_empty() {
        return Ok(pulled);
    }
    let queued: Vec<PlaceMark> = marks
        .list_all()?
        .into_iter()
        .filter_map(|q| match q {
            Queued::Place(p) => Some(p.place),
            Queued::Read(_) | Queued::InboxRead(_) => None,
        })
        .collect();
    Ok(pulled
        .into_iter()
        .filter(|p| !queued.iter().any(|q| same_subject(p, q)))
        .collect())
}

/// Whether two changes are about the same thread, area or post.
fn same_subject(a: &PlaceMark, b: &PlaceMark) -> bool {
    let post = |m: &PlaceMark| match m {
        PlaceMark::Bookmark { post, .. } | PlaceMark::Unbookmark { post, .. } => Some(post.clone()),
        PlaceMark::Watch { .. } => None,
    };
    match (a, b) {
        (PlaceMark::Watch { target: x, .. }, PlaceMark::Watch { target: y, .. }) => x == y,
        _ => post(a).is_some_and(|p| post(b) == Some(p)),
    }
}

/// Whether sending `later` after `earlier` gives what sending both does.
fn superseded(earlier: &ReadMark, later: &ReadMark) -> bool {
    match (earlier, later) {
        (ReadMark::ReadTo { seq: a, at: t1 }, ReadMark::ReadTo { seq: b, at: t2 }) => {
            b >= a && t2 >= t1
        }
        _ => false,
    }
}

fn short(e: &RemoteError) -> String {
    format!("read marks wait: {e}")
}
