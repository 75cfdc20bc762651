//! Pictures through a terminal graphics protocol: the guess which one the terminal
//! speaks (from the environment only: nothing is asked of the terminal, so the first
//! frame waits for nothing), kitty's Unicode placeholders (a picture is cells of text, so
//! it scrolls like text), and sixel or iTerm2 images written into a picture's first cell
//! with the rest of its cells left to the picture. Every sequence is built from decoded
//! pixels and numbers only — never from a post's text or URLs.

use crate::app::reader::pictures::Decoded;
use crate::model::ImageProtocol;
use base64::Engine as _;
use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::style::{Color, Style};
use ratatui::text::Span;
use std::fmt::Write as _;
use std::num::NonZeroU16;

/// The protocol `image_protocol = "auto"` picks from the environment: kitty's in kitty
/// and Ghostty, iTerm2's in iTerm2 and `WezTerm`, sixel in foot, mlterm, Konsole and
/// Contour, half blocks anywhere else and inside tmux or screen (they do not pass
/// pictures on by default).
pub fn detect(var: impl Fn(&str) -> Option<String>) -> ImageProtocol {
    let term = var("TERM").unwrap_or_default();
    let program = var("TERM_PROGRAM").unwrap_or_default();
    if var("TMUX").is_some()
        || var("STY").is_some()
        || term.starts_with("screen")
        || term.starts_with("tmux")
    {
        return ImageProtocol::Halfblocks;
    }
    if var("KITTY_WINDOW_ID").is_some()
        || matches!(term.as_str(), "xterm-kitty" | "xterm-ghostty")
        || program == "ghostty"
    {
        return ImageProtocol::Kitty;
    }
    if matches!(program.as_str(), "iTerm.app" | "WezTerm")
        || var("LC_TERMINAL").as_deref() == Some("iTerm2")
        || var("WEZTERM_EXECUTABLE").is_some()
    {
        return ImageProtocol::Iterm2;
    }
    if term.starts_with("foot")
        || term.starts_with("mlterm")
        || term.starts_with("contour")
        || var("KONSOLE_VERSION").is_some()
    {
        return ImageProtocol::Sixel;
    }
    ImageProtocol::Halfblocks
}

/// The kitty placeholder character: a cell showing part of a picture.
const PLACEHOLDER: char = '\u{10EEEE}';

/// Kitty's row and column numbers, as combining marks (from kitty's
/// `rowcolumn-diacritics.txt`): the first [`MAX_KITTY_ROWS`] of them.
const DIACRITICS: [char; 100] = [
    '\u{305}', '\u{30D}', '\u{30E}', '\u{310}', '\u{312}', '\u{33D}', '\u{33E}', '\u{33F}',
    '\u{346}', '\u{34A}', '\u{34B}', '\u{34C}', '\u{350}', '\u{351}', '\u{352}', '\u{357}',
    '\u{35B}', '\u{363}', '\u{364}', '\u{365}', '\u{366}', '\u{367}', '\u{368}', '\u{369}',
    '\u{36A}', '\u{36B}', '\u{36C}', '\u{36D}', '\u{36E}', '\u{36F}', '\u{483}', '\u{484}',
    '\u{485}', '\u{486}', '\u{487}', '\u{592}', '\u{593}', '\u{594}', '\u{595}', '\u{597}',
    '\u{598}', '\u{599}', '\u{59C}', '\u{59D}', '\u{59E}', '\u{59F}', '\u{5A0}', '\u{5A1}',
    '\u{5A8}', '\u{5A9}', '\u{5AB}', '\u{5AC}', '\u{5AF}', '\u{5C4}', '\u{610}', '\u{611}',
    '\u{612}', '\u{613}', '\u{614}', '\u{615}', '\u{616}', '\u{617}', '\u{657}', '\u{658}',
    '\u{659}', '\u{65A}', '\u{65B}', '\u{65D}', '\u{65E}', '\u{6D6}', '\u{6D7}', '\u{6D8}',
    '\u{6D9}', '\u{6DA}', '\u{6DB}', '\u{6DC}', '\u{6DF}', '\u{6E0}', '\u{6E1}', '\u{6E2}',
    '\u{6E4}', '\u{6E7}', '\u{6E8}', '\u{6EB}', '\u{6EC}', '\u{730}', '\u{732}', '\u{733}',
    '\u{735}', '\u{736}', '\u{73A}', '\u{73D}', '\u{73F}', '\u{740}', '\u{741}', '\u{743}',
    '\u{745}', '\u{747}', '\u{749}', '\u{74A}',
];

/// The most rows a picture takes (kitty numbers rows with [`DIACRITICS`]).
pub const MAX_KITTY_ROWS: u16 = crate::app::reader::pictures::MAX_ROWS;
const _: () = assert!(MAX_KITTY_ROWS as usize <= DIACRITICS.len());

/// The kitty image id of the picture at `url` (24 bits, never 0): it rides in the
/// placeholders' foreground colour.
pub fn kitty_id(url: &str) -> u32 {
    let hash = url.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash & 0x00ff_ffff).max(1)
}

fn id_colour(id: u32) -> Color {
    let [_, r, g, b] = id.to_be_bytes();
    Color::Rgb(r, g, b)
}

/// Row `row` of picture `id` as kitty placeholders: the first cell names the row and
/// column 0, the others continue it.
pub fn kitty_row_spans(id: u32, cols: u16, row: u16) -> Vec<Span<'static>> {
    let Some(&mark) = DIACRITICS.get(usize::from(row)) else {
        return Vec::new();
    };
    let style = Style::default().fg(id_colour(id));
    let mut first = String::from(PLACEHOLDER);
    first.push(mark);
    first.push(DIACRITICS[0]);
    let mut spans = vec![Span::styled(first, style)];
    spans.extend((1..cols).map(|_| Span::styled(PLACEHOLDER.to_string(), style)));
    spans
}

/// The picture as PNG (what kitty's `f=100` and iTerm2's inline files carry).
fn png(decoded: &image::RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = decoded.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// Kitty's transmission of picture `id` with a virtual placement of `cols` × `rows`
/// cells (`U=1`) for the placeholders to show, in chunks of 4096 base64 bytes; `q=2`: the
/// terminal answers nothing (an answer would arrive as typed keys).
pub fn kitty_transmit(image: &image::RgbaImage, id: u32, cols: u16, rows: u16) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(png(image));
    let chunks: Vec<&[u8]> = data.as_bytes().chunks(4096).collect();
    let mut out = String::with_capacity(data.len() + chunks.len() * 24 + 64);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        out.push_str("\u{1b}_G");
        if i == 0 {
            let _ = write!(out, "a=T,U=1,f=100,t=d,q=2,i={id},c={cols},r={rows},");
        } else {
            out.push_str("q=2,");
        }
        let _ = write!(out, "m={more};");
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\u{1b}\\");
    }
    out
}

/// Kitty's delete of every picture threadmark can have sent (ids 1 to 2²⁴−1, see
/// [`kitty_id`]) and their data, asking no answer: written when the reader exits and
/// when `I` hides the pictures, while the alternate screen (whose pictures kitty keeps
/// apart from the shell's) is still on. Range deletion (`d=R`) reaches the virtual
/// placements the placeholders show, which `d=A` ("visible on screen") may leave.
pub const KITTY_DELETE: &str = "\u{1b}_Ga=d,d=R,x=1,y=16777215,q=2\u{1b}\\";

/// iTerm2's inline image filling `cols` × `rows` cells.
pub fn iterm2_sequence(image: &image::RgbaImage, cols: u16, rows: u16) -> String {
    let bytes = png(image);
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    format!(
        "\u{1b}]1337;File=inline=1;size={};width={cols};height={rows};preserveAspectRatio=1:{data}\u{1b}\\",
        bytes.len()
    )
}

/// A picture drawn through a protocol, at its first cell on screen.
#[derive(Debug)]
pub struct Overlay<'a> {
    pub x: u16,
    pub y: u16,
    pub cols: u16,
    pub rows: u16,
    pub picture: &'a Decoded,
    pub url: &'a str,
    pub protocol: ImageProtocol,
    /// Pixels of one cell (sixel draws pixels, not cells).
    pub cell_pixels: (u16, u16),
}

/// Writes each overlay's sequence into one of its cells (its width forced to one column
/// so the buffer's columns stay right). Kitty: the transmission goes ahead of the first
/// placeholder on screen, once per picture and size. Sixel and iTerm2: into the
/// picture's last cell, drawn after its blank cells. True when a kitty transmission
/// was written (the terminal now holds a picture to delete at the end).
pub fn apply(buf: &mut Buffer, overlays: &[Overlay<'_>]) -> bool {
    let one = NonZeroU16::MIN;
    let mut kitty_sent = false;
    for overlay in overlays {
        let key = (
            protocol_name(overlay.protocol),
            overlay.cols,
            overlay.rows,
            overlay.cell_pixels,
        );
        let sequence = match overlay.protocol {
            ImageProtocol::Kitty => {
                if !overlay.picture.first_send(key) {
                    continue;
                }
                overlay.picture.encoded(key, |image| {
                    kitty_transmit(image, kitty_id(overlay.url), overlay.cols, overlay.rows)
                })
            }
            ImageProtocol::Sixel => overlay.picture.encoded(key, |image| {
                super::sixel::encode(image, overlay.cols, overlay.rows, overlay.cell_pixels)
            }),
            ImageProtocol::Iterm2 => overlay.picture.encoded(key, |image| {
                iterm2_sequence(image, overlay.cols, overlay.rows)
            }),
            ImageProtocol::Auto | ImageProtocol::Halfblocks => continue,
        };
        if overlay.protocol == ImageProtocol::Kitty {
            let Some(cell) = buf.cell_mut((overlay.x, overlay.y)) else {
                continue;
            };
            let symbol = format!("{sequence}{}", cell.symbol());
            cell.set_symbol(&symbol);
            cell.set_diff_option(CellDiffOption::ForcedWidth(one));
            kitty_sent = true;
            continue;
        }
        // Sixel and iTerm2 draw over cells already written: the picture's cells are
        // blank, and its last cell (written after the others) moves the cursor to its
        // first, draws the picture, and moves back past itself, so a picture is always
        // drawn over blanks, never blanked afterwards by its own cells.
        let (right, bottom) = (
            overlay.x + overlay.cols.saturating_sub(1),
            overlay.y + overlay.rows.saturating_sub(1),
        );
        let Some(cell) = buf.cell_mut((right, bottom)) else {
            continue;
        };
        let symbol = format!(
            "{}\u{1b}[{};{}H{sequence}\u{1b}[{};{}H",
            cell.symbol(),
            u32::from(overlay.y) + 1,
            u32::from(overlay.x) + 1,
            u32::from(bottom) + 1,
            u32::from(right) + 2,
        );
        cell.set_symbol(&symbol);
        cell.set_diff_option(CellDiffOption::ForcedWidth(one));
    }
    kitty_sent
}

fn protocol_name(protocol: ImageProtocol) -> &'static str {
    match protocol {
        ImageProtocol::Auto => "auto",
        ImageProtocol::Kitty => "kitty",
        ImageProtocol::Sixel => "sixel",
        ImageProtocol::Iterm2 => "iterm2",
        ImageProtocol::Halfblocks => "halfblocks",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_environment_names_the_protocol() {
        assert_eq!(
            detect(env(&[("TERM", "xterm-kitty")])),
            ImageProtocol::Kitty
        );
        assert_eq!(
            detect(env(&[("KITTY_WINDOW_ID", "1")])),
            ImageProtocol::Kitty
        );
        assert_eq!(
            detect(env(&[("TERM_PROGRAM", "ghostty")])),
            ImageProtocol::Kitty
        );
        assert_eq!(
            detect(env(&[("TERM_PROGRAM", "iTerm.app")])),
            ImageProtocol::Iterm2
        );
        assert_eq!(
            detect(env(&[("TERM_PROGRAM", "WezTerm")])),
            ImageProtocol::Iterm2
        );
        assert_eq!(detect(env(&[("TERM", "foot")])), ImageProtocol::Sixel);
        assert_eq!(
            detect(env(&[("KONSOLE_VERSION", "230800")])),
            ImageProtocol::Sixel
        );
        assert_eq!(
            detect(env(&[("TERM", "xterm-256color")])),
            ImageProtocol::Halfblocks
        );
        assert_eq!(
            detect(env(&[("TERM", "xterm-kitty"), ("TMUX", "/tmp/t")])),
            ImageProtocol::Halfblocks
        );
    }

    #[test]
    fn kitty_placeholders_name_row_and_column_and_carry_the_id() {
        let spans = kitty_row_spans(0x0012_3456, 3, 2);
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[0].content, "\u{10EEEE}\u{30E}\u{305}");
        assert_eq!(spans[1].content, "\u{10EEEE}");
        assert_eq!(spans[2].style.fg, Some(Color::Rgb(0x12, 0x34, 0x56)));
        assert!(kitty_row_spans(1, 3, MAX_KITTY_ROWS).is_empty());
        assert_ne!(kitty_id("a"), 0);
    }

    #[test]
    fn a_kitty_transmission_is_chunked_and_asks_for_no_answer() {
        let image = image::RgbaImage::from_fn(64, 64, |x, y| {
            image::Rgba([
                u8::try_from(x * 4).unwrap(),
                u8::try_from(y * 4).unwrap(),
                u8::try_from((x * y) % 256).unwrap(),
                255,
            ])
        });
        let sequence = kitty_transmit(&image, 7, 8, 4);
        assert!(sequence.starts_with("\u{1b}_Ga=T,U=1,f=100,t=d,q=2,i=7,c=8,r=4,m="));
        for chunk in sequence.split("\u{1b}\\").filter(|c| !c.is_empty()) {
            let (head, data) = chunk.split_once(';').unwrap();
            assert!(head.starts_with("\u{1b}_G") && head.contains("q=2"));
            assert!(data.len() <= 4096);
        }
        assert!(sequence.ends_with("m=0;") || sequence.contains("m=0;"));
    }
}
