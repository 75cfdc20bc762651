//! Hostile pictures, served over loopback HTTP as `image/png` the way a forum's upload
//! path would serve them, each end in a reason in words (shown under the alt text) —
//! fetched or decoded within bounded memory: a decompression bomb costs nothing.
//!
//! One test in its own binary, so the process's peak resident size is this test's alone.
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)]

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use std::io::Write as _;
use threadmark::remote::Timeouts;
use threadmark::remote::images::ImageFetcher;
use threadmark::render::picture::decode;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 7) as u8, (y * 13) as u8, (x ^ y) as u8, 255])
    })
    .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
    .unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// A PNG declaring `width` × `height` 8-bit grey pixels whose one IDAT is `inflated`
/// bytes of zeros deflated (a few KiB on the wire; the declared image is 10 GB).
fn zip_bomb(width: u32, height: u32, inflated: usize) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated / zeros.len() {
        z.write_all(&zeros).unwrap();
    }
    let idat = z.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(*b"IHDR", &ihdr));
    out.extend(chunk(*b"IDAT", &idat));
    out.extend(chunk(*b"IEND", &[]));
    out
}

/// A 1×1 GIF with `frames` frames (each the smallest LZW stream: clear, 0, end).
fn many_frames(frames: usize) -> Vec<u8> {
    let mut out = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
    for _ in 0..frames {
        out.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
    }
    out.push(0x3b);
    out
}

/// A GIF whose screen is declared 65535×65535, holding one 1×1 frame.
fn huge_gif() -> Vec<u8> {
    let mut out = many_frames(1);
    out[6..10].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    out
}

type Case = (&'static str, Vec<u8>, &'static str);

/// Each hostile file's name, bytes, and the start of the reason it must end in (built
/// once: the bomb takes a moment to deflate).
fn corpus() -> &'static [Case] {
    static CORPUS: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(build_corpus)
}

fn build_corpus() -> Vec<Case> {
    let good = png(300, 200);
    let truncated = good[..good.len() / 2].to_vec();
    vec![
        ("huge.png", huge_gif(), "too large a picture"),
        (
            "bomb.png",
            zip_bomb(100_000, 100_000, 64 << 20),
            "too large a picture",
        ),
        ("truncated.png", truncated, "a broken picture"),
        (
            "frames.png",
            many_frames(5000),
            "an animation of over 1000 frames",
        ),
        (
            "page.png",
            b"<!doctype html><title>404</title>".to_vec(),
            "not a picture",
        ),
        (
            "svg.png",
            b"<svg onload='x()'/>".to_vec(),
            "SVG pictures are not shown",
        ),
        ("big.png", vec![0u8; 6 << 20], "larger than 5 MiB"),
    ]
}

async fn serve_one(Path(name): Path<String>) -> impl IntoResponse {
    let good = png(300, 200);
    if name == "good.png" {
        return ([(header::CONTENT_TYPE, "image/png")], good).into_response();
    }
    let (_, bytes, _) = corpus().iter().find(|(n, _, _)| *n == name).unwrap();
    let bytes = bytes.clone();
    let kind = if name == "svg.png" {
        "image/svg+xml"
    } else {
        "image/png"
    };
    ([(header::CONTENT_TYPE, kind)], bytes).into_response()
}

#[tokio::test]
async fn hostile_pictures_end_in_a_reason_within_bounded_memory() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/uploads/{name}", get(serve_one));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let timeouts = Timeouts::parse("connect=5,read=10,total=20").unwrap();
    let mut fetcher = ImageFetcher::new(&base, &[], timeouts).unwrap();

    // The action under test happens: a good picture is fetched and decoded to the cells.
    let bytes = fetcher
        .fetch(&format!("{base}/uploads/good.png"))
        .await
        .unwrap();
    let picture = decode(&bytes, 150, 150).unwrap();
    assert_eq!(picture.dimensions(), (150, 100));

    for (name, raw, reason) in corpus() {
        // Whatever the fetch lets through is decoded: the reason comes from one or other.
        let outcome = match fetcher.fetch(&format!("{base}/uploads/{name}")).await {
            Ok(bytes) => decode(&bytes, 800, 600).map(|_| ()),
            Err(why) => Err(why),
        };
        let why = outcome.expect_err(name);
        assert!(why.starts_with(reason), "{name}: {why}");
        assert!(
            !why.contains('\n') && why.len() < 120,
            "{name}: one short line: {why}"
        );
        // The cache re-checks what it reads: decoding the raw bytes directly is refused
        // too (the fetcher's header check is not the only guard).
        if !["big.png", "frames.png"].contains(name) {
            assert!(decode(raw, 800, 600).is_err(), "{name} decoded");
        }
    }

    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).unwrap();
    let peak_mib = usage.max_rss() / 1024;
    // The bomb alone would inflate to 10 GB; the corpus's own bytes are ~80 MiB at most.
    assert!(peak_mib < 300, "peak resident size {peak_mib} MiB");
}
