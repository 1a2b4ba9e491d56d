#![allow(clippy::unwrap_used, clippy::expect_used)]
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::config::RuleConfig;
use crate::rules::RuleSet;

fn rule(extra: &str) -> Rule {
    let cfg: RuleConfig = toml::from_str(&format!("name = \"r\"\n{extra}")).unwrap();
    let set = RuleSet::from_config(&[cfg], &["dq".to_string()], &["default".to_string()])
        .unwrap_or_else(|e| panic!("{e:?}"));
    set.rules()[0].clone()
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).unwrap()
}

fn fresh() -> Facts {
    Facts {
        decided: false,
        linked_by_person: false,
        status: Status::Active,
        first_seen_at: t(0),
        delayed_until: None,
        key: None,
        window_created: 0,
        window_has_overflow: false,
    }
}

fn key(state: Option<&str>, last_seen: i64) -> KeyFacts {
    KeyFacts {
        generation: 3,
        state: state.map(str::to_owned),
        opened_at: t(0),
        last_seen_at: t(last_seen),
        create_failed: false,
    }
}

#[test]
fn first_anomaly_of_a_key_creates_generation_zero() {
    let p = decide(&rule(""), &fresh(), t(1));
    assert!(
        matches!(
            p,
            Plan::Create {
                generation: 0,
                after: None,
                ..
            }
        ),
        "{p:?}"
    );
}

#[test]
fn decided_and_person_linked_anomalies_are_left_alone() {
    let r = rule("");
    let f = Facts {
        decided: true,
        ..fresh()
    };
    assert_eq!(decide(&r, &f, t(1)), Plan::Nothing);
    let f = Facts {
        linked_by_person: true,
        ..fresh()
    };
    assert!(matches!(decide(&r, &f, t(1)), Plan::Skip(w) if w.contains("person")));
}

#[test]
fn flood_limit_sends_the_rest_to_one_overflow_incident() {
    let r = rule("flood_limit = 2\nflood_interval = \"1h\"");
    let f = Facts {
        window_created: 1,
        ..fresh()
    };
    assert!(matches!(decide(&r, &f, t(5)), Plan::Create { .. }));
    let f = Facts {
        window_created: 2,
        ..fresh()
    };
    let start = window_start(SignedDuration::from_hours(1), t(5));
    assert_eq!(
        decide(&r, &f, t(5)),
        Plan::Overflow {
            window_start: start,
            create: true
        }
    );
    let f = Facts {
        window_created: 2,
        window_has_overflow: true,
        ..fresh()
    };
    assert_eq!(
        decide(&r, &f, t(5)),
        Plan::Overflow {
            window_start: start,
            create: false
        }
    );
}

#[test]
fn windows_are_fixed_from_the_epoch() {
    let h = SignedDuration::from_hours(1);
    let a = Timestamp::from_second(7200 + 10).unwrap();
    assert_eq!(window_start(h, a), Timestamp::from_second(7200).unwrap());
    let b = Timestamp::from_second(7200 + 3599).unwrap();
    assert_eq!(window_start(h, b), window_start(h, a));
}

#[test]
fn a_recurrence_joins_reopens_a_resolved_one_and_never_reopens_a_closed_one() {
    let r = rule("update_interval = \"24h\"");
    let open = Facts {
        key: Some(key(Some("2"), 0)),
        ..fresh()
    };
    assert!(matches!(
        decide(&r, &open, t(60)),
        Plan::Join {
            generation: 3,
            reopen: false,
            link_only: false,
            ..
        }
    ));
    let resolved = Facts {
        key: Some(key(Some(STATE_RESOLVED), 0)),
        ..fresh()
    };
    assert!(matches!(
        decide(&r, &resolved, t(60)),
        Plan::Join { reopen: true, .. }
    ));
    for state in [STATE_CLOSED, STATE_CANCELED] {
        let closed = Facts {
            key: Some(key(Some(state), 0)),
            ..fresh()
        };
        assert!(matches!(
            decide(&r, &closed, t(60)),
            Plan::Create {
                generation: 4,
                after: Some(3),
                ..
            }
        ));
    }
    // Past update_interval: a new incident, naming the earlier one.
    let old = Facts {
        key: Some(key(Some("2"), 0)),
        ..fresh()
    };
    assert!(matches!(
        decide(&r, &old, t(24 * 3600 + 1)),
        Plan::Create {
            generation: 4,
            after: Some(3),
            ..
        }
    ));
}

#[test]
fn creation_delay_waits_then_creates_unless_triaged_meanwhile() {
    let r = rule("creation_delay = \"5m\"");
    assert_eq!(decide(&r, &fresh(), t(10)), Plan::Delay { due_at: t(300) });
    let waiting = Facts {
        delayed_until: Some(t(300)),
        ..fresh()
    };
    assert_eq!(decide(&r, &waiting, t(10)), Plan::Nothing);
    assert!(matches!(decide(&r, &waiting, t(300)), Plan::Create { .. }));
    let acked = Facts {
        status: Status::Acknowledged,
        ..waiting
    };
    assert!(matches!(decide(&r, &acked, t(300)), Plan::Skip(w) if w.contains("acknowledged")));
}

#[test]
fn a_link_rule_links_to_an_open_incident_or_does_nothing() {
    let r = rule("action = \"link\"");
    assert!(matches!(decide(&r, &fresh(), t(1)), Plan::Skip(w) if w.contains("nothing to link")));
    let open = Facts {
        key: Some(key(Some(STATE_RESOLVED), 0)),
        ..fresh()
    };
    assert!(matches!(
        decide(&r, &open, t(1)),
        Plan::Join {
            link_only: true,
            reopen: false,
            ..
        }
    ));
}
