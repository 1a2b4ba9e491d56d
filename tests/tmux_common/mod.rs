//! A real terminal for end-to-end tests: a private tmux server running one command, driven by
//! keys, read by capturing the pane. Waiting is by polling for text (bounded, generous); nothing
//! asserts on speed. A missing tmux fails the test (see `require`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod demo;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tells apart the tmux servers of tests running side by side in one test binary.
static NEXT_SERVER: AtomicUsize = AtomicUsize::new(0);

/// Fails (never skips) when tmux is missing: a skipped test would prove nothing.
pub fn require() {
    assert!(
        Tmux::available(),
        "tmux is not installed (or `tmux -V` fails): run `scripts/test`, which installs it, or install tmux yourself"
    );
}

pub struct Tmux {
    socket: String,
    _home: tempfile::TempDir,
}

impl Tmux {
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Runs `cmd` (a shell line) in a clean environment with its own HOME and XDG dirs, in a
    /// 120×40 terminal.
    pub fn start(cmd: &str) -> Tmux {
        Tmux::start_sized(cmd, 120, 40)
    }

    /// [`Tmux::start`] in a terminal of `width`×`height`.
    pub fn start_sized(cmd: &str, width: u16, height: u16) -> Tmux {
        let home = tempfile::tempdir().unwrap();
        let socket = format!(
            "snowlink-e2e-{}-{}",
            std::process::id(),
            NEXT_SERVER.fetch_add(1, Ordering::Relaxed)
        );
        let h = home.path().display().to_string();
        let line = format!(
            "env -i PATH=\"$PATH\" HOME={h} XDG_CONFIG_HOME={h}/c XDG_DATA_HOME={h}/d XDG_STATE_HOME={h}/s TERM=xterm-256color {cmd}"
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &line,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        Tmux {
            socket,
            _home: home,
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "0", k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn text(&self, text: &str) {
        Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0", "-l", text])
            .status()
            .unwrap();
    }

    pub fn pane(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// The pid of the pane's command (`env` execs it, so the command itself), while it runs.
    pub fn pane_pid(&self) -> Option<u32> {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "0",
                "#{pane_pid}",
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// Resizes the window (the dashboard gets a resize event and redraws at the new size).
    pub fn resize(&self, w: u16, h: u16) {
        let ok = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "resize-window",
                "-t",
                "0",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux resize-window {w}x{h}");
    }

    /// Selects anomaly `id` through the list filter (the demo's live sources have newer
    /// anomalies than the sample's) and waits for its detail.
    pub fn select(&self, id: &str) {
        self.keys(&["/", "C-u"]);
        self.text(id);
        self.keys(&["Enter"]);
        self.wait_for(&format!("{id} · "));
    }

    /// Polls until the pane shows `needle` (bounded: 60 s, for slow CI machines).
    pub fn wait_for(&self, needle: &str) -> String {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let pane = self.pane();
            if pane.contains(needle) {
                return pane;
            }
            assert!(
                Instant::now() < until,
                "waited for {needle:?}; pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The number in a pane's `created INC…` toast.
pub fn created_number(pane: &str) -> String {
    pane.split("created ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `created` toast in:\n{pane}"))
        .to_string()
}
