//! Pictures drawn with half blocks: each cell an `▀` whose foreground is the upper pixel
//! and background the lower one, so any terminal with colour shows them — one row at a
//! time, so a picture scrolls like text and is cut at the pane's edges like text.

use crate::app::reader::pictures::Decoded;
use ratatui::style::{Color, Style};
use ratatui::text::Span;

/// The spans of row `row` of `picture` drawn `cols` × `rows` cells.
pub fn row_spans(picture: &Decoded, cols: u16, rows: u16, row: u16) -> Vec<Span<'static>> {
    let image = &picture.image;
    let (width, height) = (image.width().max(1), image.height().max(1));
    let (cols, rows) = (u32::from(cols.max(1)), u32::from(rows.max(1)));
    // Pixel rows 2·row and 2·row + 1 of a picture `cols` × 2·`rows` pixels, each taken
    // from the middle of the source pixels it covers.
    let sample = |x: u32, y: u32| -> Color {
        let sx = ((2 * x + 1) * width / (2 * cols)).min(width - 1);
        let sy = ((2 * y + 1) * height / (4 * rows)).min(height - 1);
        let [r, g, b, a] = image.get_pixel(sx, sy).0;
        if a < 128 {
            Color::Reset
        } else {
            Color::Rgb(r, g, b)
        }
    };
    let y = u32::from(row) * 2;
    (0..cols)
        .map(|x| Span::styled("▀", Style::default().fg(sample(x, y)).bg(sample(x, y + 1))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_pixel_is_the_foreground_and_the_lower_the_background() {
        // Red on top, blue below, 4×4 pixels drawn in 2×1 cells.
        let image = image::RgbaImage::from_fn(4, 4, |_, y| {
            if y < 2 {
                image::Rgba([255, 0, 0, 255])
            } else {
                image::Rgba([0, 0, 255, 255])
            }
        });
        let spans = row_spans(&Decoded::new(image), 2, 1, 0);
        assert_eq!(spans.len(), 2);
        for span in spans {
            assert_eq!(span.content, "▀");
            assert_eq!(span.style.fg, Some(Color::Rgb(255, 0, 0)));
            assert_eq!(span.style.bg, Some(Color::Rgb(0, 0, 255)));
        }
    }
}
