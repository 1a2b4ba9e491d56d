//! Effects that need the terminal or the local machine rather than the backend: the OSC 52
//! clipboard (tmux-aware), `$BROWSER` and `$EDITOR`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crossterm::Command as _;
use crossterm::clipboard::CopyToClipboard;

/// The OSC 52 sequence that puts `text` on the system clipboard, wrapped in tmux's DCS
/// passthrough (every ESC doubled) when running inside tmux, so it reaches the outer terminal.
pub fn osc52(text: &str, tmux: bool) -> String {
    let mut seq = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text).write_ansi(&mut seq);
    if tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// Starts `$BROWSER url` detached from the terminal.
pub fn open_browser(browser: &str, url: &str) -> Result<(), String> {
    let mut parts = browser.split_whitespace();
    let program = parts.next().ok_or("$BROWSER is empty")?;
    let mut child = Command::new(program)
        .args(parts)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start $BROWSER ({program}): {e}"))?;
    // Reap it so it does not linger as a zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi` (when both are unset or empty).
pub fn editor_from_env() -> String {
    editor_from(std::env::var("VISUAL").ok(), std::env::var("EDITOR").ok())
}

fn editor_from(visual: Option<String>, editor: Option<String>) -> String {
    [visual, editor]
        .into_iter()
        .flatten()
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

fn temp_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("snowlink-{}-{nanos:x}.txt", std::process::id()))
}

/// Runs `editor` on a private (0600) temp file holding `text` and returns the edited text.
/// The terminal must be suspended by the caller. One trailing newline (editors add it) is removed.
pub fn edit(editor: &str, text: &str) -> Result<String, String> {
    let mut parts = editor.split_whitespace();
    let program = parts.next().ok_or("$EDITOR is empty")?;
    let path = temp_path();
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("could not create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    drop(f);
    let status = Command::new(program).args(parts).arg(&path).status();
    let result = match status {
        Ok(s) if s.success() => fs::read_to_string(&path)
            .map(|t| t.strip_suffix('\n').map_or(t.clone(), str::to_owned))
            .map_err(|e| format!("could not read {}: {e}", path.display())),
        Ok(s) => Err(format!("{program} exited with {s}; text unchanged")),
        Err(e) => Err(format!("could not start {program}: {e}")),
    };
    let _ = fs::remove_file(&path);
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn osc52_plain_and_tmux() {
        let plain = osc52("https://x/y", false);
        assert_eq!(plain, "\x1b]52;c;aHR0cHM6Ly94L3k=\x1b\\");
        let tmux = osc52("https://x/y", true);
        assert_eq!(
            tmux,
            "\x1bPtmux;\x1b\x1b]52;c;aHR0cHM6Ly94L3k=\x1b\x1b\\\x1b\\"
        );
    }

    #[test]
    fn editor_falls_back_to_vi() {
        assert_eq!(editor_from(None, None), "vi");
        assert_eq!(editor_from(Some(" ".into()), Some(String::new())), "vi");
        assert_eq!(editor_from(None, Some("nano".into())), "nano");
        assert_eq!(
            editor_from(Some("code -w".into()), Some("nano".into())),
            "code -w"
        );
    }

    #[test]
    fn edit_round_trips_through_an_editor_command() {
        // `sed -i` stands in for an editor: it rewrites the file in place.
        let out = edit("sed -i s/hello/bye/", "hello world\nline 2").unwrap();
        assert_eq!(out, "bye world\nline 2");
        let err = edit("false", "x").unwrap_err();
        assert!(err.contains("text unchanged"), "{err}");
        let err = edit("/nonexistent/editor", "x").unwrap_err();
        assert!(err.contains("could not start"), "{err}");
    }
}
