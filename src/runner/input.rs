//! The terminal's input, read on a thread of its own: the reader's loop only takes the
//! events from a line, so it never reads the terminal itself.
//!
//! Why: crossterm reads a terminal that has hung up in a loop that never ends (each read
//! returns nothing, or an error, and is tried again: crossterm-rs/crossterm#793). Its
//! event stream reads on whichever thread polls it when an event may be waiting, so when
//! the terminal hung up just as the loop looked for the next key (the last frame drawn,
//! no key pending), the loop itself was caught in that read: it saw neither the SIGHUP
//! nor its own check of the terminal, saved nothing and never left. Caught here, only
//! this thread spins, the loop notices the hang-up as ever, and the process ends.

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use futures::future::{Either, select};
use std::io;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long a pause waits for the reading thread to let go of the terminal: it answers at
/// once unless it is caught reading a terminal that hung up.
const PAUSE_WAIT: Duration = Duration::from_millis(500);

/// What the loop asks of the reading thread.
enum Control {
    /// Stop reading (a program of the user's reads the keys now); answered once stopped.
    Pause(oneshot::Sender<()>),
    /// Read again, from this stream.
    Resume(EventStream),
}

/// The loop's side: the events read, and the line to the reading thread.
#[derive(Debug)]
pub struct TerminalInput {
    events: mpsc::UnboundedReceiver<io::Result<Event>>,
    control: mpsc::UnboundedSender<Control>,
}

impl TerminalInput {
    /// Starts reading the terminal on a thread of the caller's priority (the loop's: keys
    /// come first).
    pub fn start() -> io::Result<Self> {
        // Made here, as before, so a terminal crossterm cannot open fails on the loop.
        let stream = EventStream::new();
        let (sender, events) = mpsc::unbounded_channel();
        let (control, orders) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("terminal-input".into())
            .spawn(move || futures::executor::block_on(read(stream, &sender, orders)))?;
        Ok(Self { events, control })
    }

    /// The next event; `None` once the reading thread has stopped.
    pub async fn next(&mut self) -> Option<io::Result<Event>> {
        self.events.recv().await
    }

    /// Stops reading the terminal until [`TerminalInput::resume`]: the keys typed
    /// meanwhile are another program's.
    pub async fn pause(&mut self) {
        let (done, stopped) = oneshot::channel();
        if self.control.send(Control::Pause(done)).is_err() {
            return;
        }
        if tokio::time::timeout(PAUSE_WAIT, stopped).await.is_err() {
            tracing::warn!("the terminal's input did not stop reading in time");
        }
    }

    /// Reads the terminal again after [`TerminalInput::pause`].
    pub fn resume(&self) {
        let _ = self.control.send(Control::Resume(EventStream::new()));
    }
}

/// The reading thread: passes each event on until the loop's side is gone or the stream
/// ends (an error is passed on, then reading stops).
async fn read(
    stream: EventStream,
    events: &mpsc::UnboundedSender<io::Result<Event>>,
    mut orders: mpsc::UnboundedReceiver<Control>,
) {
    let mut stream = Some(stream);
    loop {
        let next = match stream.as_mut() {
            Some(reading) => match select(reading.next(), Box::pin(orders.recv())).await {
                Either::Left((event, _)) => Either::Left(event),
                Either::Right((order, _)) => Either::Right(order),
            },
            None => Either::Right(orders.recv().await),
        };
        match next {
            Either::Left(Some(event)) => {
                let failed = event.is_err();
                if events.send(event).is_err() || failed {
                    return;
                }
            }
            Either::Right(Some(Control::Pause(done))) => {
                stream = None;
                let _ = done.send(());
            }
            Either::Right(Some(Control::Resume(again))) => stream = Some(again),
            Either::Left(None) | Either::Right(None) => return,
        }
    }
}
