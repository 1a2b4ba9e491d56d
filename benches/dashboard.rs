//! Dashboard performance against DESIGN §Performance budgets, with 100k anomalies:
//! time to first frame, render time per move and per filter keystroke, redraws while idle,
//! bytes written per row move, peak RSS. Run: `cargo bench --bench dashboard`.
//! Prints figures; asserts nothing (budgets are reported, never timed assertions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use snowlink::config::Theme as ThemeName;
use snowlink::domain::{
    Anomaly, AnomalyKey, ArchiveReason, IncidentRef, IncidentState, Link, Severity, Status,
};
use snowlink::tui::theme::Theme;
use snowlink::tui::{
    AnomalyDetail, AnomalyRow, BackendInfo, Effect, Keymap, Msg, Reply, State, ui, update,
};

const N: usize = 100_000;
const WORDS: [&str; 16] = [
    "null",
    "customer",
    "orders",
    "freshness",
    "schema",
    "drift",
    "duplicate",
    "keys",
    "payments",
    "shipments",
    "volume",
    "dropped",
    "amount",
    "type",
    "changed",
    "late",
];

fn now() -> Timestamp {
    "2026-11-23T10:30:00Z".parse().unwrap()
}

fn rows(n: usize) -> Vec<AnomalyRow> {
    let statuses = [
        Status::Active,
        Status::Acknowledged,
        Status::Archived(ArchiveReason::Resolved),
    ];
    (0..n)
        .map(|i| {
            let title = format!(
                "{} {} in {} {} ({})",
                WORDS[i % 16],
                WORDS[(i / 16) % 16],
                WORDS[(i / 256) % 16],
                WORDS[(i / 4096) % 16],
                i
            );
            AnomalyRow {
                key: AnomalyKey::new("warehouse-dq", format!("A-{i}")),
                id: format!("A-{i}"),
                title,
                status: statuses[i % 3],
                severity: Some(Severity::ALL[i % 5]),
                source: "warehouse-dq".into(),
                datastore: Some(format!("snowflake-{}", i % 7)),
                detected_at: Timestamp::from_second(now().as_second() - (i as i64) * 37).ok(),
                link_count: i % 4,
            }
        })
        .collect()
}

fn info() -> BackendInfo {
    BackendInfo {
        instance: "default".into(),
        instances: vec!["default".into()],
        url: "https://acme.service-now.com".into(),
        user: "ann".into(),
        read_only: false,
        demo: false,
        poll_secs: None,
    }
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<44} n={:<5} mean={:>9.3?} p50={:>9.3?} p99={:>9.3?} max={:>9.3?}",
        samples.len(),
        mean,
        pct(0.5),
        pct(0.99),
        samples[samples.len() - 1]
    );
}

/// Counts bytes written to the "terminal".
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn answer(state: &mut State, effects: Vec<Effect>) {
    for e in effects {
        let (req, reply) = match e {
            Effect::LoadOutbox { req } => (req, Reply::Outbox(Ok(Default::default()))),
            Effect::CheckConnection { req } => (req, Reply::Connection(state.connection.clone())),
            Effect::LoadDetail { req, id } => (
                req,
                Reply::Detail {
                    key: id.clone(),
                    result: Ok(detail(&id)),
                    urls: vec![
                        "https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id=s1".into(),
                    ],
                },
            ),
            _ => continue,
        };
        let more = update(state, Msg::Reply { req, reply });
        answer(state, more);
    }
}

fn detail(key: &AnomalyKey) -> AnomalyDetail {
    let anomaly = Anomaly::new(key.id.clone(), "title");
    AnomalyDetail {
        anomaly,
        status: Status::Active,
        url: None,
        history: vec![],
        comments: vec![],
        links: vec![Link {
            anomaly: key.clone(),
            incident: IncidentRef {
                instance: "default".into(),
                table: "incident".into(),
                sys_id: "s1".into(),
                number: "INC0010001".into(),
            },
            last: IncidentState::default(),
            read_at: Some(now()),
            read_error: None,
            broken: false,
            linked_at: now(),
            linked_by: "ann".into(),
        }],
        pending_creates: vec![],
    }
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unavailable".into())
}

fn main() {
    let size = (120u16, 40u16);
    println!(
        "snowlink dashboard bench: {N} anomalies, {}x{} terminal",
        size.0, size.1
    );
    let data = rows(N);

    // 1. Time to first frame: state build (haystacks, sort, filter view) + first render.
    let t0 = Instant::now();
    let mut state = State::new(
        info(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, false),
        now(),
    );
    state.size = size;
    state.list.replace_rows(data.clone());
    let mut term = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    term.draw(|f| ui::render(&state, f)).unwrap();
    let first = t0.elapsed();
    println!(
        "{:<44} {first:?}  (budget 500 ms)",
        "time to first frame (build + render)"
    );
    let effects = update(&mut state, Msg::Tick);
    answer(&mut state, effects);

    // 2. Move: update + render, per keystroke.
    let mut moves = Vec::new();
    for i in 0..2000 {
        let c = if (i / 500) % 2 == 0 { 'j' } else { 'k' };
        let t = Instant::now();
        let effects = update(&mut state, key(c));
        term.draw(|f| ui::render(&state, f)).unwrap();
        moves.push(t.elapsed());
        answer(&mut state, effects);
    }
    stats("move (update + render)", moves);
    let mut jumps = Vec::new();
    for c in ['G', 'g'].repeat(50) {
        let t = Instant::now();
        let effects = update(&mut state, key(c));
        term.draw(|f| ui::render(&state, f)).unwrap();
        jumps.push(t.elapsed());
        answer(&mut state, effects);
    }
    stats("jump G/g (update + render)", jumps);

    // 3. Filter keystrokes: typing narrows incrementally; backspace refilters from scratch.
    let mut typing = Vec::new();
    let mut erasing = Vec::new();
    for _ in 0..5 {
        update(&mut state, key('/'));
        for c in "null customer".chars() {
            let t = Instant::now();
            let effects = update(&mut state, key(c));
            term.draw(|f| ui::render(&state, f)).unwrap();
            typing.push(t.elapsed());
            answer(&mut state, effects);
        }
        for _ in 0.."null customer".len() {
            let t = Instant::now();
            let effects = update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
            term.draw(|f| ui::render(&state, f)).unwrap();
            erasing.push(t.elapsed());
            answer(&mut state, effects);
        }
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
    }
    stats("filter keystroke, typing (update + render)", typing);
    stats("filter keystroke, backspace (full refilter)", erasing);
    let mut sorts = Vec::new();
    for _ in 0..8 {
        let t = Instant::now();
        update(&mut state, key('s'));
        term.draw(|f| ui::render(&state, f)).unwrap();
        sorts.push(t.elapsed());
    }
    stats("sort change, every column (update + render)", sorts);
    let mut reverses = Vec::new();
    for _ in 0..4 {
        let t = Instant::now();
        update(&mut state, key('R'));
        term.draw(|f| ui::render(&state, f)).unwrap();
        reverses.push(t.elapsed());
    }
    stats("sort reverse (update + render)", reverses);
    while state.list.sort().key != snowlink::tui::SortKey::Detected || state.list.sort().reverse {
        update(&mut state, key('s'));
    }

    // Field terms (`sev:`, `status:`, `-word`) and the hide toggle refilter from the haystacks.
    let mut fields = Vec::new();
    for _ in 0..5 {
        update(&mut state, key('/'));
        for c in "sev:crit status:open -null".chars() {
            let t = Instant::now();
            let effects = update(&mut state, key(c));
            term.draw(|f| ui::render(&state, f)).unwrap();
            fields.push(t.elapsed());
            answer(&mut state, effects);
        }
        update(&mut state, ctrl('u'));
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
    }
    stats("filter keystroke, field terms (update + render)", fields);
    let mut hides = Vec::new();
    for _ in 0..6 {
        let t = Instant::now();
        update(&mut state, key('h'));
        term.draw(|f| ui::render(&state, f)).unwrap();
        hides.push(t.elapsed());
    }
    stats("hide toggle (update + render)", hides);

    // 4. Redraws while idle: the loop's rule (draw only when dirty after a batch) over ten
    // simulated minutes of 1 Hz ticks, polls answered with unchanged values.
    state.dirty = false;
    let mut draws = 0;
    let mut ticks = 0;
    for _ in 0..600 {
        state.now = state.now.checked_add(SignedDuration::from_secs(1)).unwrap();
        let effects = update(&mut state, Msg::Tick);
        answer(&mut state, effects);
        ticks += 1;
        if state.dirty {
            draws += 1;
            state.dirty = false;
        }
    }
    println!(
        "{:<44} {draws} draws in {ticks} ticks (1 link shown; its \"updated Xm ago\" label changes once a minute once stale)",
        "redraws while idle, 10 simulated minutes"
    );
    state.detail = None;
    state.list.set_filter("zzz-no-match");
    update(&mut state, Msg::Tick);
    state.dirty = false;
    let mut draws = 0;
    for _ in 0..600 {
        state.now = state.now.checked_add(SignedDuration::from_secs(1)).unwrap();
        let effects = update(&mut state, Msg::Tick);
        answer(&mut state, effects);
        if state.dirty {
            draws += 1;
            state.dirty = false;
        }
    }
    println!(
        "{:<44} {draws} draws in 600 ticks",
        "redraws while idle, nothing time-dependent shown"
    );
    state.list.set_filter("");

    // 5. Bytes written per row move through a real crossterm backend (ratatui sends the diff).
    let counter = Counter::default();
    let mut real = Terminal::new(CrosstermBackend::new(counter.clone())).unwrap();
    real.resize(ratatui::layout::Rect::new(0, 0, size.0, size.1))
        .unwrap();
    real.draw(|f| ui::render(&state, f)).unwrap();
    let full = counter.0.swap(0, Ordering::Relaxed);
    let mut per_move = Vec::new();
    for _ in 0..200 {
        let effects = update(&mut state, key('j'));
        answer(&mut state, effects);
        real.draw(|f| ui::render(&state, f)).unwrap();
        per_move.push(counter.0.swap(0, Ordering::Relaxed));
    }
    per_move.sort_unstable();
    println!(
        "{:<44} full frame {full} B; per move median {} B, max {} B",
        "bytes written to the terminal",
        per_move[per_move.len() / 2],
        per_move[per_move.len() - 1]
    );
    println!("{:<44} {}  (budget 200 MB)", "peak RSS (VmHWM)", vm_hwm());
}
