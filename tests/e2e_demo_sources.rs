//! `snowlink demo` runs all three source kinds: the sample file, the Qualytics emulator and a
//! local Alertmanager (a child process); the sources popup lists each as ok, and the
//! Alertmanager child is gone once the demo quits. Without Alertmanager on PATH the demo says so
//! in one stderr line and runs with the other two. Driven in tmux (the dashboard needs a
//! terminal); waiting is by polling (bounded, generous); nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager_common;
mod tmux_common;

use std::time::{Duration, Instant};

use tmux_common::Tmux;

const NOTICE: &str = "alertmanager not found on PATH: the demo runs without it; apt-get install prometheus-alertmanager to see alerts";

fn parent_of(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The pid and `--web.listen-address` port of the Alertmanager run by `ancestor` (its child,
/// or a grandchild when tmux's shell did not exec the command).
fn alertmanager_child(ancestor: u32) -> Option<(u32, u16)> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.first().is_some_and(|a| a.contains("alertmanager")) {
            continue;
        }
        let mut up = parent_of(pid);
        let mut ours = false;
        for _ in 0..4 {
            match up {
                Some(p) if p == ancestor => {
                    ours = true;
                    break;
                }
                Some(p) if p > 1 => up = parent_of(p),
                _ => break,
            }
        }
        if !ours {
            continue;
        }
        let port = args.iter().find_map(|a| {
            a.strip_prefix("--web.listen-address=127.0.0.1:")
                .and_then(|p| p.parse().ok())
        })?;
        return Some((pid, port));
    }
    None
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(500),
    )
    .is_ok()
}

/// Gone or a zombie nobody reaped? `None` while it still runs.
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) S …`: the state follows the last ')'.
    stat.rsplit(')').next()?.trim().chars().next()
}

#[test]
fn demo_runs_file_qualytics_and_alertmanager_and_stops_alertmanager_on_quit() {
    tmux_common::require();
    // Fails (never skips) when Alertmanager is missing.
    alertmanager_common::find_binary(None, std::env::var_os("PATH"))
        .unwrap_or_else(|e| panic!("{e}"));
    let tmux = Tmux::start(&format!("{} demo", env!("CARGO_BIN_EXE_snowlink")));
    tmux.wait_for("DEMO 127.0.0.1:");
    let demo_pid = tmux.pane_pid().expect("the demo's pid");
    let (am_pid, am_port) = alertmanager_child(demo_pid).unwrap_or_else(|| {
        panic!(
            "no alertmanager child of the demo (pid {demo_pid}); pane:\n{}",
            tmux.pane()
        )
    });
    assert!(
        answers(am_port),
        "the demo's Alertmanager answers on {am_port}"
    );

    // Every source read once before the first frame; the popup lists each as ok.
    tmux.wait_for("src 3✓");
    tmux.keys(&["S"]);
    tmux.wait_for("Sources and instance");
    for line in [
        "✓ warehouse-dq (file)",
        "✓ qualytics (qualytics)",
        "✓ alerts (alertmanager)",
    ] {
        tmux.wait_for(line);
    }
    tmux.keys(&["Escape"]);

    // Quit: the child is killed and reaped, its port closed.
    tmux.keys(&["q"]);
    let until = Instant::now() + Duration::from_secs(60);
    while process_state(am_pid).is_some() || answers(am_port) {
        assert!(
            Instant::now() < until,
            "alertmanager (pid {am_pid}, state {:?}) still there after the demo quit; port {am_port} answers: {}",
            process_state(am_pid),
            answers(am_port)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn demo_without_alertmanager_says_so_in_one_line_and_runs_the_other_two() {
    tmux_common::require();
    // A PATH with a shell (the demo's Qualytics token is a `printf` command) and no alertmanager.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink("/bin/sh", bin.join("sh")).unwrap();
    let err = dir.path().join("stderr.txt");
    let tmux = Tmux::start(&format!(
        "env PATH={} {} demo 2>{}",
        bin.display(),
        env!("CARGO_BIN_EXE_snowlink"),
        err.display()
    ));
    tmux.wait_for("DEMO 127.0.0.1:");
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("alertmanager"))
            .collect::<Vec<_>>(),
        [NOTICE],
        "stderr:\n{stderr}"
    );

    tmux.wait_for("src 2✓");
    tmux.keys(&["S"]);
    tmux.wait_for("Sources and instance");
    tmux.wait_for("✓ warehouse-dq (file)");
    let pane = tmux.wait_for("✓ qualytics (qualytics)");
    assert!(!pane.contains("(alertmanager)"), "{pane}");
    tmux.keys(&["Escape", "q"]);
}
