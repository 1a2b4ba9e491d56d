//! Inbound REST API rate limiting as an instance does it (docs/emulator.md §Rate limits): rules
//! of `sys_rate_limit_rules` that allow so many requests per hour to one user, to the users
//! with a role, or to everyone; none by default.
//!
//! - **Which rule.** A single-user rule beats role rules, which beat an all-users rule; among
//!   several role rules the user matches, the one allowing fewest requests applies.
//! - **Counting** is per user and per rule, in fixed hours (from the top of the hour; the
//!   emulator's `rate_limit_hour` can shorten the "hour" so benchmarks finish). Only requests
//!   of an authenticated user to a REST API count; a request that is refused counts too.
//! - **Answers.** A matched request carries `X-RateLimit-Limit`, `X-RateLimit-Reset` (unix
//!   seconds when the hour ends) and `X-RateLimit-Rule` (the rule's sys_id); past the limit the
//!   answer is 429 `Rate limit exceeded` / `Rate limit of N requests per hour for Table API
//!   exceeded` with `Retry-After` (seconds to the reset), and the request is not served.
//!
//! A real instance keeps counts per node and commits them every 30 seconds, so it may let a few
//! more through; the emulator counts exactly (one node), the stricter case for a client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::auth::Principal;

/// Who a rule limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppliesTo {
    /// One user, by `user_name`.
    User(String),
    /// Every user with this role.
    Role(String),
    /// Everyone.
    All,
}

/// One active rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitRule {
    pub sys_id: String,
    pub name: String,
    pub applies_to: AppliesTo,
    /// Requests allowed per hour.
    pub per_hour: u64,
}

impl RateLimitRule {
    /// A rule with a sys_id derived from its name (stable across runs).
    pub fn new(name: &str, applies_to: AppliesTo, per_hour: u64) -> RateLimitRule {
        let mut sys_id = String::with_capacity(32);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        for part in [h, h.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15] {
            sys_id.push_str(&format!("{part:016x}"));
        }
        RateLimitRule {
            sys_id,
            name: name.to_string(),
            applies_to,
            per_hour,
        }
    }
}

/// What the rules decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateDecision {
    pub rule_sys_id: String,
    pub limit: u64,
    /// Unix seconds when the current hour ends.
    pub reset: u64,
    /// `Some(seconds until the reset)` when the request is refused.
    pub retry_after: Option<u64>,
}

#[derive(Debug)]
pub struct RateLimits {
    rules: Vec<RateLimitRule>,
    hour: Duration,
    /// (rule sys_id, user_name) → (hour index, requests counted in it).
    counts: Mutex<HashMap<(String, String), (u64, u64)>>,
}

impl RateLimits {
    pub fn new(rules: Vec<RateLimitRule>, hour: Duration) -> RateLimits {
        RateLimits {
            rules,
            hour: hour.max(Duration::from_secs(1)),
            counts: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule that applies to `user`, by the instance's priority.
    fn rule_for(&self, user: &Principal) -> Option<&RateLimitRule> {
        let single = self
            .rules
            .iter()
            .find(|r| r.applies_to == AppliesTo::User(user.user_name.clone()));
        let by_role = || {
            self.rules
                .iter()
                .filter(|r| matches!(&r.applies_to, AppliesTo::Role(role) if user.has_role(role)))
                .min_by_key(|r| r.per_hour)
        };
        let all = || self.rules.iter().find(|r| r.applies_to == AppliesTo::All);
        single.or_else(by_role).or_else(all)
    }

    /// Counts one request of `user` now; `None` when no rule applies.
    pub fn admit(&self, user: &Principal) -> Option<RateDecision> {
        self.admit_at(user, SystemTime::now())
    }

    fn admit_at(&self, user: &Principal, now: SystemTime) -> Option<RateDecision> {
        let rule = self.rule_for(user)?;
        let hour_ms = u64::try_from(self.hour.as_millis()).unwrap_or(u64::MAX);
        let now_ms = u64::try_from(
            now.duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        let index = now_ms / hour_ms;
        let reset_ms = (index + 1) * hour_ms;
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts
            .entry((rule.sys_id.clone(), user.user_name.clone()))
            .or_insert((index, 0));
        if entry.0 != index {
            *entry = (index, 0);
        }
        entry.1 += 1;
        let refused = entry.1 > rule.per_hour;
        Some(RateDecision {
            rule_sys_id: rule.sys_id.clone(),
            limit: rule.per_hour,
            reset: reset_ms.div_ceil(1000),
            retry_after: refused.then(|| (reset_ms - now_ms).div_ceil(1000).max(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn user(name: &str, roles: &[&str]) -> Principal {
        Principal {
            sys_id: format!("{name}-id"),
            user_name: name.into(),
            name: name.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn single_user_beats_roles_which_beat_everyone_and_the_lowest_role_rule_wins() {
        let limits = RateLimits::new(
            vec![
                RateLimitRule::new("all", AppliesTo::All, 1000),
                RateLimitRule::new("itil", AppliesTo::Role("itil".into()), 100),
                RateLimitRule::new("import", AppliesTo::Role("import_admin".into()), 50),
                RateLimitRule::new("beth", AppliesTo::User("beth".into()), 5000),
            ],
            Duration::from_secs(3600),
        );
        let limit = |u: &Principal| limits.admit_at(u, at(0)).unwrap().limit;
        assert_eq!(limit(&user("beth", &["itil"])), 5000);
        assert_eq!(limit(&user("abel", &["itil", "import_admin"])), 50);
        assert_eq!(limit(&user("abel", &["itil"])), 100);
        assert_eq!(limit(&user("guest", &[])), 1000);
        let none = RateLimits::new(Vec::new(), Duration::from_secs(3600));
        assert_eq!(none.admit_at(&user("guest", &[]), at(0)), None);
    }

    #[test]
    fn past_the_limit_requests_are_refused_until_the_hour_ends() {
        let limits = RateLimits::new(
            vec![RateLimitRule::new(
                "itil",
                AppliesTo::Role("itil".into()),
                2,
            )],
            Duration::from_secs(3600),
        );
        let (itil, other) = (user("itil", &["itil"]), user("abel", &["itil"]));
        let start = 7_200_000; // the top of an hour
        assert_eq!(limits.admit_at(&itil, at(start)).unwrap().retry_after, None);
        assert_eq!(
            limits.admit_at(&itil, at(start + 1)).unwrap().retry_after,
            None
        );
        let refused = limits.admit_at(&itil, at(start + 600_000)).unwrap();
        assert_eq!(refused.retry_after, Some(3000), "50 minutes to the reset");
        assert_eq!(refused.reset, 10_800);
        // Counted per user: another itil user has their own budget.
        assert_eq!(
            limits
                .admit_at(&other, at(start + 600_000))
                .unwrap()
                .retry_after,
            None
        );
        // A new hour starts over.
        assert_eq!(
            limits.admit_at(&itil, at(10_800_000)).unwrap().retry_after,
            None
        );
    }
}
