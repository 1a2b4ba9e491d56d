//! The one owner of the terminal: raw mode and the alternate screen on entry, restored by a
//! `Drop` guard and by a panic hook that restores first and then calls the previous hook
//! (color-eyre's), so a panic leaves a usable shell with a readable report. Mouse capture stays off.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::error::TuiError;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

static PANIC_HOOK: Once = Once::new();

/// Puts the terminal back the way the shell expects it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Installs (once) a panic hook that restores the terminal before the previous hook prints.
/// Call after color-eyre has installed its own.
pub fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Owns the terminal while the dashboard runs.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    /// Refuses without a tty; otherwise enters raw mode and the alternate screen.
    pub fn enter() -> Result<TerminalGuard, TuiError> {
        if !io::stdin().is_terminal() || !io::stdout().is_terminal() {
            return Err(TuiError::NotATty);
        }
        install_panic_hook();
        enable_raw_mode()?;
        let guard_on_error = Restorer;
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        std::mem::forget(guard_on_error);
        Ok(TerminalGuard { terminal })
    }

    /// Gives the terminal back to the shell (for `$EDITOR`).
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        Ok(())
    }

    /// Takes the terminal again after [`suspend`](Self::suspend): raw mode, the alternate
    /// screen, bracketed paste on, mouse reporting off (an editor may leave it on), the cursor
    /// hidden, then a full redraw (ratatui's buffers are reset so every cell is written again).
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            DisableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        self.terminal.clear()
    }

    /// Writes raw bytes (an OSC 52 sequence) straight to the terminal.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout();
        out.write_all(bytes)?;
        out.flush()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal if `enter` fails half-way.
struct Restorer;

impl Drop for Restorer {
    fn drop(&mut self) {
        restore();
    }
}
