//! What each rule did in its current intervals: `snowlink rules` and the dashboard's rules popup
//! read the same numbers from here.

use jiff::Timestamp;

use crate::rules::{Rule, RuleSet};
use crate::store::{RuleCounts, Store, StoreError};

use super::decide::window_start;

/// One rule, the flood window `now` falls in, and its decisions since that window started.
#[derive(Debug, Clone)]
pub struct RuleSummary<'r> {
    pub rule: &'r Rule,
    pub window_start: Timestamp,
    pub counts: RuleCounts,
}

/// Every rule of `rules`, in config order.
pub fn summaries<'r>(
    store: &Store,
    rules: &'r RuleSet,
    now: Timestamp,
) -> Result<Vec<RuleSummary<'r>>, StoreError> {
    rules
        .rules()
        .iter()
        .map(|rule| {
            let start = window_start(rule.flood.flood_interval, now);
            Ok(RuleSummary {
                rule,
                window_start: start,
                counts: store.rule_counts(&rule.name, start)?,
            })
        })
        .collect()
}
