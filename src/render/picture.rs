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
    use super::decode;

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
