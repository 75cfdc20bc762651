//! Pictures in the real reader in a pseudo-terminal, synced from the real `threadmark
//! serve`, the pictures served by a loopback HTTP server standing for the forum's upload
//! CDN: drawn in half blocks above their alt text, a refused or broken one is its alt
//! text and the reason on one line, `images = false` and `I` show none, and a picture
//! fetched once shows with its server gone.

use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use crate::support::api::Api;
use crate::support::terminal_bytes::leaks;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// 64×32 pixels in bands of 8 rows, red and blue: drawn in 2 rows of half blocks, each
/// cell is red over blue.
fn chart() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(64, 32, |_, y| {
        if (y / 8) % 2 == 0 {
            image::Rgba([255, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 255, 255])
        }
    });
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A loopback HTTP server answering `/chart.png` with [`chart`], `/broken.png` with half
/// of it and hostile files (see [`hostile`]) by name, counting requests, until stopped (then
/// connections are refused).
struct PictureServer {
    origin: String,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PictureServer {
    fn start() -> Self {
        Self::serving(Vec::new())
    }

    /// Also serving `hostile` (name, bytes, reason) by name.
    fn serving(hostile: Vec<(&'static str, Vec<u8>, &'static str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopping) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let good = chart();
            while !stopping.load(Ordering::SeqCst) {
                let Ok((mut socket, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                socket.set_nonblocking(false).unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                let head = String::from_utf8_lossy(&request);
                let path = head
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .trim_start_matches('/');
                let body: &[u8] = if path == "chart.png" {
                    &good
                } else if let Some((_, bytes, _)) = hostile.iter().find(|(n, _, _)| *n == path) {
                    bytes
                } else {
                    &good[..good.len() / 2]
                };
                let _ = write!(
                    socket,
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(body);
            }
        });
        Self {
            origin,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for PictureServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A client synced from a server whose Advocacy thread ends with a post of pictures: one
/// good, one cut in half, one from a site not allowed.
fn client_with_pictures(server: &Served, pictures: &PictureServer) -> Client {
    client_syncing_pictures(server, pictures, None)
}

/// [`client_with_pictures`], its `[ui]` set to `ui` before the sync when given.
fn client_syncing_pictures(server: &Served, pictures: &PictureServer, ui: Option<&str>) -> Client {
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    admin.reply(
        "advocacy-1",
        &format!(
            "The turnout:\n\n![a chart of turnout]({0}/chart.png)\n\nAnd \
             ![the old chart]({0}/broken.png) and ![a map](https://elsewhere.example/map.png)",
            pictures.origin
        ),
    );
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    if let Some(ui) = ui {
        let base = std::fs::read_to_string(client.config()).unwrap();
        set_ui(&client, &base, ui);
    }
    let out = client.run(&["sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    client
}

fn set_ui(client: &Client, base: &str, ui: &str) {
    std::fs::write(client.config(), format!("{base}\n[ui]\n{ui}\n")).unwrap();
}

/// The reader at the end of the Advocacy thread, after `keys`: its screen and every byte
/// it wrote. `ready` says when the screen shows what the test looks at.
fn read_to_the_pictures(
    client: &Client,
    keys: &str,
    ready: impl Fn(&str) -> bool,
) -> (String, Vec<u8>) {
    let mut s = open_at_the_pictures(client);
    s.send(keys);
    let screen = s.wait_for("the pictures", &ready);
    s.settle(Duration::from_millis(200));
    let screen = if ready(&s.screen()) {
        s.screen()
    } else {
        screen
    };
    s.send("q");
    assert!(s.wait_exit().success());
    (screen, s.raw())
}

/// The reader in a 120×50 pseudo-terminal at the end of the Advocacy thread.
fn open_at_the_pictures(client: &Client) -> PtySession {
    let mut s = PtySession::start(client.home.path(), &[], &[], 120, 50);
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text(" · #");
    // The thread opens at its first unread post once loaded: `G` goes to its end after
    // that (sent again if the load came after it).
    s.settle(Duration::from_millis(200));
    for _ in 0..5 {
        s.send("G");
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while !s.screen().contains("[image: a map]") && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(40));
        }
        if s.screen().contains("[image: a map]") {
            break;
        }
    }
    s.wait_for_text("[image: a map]");
    s
}

/// Hostile pictures, each served as `image/png`, with the reason it must end in.
fn hostile() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    // A 1×1 GIF with `frames` frames (each the smallest LZW stream: clear, 0, end).
    let gif = |frames: usize| {
        let mut out = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
        for _ in 0..frames {
            out.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
        }
        out.push(0x3b);
        out
    };
    let mut huge = gif(1);
    huge[6..10].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    let good = chart();
    vec![
        ("huge.png", huge, "too large a picture"),
        ("bomb.png", zip_bomb(), "too large a picture"),
        (
            "truncated.png",
            good[..good.len() * 2 / 3].to_vec(),
            "a broken picture",
        ),
        ("frames.png", gif(5000), "an animation of over 1000 frames"),
        (
            "page.png",
            b"<!doctype html><title>404</title>".to_vec(),
            "not a picture",
        ),
        ("big.png", vec![0u8; 6 << 20], "larger than 5 MiB"),
    ]
}

/// A PNG declaring 100,000 × 100,000 grey pixels whose one IDAT is 64 MiB of zeros
/// deflated (64 KiB on the wire).
fn zip_bomb() -> Vec<u8> {
    fn chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(&kind);
        out.extend_from_slice(data);
        let mut crc = 0xffff_ffff_u32;
        for &b in &out[4..] {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        out.extend_from_slice(&(!crc).to_be_bytes());
        out
    }
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        z.write_all(&zeros).unwrap();
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(*b"IHDR", &ihdr));
    out.extend(chunk(*b"IDAT", &z.finish().unwrap()));
    out.extend(chunk(*b"IEND", &[]));
    out
}

/// What threadmark writes to delete its kitty pictures (`src/ui/graphics.rs`).
const KITTY_DELETE: &str = "\u{1b}_Ga=d,d=R,x=1,y=16777215,q=2\u{1b}\\";

/// Where `needle` first is in `haystack`.
fn find(haystack: &[u8], needle: &str) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The screen's rows from the post's first line to its last alt text, ends trimmed.
fn post_rows(screen: &str) -> Vec<String> {
    let rows: Vec<String> = screen.lines().map(|l| l.trim_end().to_owned()).collect();
    let first = rows
        .iter()
        .position(|r| r.contains("The turnout:"))
        .unwrap();
    let last = rows
        .iter()
        .position(|r| r.contains("[image: a map]"))
        .unwrap();
    rows[first..=last].to_vec()
}

#[test]
fn pictures_show_above_their_alt_text_refused_ones_say_why_and_the_cache_serves_offline() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let mut pictures = PictureServer::start();
    let client = client_with_pictures(&server, &pictures);
    let base = std::fs::read_to_string(client.config()).unwrap();
    assert!(!base.contains("[ui]"), "{base}");
    let allowed = format!("image_origins = [\"{}\"]", pictures.origin);

    // Off: not one picture is fetched or drawn, and no reason is given.
    set_ui(&client, &base, &format!("images = false\n{allowed}"));
    let (off, off_raw) = read_to_the_pictures(&client, "", |s| s.contains("[image: a map]"));
    assert_eq!(pictures.requests(), 0);
    assert!(!off.contains('▀') && !off.contains("not shown"), "{off}");
    assert!(!contains(&off_raw, "38;2;"));

    // On: the chart is drawn in half blocks (red over blue) in the rows above its alt
    // text; the broken one and the one from another site are their alt text and why.
    set_ui(&client, &base, &allowed);
    let drawn = |s: &str| s.contains('▀') && s.contains("a broken picture");
    let (on, raw) = read_to_the_pictures(&client, "", drawn);
    let rows = post_rows(&on);
    let rows_on = rows.clone();
    let alt = rows
        .iter()
        .position(|r| r.contains("[image: a chart of turnout]"))
        .unwrap();
    // 64×32 px: 8 columns, 2 rows.
    assert_eq!(rows[alt - 1].matches('▀').count(), 8, "{on}");
    assert_eq!(rows[alt - 2].matches('▀').count(), 8, "{on}");
    assert!(!rows[alt - 3].contains('▀'), "{on}");
    assert!(contains(&raw, "38;2;255;0;0"), "red above");
    assert!(contains(&raw, "48;2;0;0;255"), "blue below");
    assert!(
        rows.iter().any(|r| r
            .contains("[image: the old chart] and [image: a map] — not shown: a broken picture")),
        "{on}"
    );
    assert!(pictures.requests() >= 2);
    let found = leaks(&raw);
    assert!(found.is_empty(), "{found:?}");
    // Everything but the picture's rows and the reason reads as with pictures off.
    let text_only = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| !r.contains('▀'))
            .map(|r| match r.find(" — not shown") {
                Some(at) => r[..at].to_owned(),
                None => r,
            })
            .collect()
    };
    assert_eq!(text_only(rows), text_only(post_rows(&off)));

    // `I` hides them for the session.
    let (hidden, _) = read_to_the_pictures(&client, "I", |s| s.contains("pictures hidden"));
    assert!(!hidden.contains('▀'), "{hidden}");

    // The picture server gone: the chart comes from the offline cache.
    pictures.stop();
    let before = pictures.requests();
    let (offline, _) = read_to_the_pictures(&client, "", |s| s.contains('▀'));
    let offline_rows = post_rows(&offline);
    let offline_alt = offline_rows
        .iter()
        .position(|r| r.contains("[image: a chart of turnout]"))
        .unwrap();
    assert_eq!(
        offline_rows[offline_alt - 2..=offline_alt],
        rows_on[alt - 2..=alt],
        "{offline}"
    );
    assert_eq!(pictures.requests(), before);
    let cached = std::fs::read_dir(client.data_dir().join("images"));
    assert!(
        cached.is_ok_and(|d| d.count() == 1),
        "the one good picture is cached"
    );
}

/// With each protocol forced, the chart is written as that protocol's sequence (and
/// nothing else about the screen's text changes); every byte passes the allow-list.
#[test]
fn each_forced_protocol_writes_its_own_sequence() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let pictures = PictureServer::start();
    let client = client_with_pictures(&server, &pictures);
    let base = std::fs::read_to_string(client.config()).unwrap();
    let allowed = format!("image_origins = [\"{}\"]", pictures.origin);
    let reasoned = |s: &str| s.contains("a broken picture");

    set_ui(
        &client,
        &base,
        &format!("{allowed}\nimage_protocol = \"halfblocks\""),
    );
    let (blocks, _) = read_to_the_pictures(&client, "", |s| reasoned(s) && s.contains('▀'));
    let text_rows = |screen: &str| -> Vec<String> {
        post_rows(screen)
            .into_iter()
            .filter(|r| r.contains(|c: char| c.is_ascii_alphanumeric()))
            .collect()
    };

    let cases = [
        ("kitty", "\u{1b}_Ga=T,U=1,f=100,t=d,q=2,i="),
        ("sixel", "\u{1b}P0;1;0q\"1;1;"),
        ("iterm2", "\u{1b}]1337;File=inline=1;size="),
    ];
    for (protocol, sequence) in cases {
        set_ui(
            &client,
            &base,
            &format!("{allowed}\nimage_protocol = \"{protocol}\""),
        );
        let (screen, raw) = read_to_the_pictures(&client, "", reasoned);
        assert!(contains(&raw, sequence), "{protocol}: no {sequence:?}");
        assert!(!screen.contains('▀'), "{protocol}: half blocks\n{screen}");
        let delete = find(&raw, KITTY_DELETE);
        if protocol == "kitty" {
            // The placeholders carry the picture: first cell of a row names row and column.
            assert!(contains(&raw, "\u{10EEEE}\u{305}\u{305}"), "kitty row 0");
            assert!(contains(&raw, "\u{10EEEE}\u{30D}\u{305}"), "kitty row 1");
            // On quit the terminal lets the pictures go, before the alternate screen.
            let (Some(delete), Some(sent), Some(left)) =
                (delete, find(&raw, sequence), find(&raw, "\u{1b}[?1049l"))
            else {
                panic!("kitty: no delete, transmission or leaving of the screen");
            };
            assert!(
                sent < delete && delete < left,
                "kitty: the delete comes last"
            );
        } else {
            assert_eq!(delete, None, "{protocol}: a kitty delete");
        }
        let found = leaks(&raw);
        assert!(found.is_empty(), "{protocol}: {found:?}");
        assert_eq!(text_rows(&screen), text_rows(&blocks), "{protocol}");
    }
}

/// A sync fetches the pictures of the threads it downloads ahead: with the picture
/// server gone, the thread never opened before shows its chart from the offline cache.
#[test]
fn a_synced_threads_pictures_show_offline_without_it_having_been_read() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let mut pictures = PictureServer::start();
    let allowed = format!("image_origins = [\"{}\"]", pictures.origin);
    let client = client_syncing_pictures(&server, &pictures, Some(&allowed));
    assert!(
        pictures.requests() >= 1,
        "the sync fetched no picture ahead"
    );
    let images = client.home.path().join("data").join("images");
    assert!(
        std::fs::read_dir(&images).is_ok_and(|d| d.count() >= 1),
        "nothing in {}",
        images.display()
    );
    pictures.stop();
    let (screen, _) = read_to_the_pictures(&client, "", |s| s.contains('▀'));
    let rows = post_rows(&screen);
    assert!(
        rows.iter().any(|r| r.contains('▀')),
        "the chart from the cache:\n{screen}"
    );
    assert!(screen.contains("[image: a chart of turnout]"), "{screen}");
}

/// Waits (10 s at most) until what the program wrote passes `check`.
fn wait_raw(s: &PtySession, what: &str, check: impl Fn(&[u8]) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !check(&s.raw()) {
        assert!(std::time::Instant::now() < deadline, "no {what}");
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// Kitty keeps a picture until told: `I` deletes the pictures sent, `I` again sends them
/// anew, and quitting deletes them again.
#[test]
fn i_deletes_kitty_pictures_from_the_terminal_and_sends_them_again() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let pictures = PictureServer::start();
    let client = client_with_pictures(&server, &pictures);
    let base = std::fs::read_to_string(client.config()).unwrap();
    set_ui(
        &client,
        &base,
        &format!(
            "image_origins = [\"{}\"]\nimage_protocol = \"kitty\"",
            pictures.origin
        ),
    );
    let transmit = "\u{1b}_Ga=T,U=1,f=100,t=d,q=2,i=";
    let count = |raw: &[u8], what: &str| {
        raw.windows(what.len())
            .filter(|w| *w == what.as_bytes())
            .count()
    };
    let mut s = open_at_the_pictures(&client);
    wait_raw(&s, "the chart sent", |raw| count(raw, transmit) >= 1);
    assert_eq!(count(&s.raw(), KITTY_DELETE), 0, "deleted before I");
    s.send("I");
    s.wait_for_text("pictures hidden");
    wait_raw(&s, "the delete", |raw| count(raw, KITTY_DELETE) == 1);
    s.send("I");
    s.wait_for_text("pictures shown");
    wait_raw(&s, "the chart sent again", |raw| count(raw, transmit) >= 2);
    s.send("q");
    assert!(s.wait_exit().success());
    let raw = s.raw();
    assert_eq!(count(&raw, KITTY_DELETE), 2, "one on I, one on quit");
    let found = leaks(&raw);
    assert!(found.is_empty(), "{found:?}");
}

/// The sixel raster sizes (`"1;1;W;H`) in `raw`, in the order written.
fn sixel_sizes(raw: &[u8]) -> Vec<(u32, u32)> {
    let text = String::from_utf8_lossy(raw);
    text.split("\u{1b}P0;1;0q\"1;1;")
        .skip(1)
        .filter_map(|rest| {
            let mut numbers = rest.split(|c: char| !c.is_ascii_digit());
            Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
        })
        .collect()
}

/// A sixel is drawn in pixels: when the terminal's cells change size (a new font size),
/// the resize brings the new cell size and the chart is drawn again at it.
#[test]
fn a_sixel_is_drawn_again_at_the_cell_size_a_resize_brings() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let pictures = PictureServer::start();
    let client = client_with_pictures(&server, &pictures);
    let base = std::fs::read_to_string(client.config()).unwrap();
    set_ui(
        &client,
        &base,
        &format!(
            "image_origins = [\"{}\"]\nimage_protocol = \"sixel\"",
            pictures.origin
        ),
    );
    let mut s = open_at_the_pictures(&client);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sixel_sizes(&s.raw()).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(40));
    }
    let before = sixel_sizes(&s.raw());
    let Some(&(w, h)) = before.last() else {
        panic!("no sixel before the resize");
    };
    // The pseudo-terminal says no pixels at first: cells of 8×16 are assumed.
    s.resize(120, 50, (16, 32));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sixel_sizes(&s.raw()).len() == before.len() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(40));
    }
    let after = sixel_sizes(&s.raw());
    let Some(&(w2, h2)) = after.get(before.len()..).and_then(<[_]>::last) else {
        panic!("no sixel after the resize: {before:?}");
    };
    assert!(
        w2 >= w * 2 - 2 && h2 >= h * 2 - 6,
        "cells of 16×32: {w}×{h} became {w2}×{h2}"
    );
    s.send("q");
    assert!(s.wait_exit().success());
    let found = leaks(&s.raw());
    assert!(found.is_empty(), "{found:?}");
}

/// A post of hostile pictures read in the reader: each is its alt text and its reason,
/// soon, and the reader's peak memory stays small (the bomb alone would be 10 GB).
#[test]
fn hostile_pictures_end_in_their_alt_text_and_a_reason() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let corpus = hostile();
    let pictures = PictureServer::serving(corpus.clone());
    let admin = Api::new(&server.url, server.admin_token.as_ref().unwrap());
    let post: Vec<String> = corpus
        .iter()
        .map(|(name, _, _)| format!("![{name}]({}/{name})", pictures.origin))
        .collect();
    admin.reply("advocacy-1", &post.join("\n\n"));
    let client = Client::default();
    client.sign_in(&server.url, server.member_token.as_ref().unwrap());
    assert!(client.run(&["sync"]).status.success());
    let base = std::fs::read_to_string(client.config()).unwrap();
    set_ui(
        &client,
        &base,
        &format!("image_origins = [\"{}\"]", pictures.origin),
    );

    let mut s = PtySession::start(client.home.path(), &[], &[], 160, 60);
    s.wait_for_text("Advocacy");
    s.send("G\r");
    s.wait_for_text(" · #");
    s.settle(Duration::from_millis(200));
    let every_reason = |screen: &str| {
        corpus.iter().all(|(name, _, why)| {
            screen
                .lines()
                .any(|l| l.contains(&format!("[image: {name}] — not shown: {why}")))
        })
    };
    for _ in 0..5 {
        s.send("G");
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while !every_reason(&s.screen()) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(40));
        }
        if every_reason(&s.screen()) {
            break;
        }
    }
    let screen = s.wait_longer("every reason", Duration::from_secs(20), every_reason);
    assert!(!screen.contains('▀'), "{screen}");
    let peak = s.peak_rss_kib().unwrap() / 1024;
    assert!(peak < 200, "peak resident size {peak} MiB");
    s.send("q");
    assert!(s.wait_exit().success());
    assert!(pictures.requests() >= corpus.len());
    let found = leaks(&s.raw());
    assert!(found.is_empty(), "{found:?}");
}
