//! What the worker needs to know about rule-made writes: the reopen delivery's state codes,
//! and who a rule's create is linked by.

/// ServiceNow's incident state codes (raw values).
pub(crate) const RESOLVED: &str = "6";

/// `rule:<name>` for a create a rule queued (its correlation id is
/// `snowlink:rule:<name>:…`), so the links it makes say which rule made them; `None` for a
/// create a person made.
pub(crate) fn rule_linker(payload: &str) -> Option<String> {
    let fields: serde_json::Value = serde_json::from_str(payload).ok()?;
    let cid = fields.get("correlation_id")?.as_str()?;
    let rest = cid.strip_prefix("snowlink:rule:")?;
    let name = rest.split(':').next().filter(|n| !n.is_empty())?;
    Some(format!("rule:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_creates_are_linked_by_their_rule() {
        let p = r#"{"correlation_id":"snowlink:rule:nulls:0123456789abcdef#1"}"#;
        assert_eq!(rule_linker(p).as_deref(), Some("rule:nulls"));
        let o = r#"{"correlation_id":"snowlink:rule:nulls:overflow:1700000000"}"#;
        assert_eq!(rule_linker(o).as_deref(), Some("rule:nulls"));
        assert_eq!(
            rule_linker(r#"{"correlation_id":"snowlink:dq/A-1#3"}"#),
            None
        );
        assert_eq!(rule_linker("not json"), None);
    }
}
