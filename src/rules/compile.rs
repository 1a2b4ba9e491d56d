//! `[[rules]]` → [`Rule`]: every check of every rule, collected, so `snowlink config check`
//! shows all problems at once, each with the rule, the field, the cause and the fix.

use std::collections::{BTreeMap, HashSet};

use regex::Regex;

use super::FloodSettings;
use super::errors::Errors;
pub use super::errors::RuleError;
use super::key::KeySpec;
use super::matcher::{Matcher, SeverityMatch, StatusMatch};
use super::rule::{Rule, RuleAction, RuleTarget, RuleTemplate};
use crate::config::{RuleConfig, TemplateConfig};
use crate::domain::{SEVERITY_EXPECTED, Severity, SeverityDefaults};
use crate::store::ALERT_TABLE;

/// Longest rule name: keeps every correlation id a rule writes under ServiceNow's 100
/// characters (`snowlink:rule:` + name + `:` + 16 hex + `#` + a u32 generation is 82).
pub const NAME_MAX: usize = 40;

pub(super) fn compile(
    configs: &[RuleConfig],
    sources: &[String],
    instances: &[String],
) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let mut seen = HashSet::new();
    for (i, c) in configs.iter().enumerate() {
        let label = if c.name.trim().is_empty() {
            format!("#{}", i + 1)
        } else {
            c.name.clone()
        };
        let mut e = Errors {
            rule: &label,
            out: &mut errors,
        };
        check_name(&c.name, &mut e);
        if !c.name.is_empty() && !seen.insert(c.name.as_str()) {
            e.push(
                "name",
                "another [[rules]] table has this name",
                "give each rule its own name (it is part of the incidents' correlation_id)",
            );
        }
        if let Some(rule) = compile_one(c, sources, instances, &mut e) {
            rules.push(rule);
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

fn check_name(name: &str, e: &mut Errors) {
    let fix = format!(
        "use up to {NAME_MAX} letters, digits, `_`, `.` or `-`, e.g. name = \"warehouse-nulls\""
    );
    if name.trim().is_empty() {
        e.push("name", "the rule has no name", fix);
    } else if name.chars().count() > NAME_MAX {
        e.push(
            "name",
            format!(
                "{} characters is longer than {NAME_MAX}",
                name.chars().count()
            ),
            fix,
        );
    } else if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        e.push(
            "name",
            format!("{bad:?} is not allowed in a rule name"),
            fix,
        );
    }
}

fn compile_one(
    c: &RuleConfig,
    sources: &[String],
    instances: &[String],
    e: &mut Errors,
) -> Option<Rule> {
    let before = e.out.len();
    let m = &c.matcher;
    let source = e.glob("match.source", &m.source);
    if let Some(g) = &source
        && !sources.iter().any(|s| g.matches(s))
    {
        let known = if sources.is_empty() {
            "no [[sources]] are configured".to_owned()
        } else {
            format!("the sources are {}", sources.join(", "))
        };
        let hint = crate::config::closest_name(g.as_str(), sources)
            .map(|s| format!("did you mean \"{s}\"? "))
            .unwrap_or_default();
        e.push(
            "match.source",
            format!("{:?} matches no configured source ({known})", g.as_str()),
            format!("{hint}name a [[sources]] `name`"),
        );
    }
    let severity = SeverityMatch::parse(&m.severity).unwrap_or_else(|why| {
        e.push(
            "match.severity",
            why,
            "e.g. severity = \"high\", [\"critical\", \"high\"] or \">=high\"",
        );
        SeverityMatch::Any
    });
    let status = m
        .status
        .iter()
        .filter_map(|s| match StatusMatch::parse(s) {
            Ok(s) => Some(s),
            Err(why) => {
                e.push(
                    "match.status",
                    why,
                    "e.g. status = [\"active\", \"acknowledged\"]",
                );
                None
            }
        })
        .collect();
    let tags = m
        .tags
        .iter()
        .filter_map(|t| e.glob("match.tags", &Some(t.clone())))
        .collect();
    let title = m.title.as_deref().and_then(|re| match Regex::new(re) {
        Ok(r) => Some(r),
        Err(err) => {
            e.push(
                "match.title",
                format!(
                    "{re:?} is not a valid regex: {}",
                    one_line(&err.to_string())
                ),
                "fix the regex (Rust regex syntax; (?i) ignores case)",
            );
            None
        }
    });
    let matcher = Matcher {
        source,
        kind: e.glob("match.type", &m.kind),
        severity,
        status,
        datastore: e.glob("match.datastore", &m.datastore),
        container: e.glob("match.container", &m.container),
        field: e.glob("match.field", &m.field),
        tags,
        title,
    };
    let instance = match (&c.instance, instances.first()) {
        (Some(i), _) if instances.contains(i) => i.clone(),
        (Some(i), _) => {
            let hint = crate::config::closest_name(i, instances)
                .map(|s| format!("did you mean \"{s}\"? "))
                .unwrap_or_default();
            e.push(
                "instance",
                format!("no [instances.{i}] is configured"),
                format!("{hint}use one of: {}", instances.join(", ")),
            );
            String::new()
        }
        (None, Some(default)) => default.clone(),
        (None, None) => {
            e.push(
                "instance",
                "no instance is configured",
                "add an [instances.default] table",
            );
            String::new()
        }
    };
    let table = match c.target {
        RuleTarget::Ticket => c.table.clone().unwrap_or_else(|| "incident".to_owned()),
        RuleTarget::Event => {
            if c.table.as_deref().is_some_and(|t| t != ALERT_TABLE) {
                e.push(
                    "table",
                    "target = \"event\" sends events, which ServiceNow turns into em_alert records",
                    "leave table out (or set it to \"em_alert\"), or use target = \"ticket\"",
                );
            }
            if c.action == RuleAction::Link {
                e.push(
                    "action",
                    "action = \"link\" joins open incidents; an event rule has none to join",
                    "use action = \"create\" (the default) with target = \"event\"",
                );
            }
            ALERT_TABLE.to_owned()
        }
    };
    if table.is_empty()
        || !table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        e.push(
            "table",
            format!("{table:?} is not a table name"),
            "use a ServiceNow table name such as \"incident\"",
        );
    }
    let template = compile_template(&c.template, e);
    let severity_map = compile_severity_map(&c.severity_map, e);
    let key = KeySpec::parse(&c.dedupe).unwrap_or_else(|why| {
        for w in why {
            e.push(
                "dedupe",
                w,
                "e.g. dedupe = [\"fingerprint\"] or [\"source\", \"type\", \"label:alertname\"]",
            );
        }
        KeySpec::Default
    });
    let d = FloodSettings::default();
    let flood_limit = match c.flood_limit {
        None => d.flood_limit,
        Some(n) if n >= 1 && n <= i64::from(u32::MAX) => n as u32,
        Some(n) => {
            e.push(
                "flood_limit",
                format!("{n} would let no incident be created"),
                "use at least 1 (the default is 10 per flood_interval)",
            );
            d.flood_limit
        }
    };
    let flood = FloodSettings {
        flood_limit,
        flood_interval: e.duration("flood_interval", &c.flood_interval, d.flood_interval),
        consolidation_interval: e.duration(
            "consolidation_interval",
            &c.consolidation_interval,
            d.consolidation_interval,
        ),
        update_interval: e.duration("update_interval", &c.update_interval, d.update_interval),
        correlation_window: e.duration(
            "correlation_window",
            &c.correlation_window,
            d.correlation_window,
        ),
        creation_delay: e.duration("creation_delay", &c.creation_delay, d.creation_delay),
    };
    if flood.flood_interval.is_zero() {
        e.push(
            "flood_interval",
            "\"0s\" is no interval to count incidents in",
            "use a duration such as \"1h\" (the default)",
        );
    }
    if e.out.len() > before {
        return None;
    }
    Some(Rule {
        name: c.name.clone(),
        action: c.action,
        target: c.target,
        instance,
        table,
        flood,
        continue_on: c.continue_on,
        matcher,
        key,
        template,
        severity_map,
        severity_defaults: SeverityDefaults::default(),
    })
}

fn compile_template(t: &TemplateConfig, e: &mut Errors) -> RuleTemplate {
    RuleTemplate {
        short_description: e.template("template.short_description", &t.short_description),
        description: e.template("template.description", &t.description),
        category: e.template("template.category", &t.category),
        subcategory: e.template("template.subcategory", &t.subcategory),
        assignment_group: e.template("template.assignment_group", &t.assignment_group),
        assigned_to: e.template("template.assigned_to", &t.assigned_to),
        impact: e.level("template.impact", t.impact),
        urgency: e.level("template.urgency", t.urgency),
    }
}

fn compile_severity_map(
    map: &BTreeMap<String, Vec<i64>>,
    e: &mut Errors,
) -> BTreeMap<Severity, (u8, u8)> {
    let mut out = BTreeMap::new();
    for (name, pair) in map {
        let field = format!("severity_map.{name}");
        let Some(sev) = Severity::parse(name) else {
            e.push(
                &field,
                format!("`{name}` is not a severity"),
                format!("use one of {SEVERITY_EXPECTED}"),
            );
            continue;
        };
        let [impact, urgency] = pair[..] else {
            e.push(
                &field,
                format!("{} values given", pair.len()),
                format!("give [impact, urgency], e.g. {name} = [2, 2]"),
            );
            continue;
        };
        if let (Some(i), Some(u)) = (
            e.level(&field, Some(impact)),
            e.level(&field, Some(urgency)),
        ) {
            out.insert(sev, (i, u));
        }
    }
    out
}

/// The regex crate's errors draw a caret under the pattern over several lines; one finding is
/// one line.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
