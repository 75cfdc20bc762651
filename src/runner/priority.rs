//! The reader's loop comes first for the CPU: the threads working in the background (the
//! sync engine, the store worker, thread loads, pictures) run at a lower priority
//! (`nice` 10 more than the reader), so a key pressed while a big sync writes, or while a
//! million-post index loads, is answered by a loop that does not wait for a core. What
//! the user starts from the reader (the editor, a pipe, the browser) runs at the user's
//! own priority: it is started from a thread of the loop's priority.
//!
//! Linux keeps a priority per thread, and lowering one's own needs no privilege. Other
//! systems give `setpriority` the whole process, so nothing is changed there.

use std::future::Future;

/// How much lower than the reader's loop the background threads run.
pub const BACKGROUND_NICE: i32 = 10;

/// The most a nice value can be.
const NICEST: i32 = 19;

/// Sets the calling thread's CPU priority [`BACKGROUND_NICE`] below the process's main
/// thread (the loop's), however often it is called and whichever thread started this one
/// (threads inherit their starter's). Linux only; best effort: a failure only means the
/// loop shares the CPU evenly, as before.
pub fn background() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpid, getpriority_process, setpriority_process};
        // On Linux a pid names its main thread, and `None` the calling thread.
        let lowered = getpriority_process(Some(getpid())).and_then(|main| {
            setpriority_process(None, main.saturating_add(BACKGROUND_NICE).min(NICEST))
        });
        if let Err(e) = lowered {
            tracing::debug!("a background thread keeps its priority: {e}");
        }
    }
}

/// Starts `work` on a new thread of the calling thread's priority (the loop's: never a
/// background one), for what starts the user's own programs.
pub fn user_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name("user-program".into())
        .spawn(work)
}

/// Runs `work` as [`user_thread`] does; resolves to its result, or `None` when the thread
/// could not start or panicked.
pub fn at_user_priority<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl Future<Output = Option<T>> {
    let (done, result) = tokio::sync::oneshot::channel();
    if let Err(e) = user_thread(move || {
        let _ = done.send(work());
    }) {
        tracing::warn!("could not start a thread for a program: {e}");
    }
    async move { result.await.ok() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nice_of_this_thread() -> i32 {
        rustix::process::getpriority_process(None).unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn background_lowers_only_the_calling_thread() {
        let mine = nice_of_this_thread();
        let lowered = std::thread::spawn(move || {
            background();
            let once = nice_of_this_thread();
            // Again, and in a thread this one starts: the same level, not lower.
            background();
            let inherited = std::thread::spawn(|| {
                background();
                nice_of_this_thread()
            })
            .join()
            .unwrap();
            (once, nice_of_this_thread(), inherited)
        })
        .join()
        .unwrap();
        let expected = (mine + BACKGROUND_NICE).min(NICEST);
        assert_eq!(lowered, (expected, expected, expected));
        assert_eq!(
            nice_of_this_thread(),
            mine,
            "the caller's thread is untouched"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn user_programs_start_at_the_callers_priority_even_from_a_runtime_of_background_threads() {
        let mine = nice_of_this_thread();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // As in the reader: the loop's thread runs the future; `at_user_priority` is
        // called on it, whatever the other threads' priority.
        let seen = runtime.block_on(async {
            let blocking = tokio::task::spawn_blocking(|| {
                background();
                nice_of_this_thread()
            })
            .await
            .unwrap();
            let user = at_user_priority(nice_of_this_thread).await.unwrap();
            (blocking, user)
        });
        assert_eq!(seen.0, (mine + BACKGROUND_NICE).min(NICEST));
        assert_eq!(seen.1, mine);
    }
}
