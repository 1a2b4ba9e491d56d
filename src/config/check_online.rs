//! `snowlink config check --online`: the names a rule sends (assignment group, assignee) and
//! its category / subcategory, looked up on the instance the rule routes to, so a typo is found
//! before the first automatic incident fails with it at 3 a.m.

use std::collections::HashMap;

use servicenow_client::{Choice, Client};

use super::check::{CheckReport, Level};
use crate::rules::RuleSet;

/// (table, element, dependent value): one `sys_choice` read each.
type ChoiceKey = (String, &'static str, Option<String>);

/// Checks the rules of `set` that route to `instance`, through `client` (that instance's).
/// One finding per name or choice; a lookup that fails is an error naming the cause.
pub async fn check_rules_online(
    set: &RuleSet,
    instance: &str,
    client: &Client,
    r: &mut CheckReport,
) {
    let mut names: HashMap<(&'static str, String), Result<bool, String>> = HashMap::new();
    let mut choices: HashMap<ChoiceKey, Result<Vec<Choice>, String>> = HashMap::new();
    for rule in set.rules().iter().filter(|r| r.instance == instance) {
        let subject = format!("rule {}", rule.name);
        for (field, name) in rule.names_to_resolve() {
            let what = if field == "assigned_to" {
                "user"
            } else {
                "group"
            };
            let key = (field, name.clone());
            if !names.contains_key(&key) {
                let found = if field == "assigned_to" {
                    client.find_user(&name).await.map(|u| u.is_some())
                } else {
                    client.find_group(&name).await.map(|g| g.is_some())
                };
                names.insert(key.clone(), found.map_err(|e| e.to_string()));
            }
            let (level, message) = match &names[&key] {
                Ok(true) => (
                    Level::Ok,
                    format!("template.{field}: {what} {name:?} exists on instance {instance}"),
                ),
                Ok(false) => (
                    Level::Error,
                    format!(
                        "template.{field}: no {what} {name:?} on instance {instance}; fix the name (it must match exactly{}), or give its 32-hex sys_id",
                        if what == "user" {
                            ": the user_name"
                        } else {
                            ""
                        }
                    ),
                ),
                Err(e) => (
                    Level::Error,
                    format!(
                        "template.{field}: could not look up {what} {name:?} on instance {instance}: {e}"
                    ),
                ),
            };
            r.push(level, &subject, message);
        }
        let wanted = rule.choices_to_check();
        let category = wanted
            .iter()
            .find(|(f, _)| *f == "category")
            .map(|(_, v)| v.clone());
        for (field, value) in wanted {
            // Subcategories depend on the category; without a fixed category any is accepted.
            let dep = if field == "subcategory" {
                category.clone()
            } else {
                None
            };
            let key = (rule.table.clone(), field, dep.clone());
            if !choices.contains_key(&key) {
                let got = client.choices(&rule.table, field, dep.as_deref()).await;
                choices.insert(key.clone(), got.map_err(|e| e.to_string()));
            }
            let place = format!("{}.{field}", rule.table);
            let (level, message) = match &choices[&key] {
                Err(e) => (
                    Level::Error,
                    format!(
                        "template.{field}: could not read the choices of {place} on instance {instance}: {e}"
                    ),
                ),
                Ok(list) if list.is_empty() => (
                    Level::Warn,
                    format!(
                        "template.{field}: {place} has no choices{} on instance {instance}; {value:?} is sent as it is",
                        dep.as_deref()
                            .map(|d| format!(" under category {d:?}"))
                            .unwrap_or_default()
                    ),
                ),
                Ok(list) => choice_finding(field, &value, list, &place, dep.as_deref()),
            };
            r.push(level, &subject, message);
        }
    }
}

fn choice_finding(
    field: &str,
    value: &str,
    list: &[Choice],
    place: &str,
    dep: Option<&str>,
) -> (Level, String) {
    if list.iter().any(|c| c.value == value) {
        return (
            Level::Ok,
            format!("template.{field}: {value:?} is a choice of {place}"),
        );
    }
    // Choice values are case-sensitive and differ from their labels: the two common mistakes.
    if let Some(c) = list
        .iter()
        .find(|c| c.label.eq_ignore_ascii_case(value) || c.value.eq_ignore_ascii_case(value))
    {
        return (
            Level::Error,
            format!(
                "template.{field}: {value:?} is not a value of {place} (values are case-sensitive; {:?} is labelled {:?}); write {field} = {:?}",
                c.value, c.label, c.value
            ),
        );
    }
    let values: Vec<&str> = list.iter().map(|c| c.value.as_str()).collect();
    (
        Level::Error,
        format!(
            "template.{field}: {value:?} is not a choice of {place}{}; use one of: {}",
            dep.map(|d| format!(" under category {d:?}"))
                .unwrap_or_default(),
            values.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::RuleConfig;
    use secrecy::SecretString;
    use servicenow_client::{Auth, ClientConfig};

    fn rules(text: &str) -> RuleSet {
        #[derive(serde::Deserialize)]
        struct F {
            rules: Vec<RuleConfig>,
        }
        let f: F = toml::from_str(text).unwrap();
        RuleSet::from_config(&f.rules, &[], &["default".into(), "other".into()]).unwrap()
    }

    fn lines(r: &CheckReport, level: Level) -> String {
        r.findings
            .iter()
            .filter(|f| f.level == level)
            .map(|f| format!("{}: {}", f.subject, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn names_and_choices_are_looked_up_on_the_instance() {
        let emu = servicenow_emulator::start(servicenow_emulator::EmulatorConfig::default())
            .await
            .unwrap();
        let client = Client::new(ClientConfig::new(
            emu.base_url(),
            Auth::Basic {
                username: "itil".into(),
                password: SecretString::from("itil"),
            },
        ))
        .unwrap();
        let set = rules(
            r#"
[[rules]]
name = "good"
template = { assignment_group = "Database", assigned_to = "beth.anglin", category = "database", subcategory = "db2" }
[[rules]]
name = "typos"
template = { assignment_group = "Databse", assigned_to = "beth", category = "Database", subcategory = "oracel" }
[[rules]]
name = "wrong-parent"
template = { category = "network", subcategory = "db2" }
[[rules]]
name = "unchecked"
template = { assignment_group = "{label:team}", assigned_to = "0123456789abcdef0123456789abcdef" }
[[rules]]
name = "elsewhere"
instance = "other"
template = { assignment_group = "Nobody" }
"#,
        );
        let mut r = CheckReport::default();
        check_rules_online(&set, "default", &client, &mut r).await;
        let ok = lines(&r, Level::Ok);
        let errors = lines(&r, Level::Error);
        for want in [
            "rule good: template.assignment_group: group \"Database\" exists on instance default",
            "rule good: template.assigned_to: user \"beth.anglin\" exists",
            "rule good: template.category: \"database\" is a choice of incident.category",
            "rule good: template.subcategory: \"db2\" is a choice of incident.subcategory",
        ] {
            assert!(
                ok.contains(want),
                "missing {want:?} in\n{ok}\nerrors:\n{errors}"
            );
        }
        for want in [
            "rule typos: template.assignment_group: no group \"Databse\" on instance default; fix the name",
            "rule typos: template.assigned_to: no user \"beth\" on instance default; fix the name (it must match exactly: the user_name)",
            "rule typos: template.category: \"Database\" is not a value of incident.category (values are case-sensitive; \"database\" is labelled \"Database\"); write category = \"database\"",
            "rule wrong-parent: template.subcategory: \"db2\" is not a choice of incident.subcategory under category \"network\"; use one of: dhcp, dns",
        ] {
            assert!(errors.contains(want), "missing {want:?} in\n{errors}");
        }
        // ServiceNow compares query values without case, so the subcategories of "Database" are
        // those of "database".
        assert!(
            errors.contains("rule typos: template.subcategory: \"oracel\" is not a choice of incident.subcategory under category \"Database\"; use one of: db2, oracle, sql server"),
            "{errors}"
        );
        assert!(
            !format!("{r:?}").contains("unchecked"),
            "templated and sys_id values are not looked up"
        );
        assert!(
            !format!("{r:?}").contains("Nobody"),
            "another instance's rules are not checked here"
        );
        assert_eq!(r.findings.len(), 10, "{r:?}");
    }
}
