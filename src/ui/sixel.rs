//! DEC sixel encoding of a decoded picture: scaled to the pixels of its cells, its
//! colours reduced to a fixed 6×6×6 cube (no palette search, so encoding is one pass),
//! transparent pixels left undrawn, runs compressed. Built from pixels only: nothing of a
//! post's text can reach the sequence.

use image::RgbaImage;
use image::imageops::FilterType;
use std::fmt::Write as _;

/// Levels per channel of the colour cube.
const LEVELS: u32 = 6;

/// The sixel sequence (`ESC P 0;1;0 q` … `ESC \`) drawing `image` in `cols` × `rows`
/// cells of `cell` pixels (width, height), its aspect kept.
pub fn encode(image: &RgbaImage, cols: u16, rows: u16, cell: (u16, u16)) -> String {
    let box_w = u32::from(cols.max(1)) * u32::from(cell.0.max(1));
    let box_h = u32::from(rows.max(1)) * u32::from(cell.1.max(1));
    let (w, h) = (image.width().max(1), image.height().max(1));
    // Fit inside the box, keeping the aspect.
    let (w, h, bw, bh) = (
        u64::from(w),
        u64::from(h),
        u64::from(box_w),
        u64::from(box_h),
    );
    let (fit_w, fit_h) = if w * bh > h * bw {
        (bw, (h * bw / w).max(1))
    } else {
        ((w * bh / h).max(1), bh)
    };
    let fit_w = u32::try_from(fit_w).unwrap_or(box_w);
    let fit_h = u32::try_from(fit_h).unwrap_or(box_h);
    let scaled = image::imageops::resize(image, fit_w, fit_h, FilterType::Triangle);
    let (w, h) = scaled.dimensions();
    let index = |x: u32, y: u32| -> Option<u32> {
        let [red, green, blue, alpha] = scaled.get_pixel(x, y).0;
        (alpha >= 128).then(|| {
            let level = |c: u8| u32::from(c) * LEVELS / 256;
            level(red) * LEVELS * LEVELS + level(green) * LEVELS + level(blue)
        })
    };
    let mut out = format!("\u{1b}P0;1;0q\"1;1;{w};{h}");
    for i in 0..LEVELS * LEVELS * LEVELS {
        let percent = |level: u32| level * 100 / (LEVELS - 1);
        let (red, green, blue) = (i / 36, (i / 6) % 6, i % 6);
        let _ = write!(
            out,
            "#{i};2;{};{};{}",
            percent(red),
            percent(green),
            percent(blue)
        );
    }
    let mut band = 0;
    while band < h {
        let mut used = Vec::new();
        for y in band..(band + 6).min(h) {
            used.extend((0..w).filter_map(|x| index(x, y)));
        }
        used.sort_unstable();
        used.dedup();
        for colour in used {
            let _ = write!(out, "#{colour}");
            let mut run: Option<(u8, u32)> = None;
            for x in 0..w {
                let mut bits = 0u8;
                for k in 0..6 {
                    let y = band + k;
                    if y < h && index(x, y) == Some(colour) {
                        bits |= 1 << k;
                    }
                }
                let sixel = 63 + bits;
                run = match run {
                    Some((c, n)) if c == sixel => Some((c, n + 1)),
                    Some((c, n)) => {
                        push_run(&mut out, c, n);
                        Some((sixel, 1))
                    }
                    None => Some((sixel, 1)),
                };
            }
            if let Some((c, n)) = run {
                push_run(&mut out, c, n);
            }
            out.push('$');
        }
        out.push('-');
        band += 6;
    }
    out.push_str("\u{1b}\\");
    out
}

fn push_run(out: &mut String, sixel: u8, count: u32) {
    let c = char::from(sixel);
    if count > 3 {
        let _ = write!(out, "!{count}{c}");
    } else {
        for _ in 0..count {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_red_square_is_one_colour_in_bands_of_six() {
        let image = RgbaImage::from_pixel(4, 4, image::Rgba([255, 0, 0, 255]));
        // One cell of 12×12 pixels: the picture fills it.
        let sixel = encode(&image, 1, 1, (12, 12));
        assert!(sixel.starts_with("\u{1b}P0;1;0q\"1;1;12;12"), "{sixel}");
        assert!(sixel.ends_with("\u{1b}\\"));
        // Red is colour 5·36 = 180 (100% red), drawn as 12 full sixels, twice.
        assert!(sixel.contains("#180;2;100;0;0"));
        assert_eq!(sixel.matches("#180!12~$").count(), 2, "{sixel}");
        assert_eq!(sixel.matches('-').count(), 2);
        // Printable ASCII between the introducer and the terminator.
        let body = &sixel[2..sixel.len() - 2];
        assert!(body.bytes().all(|b| (0x20..0x7f).contains(&b)));
    }
}
