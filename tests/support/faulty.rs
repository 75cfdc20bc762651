//! A fault-injecting HTTP server on 127.0.0.1: it forwards each request to a real
//! upstream server (the reference server or the Discourse stand-in) unless a rule says
//! to break it — reset the connection, cut the body, trickle it a byte at a time, answer
//! an error status, a malformed or wrongly typed body, a gzip bomb, an oversized body,
//! or a redirect. Every request it receives is recorded (headers included), so tests
//! can check what a client sent where. Plain threads and blocking sockets; every socket
//! operation has a timeout, and the server stops when dropped.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How long any single socket read or write may block.
const IO_TIMEOUT: Duration = Duration::from_secs(40);

/// What to do with a request a rule matches.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Pass it to the upstream server and relay the answer unchanged.
    Forward,
    /// Let the upstream server handle it, then reset the connection after sending
    /// `bytes` of its answer (0: no answer at all).
    ResetAfter { bytes: usize },
    /// Let the upstream server handle it, then send its headers and half its body and
    /// close the connection cleanly: a truncated body.
    Truncate,
    /// Let the upstream server handle it, then say nothing for `silence` and hang up:
    /// the request took effect, the client never hears so.
    ForwardThenStall { silence: Duration },
    /// Headers promising `length` bytes, then one byte every `every`.
    Trickle { every: Duration, length: usize },
    /// A canned answer.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A gzip-encoded answer that inflates to `inflated` bytes of JSON-looking text.
    GzipBomb { inflated: usize },
    /// `bytes` of body, with or without a `Content-Length` saying so.
    Oversized { bytes: usize, declared: bool },
    /// A 200 JSON answer from `template`, every `{n}` in it replaced by how many such
    /// answers this server gave before: a list whose cursor moves on forever.
    Numbered { template: String },
}

impl Fault {
    /// A canned answer with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A canned answer with extra headers.
    pub fn with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        Self::Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::with_headers(302, &[("location", location)], "")
    }
}

/// Which requests a fault applies to, and how many times.
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: Option<String>,
    /// The request target (path and query) must contain this.
    pub target: String,
    pub fault: Fault,
    /// `None`: every matching request; `Some(n)`: the next `n` only.
    pub times: Option<usize>,
}

impl Rule {
    pub fn any(target: &str, fault: Fault) -> Self {
        Self {
            method: None,
            target: target.to_owned(),
            fault,
            times: None,
        }
    }

    pub fn method(method: &str, target: &str, fault: Fault) -> Self {
        Self {
            method: Some(method.to_owned()),
            ..Self::any(target, fault)
        }
    }

    #[must_use]
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The header block as received (names as sent).
    pub headers: String,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
    numbered: std::sync::atomic::AtomicUsize,
}

/// A running fault server (stops when dropped).
pub struct FaultServer {
    pub addr: SocketAddr,
    pub url: String,
    shared: Arc<Shared>,
}

impl FaultServer {
    /// A server forwarding to `upstream` (an `http://IP:PORT` URL) unless a rule matches;
    /// without an upstream, unmatched requests get 404.
    pub fn start(upstream: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let addr = listener.local_addr().expect("the bound address");
        let upstream = upstream.map(|url| {
            url.trim_start_matches("http://")
                .trim_end_matches('/')
                .parse()
                .expect("upstream is http://IP:PORT")
        });
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || {
                    let _ = serve(stream, upstream, &shared);
                });
            }
        });
        Self {
            url: format!("http://{addr}"),
            addr,
            shared,
        }
    }

    /// Adds a rule; the first matching rule wins.
    pub fn rule(&self, rule: Rule) {
        self.shared.rules.lock().expect("rules").push(rule);
    }

    pub fn clear_rules(&self) {
        self.shared.rules.lock().expect("rules").clear();
    }

    pub fn seen(&self) -> MutexGuard<'_, Vec<Seen>> {
        self.shared.seen.lock().expect("seen")
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen().clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// A port on 127.0.0.1 where nothing listens: connections are refused.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("the bound address");
    drop(listener);
    format!("http://{addr}")
}

fn serve(mut client: TcpStream, upstream: Option<SocketAddr>, shared: &Shared) -> io::Result<()> {
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    client.set_write_timeout(Some(IO_TIMEOUT))?;
    let Some(request) = read_request(&mut client)? else {
        return Ok(());
    };
    let fault = {
        let mut rules = shared.rules.lock().expect("rules");
        let found = rules.iter_mut().position(|r| {
            r.method.as_deref().is_none_or(|m| m == request.method)
                && request.target.contains(&r.target)
                && r.times != Some(0)
        });
        found.map_or(Fault::Forward, |i| {
            let rule = &mut rules[i];
            if let Some(n) = rule.times.as_mut() {
                *n -= 1;
            }
            rule.fault.clone()
        })
    };
    shared.seen.lock().expect("seen").push(request.seen.clone());
    if !respond(&mut client, fault, &request, upstream, &shared.numbered)? {
        reset(client);
        return Ok(());
    }
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Write);
    // Let the client read everything before the socket goes away.
    let mut sink = [0u8; 1024];
    let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
    while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}

/// Answers `request` as `fault` says; false when the connection must be reset.
fn respond(
    client: &mut TcpStream,
    fault: Fault,
    request: &Request,
    upstream: Option<SocketAddr>,
    numbered: &std::sync::atomic::AtomicUsize,
) -> io::Result<bool> {
    let upstream_answer = |request: &Request| match upstream {
        Some(addr) => forward(addr, request),
        None => Ok(canned(404, &[], b"{\"error\":\"no upstream\"}")),
    };
    match fault {
        Fault::Forward => {
            let answer = upstream_answer(request)?;
            client.write_all(&answer)?;
        }
        Fault::ResetAfter { bytes } => {
            let answer = upstream_answer(request)?;
            client.write_all(&answer[..bytes.min(answer.len())])?;
            return Ok(false);
        }
        Fault::ForwardThenStall { silence } => {
            upstream_answer(request)?;
            std::thread::sleep(silence.min(IO_TIMEOUT));
            return Ok(false);
        }
        Fault::Truncate => {
            let answer = upstream_answer(request)?;
            let head_end = find(&answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
            let body = answer.len() - head_end;
            client.write_all(&answer[..head_end + body / 2])?;
        }
        Fault::Trickle { every, length } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
            );
            client.write_all(head.as_bytes())?;
            let started = Instant::now();
            for byte in std::iter::repeat_n(b' ', length) {
                std::thread::sleep(every);
                if client.write_all(&[byte]).is_err() || started.elapsed() > IO_TIMEOUT {
                    break;
                }
            }
        }
        Fault::Answer {
            status,
            headers,
            body,
        } => {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            client.write_all(&canned(status, &headers, &body))?;
        }
        Fault::GzipBomb { inflated } => {
            let body = gzip_bomb(inflated);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            client.write_all(head.as_bytes())?;
            client.write_all(&body)?;
        }
        Fault::Numbered { template } => {
            let n = numbered.fetch_add(1, Ordering::SeqCst);
            let body = template.replace("{n}", &n.to_string());
            client.write_all(&canned(
                200,
                &[("content-type", "application/json")],
                body.as_bytes(),
            ))?;
        }
        Fault::Oversized { bytes, declared } => {
            let length = if declared {
                format!("content-length: {bytes}\r\n")
            } else {
                String::new()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
            );
            client.write_all(head.as_bytes())?;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < bytes {
                let n = chunk.len().min(bytes - sent);
                if client.write_all(&chunk[..n]).is_err() {
                    break;
                }
                sent += n;
            }
        }
    }
    Ok(true)
}

struct Request {
    method: String,
    target: String,
    /// Everything up to and including the blank line, and the body.
    head: Vec<u8>,
    seen: Seen,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one HTTP/1.1 request (headers and a `Content-Length` body).
fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return Ok(None);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: String = lines
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let length: usize = headers
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..].to_vec();
    let mut forwarded = rebuild_head(&buf[..head_end]);
    forwarded.extend_from_slice(&body);
    Ok(Some(Request {
        seen: Seen {
            method: method.clone(),
            target: target.clone(),
            headers,
            body,
        },
        method,
        target,
        head: forwarded,
    }))
}

/// The request head with `Connection: close`, so the upstream answers and hangs up.
fn rebuild_head(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"));
        if !is_connection {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

/// Sends the request upstream and reads its whole answer.
fn forward(upstream: SocketAddr, request: &Request) -> io::Result<Vec<u8>> {
    let mut server = TcpStream::connect_timeout(&upstream, IO_TIMEOUT)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.set_write_timeout(Some(IO_TIMEOUT))?;
    server.write_all(&request.head)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    Ok(answer)
}

fn canned(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut head = format!("HTTP/1.1 {status} Canned\r\n");
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    let _ = write!(
        head,
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Closes with a TCP reset instead of a clean end.
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// `inflated` bytes of a JSON array of zeros, gzipped (built once per size).
fn gzip_bomb(inflated: usize) -> Vec<u8> {
    type Bombs = Mutex<Vec<(usize, Vec<u8>)>>;
    static BOMBS: OnceLock<Bombs> = OnceLock::new();
    let bombs = BOMBS.get_or_init(|| Mutex::new(Vec::new()));
    let mut bombs = bombs.lock().expect("bombs");
    if let Some((_, bomb)) = bombs.iter().find(|(n, _)| *n == inflated) {
        return bomb.clone();
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(b"[").expect("in memory");
    let zeros = vec![b'0'; 1 << 20];
    let mut written = 1;
    while written < inflated {
        let n = zeros.len().min(inflated - written);
        encoder.write_all(&zeros[..n]).expect("in memory");
        written += n;
    }
    let bomb = encoder.finish().expect("in memory");
    bombs.push((inflated, bomb.clone()));
    bomb
}
