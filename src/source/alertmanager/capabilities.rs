//! What an Alertmanager source can do, declared once so the ingester and the outbox never call an
//! action the source lacks and the UI can say where an action lands (docs/sources-alertmanager.md,
//! "Capabilities"). The struct is local for now; it is meant to move to a place shared by every
//! source kind.

/// Where an action takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// The source itself does it (through its API).
    Source,
    /// Only snowlink's store records it; the source never hears of it.
    LocalOnly,
    /// Not possible with this source.
    No,
}

/// One action: where it lands, and how (shown to users next to the action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    pub support: Support,
    pub how: &'static str,
}

/// Everything a source kind can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The `kind` of the source's `[[sources]]` table.
    pub kind: &'static str,
    /// List everything now, on a schedule.
    pub poll: Capability,
    /// Follow new records as they arrive.
    pub tail: Capability,
    /// Fetch one record by its id.
    pub get: Capability,
    pub acknowledge: Capability,
    pub unacknowledge: Capability,
    /// Archive with a reason (resolved, invalid, duplicate, discarded).
    pub archive: Capability,
    pub comment: Capability,
    /// A link a person can open.
    pub deep_link: Capability,
}

const fn can(support: Support, how: &'static str) -> Capability {
    Capability { support, how }
}

/// The Alertmanager source (API v2).
pub const CAPABILITIES: Capabilities = Capabilities {
    kind: "alertmanager",
    poll: can(
        Support::Source,
        "GET /api/v2/alerts (no paging: one call lists every alert that fires)",
    ),
    tail: can(
        Support::No,
        "Alertmanager has no stream of alerts to follow; it is polled",
    ),
    get: can(
        Support::No,
        "there is no get-by-id route for alerts; a poll lists them all (filter by labels instead)",
    ),
    acknowledge: can(
        Support::Source,
        "creates a silence matching exactly the alert's labels, created by snowlink, ending after ack_ttl and renewed while acknowledged",
    ),
    unacknowledge: can(Support::Source, "expires the acknowledge silence"),
    archive: can(
        Support::LocalOnly,
        "kept in snowlink (alerts are resolved by whoever sends them); the acknowledge silence is expired",
    ),
    comment: can(
        Support::LocalOnly,
        "kept in snowlink; Alertmanager has no comments (only the silence comment names the linked incidents)",
    ),
    deep_link: can(Support::Source, "the alert's generatorURL"),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alertmanager_acks_through_silences_and_keeps_archive_and_comment_local() {
        assert_eq!(CAPABILITIES.poll.support, Support::Source);
        assert_eq!(CAPABILITIES.tail.support, Support::No);
        assert_eq!(CAPABILITIES.get.support, Support::No);
        assert!(CAPABILITIES.get.how.contains("no get-by-id"));
        assert!(CAPABILITIES.acknowledge.how.contains("silence"));
        assert_eq!(CAPABILITIES.unacknowledge.support, Support::Source);
        assert_eq!(CAPABILITIES.archive.support, Support::LocalOnly);
        assert_eq!(CAPABILITIES.comment.support, Support::LocalOnly);
        assert!(CAPABILITIES.deep_link.how.contains("generatorURL"));
    }
}
