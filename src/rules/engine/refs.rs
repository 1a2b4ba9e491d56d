//! The names a rule's template gives for reference fields (`assignment_group`, `assigned_to`),
//! turned into sys_ids on the rule's instance before a create is queued. A create is sent with
//! raw values (`sysparm_input_display_value=false`), so a name sent as is would be stored as a
//! broken reference; ServiceNow is asked once per name for the runner's life instead.

use std::collections::HashMap;

use serde_json::{Map, Value};
use servicenow_client::Client;

use crate::rules::{Rule, RuleSet};

/// (instance, field, name) → the sys_id, or `None` when the instance has no such group or user.
#[derive(Debug, Clone, Default)]
pub struct Refs(HashMap<(String, &'static str, String), Option<String>>);

impl Refs {
    /// Puts the sys_ids into a rule's create fields; a name the instance does not know is left
    /// out (an incident without a group beats one with a broken reference; the runner reported
    /// it when it looked the name up).
    pub fn apply(&self, rule: &Rule, fields: &mut Map<String, Value>) {
        for (field, name) in rule.names_to_resolve() {
            match self.0.get(&(rule.instance.clone(), field, name)) {
                Some(Some(sys_id)) => {
                    fields.insert(field.to_owned(), Value::String(sys_id.clone()));
                }
                _ => {
                    fields.remove(field);
                }
            }
        }
    }

    /// Looks up every name not known yet on its rule's instance (`clients` by instance). A name
    /// the instance does not have is remembered as missing and named in `problems`; a failed
    /// read is an error (the pass waits rather than create with a missing group).
    pub async fn resolve(
        &mut self,
        rules: &RuleSet,
        clients: &HashMap<String, Client>,
        problems: &mut Vec<String>,
    ) -> Result<(), String> {
        for rule in rules.rules() {
            let Some(client) = clients.get(&rule.instance) else {
                continue;
            };
            for (field, name) in rule.names_to_resolve() {
                let at = (rule.instance.clone(), field, name.clone());
                if self.0.contains_key(&at) {
                    continue;
                }
                let found = match field {
                    "assignment_group" => {
                        client.find_group(&name).await.map(|g| g.map(|g| g.sys_id))
                    }
                    _ => client.find_user(&name).await.map(|u| u.map(|u| u.sys_id)),
                }
                .map_err(|e| {
                    format!(
                        "rule {}: could not look up {field} {name:?} on {}: {e}",
                        rule.name, rule.instance
                    )
                })?;
                if found.is_none() {
                    problems.push(format!(
                        "rule {}: {field} {name:?} is not on instance {} (or inactive): its \
                         incidents are created without it; fix the rule (`snowlink config check \
                         --online` checks every name)",
                        rule.name, rule.instance
                    ));
                }
                self.0.insert(at, found);
            }
        }
        Ok(())
    }
}
