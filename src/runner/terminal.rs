//! Owns the terminal's modes: raw mode, the alternate screen, mouse capture, bracketed
//! paste. Restores them on every way out — normal exit, error, panic (hook), drop — and
//! around Ctrl-Z and the external editor.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use std::io;
use std::sync::Once;

/// Puts the terminal in full-screen mode while alive.
#[derive(Debug)]
pub struct TerminalGuard {
    mouse: bool,
    active: bool,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen (and mouse capture when `mouse`).
    pub fn enter(mouse: bool) -> io::Result<Self> {
        install_panic_hook();
        let mut guard = Self {
            mouse,
            active: false,
        };
        guard.activate()?;
        Ok(guard)
    }

    fn activate(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        self.active = true;
        let mut out = io::stdout();
        execute!(
            out,
            EnterAlternateScreen,
            Clear(ClearType::All),
            cursor::Hide,
            EnableBracketedPaste
        )?;
        if self.mouse {
            execute!(out, EnableMouseCapture)?;
        }
        Ok(())
    }

    /// Puts the terminal back as the shell had it. Safe to call twice.
    pub fn restore(&mut self) {
        if std::mem::take(&mut self.active) {
            restore_terminal(self.mouse);
        }
    }

    /// Takes the terminal back after [`TerminalGuard::restore`] (the external editor is done).
    pub fn reactivate(&mut self) -> io::Result<()> {
        if self.active {
            return Ok(());
        }
        self.activate()
    }

    /// Stops the process (Ctrl-Z, SIGTSTP) with the terminal restored, and takes the
    /// terminal back when the shell resumes it.
    pub fn suspend(&mut self) -> io::Result<()> {
        self.restore();
        tracing::info!("suspended");
        // SIGSTOP cannot be caught, so this returns only once the shell sends SIGCONT.
        signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
        tracing::info!("resumed");
        self.activate()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Best effort: errors are ignored because there is nowhere left to report them.
fn restore_terminal(mouse: bool) {
    let mut out = io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

/// On panic: restore the terminal first, log the panic, then let the previous hook print
/// its report on the normal screen — unless the terminal is gone: printing to it would
/// panic again, and a panic in a panic aborts before anything is saved.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal(true);
            tracing::error!("panic: {info}");
            if !super::hangup::terminal_gone() {
                previous(info);
            }
        }));
    });
}
