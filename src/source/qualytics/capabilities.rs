//! What a Qualytics source can do, for the ingester and the UI (a later step moves the struct
//! to a place shared by every source kind).

/// Whether an action is available for a source kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Yes,
    No,
    /// Only where the instance's `GET /api/openapi.json` lists the route
    /// (`QualyticsClient::can_comment`).
    WhenOpenApiListsIt,
}

/// The capability flags of a source kind (docs/sources-qualytics.md, "Capabilities").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Listed by polling.
    pub poll: bool,
    /// Followed as a stream (a file tail, a webhook).
    pub tail: bool,
    /// One anomaly read by id.
    pub get: bool,
    pub acknowledge: bool,
    pub unacknowledge: bool,
    pub archive_with_reason: bool,
    pub comment: Support,
    /// Each anomaly has a URL to open in the source's UI.
    pub deep_link: bool,
}

/// Qualytics: polled (no change feed: webhooks are only a hint), every triage action but
/// comments always there.
pub const CAPABILITIES: Capabilities = Capabilities {
    poll: true,
    tail: false,
    get: true,
    acknowledge: true,
    unacknowledge: true,
    archive_with_reason: true,
    comment: Support::WhenOpenApiListsIt,
    deep_link: true,
};
