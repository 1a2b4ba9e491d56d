//! The key grammar of config `[keys]`: `j`, `G`, `space`, `ctrl-s`, `alt-x`, `shift-tab`, `f5`,
//! `pagedown`. One normalised [`KeySpec`] per chord, so config strings and terminal events compare
//! equal whatever the terminal reports for shift on letters.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySpec {
    code: KeyCode2,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` without the variants we never bind, with a total order (for sorted help output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCode2 {
    Char(char),
    F(u8),
    Named(Named),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Named {
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

const NAMED: [(&str, Named); 17] = [
    ("enter", Named::Enter),
    ("esc", Named::Esc),
    ("tab", Named::Tab),
    ("backtab", Named::BackTab),
    ("backspace", Named::Backspace),
    ("delete", Named::Delete),
    ("insert", Named::Insert),
    ("up", Named::Up),
    ("down", Named::Down),
    ("left", Named::Left),
    ("right", Named::Right),
    ("home", Named::Home),
    ("end", Named::End),
    ("pageup", Named::PageUp),
    ("pagedown", Named::PageDown),
    ("pgup", Named::PageUp),
    ("pgdn", Named::PageDown),
];

/// Why a key string was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "key \"{0}\" is not understood: write a character (\"x\", \"G\", \"?\"), a name (space, enter, \
     esc, tab, backtab, up, down, left, right, home, end, pageup, pagedown, f1..f12), optionally \
     after ctrl-, alt- or shift-"
)]
pub struct BadKey(pub String);

impl KeySpec {
    /// Parses one key string.
    pub fn parse(s: &str) -> Result<KeySpec, BadKey> {
        let bad = || BadKey(s.to_owned());
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        // A lone "-" is the minus key, so only strip prefixes that leave something behind.
        loop {
            let lower = rest.to_ascii_lowercase();
            let stripped = ["ctrl-", "alt-", "shift-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            match stripped {
                Some("ctrl-") => ctrl = true,
                Some("alt-") => alt = true,
                Some(_) => shift = true,
                None => break,
            }
            rest = &rest[stripped.map_or(0, str::len)..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if shift { c.to_ascii_uppercase() } else { c };
                KeyCode2::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
            _ => {
                let lower = rest.to_ascii_lowercase();
                if lower == "space" {
                    KeyCode2::Char(' ')
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=24).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode2::F(n)
                } else {
                    let named = NAMED
                        .iter()
                        .find(|(name, _)| *name == lower)
                        .map(|(_, n)| *n)
                        .ok_or_else(bad)?;
                    if shift && named == Named::Tab {
                        KeyCode2::Named(Named::BackTab)
                    } else {
                        KeyCode2::Named(named)
                    }
                }
            }
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    /// The chord a terminal key event stands for; `None` for keys we never bind (media keys, …).
    pub fn from_event(ev: &KeyEvent) -> Option<KeySpec> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            // Terminals disagree on whether shift is reported for upper-case letters; the
            // character itself is what counts.
            KeyCode::Char(c) => KeyCode2::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCode2::F(n),
            KeyCode::Enter => KeyCode2::Named(Named::Enter),
            KeyCode::Esc => KeyCode2::Named(Named::Esc),
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => {
                KeyCode2::Named(Named::BackTab)
            }
            KeyCode::Tab => KeyCode2::Named(Named::Tab),
            KeyCode::BackTab => KeyCode2::Named(Named::BackTab),
            KeyCode::Backspace => KeyCode2::Named(Named::Backspace),
            KeyCode::Delete => KeyCode2::Named(Named::Delete),
            KeyCode::Insert => KeyCode2::Named(Named::Insert),
            KeyCode::Up => KeyCode2::Named(Named::Up),
            KeyCode::Down => KeyCode2::Named(Named::Down),
            KeyCode::Left => KeyCode2::Named(Named::Left),
            KeyCode::Right => KeyCode2::Named(Named::Right),
            KeyCode::Home => KeyCode2::Named(Named::Home),
            KeyCode::End => KeyCode2::Named(Named::End),
            KeyCode::PageUp => KeyCode2::Named(Named::PageUp),
            KeyCode::PageDown => KeyCode2::Named(Named::PageDown),
            _ => return None,
        };
        Some(KeySpec { code, ctrl, alt })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode2::Char(' ') => f.write_str("space"),
            KeyCode2::Char(c) => write!(f, "{c}"),
            KeyCode2::F(n) => write!(f, "f{n}"),
            KeyCode2::Named(n) => {
                let name = NAMED
                    .iter()
                    .find(|(_, m)| *m == n)
                    .map_or("?", |(name, _)| *name);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeySpec {
        KeySpec::from_event(&KeyEvent::new(code, m)).unwrap()
    }

    #[test]
    fn parses_the_grammar() {
        assert_eq!(
            KeySpec::parse("j").unwrap(),
            ev(KeyCode::Char('j'), KeyModifiers::NONE)
        );
        assert_eq!(
            KeySpec::parse("G").unwrap(),
            ev(KeyCode::Char('G'), KeyModifiers::SHIFT)
        );
        assert_eq!(
            KeySpec::parse("shift-g").unwrap(),
            KeySpec::parse("G").unwrap()
        );
        assert_eq!(
            KeySpec::parse("ctrl-s").unwrap(),
            ev(KeyCode::Char('s'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            KeySpec::parse("Ctrl-S").unwrap(),
            KeySpec::parse("ctrl-s").unwrap()
        );
        assert_eq!(
            KeySpec::parse("space").unwrap(),
            ev(KeyCode::Char(' '), KeyModifiers::NONE)
        );
        assert_eq!(
            KeySpec::parse("-").unwrap(),
            ev(KeyCode::Char('-'), KeyModifiers::NONE)
        );
        assert_eq!(KeySpec::parse("alt--").unwrap().to_string(), "alt--");
        assert_eq!(
            KeySpec::parse("shift-tab").unwrap(),
            ev(KeyCode::BackTab, KeyModifiers::SHIFT)
        );
        assert_eq!(
            KeySpec::parse("shift-tab").unwrap(),
            ev(KeyCode::Tab, KeyModifiers::SHIFT)
        );
        assert_eq!(
            KeySpec::parse("f5").unwrap(),
            ev(KeyCode::F(5), KeyModifiers::NONE)
        );
        assert_eq!(
            KeySpec::parse("pgdn").unwrap(),
            KeySpec::parse("pagedown").unwrap()
        );
        for bad in ["", "ctrl-", "hyper-x", "f99", "enterr"] {
            assert!(KeySpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_in_the_grammar() {
        for s in [
            "j", "G", "ctrl-s", "space", "backtab", "f5", "pagedown", "?", ":",
        ] {
            assert_eq!(KeySpec::parse(s).unwrap().to_string(), s);
        }
    }
}
