//! RuleSet and Rule over parsed TOML, the way the config feeds them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::domain::{ArchiveReason, Severity};

fn rules_from(toml_text: &str) -> Result<RuleSet, Vec<RuleError>> {
    #[derive(serde::Deserialize)]
    struct F {
        rules: Vec<RuleConfig>,
    }
    let f: F = toml::from_str(toml_text).unwrap();
    RuleSet::from_config(
        &f.rules,
        &["dq".into(), "am".into()],
        &["default".into(), "prod".into()],
    )
}

fn set(toml_text: &str) -> RuleSet {
    rules_from(toml_text).unwrap()
}

fn errors(toml_text: &str) -> Vec<String> {
    rules_from(toml_text)
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect()
}

fn anomaly() -> Anomaly {
    let mut a = Anomaly::new("A-1042", "Null values in ORDERS.ID");
    a.severity = Some(Severity::High);
    a.kind = Some("NullCheck".into());
    a.datastore = Some("snowflake_prod".into());
    a.container = Some("ORDERS".into());
    a.field = Some("ID".into());
    a.tags = vec!["pii".into(), "team=db".into(), "alertname=NullBurst".into()];
    a
}

fn input(a: &Anomaly) -> RuleInput<'_> {
    RuleInput {
        source: "dq",
        anomaly: a,
        status: Status::Active,
        url: Some("https://dq.example.com/anomalies/A-1042"),
    }
}

fn names(v: Vec<&Rule>) -> Vec<&str> {
    v.into_iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn the_design_example_compiles_with_netwrix_defaults() {
    let s = set(r#"
[[rules]]
name = "warehouse-nulls"
match = { source = "dq", severity = "high", datastore = "snowflake*", tags = ["pii"], title = "(?i)null" }
action = "create"
template = { short_description = "[{severity}] {title}", category = "database", assignment_group = "Database" }
"#);
    let r = s.get("warehouse-nulls").unwrap();
    assert_eq!(r.action, RuleAction::Create);
    assert_eq!(r.instance, "default");
    assert_eq!(r.table, "incident");
    assert!(!r.continue_on);
    assert_eq!(r.flood, FloodSettings::default());
    assert_eq!(r.flood.flood_limit, 10);
    assert_eq!(r.flood.flood_interval.as_secs(), 3600);
    assert_eq!(r.flood.consolidation_interval.as_secs(), 900);
    assert_eq!(r.flood.update_interval.as_secs(), 86_400);
    assert_eq!(r.flood.correlation_window.as_secs(), 30 * 86_400);
    assert_eq!(r.flood.creation_delay.as_secs(), 0);
    let a = anomaly();
    assert!(r.matches(&input(&a)));
    assert!(!s.is_empty() && s.rules().len() == 1 && s.get("nope").is_none());
}

#[test]
fn each_match_condition_can_fail_on_its_own() {
    let s = set(r#"
[[rules]]
name = "all"
match = { source = "d?", type = "null*", severity = ">=high", status = ["active", "archived:invalid"], datastore = "SNOWFLAKE*", container = "orders", field = "id", tags = ["pii", "team=d*"], title = "ORDERS\\.ID$" }
"#);
    let r = &s.rules()[0];
    let base = anomaly();
    assert!(r.matches(&input(&base)));
    let mut archived = input(&base);
    archived.status = Status::Archived(ArchiveReason::Invalid);
    assert!(r.matches(&archived));
    archived.status = Status::Archived(ArchiveReason::Resolved);
    assert!(!r.matches(&archived));
    let mut other_source = input(&base);
    other_source.source = "am";
    assert!(!r.matches(&other_source));
    type Change = Box<dyn Fn(&mut Anomaly)>;
    let variants: Vec<(&str, Change)> = vec![
        ("type", Box::new(|a| a.kind = Some("Shape".into()))),
        ("no type", Box::new(|a| a.kind = None)),
        (
            "severity",
            Box::new(|a| a.severity = Some(Severity::Medium)),
        ),
        ("no severity", Box::new(|a| a.severity = None)),
        (
            "datastore",
            Box::new(|a| a.datastore = Some("postgres".into())),
        ),
        (
            "container",
            Box::new(|a| a.container = Some("ORDERS_V2".into())),
        ),
        ("field", Box::new(|a| a.field = None)),
        ("tag", Box::new(|a| a.tags.retain(|t| t != "pii"))),
        (
            "label",
            Box::new(|a| a.tags = vec!["pii".into(), "team=web".into()]),
        ),
        (
            "title",
            Box::new(|a| a.title = "Null values in ORDERS.ID2".into()),
        ),
    ];
    for (what, change) in variants {
        let mut a = base.clone();
        change(&mut a);
        assert!(!r.matches(&input(&a)), "{what} should stop the match");
        let failed = r.mismatches(&input(&a));
        let field = match what.trim_start_matches("no ") {
            "tag" | "label" => "tags",
            other => other,
        };
        assert_eq!(failed, [format!("match.{field}")], "{what}");
    }
    assert!(r.mismatches(&input(&base)).is_empty());
    assert_eq!(r.mismatches(&other_source), ["match.source"]);
    let mut critical = base.clone();
    critical.severity = Some(Severity::Critical);
    assert!(r.matches(&input(&critical)));
}

#[test]
fn first_match_wins_unless_continue() {
    let s = set(r#"
[[rules]]
name = "db"
match = { tags = ["team=db"] }
continue = true
[[rules]]
name = "unmatched"
match = { severity = "low" }
[[rules]]
name = "critical-or-high"
match = { severity = ["critical", "high"] }
[[rules]]
name = "catch-all"
"#);
    let a = anomaly();
    assert_eq!(names(s.matching(&input(&a))), ["db", "critical-or-high"]);
    let mut low = anomaly();
    low.severity = Some(Severity::Low);
    assert_eq!(names(s.matching(&input(&low))), ["db", "unmatched"]);
    let mut other = anomaly();
    other.tags.clear();
    other.severity = Some(Severity::Info);
    assert_eq!(names(s.matching(&input(&other))), ["catch-all"]);
    // A `continue` on a rule that did not match does not carry over.
    let s = set(r#"
[[rules]]
name = "never"
match = { type = "nothing" }
continue = true
[[rules]]
name = "first"
[[rules]]
name = "second"
"#);
    assert_eq!(names(s.matching(&input(&a))), ["first"]);
}

#[test]
fn configured_key_and_correlation_ids() {
    let s = set(r#"
[[rules]]
name = "am-alerts"
dedupe = ["source", "label:alertname"]
"#);
    let r = &s.rules()[0];
    let a = anomaly();
    let k = r.dedupe_key(&input(&a));
    assert_eq!(k.text, "dq|NullBurst");
    let mut later = anomaly();
    later.id = "A-2000".into();
    later.title = "other".into();
    assert_eq!(r.dedupe_key(&input(&later)), k);
    let id = r.correlation_id(&k, 0);
    assert_eq!(id, format!("snowlink:rule:am-alerts:{}#0", k.hash));
    assert!(id.starts_with(&r.correlation_prefix(&k)));
    assert_eq!(
        r.correlation_id(&k, 3),
        format!("{}3", r.correlation_prefix(&k))
    );
    let start: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    assert_eq!(
        r.overflow_correlation_id(start),
        "snowlink:rule:am-alerts:overflow:1795428000"
    );
}

#[test]
fn correlation_ids_fit_servicenow_for_the_longest_name() {
    let name = "r".repeat(NAME_MAX);
    let s = set(&format!("[[rules]]\nname = \"{name}\"\n"));
    let r = &s.rules()[0];
    let a = anomaly();
    let k = r.dedupe_key(&input(&a));
    assert!(r.correlation_id(&k, u32::MAX).len() <= CORRELATION_ID_MAX);
    let far = jiff::Timestamp::MIN;
    assert!(r.overflow_correlation_id(far).len() <= CORRELATION_ID_MAX);
    let too_long = errors(&format!("[[rules]]\nname = \"{name}x\"\n"));
    assert!(too_long[0].contains("longer than 40"), "{too_long:?}");
}

#[test]
fn create_fields_render_the_template_and_the_anomaly_block() {
    let s = set(r#"
[[rules]]
name = "nulls"
template = { short_description = "[{severity}] {title} ({label:team})", description = "Rule {rule} saw {id}.", category = "database", subcategory = "db2", assignment_group = "Database", assigned_to = "0123456789abcdef0123456789abcdef" }
"#);
    let r = &s.rules()[0];
    let a = anomaly();
    let f = r.create_fields(&input(&a), &[]);
    assert_eq!(
        f["short_description"],
        "[high] Null values in ORDERS.ID (db)"
    );
    let d = f["description"].as_str().unwrap();
    assert!(d.starts_with("Rule nulls saw A-1042.\n"), "{d}");
    assert!(
        d.contains(&crate::domain::description_block(&a, input(&a).url)),
        "{d}"
    );
    assert!(!d.contains("Earlier incidents"));
    assert_eq!(f["category"], "database");
    assert_eq!(f["subcategory"], "db2");
    assert_eq!(f["assignment_group"], "Database");
    assert_eq!(f["assigned_to"], "0123456789abcdef0123456789abcdef");
    assert_eq!(f["correlation_display"], "snowlink");
    assert_eq!(
        (f["impact"].as_str(), f["urgency"].as_str()),
        (Some("2"), Some("1"))
    );
    assert!(!f.contains_key("correlation_id"));
    assert_eq!(
        r.names_to_resolve(),
        [("assignment_group", "Database".to_owned())]
    );
    assert_eq!(
        r.choices_to_check(),
        [
            ("category", "database".to_owned()),
            ("subcategory", "db2".to_owned())
        ]
    );
    // Without a template: the manual default short description, cut to 160 characters.
    let s = set("[[rules]]\nname = \"plain\"\n");
    let mut long = anomaly();
    long.title = "x".repeat(400);
    let f = s.rules()[0].create_fields(&input(&long), &[]);
    let short = f["short_description"].as_str().unwrap();
    assert_eq!(short.chars().count(), 160);
    assert!(short.starts_with("[high] xxx") && short.ends_with('…'));
    assert!(!f.contains_key("category") && !f.contains_key("assignment_group"));
}

#[test]
fn earlier_incidents_are_listed_in_the_description() {
    let s = set("[[rules]]\nname = \"r\"\ncorrelation_window = \"7d\"\n");
    let a = anomaly();
    let earlier: Vec<EarlierIncident> = (0..12)
        .map(|i| EarlierIncident {
            number: format!("INC00100{i:02}"),
            opened_at: Some("2026-11-20T08:00:00Z".parse().unwrap()),
            state: if i == 0 {
                "Closed".into()
            } else {
                "Resolved".into()
            },
            group: (i == 0).then(|| "Database".to_owned()),
        })
        .collect();
    let f = s.rules()[0].create_fields(&input(&a), &earlier);
    let d = f["description"].as_str().unwrap();
    let block_at = d.find("--- snowlink anomaly A-1042 ---").unwrap();
    let list_at = d
        .find("Earlier incidents with the same key (last 7d):")
        .unwrap();
    assert!(block_at < list_at, "{d}");
    assert!(
        d.contains(
            "\n- INC0010000, opened 2026-11-20 08:00:00 UTC, state Closed, group Database\n"
        ),
        "{d}"
    );
    assert!(
        d.contains("\n- INC0010009, opened 2026-11-20 08:00:00 UTC, state Resolved"),
        "{d}"
    );
    assert!(!d.contains("INC0010010"), "{d}");
    assert!(d.ends_with("… and 2 more"), "{d}");
}

#[test]
fn impact_and_urgency_come_from_template_then_map_then_ui_defaults() {
    let s = set(r#"
[[rules]]
name = "mapped"
severity_map = { critical = [1, 2], high = [3, 3] }
[[rules]]
name = "fixed"
template = { impact = 1 }
severity_map = { high = [3, 2] }
"#);
    let mapped = s.get("mapped").unwrap();
    assert_eq!(mapped.impact_urgency(Some(Severity::High)), (3, 3));
    assert_eq!(mapped.impact_urgency(Some(Severity::Critical)), (1, 2));
    // Not in the map: the [ui] defaults (medium 2/2), or 3/3 without a severity.
    assert_eq!(mapped.impact_urgency(Some(Severity::Medium)), (2, 2));
    assert_eq!(mapped.impact_urgency(None), (3, 3));
    let fixed = s.get("fixed").unwrap();
    assert_eq!(fixed.impact_urgency(Some(Severity::High)), (1, 2));
    let mut ui = crate::domain::SeverityDefaults::default();
    ui.set(Severity::Medium, 1, 3).unwrap();
    let s = s.with_severity_defaults(ui);
    assert_eq!(
        s.get("mapped")
            .unwrap()
            .impact_urgency(Some(Severity::Medium)),
        (1, 3)
    );
    let a = anomaly();
    let f = s.get("fixed").unwrap().create_fields(&input(&a), &[]);
    assert_eq!(
        (f["impact"].as_str(), f["urgency"].as_str()),
        (Some("1"), Some("2"))
    );
}

#[test]
fn every_problem_is_reported_at_once_with_rule_field_and_fix() {
    let e = errors(
        r#"
[[rules]]
name = "bad one"
match = { source = "qd", type = "[x]", severity = ">=urgent", status = "open", tags = [""], title = "(unclosed" }
instance = "prd"
table = "Incident!"
template = { short_description = "{titel}", impact = 4, urgency = 0 }
severity_map = { huge = [1, 1], high = [1], low = [1, 9] }
dedupe = ["typ"]
flood_limit = 0
flood_interval = "0s"
consolidation_interval = "15"
update_interval = "1w"
correlation_window = "30m1h"
creation_delay = "soon"
[[rules]]
name = "dup"
[[rules]]
name = "dup"
[[rules]]
name = ""
"#,
    );
    let all = e.join("\n");
    for want in [
        "rule `bad one`: name: ' ' is not allowed",
        "rule `bad one`: match.source: \"qd\" matches no configured source (the sources are dq, am); did you mean \"dq\"?",
        "rule `bad one`: match.type: \"[x]\": `[` has no meaning",
        "rule `bad one`: match.severity: \">=urgent\": `urgent` is not a severity",
        "rule `bad one`: match.status: \"open\" is not a status",
        "rule `bad one`: match.tags: the pattern is empty",
        "rule `bad one`: match.title: \"(unclosed\" is not a valid regex: regex parse error:",
        "rule `bad one`: instance: no [instances.prd] is configured; did you mean \"prod\"? use one of: default, prod",
        "rule `bad one`: table: \"Incident!\" is not a table name",
        "rule `bad one`: template.short_description: unknown placeholder `{titel}`; did you mean {title}?",
        "rule `bad one`: template.impact: 4 is outside 1–3",
        "rule `bad one`: template.urgency: 0 is outside 1–3",
        "rule `bad one`: severity_map.huge: `huge` is not a severity",
        "rule `bad one`: severity_map.high: 1 values given; give [impact, urgency]",
        "rule `bad one`: severity_map.low: 9 is outside 1–3",
        "rule `bad one`: dedupe: \"typ\" is not a key field",
        "rule `bad one`: flood_limit: 0 would let no incident be created; use at least 1",
        "rule `bad one`: flood_interval: \"0s\" is no interval",
        "rule `bad one`: consolidation_interval: \"15\": 15 has no unit",
        "rule `bad one`: update_interval: \"1w\": `w` is not a unit",
        "rule `bad one`: correlation_window: \"30m1h\": give each unit once, largest first",
        "rule `bad one`: creation_delay: \"soon\"",
        "rule `dup`: name: another [[rules]] table has this name",
        "rule `#4`: name: the rule has no name",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
    assert_eq!(e.len(), 24, "{all}");
    assert!(e.iter().all(|l| !l.contains('\n')), "{all}");
}
