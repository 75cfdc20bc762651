//! A TCP gate in front of the demo's server: open, it passes connections through; closed,
//! it resets the connections it carries and every new one, as a server gone offline does.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The gate, listening on 127.0.0.1.
#[derive(Debug)]
pub struct Gate {
    addr: SocketAddr,
    open: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Gate {
    /// Starts a gate to `upstream`, open.
    pub async fn start(upstream: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (open, watcher) = watch::channel(true);
        let task = tokio::spawn(accept_loop(listener, upstream, watcher));
        Ok(Self { addr, open, task })
    }

    /// Where clients connect.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Opens or closes the gate; closing resets every connection it carries at once.
    pub fn set_open(&self, open: bool) {
        self.open.send_replace(open);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open.send_replace(false);
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, open: watch::Receiver<bool>) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::debug!("demo gate: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !*open.borrow() {
            reset(&client);
            continue;
        }
        tokio::spawn(carry(client, upstream, open.clone()));
    }
}

/// Passes one connection through until either side ends it or the gate closes.
async fn carry(mut client: TcpStream, upstream: SocketAddr, mut open: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        reset(&client);
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = open.wait_for(|open| !*open) => reset(&client),
    }
}

/// Ends a connection with a reset (no orderly close), as a vanished server would.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}
