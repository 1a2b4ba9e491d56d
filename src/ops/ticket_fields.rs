//! Turns what the user typed for a ticket into values ServiceNow accepts: category and subcategory
//! checked against the instance's live `sys_choice` rows (with a suggestion on a near miss), group
//! and user names resolved to sys_ids.

use servicenow_client::{Choice, Client};

use crate::domain::TicketDraft;

use super::error::{OpsError, OpsResult};
use super::offline::Reads;

/// Resolves names to sys_ids and checks choice values; returns the draft to send.
pub async fn resolve_draft(client: &Client, draft: &TicketDraft) -> OpsResult<TicketDraft> {
    resolve_draft_reading(client, draft, &mut Reads::default()).await
}

/// [`resolve_draft`], noting every good read in `reads` (for the lookup cache).
pub(crate) async fn resolve_draft_reading(
    client: &Client,
    draft: &TicketDraft,
    reads: &mut Reads,
) -> OpsResult<TicketDraft> {
    draft
        .validate()
        .map_err(|e| OpsError::Invalid(format!("ticket: {e}")))?;
    let mut out = draft.clone();
    if let Some(category) = &draft.category {
        let choices = client.choices(&draft.table, "category", None).await?;
        reads.choice("category", None, &choices);
        out.category = Some(check_choice("category", category, &choices, None)?);
    }
    if let Some(sub) = &draft.subcategory {
        let Some(category) = &out.category else {
            return Err(OpsError::Invalid(
                "--subcategory needs --category: subcategories depend on the category".into(),
            ));
        };
        let choices = client
            .choices(&draft.table, "subcategory", Some(category))
            .await?;
        reads.choice("subcategory", Some(category), &choices);
        out.subcategory = Some(check_choice("subcategory", sub, &choices, Some(category))?);
    }
    if let Some(risk) = &draft.risk {
        let choices = client.choices(&draft.table, "risk", None).await?;
        reads.choice("risk", None, &choices);
        out.risk = Some(choice_by_value_or_label("risk", risk, &choices)?);
    }
    if let Some(group) = &draft.assignment_group {
        let found = client.find_group(group).await?.ok_or_else(|| {
            OpsError::NotFound(format!(
                "assignment group {group:?} not found (or inactive) on the instance: give its exact name or sys_id"
            ))
        })?;
        reads.group(&found);
        out.assignment_group = Some(found.sys_id);
    }
    for (label, field) in [
        ("assigned to", &mut out.assigned_to),
        ("caller", &mut out.caller),
    ] {
        if let Some(user) = field.clone() {
            let found = client.find_user(&user).await?.ok_or_else(|| {
                OpsError::NotFound(format!(
                    "{label} user {user:?} not found: give a user_name (e.g. abel.tuter) or a sys_id"
                ))
            })?;
            reads.user(&found);
            *field = Some(found.sys_id);
        }
    }
    Ok(out)
}

/// Accepts a value or, ignoring case, a label (`--risk high` for the value `2`); otherwise
/// explains as [`check_choice`] does.
pub fn choice_by_value_or_label(
    element: &str,
    given: &str,
    choices: &[Choice],
) -> OpsResult<String> {
    let given = given.trim();
    match choices.iter().find(|c| c.label.eq_ignore_ascii_case(given)) {
        Some(c) if !choices.iter().any(|v| v.value == given) => Ok(c.value.clone()),
        _ => check_choice(element, given, choices, None),
    }
}

/// Accepts an exact value; otherwise explains what the instance allows, suggesting the closest.
pub fn check_choice(
    element: &str,
    given: &str,
    choices: &[Choice],
    dependent: Option<&str>,
) -> OpsResult<String> {
    if choices.iter().any(|c| c.value == given) {
        return Ok(given.to_string());
    }
    let scope = dependent
        .map(|d| format!(" for category {d:?}"))
        .unwrap_or_default();
    if choices.is_empty() {
        return Err(OpsError::Invalid(format!(
            "{element} {given:?}: the instance has no active {element} choices{scope}; leave it out"
        )));
    }
    let lower = given.to_lowercase();
    let near = choices
        .iter()
        .find(|c| c.value.to_lowercase() == lower || c.label.to_lowercase() == lower)
        .or_else(|| {
            choices
                .iter()
                .map(|c| (strsim::jaro_winkler(&c.value.to_lowercase(), &lower), c))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c)
        });
    let allowed: Vec<&str> = choices.iter().map(|c| c.value.as_str()).collect();
    let hint = match near {
        Some(c) => format!("did you mean {:?} ({})? ", c.value, c.label),
        None => String::new(),
    };
    Err(OpsError::Invalid(format!(
        "{element} {given:?} is not a choice on this instance{scope}: {hint}allowed values: {}",
        allowed.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn choice(value: &str, label: &str) -> Choice {
        Choice {
            label: label.into(),
            value: value.into(),
            sequence: None,
            dependent_value: None,
        }
    }

    #[test]
    fn exact_value_passes() {
        let c = [choice("database", "Database")];
        assert_eq!(
            check_choice("category", "database", &c, None).unwrap(),
            "database"
        );
    }

    #[test]
    fn wrong_case_suggests_the_value() {
        let c = [choice("database", "Database"), choice("network", "Network")];
        let e = check_choice("category", "Database", &c, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean \"database\""), "{e}");
        assert!(e.contains("allowed values: database, network"), "{e}");
    }

    #[test]
    fn risk_is_given_by_value_or_label() {
        let c = [
            choice("2", "High"),
            choice("3", "Moderate"),
            choice("4", "Low"),
        ];
        assert_eq!(choice_by_value_or_label("risk", "high", &c).unwrap(), "2");
        assert_eq!(choice_by_value_or_label("risk", "4", &c).unwrap(), "4");
        let e = choice_by_value_or_label("risk", "extreme", &c)
            .unwrap_err()
            .to_string();
        assert!(e.contains("allowed values: 2, 3, 4"), "{e}");
    }

    #[test]
    fn typo_suggests_closest() {
        let c = [choice("network", "Network"), choice("hardware", "Hardware")];
        let e = check_choice("category", "netwrok", &c, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean \"network\""), "{e}");
    }

    #[test]
    fn unrelated_value_lists_allowed_without_guess() {
        let c = [choice("dns", "DNS")];
        let e = check_choice("subcategory", "zzzz", &c, Some("network"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("did you mean"), "{e}");
        assert!(e.contains("for category \"network\""), "{e}");
    }
}
