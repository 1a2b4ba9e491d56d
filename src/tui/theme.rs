//! Styles for the dark and light themes and for NO_COLOR (no colour at all: only bold, dim and
//! reverse). Colour is always a hint on top of text or a symbol, never the only signal.

use ratatui::style::{Color, Modifier, Style};

use crate::config::Theme as ThemeName;
use crate::domain::{Severity, Status};

/// Resolved styles, built once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub no_color: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    /// The selected row: reverse video, so it shows without colour.
    pub selected: Style,
    pub marked: Style,
    pub error: Style,
    pub warn: Style,
    pub ok: Style,
    pub key: Style,
    pub status_bar: Style,
    accent: Color,
    severity: [Color; 5],
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        let (fg, dim, accent, red, yellow, green, blue, magenta) = match name {
            ThemeName::Dark => (
                Color::Reset,
                Color::DarkGray,
                Color::Cyan,
                Color::LightRed,
                Color::Yellow,
                Color::LightGreen,
                Color::LightBlue,
                Color::LightMagenta,
            ),
            ThemeName::Light => (
                Color::Reset,
                Color::Gray,
                Color::Blue,
                Color::Red,
                Color::Rgb(0x8a, 0x5a, 0x00),
                Color::Green,
                Color::Blue,
                Color::Magenta,
            ),
        };
        let c = |s: Style, color: Color| if no_color { s } else { s.fg(color) };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            no_color,
            text: c(Style::new(), fg),
            dim: if no_color {
                Style::new().add_modifier(Modifier::DIM)
            } else {
                Style::new().fg(dim)
            },
            title: c(bold, accent),
            border: if no_color {
                Style::new()
            } else {
                Style::new().fg(dim)
            },
            border_focused: c(bold, accent),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            marked: c(bold, magenta),
            error: c(bold, red),
            warn: c(Style::new(), yellow),
            ok: c(Style::new(), green),
            key: c(bold, accent),
            status_bar: Style::new().add_modifier(Modifier::REVERSED),
            accent,
            severity: [red, magenta, yellow, blue, dim],
        }
    }

    pub fn severity(&self, s: Option<Severity>) -> Style {
        let Some(s) = s else { return self.dim };
        if self.no_color {
            return if s == Severity::Critical {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
        }
        let i = Severity::ALL.iter().position(|x| *x == s).unwrap_or(4);
        let style = Style::new().fg(self.severity[i]);
        if s == Severity::Critical {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Active => self.text.add_modifier(Modifier::BOLD),
            Status::Acknowledged => self.text,
            Status::Archived(_) => self.dim,
        }
    }

    pub fn accent(&self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.accent)
        }
    }

    /// Text that matched the filter: underlined, so it shows without colour and on the
    /// reversed selected row too.
    pub fn highlight(&self) -> Style {
        self.accent()
            .add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    }
}

/// Short fixed-width text for a status (the list column), so state never depends on colour.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Active => "● ACT",
        Status::Acknowledged => "◐ ACK",
        Status::Archived(_) => "○ ARC",
    }
}

/// Short fixed-width text for a severity.
pub fn severity_label(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "CRIT",
        Some(Severity::High) => "HIGH",
        Some(Severity::Medium) => "MED",
        Some(Severity::Low) => "LOW",
        Some(Severity::Info) => "INFO",
        None => "-",
    }
}
