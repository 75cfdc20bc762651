//! How the reader draws pictures: a terminal graphics protocol, or half blocks.

use serde::{Deserialize, Serialize};

/// How pictures are drawn: a terminal graphics protocol, or half blocks (any terminal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageProtocol {
    /// Guessed from the environment (`TERM`, `TERM_PROGRAM`, `KITTY_WINDOW_ID`, …); the
    /// terminal is never asked, so the first frame waits for nothing.
    #[default]
    Auto,
    /// Kitty's graphics protocol with Unicode placeholders (kitty, Ghostty).
    Kitty,
    /// DEC sixel graphics (foot, xterm -ti vt340, mlterm, Konsole, `WezTerm`, …).
    Sixel,
    /// iTerm2's inline images (iTerm2, `WezTerm`, Konsole).
    Iterm2,
    /// `▀` cells in colour: every terminal.
    Halfblocks,
}
