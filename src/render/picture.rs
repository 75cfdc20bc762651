//! Decoding a post's picture within bounds: the pixel cap is checked on the header before
//! any pixel is decoded, the decoder may not allocate past [`MAX_DECODE_BYTES`], only the
//! first frame of an animation is decoded, and the result is scaled down to the cells it
//! will fill. A picture that fails any of it is a reason in a few words, never a panic.

use image::{ImageFormat, ImageReader, Limits, RgbaImage, imageops::FilterType};
use std::io::Cursor;

/// Most pixels a picture may declare (the fetcher checks the same before keeping it;
/// checked again here because the cache is a file anyone could have written).
pub const MAX_PIXELS: u64 = 40_000_000;

/// Most memory the decoder may take for one picture: the decoded first frame at the pixel
/// cap, and a little for the decoder itself.
pub const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;

/// Largest side, in pixels, a picture is kept at once decoded: enough for the widest
/// pane in half blocks and for kitty or sixel at a readable size, and at most 1 MiB of
/// memory a picture.
pub const KEPT_SIDE: u32 = 512;

/// A decoded picture, scaled to at most [`KEPT_SIDE`] pixels a side: what the reader
/// holds and draws from (its `Debug` names the size, not the pixels). The escape
/// sequence a graphics protocol needs for it is made once per size in cells and kept.
pub struct Decoded {
    pub image: RgbaImage,
    encoded: std::sync::Mutex<Option<(Encoding, std::sync::Arc<str>)>>,
    /// The cells of the image last sent to the terminal (kitty keeps it by id).
    sent: std::sync::Mutex<Option<Encoding>>,
}

/// What an encoded sequence was made for: the protocol's name, the cells, and the
/// pixels of a cell (a sixel is drawn in pixels, so a new cell size encodes it anew).
pub type Encoding = (&'static str, u16, u16, (u16, u16));

impl Decoded {
    pub fn new(image: RgbaImage) -> Self {
        Self {
            image,
            encoded: std::sync::Mutex::new(None),
            sent: std::sync::Mutex::new(None),
        }
    }

    /// The sequence for `key`, made by `make` the first time (and again for other cells).
    pub fn encoded(
        &self,
        key: Encoding,
        make: impl FnOnce(&RgbaImage) -> String,
    ) -> std::sync::Arc<str> {
        let Ok(mut slot) = self.encoded.lock() else {
            return make(&self.image).into();
        };
        match &*slot {
            Some((held, text)) if *held == key => text.clone(),
            _ => {
                let text: std::sync::Arc<str> = make(&self.image).into();
                *slot = Some((key, text.clone()));
                text
            }
        }
    }

    /// Whether the terminal still needs this picture for `key` (noting that it is sent).
    /// The terminal let go of the picture (kitty's delete): the next draw sends it again.
    pub fn forget_sent(&self) {
        if let Ok(mut sent) = self.sent.lock() {
            *sent = None;
        }
    }

    pub fn first_send(&self, key: Encoding) -> bool {
        let Ok(mut sent) = self.sent.lock() else {
            return true;
        };
        if *sent == Some(key) {
            return false;
        }
        *sent = Some(key);
        true
    }
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Decoded({}×{})", self.image.width(), self.image.height())
    }
}

/// Assumed pixels of one terminal cell (a common 8×16 font): a picture is never drawn
/// larger than it is, so a small icon stays small.
pub const CELL_PIXELS: (u32, u32) = (8, 16);
/// [`CELL_PIXELS`] as a terminal reports them.
pub const CELL_PIXELS_U16: (u16, u16) = (8, 16);

/// The cells (columns, rows) a `width` × `height` pixel picture takes in a body
/// `columns` wide with at most `max_rows` rows: as wide as the pane allows (never wider
/// than the picture at [`CELL_PIXELS`]), the aspect kept with a cell twice as tall as
/// wide, at least one cell.
pub fn cells(width: u32, height: u32, columns: usize, max_rows: u16) -> (u16, u16) {
    let (width, height) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let max_cols = u64::try_from(columns).unwrap_or(u64::MAX).clamp(1, 1000);
    let mut cols = width.div_ceil(u64::from(CELL_PIXELS.0)).clamp(1, max_cols);
    // Rows for those columns: each cell is two square half-block pixels tall.
    let mut rows = (cols * height).div_ceil(width * 2).max(1);
    let max_rows = u64::from(max_rows.max(1));
    if rows > max_rows {
        rows = max_rows;
        cols = (rows * 2 * width / height).clamp(1, max_cols);
    }
    (
        u16::try_from(cols).unwrap_or(u16::MAX),
        u16::try_from(rows).unwrap_or(u16::MAX),
    )
}

/// Decodes `bytes` and scales the picture to fit `max_width` × `max_height` pixels,
/// keeping its aspect ratio (never scaled up).
pub fn decode(bytes: &[u8], max_width: u32, max_height: u32) -> Result<RgbaImage, String> {
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| "not a picture".to_owned())
    };
    let probe = reader()?;
    if !matches!(
        probe.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err("not a picture (PNG, JPEG, GIF or WebP)".to_owned());
    }
    let (width, height) = probe.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => "too large a picture to decode".to_owned(),
        _ => "a broken picture".to_owned(),
    })?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "too large a picture ({width}×{height}, over {} megapixels)",
            MAX_PIXELS / 1_000_000
        ));
    }
    let mut reader = reader()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => "too large a picture to decode".to_owned(),
        _ => "a broken picture".to_owned(),
    })?;
    let (max_width, max_height) = (max_width.max(1), max_height.max(1));
    let picture = if decoded.width() > max_width || decoded.height() > max_height {
        decoded.resize(max_width, max_height, FilterType::Triangle)
    } else {
        decoded
    };
    Ok(picture.into_rgba8())
}

#[cfg(test)]
mod tests {
    use super::{cells, decode};

    #[test]
    fn cells_fit_the_pane_and_the_row_cap_keeping_the_aspect() {
        // 800×400 in 77 columns: the pane's width, half as many rows as columns / 2.
        assert_eq!(cells(800, 400, 77, 20), (77, 20));
        assert_eq!(cells(800, 200, 77, 20), (77, 10));
        // Tall pictures are held to the row cap, narrower.
        assert_eq!(cells(200, 800, 77, 20), (10, 20));
        // A small icon stays small (16 px: two columns).
        assert_eq!(cells(16, 16, 77, 20), (2, 1));
        assert_eq!(cells(0, 0, 0, 0), (1, 1));
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn scales_down_to_fit_keeping_the_aspect() {
        let picture = decode(&png(400, 200), 100, 100).unwrap();
        assert_eq!(picture.dimensions(), (100, 50));
        assert_eq!(picture.get_pixel(10, 10).0, [200, 30, 30, 255]);
        // Never scaled up.
        assert_eq!(decode(&png(4, 2), 100, 100).unwrap().dimensions(), (4, 2));
    }

    #[test]
    fn what_is_not_a_whole_picture_is_a_reason() {
        let good = png(40, 40);
        assert_eq!(
            decode(&good[..good.len() - 20], 10, 10).unwrap_err(),
            "a broken picture"
        );
        assert!(decode(b"GIF89a", 10, 10).is_err());
        assert!(
            decode(b"<svg/>", 10, 10)
                .unwrap_err()
                .contains("not a picture")
        );
        assert!(decode(b"", 10, 10).is_err());
    }
}
