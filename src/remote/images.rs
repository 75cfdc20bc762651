//! Fetching a post's pictures: which URLs may be fetched at all (https, or http on
//! loopback; the account's own origin or a listed picture origin), and the caps an answer
//! must pass before its bytes are kept — 5 MiB, a picture format we decode (never SVG:
//! it is a program, not a picture), at most [`MAX_PIXELS`] declared in its header.
//!
//! A refusal is a short reason in words, shown under the picture's alt text.

use super::http::{HttpClient, RemoteError, Timeouts};
use crate::config::{check_server_url, is_loopback};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use std::collections::HashMap;
use std::io::Cursor;
use url::{Origin, Url};

/// Largest picture fetched, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// Most pixels a picture may declare; a larger one is refused before it is decoded (a
/// picture's header can promise gigapixels in a few bytes).
pub const MAX_PIXELS: u64 = 40_000_000;

/// The origins pictures may come from, and one HTTP client per origin (so no origin's
/// requests carry another's connection or headers).
#[derive(Debug)]
pub struct ImageFetcher {
    origins: Vec<Origin>,
    clients: HashMap<String, HttpClient>,
    timeouts: Timeouts,
}

impl ImageFetcher {
    /// Pictures from `account_url`'s origin and from each of `extra_origins` (config
    /// `image_origins`, and a Discourse forum's upload CDN). An extra origin that is not
    /// an https URL (or http on loopback) is an error naming it.
    pub fn new(
        account_url: &str,
        extra_origins: &[String],
        timeouts: Timeouts,
    ) -> Result<Self, String> {
        let mut origins = Vec::new();
        for raw in std::iter::once(account_url).chain(extra_origins.iter().map(String::as_str)) {
            let url = check_server_url(raw).map_err(|e| format!("image_origins: {e}"))?;
            origins.push(url.origin());
        }
        Ok(Self {
            origins,
            clients: HashMap::new(),
            timeouts,
        })
    }

    /// Allows pictures from `raw`'s origin too (a Discourse forum's upload CDN, found
    /// from the site); the same rule as `image_origins`: https, or http on loopback.
    pub fn allow_origin(&mut self, raw: &str) -> Result<(), String> {
        let url = check_server_url(raw)?;
        if !self.origins.contains(&url.origin()) {
            self.origins.push(url.origin());
        }
        Ok(())
    }

    /// `raw` is a web address from an origin not allowed (yet).
    pub fn foreign(&self, raw: &str) -> bool {
        Url::parse(raw).is_ok_and(|url| {
            matches!(url.scheme(), "http" | "https") && !self.origins.contains(&url.origin())
        })
    }

    /// May `raw` be fetched? The parsed URL, or why not.
    pub fn check(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|_| "not a valid address".to_owned())?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err("not fetched over plain http".to_owned()),
            _ => return Err("not an http(s) address".to_owned()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the address carries a password".to_owned());
        }
        if url.path().to_ascii_lowercase().ends_with(".svg") {
            return Err("SVG pictures are not shown".to_owned());
        }
        if !self.origins.contains(&url.origin()) {
            let host = url.host_str().unwrap_or("another site");
            return Err(format!(
                "from {}, not this forum (add it to image_origins to allow it)",
                crate::text::sanitize::clean_line(host)
            ));
        }
        Ok(url)
    }

    /// Fetches `raw` within the caps: its bytes, or why not (in a few words).
    pub async fn fetch(&mut self, raw: &str) -> Result<Vec<u8>, String> {
        let url = self.check(raw)?;
        let key = url.origin().ascii_serialization();
        if !self.clients.contains_key(&key) {
            let client = HttpClient::new(&key, self.timeouts)
                .map_err(|e| e.to_string())?
                .with_body_cap(MAX_IMAGE_BYTES);
            self.clients.insert(key.clone(), client);
        }
        let client = self
            .clients
            .get(&key)
            .ok_or_else(|| "no client for the picture's origin".to_owned())?;
        let request = client
            .request_url(Method::GET, url)
            .ok_or_else(|| "not this forum's picture".to_owned())?;
        let answer = client.send(request).await.map_err(|e| match e {
            RemoteError::Protocol(message) if message.contains("larger than") => {
                format!("larger than {} MiB", MAX_IMAGE_BYTES / (1024 * 1024))
            }
            RemoteError::Timeout => "the server did not send it in time".to_owned(),
            other => other.to_string(),
        })?;
        if !answer.status.is_success() {
            return Err(format!("the server said {}", answer.status.as_u16()));
        }
        let declared = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if declared.contains("svg") {
            return Err("SVG pictures are not shown".to_owned());
        }
        check_picture(&answer.body)?;
        Ok(answer.body)
    }
}

/// Are `bytes` a picture in a format we decode, declaring at most [`MAX_PIXELS`]? Reads
/// the header only: nothing is decoded here. What the server said the type was does not
/// matter; the bytes do.
pub fn check_picture(bytes: &[u8]) -> Result<(), String> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "not a picture".to_owned())?;
    match reader.format() {
        Some(
            image::ImageFormat::Png
            | image::ImageFormat::Jpeg
            | image::ImageFormat::Gif
            | image::ImageFormat::WebP,
        ) => {}
        _ => return Err("not a picture (PNG, JPEG, GIF or WebP)".to_owned()),
    }
    let gif = reader.format() == Some(image::ImageFormat::Gif);
    let (width, height) = reader.into_dimensions().map_err(|e| match e {
        // The decoder's own limits refused the declared size.
        image::ImageError::Limits(_) => format!(
            "too large a picture (over {} megapixels)",
            MAX_PIXELS / 1_000_000
        ),
        _ => "a broken picture".to_owned(),
    })?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 {
        return Err("a picture of no size".to_owned());
    }
    if pixels > MAX_PIXELS {
        return Err(format!(
            "too large a picture ({width}×{height}, over {} megapixels)",
            MAX_PIXELS / 1_000_000
        ));
    }
    if gif {
        match gif_frames(bytes) {
            0 => return Err("a broken picture".to_owned()),
            frames if frames > MAX_FRAMES => {
                return Err(format!("an animation of over {MAX_FRAMES} frames"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Most frames an animated GIF may have: only its first is shown, but thousands of frames
/// are a file built to cost, not a picture.
pub const MAX_FRAMES: usize = 1000;

/// The number of frames in a GIF, walking its blocks without decoding any (`GIF89a`
/// specification, sections 17-27); a file cut short counts the frames before the cut
/// (decoding then tells whether the first is whole).
fn gif_frames(bytes: &[u8]) -> usize {
    let mut frames = 0;
    let _ = walk_gif(bytes, &mut frames);
    frames
}

fn walk_gif(bytes: &[u8], frames: &mut usize) -> Option<()> {
    // Header (6) and logical screen descriptor (7), then the global colour table.
    let packed = *bytes.get(10)?;
    let mut at = 13 + colour_table(packed);
    loop {
        match *bytes.get(at)? {
            // Trailer.
            0x3b => return Some(()),
            // Extension: label, then data sub-blocks.
            0x21 => at = skip_sub_blocks(bytes, at + 2)?,
            // Image descriptor (10 bytes), local colour table, LZW code size, sub-blocks.
            0x2c => {
                *frames += 1;
                if *frames > MAX_FRAMES {
                    return Some(());
                }
                let packed = *bytes.get(at + 9)?;
                at = skip_sub_blocks(bytes, at + 10 + colour_table(packed) + 1)?;
            }
            _ => return None,
        }
    }
}

/// The size of the colour table a GIF descriptor's packed byte announces.
fn colour_table(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// The position after the sub-blocks starting at `at` (each a length byte and that many
/// bytes, ended by a zero length).
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let length = usize::from(*bytes.get(at)?);
        at += 1;
        if length == 0 {
            return Some(at);
        }
        at += length;
    }
}

#[cfg(test)]
mod tests {
    use super::{ImageFetcher, Timeouts, check_picture};

    fn fetcher() -> ImageFetcher {
        ImageFetcher::new(
            "https://forum.example/community",
            &["https://cdn.example".to_owned()],
            Timeouts::default(),
        )
        .unwrap()
    }

    #[test]
    fn only_https_from_the_forum_or_a_listed_origin() {
        let f = fetcher();
        assert!(f.check("https://forum.example/uploads/a.png").is_ok());
        assert!(f.check("https://cdn.example/x/b.jpeg").is_ok());
        let refused = [
            ("http://forum.example/a.png", "plain http"),
            ("https://evil.example/a.png", "from evil.example"),
            ("https://forum.example:8443/a.png", "not this forum"),
            ("https://forum.example/a.SVG", "SVG"),
            ("data:image/png;base64,AAAA", "not an http"),
            ("javascript:alert(1)", "not an http"),
            ("https://u:p@forum.example/a.png", "password"),
            ("/uploads/a.png", "not a valid address"),
        ];
        for (url, why) in refused {
            let reason = f.check(url).unwrap_err();
            assert!(reason.contains(why), "{url}: {reason}");
        }
        let local = ImageFetcher::new("http://127.0.0.1:7878", &[], Timeouts::default()).unwrap();
        assert!(local.check("http://127.0.0.1:7878/a.png").is_ok());
        assert!(
            ImageFetcher::new(
                "https://f.example",
                &["ftp://x".to_owned()],
                Timeouts::default()
            )
            .is_err()
        );
    }

    #[test]
    fn the_header_decides_before_anything_is_decoded() {
        let mut png = Vec::new();
        image::RgbaImage::new(3, 2)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(check_picture(&png), Ok(()));
        assert!(
            check_picture(b"<html>not found</html>")
                .unwrap_err()
                .contains("not a picture")
        );
        assert!(check_picture(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(check_picture(&png[..12]).unwrap_err().contains("broken"));
        // A header declaring 100000×100000 (its IHDR rewritten; the CRC fixed) is refused
        // before its pixels are looked at.
        let mut huge = png.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        let reason = check_picture(&huge).unwrap_err();
        assert!(reason.contains("too large"), "{reason}");
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
}
