//! The one implementation of text-field editing keys, shared by every text field: the ticket
//! form's fields, the comment box, the link dialog's search, the filter line and the `:` palette.
//!
//! Readline keys: `ctrl-a`/`home` line start, `ctrl-e`/`end` line end, `ctrl-u` delete to line
//! start, `ctrl-w` delete the previous word, `ctrl-k` delete to line end; `left`/`right`,
//! `backspace`/`delete` and typed characters as usual. [`LineInput`] is a one-line field (text and
//! cursor); [`textarea_key`] applies the same keys to a `TextArea` (the form's fields, the
//! comment box), so both behave alike.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

/// One editing operation, decoded from a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    LineStart,
    LineEnd,
    /// `ctrl-u`: delete from the line start to the cursor.
    KillToStart,
    /// `ctrl-k`: delete from the cursor to the line end.
    KillToEnd,
    /// `ctrl-w`: delete the word before the cursor (and the spaces after it).
    KillWord,
}

impl Edit {
    /// The edit a key stands for; `None` for keys that are not text editing.
    pub fn from_key(key: &KeyEvent) -> Option<Edit> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        Some(match key.code {
            KeyCode::Char('a') if ctrl => Edit::LineStart,
            KeyCode::Char('e') if ctrl => Edit::LineEnd,
            KeyCode::Char('u') if ctrl => Edit::KillToStart,
            KeyCode::Char('k') if ctrl => Edit::KillToEnd,
            KeyCode::Char('w') if ctrl => Edit::KillWord,
            KeyCode::Char('h') if ctrl => Edit::Backspace,
            KeyCode::Char(c) if !ctrl && !alt => Edit::Insert(c),
            KeyCode::Backspace => Edit::Backspace,
            KeyCode::Delete => Edit::Delete,
            KeyCode::Left => Edit::Left,
            KeyCode::Right => Edit::Right,
            KeyCode::Home => Edit::LineStart,
            KeyCode::End => Edit::LineEnd,
            _ => return None,
        })
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The text changed.
    Changed,
    /// Only the cursor moved (or nothing happened to an editing key).
    Moved,
    /// Not an editing key: the caller may use it.
    Ignored,
}

/// A one-line text field: the text and the cursor (a byte offset on a char boundary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    cursor: usize,
}

impl LineInput {
    /// `text` with the cursor at its end.
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_owned(),
            cursor: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text before and after the cursor (for drawing the cursor between them).
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.cursor)
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Inserts `s` at the cursor, control characters turned into spaces.
    pub fn insert_str(&mut self, s: &str) {
        let clean: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    fn prev(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// Applies `edit`; returns whether the text changed.
    pub fn apply(&mut self, edit: Edit) -> bool {
        let before = self.text.len();
        match edit {
            Edit::Insert(c) => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                return true;
            }
            Edit::Backspace => {
                let p = self.prev();
                self.text.replace_range(p..self.cursor, "");
                self.cursor = p;
            }
            Edit::Delete => {
                let n = self.next();
                self.text.replace_range(self.cursor..n, "");
            }
            Edit::Left => self.cursor = self.prev(),
            Edit::Right => self.cursor = self.next(),
            Edit::LineStart => self.cursor = 0,
            Edit::LineEnd => self.cursor = self.text.len(),
            Edit::KillToStart => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
            }
            Edit::KillToEnd => self.text.truncate(self.cursor),
            Edit::KillWord => {
                let head = &self.text[..self.cursor];
                let trimmed = head.trim_end();
                let start = trimmed
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map_or(0, |(i, c)| i + c.len_utf8());
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
        }
        self.text.len() != before
    }

    /// Applies the key if it is an editing key.
    pub fn key(&mut self, key: &KeyEvent) -> Outcome {
        match Edit::from_key(key) {
            Some(e) if self.apply(e) => Outcome::Changed,
            Some(_) => Outcome::Moved,
            None => Outcome::Ignored,
        }
    }
}

/// The same keys on a `TextArea`. `enter` starts a new line only when `multiline`; other keys
/// (arrows up/down, page keys in a multi-line box) go to the text area itself.
pub fn textarea_key(ta: &mut TextArea<'static>, key: KeyEvent, multiline: bool) -> Outcome {
    let before = ta.lines().to_vec();
    let handled = match Edit::from_key(&key) {
        Some(Edit::LineStart) => {
            ta.move_cursor(CursorMove::Head);
            true
        }
        Some(Edit::LineEnd) => {
            ta.move_cursor(CursorMove::End);
            true
        }
        Some(Edit::KillToStart) => {
            ta.delete_line_by_head();
            true
        }
        Some(Edit::KillToEnd) => {
            ta.delete_line_by_end();
            true
        }
        Some(Edit::KillWord) => {
            ta.delete_word();
            true
        }
        Some(_) => {
            ta.input(key);
            true
        }
        None if key.code == KeyCode::Enter && !multiline => false,
        None if multiline
            && matches!(
                key.code,
                KeyCode::Enter | KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown
            ) =>
        {
            ta.input(key);
            true
        }
        None => false,
    };
    if !handled {
        Outcome::Ignored
    } else if ta.lines() != before.as_slice() {
        Outcome::Changed
    } else {
        Outcome::Moved
    }
}

/// A text area holding `text`, the cursor at the end of its last line; long lines wrap at word
/// boundaries when `wrap`.
pub fn area(text: &str, wrap: bool) -> TextArea<'static> {
    let mut ta = TextArea::new(text.lines().map(str::to_owned).collect());
    if wrap {
        ta.set_wrap_mode(WrapMode::WordOrGlyph);
    }
    ta.move_cursor(CursorMove::Bottom);
    ta.move_cursor(CursorMove::End);
    ta
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn k(code: KeyCode, ctrl: bool) -> KeyEvent {
        KeyEvent::new(
            code,
            if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    }

    #[test]
    fn line_input_readline_keys() {
        let mut l = LineInput::new("null customer ids");
        assert_eq!(l.key(&k(KeyCode::Char('w'), true)), Outcome::Changed);
        assert_eq!(l.text(), "null customer ");
        l.key(&k(KeyCode::Char('w'), true));
        assert_eq!(l.text(), "null ");
        l.key(&k(KeyCode::Char('a'), true));
        l.key(&k(KeyCode::Char('x'), false));
        assert_eq!(l.text(), "xnull ");
        l.key(&k(KeyCode::Char('e'), true));
        l.key(&k(KeyCode::Char('y'), false));
        assert_eq!(l.text(), "xnull y");
        l.key(&k(KeyCode::Left, false));
        l.key(&k(KeyCode::Left, false));
        assert_eq!(l.key(&k(KeyCode::Char('u'), true)), Outcome::Changed);
        assert_eq!(l.split(), ("", " y"));
        assert_eq!(l.key(&k(KeyCode::Enter, false)), Outcome::Ignored);
        let mut l = LineInput::new("顧客 名");
        l.key(&k(KeyCode::Backspace, false));
        assert_eq!(l.text(), "顧客 ");
    }

    #[test]
    fn textarea_gets_the_same_keys() {
        let mut ta = area("Null customer ids", false);
        assert_eq!(ta.cursor(), (0, 17));
        textarea_key(&mut ta, k(KeyCode::Char('w'), true), false);
        assert_eq!(ta.lines(), ["Null customer "]);
        textarea_key(&mut ta, k(KeyCode::Char('a'), true), false);
        assert_eq!(ta.cursor(), (0, 0));
        textarea_key(&mut ta, k(KeyCode::Char('e'), true), false);
        textarea_key(&mut ta, k(KeyCode::Char('u'), true), false);
        assert_eq!(ta.lines(), [""]);
        assert_eq!(
            textarea_key(&mut ta, k(KeyCode::Enter, false), false),
            Outcome::Ignored
        );
        assert_eq!(ta.lines(), [""]);
    }
}
