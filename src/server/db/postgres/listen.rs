//! The listening connection: `LISTEN` for other processes' commits and mode changes,
//! reconnecting by itself, and catching up on what it missed while away.

use super::target::{Target, Tls};
use super::tx::classify;
use crate::server::db::DbError;
use crate::server::db::engine::{CHANGES_CHANNEL, MODE_CHANNEL, Shared};
use futures::StreamExt as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Notification, Socket};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);

/// Listens for as long as the store is open (the task is aborted when it closes).
pub async fn follow(target: Target, shared: Arc<Shared>) {
    let mut delay = FIRST_RETRY;
    loop {
        let started = Instant::now();
        let ended = match &target.tls {
            Tls::Off => listen(&target.config, tokio_postgres::NoTls, &shared).await,
            Tls::Rustls(tls) => listen(&target.config, tls.clone(), &shared).await,
        };
        if let Err(e) = ended {
            eprintln!(
                "threadmark serve: warning: not hearing from the database ({e}); reconnecting"
            );
        }
        if started.elapsed() > Duration::from_secs(10) {
            delay = FIRST_RETRY;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(LAST_RETRY);
    }
}

/// One listening session, until its connection ends.
async fn listen<T>(config: &tokio_postgres::Config, tls: T, shared: &Shared) -> Result<(), DbError>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, mut connection) = config.connect(tls).await.map_err(|e| classify(&e))?;
    let (notes, mut inbox) = mpsc::unbounded_channel::<Notification>();
    let reader = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(note)) => {
                    if notes.send(note).is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(classify(&e)),
            }
        }
        Ok(())
    });
    let session = async {
        client
            .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}; LISTEN {MODE_CHANNEL}"))
            .await
            .map_err(|e| classify(&e))?;
        // Whatever happened while no one listened: the head as it is, the mode re-read.
        let head: i64 = client
            .query_one("SELECT head FROM feed", &[])
            .await
            .map_err(|e| classify(&e))?
            .try_get(0)
            .map_err(|e| classify(&e))?;
        shared.advance_head(head);
        shared.mode_signal.send_modify(|n| *n += 1);
        while let Some(note) = inbox.recv().await {
            heard_note(shared, &note);
        }
        Ok::<_, DbError>(())
    };
    let outcome = session.await;
    drop(client);
    let read_out = reader
        .await
        .map_err(|e| DbError::Other(format!("the listening task failed: {e}")))?;
    outcome?;
    read_out?;
    Err(DbError::Unavailable(
        "the listening connection closed".into(),
    ))
}

fn heard_note(shared: &Shared, note: &Notification) {
    match note.channel() {
        CHANGES_CHANNEL => {
            if let Ok(seq) = note.payload().parse() {
                shared.advance_head(seq);
            }
        }
        MODE_CHANNEL => shared.mode_signal.send_modify(|n| *n += 1),
        _ => {}
    }
}
