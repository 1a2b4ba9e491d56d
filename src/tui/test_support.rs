//! Fixtures for the dashboard's unit and snapshot tests: a fixed clock, sample anomalies and
//! details, and helpers to render a state into a `TestBackend`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::Theme as ThemeName;
use crate::domain::{
    Anomaly, AnomalyKey, ArchiveReason, FailedCheck, IncidentRef, IncidentState, Link, Severity,
    Status,
};

use super::backend::{AnomalyDetail, AnomalyRow, BackendInfo, Comment, StatusChange};
use super::effect::Effect;
use super::keymap::Keymap;
use super::msg::{Msg, Reply};
use super::state::State;
use super::theme::Theme;
use super::{ui, update};

pub fn now() -> Timestamp {
    "2026-11-23T10:30:00Z".parse().unwrap()
}

pub fn ago(secs: i64) -> Timestamp {
    Timestamp::from_second(now().as_second() - secs).unwrap()
}

pub fn info() -> BackendInfo {
    BackendInfo {
        instance: "default".into(),
        instances: vec!["default".into()],
        url: "https://acme.service-now.com".into(),
        user: "ann".into(),
        read_only: false,
        demo: false,
        poll_secs: Some(60),
    }
}

const TITLES: [&str; 6] = [
    "Null customer ids in orders",
    "Row count dropped 40% in ANALYTICS.EVENTS",
    "顧客名が空です — customer name empty in 顧客テーブル",
    "🚨 Freshness SLA missed for payments 🚨",
    "Duplicate primary keys in SHIPMENTS",
    "Schema drift: column AMOUNT changed type",
];

pub fn row(i: usize) -> AnomalyRow {
    let statuses = [
        Status::Active,
        Status::Acknowledged,
        Status::Archived(ArchiveReason::Resolved),
    ];
    AnomalyRow {
        key: AnomalyKey::new("wh", format!("A-{}", 1000 + i)),
        id: format!("A-{}", 1000 + i),
        title: TITLES[i % TITLES.len()].to_owned(),
        status: statuses[i % 3],
        severity: Some(Severity::ALL[i % 5]),
        source: "wh".into(),
        datastore: Some(["snowflake", "postgres"][i % 2].into()),
        detected_at: Some(ago(3600 * i as i64)),
        link_count: i % 3,
    }
}

pub fn rows(n: usize) -> Vec<AnomalyRow> {
    (0..n).map(row).collect()
}

pub fn link(key: &AnomalyKey, number: &str) -> Link {
    Link {
        anomaly: key.clone(),
        incident: IncidentRef {
            instance: "default".into(),
            table: "incident".into(),
            sys_id: format!("sys-{number}"),
            number: number.into(),
        },
        last: IncidentState {
            state: Some("In Progress".into()),
            priority: Some("2 - High".into()),
            assignment_group: Some("Database".into()),
            assigned_to: Some("Beth Anglin".into()),
        },
        read_at: Some(ago(30)),
        read_error: None,
        broken: false,
        linked_at: ago(7200),
        linked_by: "ann".into(),
    }
}

pub fn detail(r: &AnomalyRow) -> AnomalyDetail {
    let mut a = Anomaly::new(r.id.clone(), r.title.clone());
    a.severity = r.severity;
    a.kind = Some("record".into());
    a.source = Some("qualytics".into());
    a.datastore = r.datastore.clone();
    a.container = Some("ANALYTICS.ORDERS".into());
    a.field = Some("CUSTOMER_ID".into());
    a.detected_at = r.detected_at;
    a.description = Some("37 records have a null CUSTOMER_ID.".into());
    a.failed_checks = vec![FailedCheck {
        name: "notNull".into(),
        message: "37 records have a null CUSTOMER_ID".into(),
    }];
    a.tags = vec!["orders".into(), "pii".into()];
    let mut stale = link(&r.key, "INC0010002");
    stale.read_at = Some(ago(900));
    let mut unknown = link(&r.key, "INC0010003");
    unknown.last = IncidentState::default();
    unknown.read_at = None;
    unknown.read_error = Some("403 from instance: ACL denies read".into());
    let mut broken = link(&r.key, "INC0010004");
    broken.broken = true;
    broken.read_error = Some("404: deleted or hidden by ACLs".into());
    AnomalyDetail {
        anomaly: a,
        status: r.status,
        url: Some(format!("https://dq.example.com/anomalies/{}", r.id)),
        history: vec![StatusChange {
            from: Status::Active,
            to: Status::Acknowledged,
            by: "ann".into(),
            at: ago(600),
            detail: None,
        }],
        comments: vec![Comment {
            author: "ann".into(),
            text: "looking into the nightly load".into(),
            at: ago(500),
        }],
        links: vec![link(&r.key, "INC0010001"), stale, unknown, broken],
        pending_creates: Vec::new(),
    }
}

pub fn state_with(n: usize, size: (u16, u16)) -> State {
    let mut s = State::new(
        info(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, false),
        now(),
    );
    s.size = size;
    s.list.replace_rows(rows(n));
    s.loaded_at = Some(now());
    s
}

/// A state with `n` rows whose selected anomaly's detail has loaded.
pub fn loaded(n: usize, size: (u16, u16)) -> State {
    let mut s = state_with(n, size);
    let effects = update(&mut s, Msg::Tick);
    answer_detail(&mut s, &effects);
    s
}

/// Feeds the detail reply for any `LoadDetail` among `effects`.
pub fn answer_detail(s: &mut State, effects: &[Effect]) {
    for e in effects {
        if let Effect::LoadDetail { req, id } = e {
            let r = s.list.row(id).unwrap().clone();
            let d = detail(&r);
            let urls = d
                .links
                .iter()
                .map(|l| {
                    format!(
                        "https://acme.example/nav_to.do?uri=incident.do?sys_id={}",
                        l.incident.sys_id
                    )
                })
                .collect();
            update(
                s,
                Msg::Reply {
                    req: *req,
                    reply: Reply::Detail {
                        key: id.clone(),
                        result: Ok(d),
                        urls,
                    },
                },
            );
        }
    }
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types `text` one key at a time.
pub fn type_text(s: &mut State, text: &str) -> Vec<Effect> {
    press(s, text.chars().map(ch))
}

pub fn press(s: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    let mut out = Vec::new();
    for m in msgs {
        let effects = update(s, m);
        // Details load instantly, as from a local store.
        answer_detail(s, &effects);
        out.extend(effects);
    }
    out
}

pub fn draw(state: &State) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    t.draw(|f| ui::render(state, f)).unwrap();
    t
}

pub fn buffer(state: &State) -> Buffer {
    draw(state).backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn text(state: &State) -> String {
    let b = buffer(state);
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut skip = 0;
        for x in 0..b.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = b[(x, y)].symbol();
            skip = super::text::width(sym).saturating_sub(1);
            out.push_str(sym);
        }
        out.push('\n');
    }
    out
}

/// A healthy source of `kind` with the capabilities its ingester records (an Alertmanager
/// source's ack TTL: 4 h).
pub fn source_health(name: &str, kind: &str) -> super::backend::SourceHealth {
    let caps: &[&str] = match kind {
        "alertmanager" => &["acknowledge", "unacknowledge", "archive"],
        "qualytics" => &["acknowledge", "unacknowledge", "archive", "comment"],
        _ => &[],
    };
    super::backend::SourceHealth {
        name: name.into(),
        kind: kind.into(),
        ok: true,
        last_success_at: Some(ago(30)),
        last_error: None,
        next_poll_at: Some(ago(-15)),
        failures: 0,
        capabilities: caps.iter().map(|c| (*c).to_owned()).collect(),
        ack_ttl_secs: (kind == "alertmanager").then_some(4 * 3600),
    }
}

/// `n` rows of source `source` (the rest as [`rows`]), the sources polled, the selected
/// anomaly's detail loaded.
pub fn loaded_from(
    source: &str,
    n: usize,
    sources: Vec<super::backend::SourceHealth>,
    size: (u16, u16),
) -> State {
    let mut s = state_with(0, size);
    let list = rows(n)
        .into_iter()
        .map(|mut r| {
            r.key = AnomalyKey::new(source, r.id.clone());
            r.source = source.into();
            r
        })
        .collect();
    s.list.replace_rows(list);
    s.sources = Some(sources);
    let effects = update(&mut s, Msg::Tick);
    answer_detail(&mut s, &effects);
    s
}
