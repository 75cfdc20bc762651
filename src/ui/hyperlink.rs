//! Clickable links: OSC 8 hyperlinks laid over cells already drawn, to validated http(s)
//! targets only, and the guess whether the terminal supports them.
//!
//! ratatui has no hyperlinks (ratatui#1227), and an escape sequence in a `Span` is both
//! filtered and counted as columns. So the text is drawn as usual and then each cell of a
//! link gets its own `OSC 8 ; id ; URL ST` + grapheme + `OSC 8 ; ; ST`, with its width
//! forced to the grapheme's (`CellDiffOption::ForcedWidth`): the buffer's columns stay
//! right, and a cell redrawn alone by the diff is still a whole, closed link (OSC 8 is a
//! mode; a link opened in one cell and closed in another breaks when only one is
//! redrawn).

use crate::render::Link;
use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use std::num::NonZeroU16;

/// Longest target written into a hyperlink; longer ones stay plain text (terminals cap
/// their own URI length near here: VTE at 2083 bytes).
pub const MAX_TARGET_LEN: usize = 2048;

/// Columns `start..end` of screen row `y` belong to a link to `target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub y: u16,
    pub start: u16,
    pub end: u16,
    pub target: String,
}

/// What may follow `OSC 8 ; params ;` for `link`: its URL when it is an openable http(s)
/// URL, in its serialized form (host in punycode, everything else percent-encoded, so
/// printable ASCII only), with `;` percent-encoded too (some terminals split the whole
/// sequence on it), and at most [`MAX_TARGET_LEN`] bytes. `None`: not a link here.
pub fn target(link: &Link) -> Option<String> {
    let url = url::Url::parse(link.openable()?).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    let target = url.as_str().replace(';', "%3B");
    let clean = target.len() <= MAX_TARGET_LEN && target.bytes().all(|b| b.is_ascii_graphic());
    clean.then_some(target)
}

/// The link id shared by every cell of one target, so that a terminal underlines the
/// whole link on hover (FNV-1a of the target; digits and letters only, as OSC 8 wants).
fn link_id(target: &str) -> String {
    let hash = target.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("tm{hash:016x}")
}

/// Makes the cells of each region inside `area` hyperlinks. Walks each row from the
/// area's left edge by the drawn graphemes' widths, so the trailing cell of a wide
/// character is never touched.
pub fn apply(buf: &mut Buffer, area: Rect, regions: &[Region]) {
    let area = area.intersection(buf.area);
    for region in regions {
        if region.y < area.top() || region.y >= area.bottom() {
            continue;
        }
        let open = format!(
            "\u{1b}]8;id={};{}\u{1b}\\",
            link_id(&region.target),
            region.target
        );
        let mut x = area.left();
        while x < area.right() && x < region.end {
            let Some(cell) = buf.cell_mut((x, region.y)) else {
                break;
            };
            let symbol = cell.symbol().to_owned();
            let width = symbol.cell_width().max(1);
            // A cell made a link already (regions never overlap, but never nest one).
            if x >= region.start && !symbol.contains('\u{1b}') {
                cell.set_symbol(&format!("{open}{symbol}\u{1b}]8;;\u{1b}\\"));
                if let Some(width) = NonZeroU16::new(width) {
                    cell.set_diff_option(CellDiffOption::ForcedWidth(width));
                }
            }
            x = x.saturating_add(width);
        }
    }
}

/// Whether the terminal described by the environment (`var` looks a variable up) is known
/// to make OSC 8 hyperlinks clickable, after the list of `supports-hyperlinks`
/// (zkat/supports-hyperlinks, `src/lib.rs`) plus the newer terminals. Inside tmux or
/// screen the outer terminal is unknown: no. Only the environment is read — no query to
/// the terminal, so the first frame never waits.
pub fn terminal_supports(var: impl Fn(&str) -> Option<String>) -> bool {
    if let Some(forced) = var("FORCE_HYPERLINK") {
        return forced.trim() != "0";
    }
    if var("TMUX").is_some() || var("STY").is_some() {
        return false;
    }
    let term = var("TERM").unwrap_or_default();
    if term.starts_with("screen")
        || term.starts_with("tmux")
        || matches!(term.as_str(), "dumb" | "linux")
    {
        return false;
    }
    let program = var("TERM_PROGRAM").unwrap_or_default();
    let vte = var("VTE_VERSION")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0);
    vte >= 5000
        || matches!(
            program.as_str(),
            "Hyper" | "iTerm.app" | "terminology" | "WezTerm" | "vscode" | "ghostty" | "rio"
        )
        || matches!(
            term.as_str(),
            "xterm-kitty" | "alacritty" | "alacritty-direct" | "xterm-ghostty" | "wezterm"
        )
        || term.starts_with("foot")
        || var("COLORTERM").as_deref() == Some("xfce4-terminal")
        || [
            "DOMTERM",
            "KITTY_WINDOW_ID",
            "WEZTERM_EXECUTABLE",
            "WT_SESSION",
            "KONSOLE_VERSION",
        ]
        .iter()
        .any(|name| var(name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn link(url: &str) -> Link {
        Link {
            number: 1,
            url: url.to_owned(),
            text: String::new(),
            spoiler: false,
        }
    }

    #[test]
    fn only_clean_web_urls_become_targets() {
        assert_eq!(
            target(&link("https://example.com/a?b=c#d")).as_deref(),
            Some("https://example.com/a?b=c#d")
        );
        assert_eq!(
            target(&link("https://de.wikipedia.org/wiki/Straße")).as_deref(),
            Some("https://de.wikipedia.org/wiki/Stra%C3%9Fe")
        );
        assert_eq!(
            target(&link("https://bücher.example/x;y")).as_deref(),
            Some("https://xn--bcher-kva.example/x%3By")
        );
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://example.com/\u{fffd}]8;;https://evil.example\u{fffd}",
            "https://example.com/\u{1b}\\x",
            "https://exa mple.com/",
            "/relative",
        ] {
            assert_eq!(target(&link(bad)), None, "{bad:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_TARGET_LEN));
        assert_eq!(target(&link(&long)), None);
    }

    #[test]
    fn each_cell_is_a_whole_link_of_its_grapheme_width() {
        let area = Rect::new(0, 0, 12, 1);
        let mut buf = Buffer::empty(area);
        buf.set_string(0, 0, "a 漢字 b", Style::default());
        apply(
            &mut buf,
            area,
            &[Region {
                y: 0,
                start: 2,
                end: 6,
                target: "https://example.com/".to_owned(),
            }],
        );
        let open = format!(
            "\u{1b}]8;id={};https://example.com/\u{1b}\\",
            link_id("https://example.com/")
        );
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(2, 0)].symbol(), format!("{open}漢\u{1b}]8;;\u{1b}\\"));
        assert_eq!(
            buf[(2, 0)].diff_option,
            CellDiffOption::ForcedWidth(NonZeroU16::new(2).unwrap())
        );
        // The wide character's second column is left alone.
        assert_eq!(buf[(3, 0)].symbol(), " ");
        assert_eq!(buf[(4, 0)].symbol(), format!("{open}字\u{1b}]8;;\u{1b}\\"));
        assert_eq!(buf[(6, 0)].symbol(), " ");
        assert_eq!(buf[(6, 0)].diff_option, CellDiffOption::None);
        // The diff writes every linked cell and skips nothing after them.
        let before = Buffer::empty(area);
        let updated: Vec<u16> = before.diff(&buf).iter().map(|(x, _, _)| *x).collect();
        assert_eq!(updated, [0, 2, 4, 7]);
    }

    #[test]
    fn the_environment_decides_auto() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(terminal_supports(env(&[("TERM_PROGRAM", "WezTerm")])));
        assert!(terminal_supports(env(&[("TERM", "xterm-kitty")])));
        assert!(terminal_supports(env(&[("TERM", "foot-extra")])));
        assert!(terminal_supports(env(&[("VTE_VERSION", "7600")])));
        assert!(!terminal_supports(env(&[("VTE_VERSION", "4600")])));
        assert!(!terminal_supports(env(&[("TERM", "xterm-256color")])));
        assert!(!terminal_supports(env(&[("TERM", "linux")])));
        assert!(!terminal_supports(env(&[
            ("TERM_PROGRAM", "WezTerm"),
            ("TMUX", "/tmp/tmux-0/default,1,0")
        ])));
        assert!(terminal_supports(env(&[
            ("FORCE_HYPERLINK", "1"),
            ("TERM", "dumb")
        ])));
        assert!(!terminal_supports(env(&[
            ("FORCE_HYPERLINK", "0"),
            ("TERM_PROGRAM", "WezTerm")
        ])));
    }
}
