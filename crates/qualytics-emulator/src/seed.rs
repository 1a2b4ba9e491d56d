//! Seed data: the JSON format of a seed file, the input of a new anomaly, and
//! the built-in demo seed (2 datastores, 8 anomalies, 3 users).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{AnomalyType, FailedCheck, QualityCheck, Ref, Status, User};

/// An anomaly to add, from a seed file, the control API or the Rust API.
/// Everything but `datastore`, `container` and `description` has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnomaly {
    /// Default: one more than the highest id so far.
    #[serde(default)]
    pub id: Option<u64>,
    /// Default: a random v4 UUID.
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(rename = "type", default)]
    pub anomaly_type: AnomalyType,
    /// Default `Active`; an archive status adds it archived.
    #[serde(default = "active")]
    pub status: Status,
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default)]
    pub anomalous_records_count: u64,
    pub description: String,
    /// Any RFC 3339 time; default: now.
    #[serde(default)]
    pub created: Option<String>,
    /// Default: a hex string derived from the container, checks and description.
    #[serde(default)]
    pub fingerprint: Option<Value>,
    #[serde(default)]
    pub source_enriched: bool,
    /// Global tag names.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Ids of seeded users.
    #[serde(default)]
    pub assignee_ids: Vec<u64>,
    #[serde(default)]
    pub failed_checks: Vec<FailedCheck>,
    pub datastore: Ref,
    pub container: Ref,
}

fn active() -> Status {
    Status::Active
}

fn default_weight() -> u32 {
    5
}

impl NewAnomaly {
    /// An `Active` record anomaly with every optional field defaulted.
    pub fn new(datastore: Ref, container: Ref, description: impl Into<String>) -> Self {
        NewAnomaly {
            id: None,
            uuid: None,
            anomaly_type: AnomalyType::Record,
            status: Status::Active,
            weight: default_weight(),
            anomalous_records_count: 0,
            description: description.into(),
            created: None,
            fingerprint: None,
            source_enriched: false,
            tags: Vec::new(),
            assignee_ids: Vec::new(),
            failed_checks: Vec::new(),
            datastore,
            container,
        }
    }
}

/// The seed file format: `{"users":[…], "anomalies":[…]}`. Without `users`
/// the built-in users are used (token subjects must exist).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedData {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub anomalies: Vec<NewAnomaly>,
}

/// The ids of the built-in users, who the built-in tokens act as.
pub const ADMIN_USER_ID: u64 = 1;
pub const EDITOR_USER_ID: u64 = 2;
pub const VIEWER_USER_ID: u64 = 3;

pub fn default_users() -> Vec<User> {
    let user = |id, name: &str, email: &str| User {
        id,
        name: name.to_string(),
        email: email.to_string(),
    };
    vec![
        user(ADMIN_USER_ID, "Ana Admin", "ana.admin@example.com"),
        user(EDITOR_USER_ID, "Ben Editor", "ben.editor@example.com"),
        user(VIEWER_USER_ID, "Val Viewer", "val.viewer@example.com"),
    ]
}

fn r(id: u64, name: &str) -> Ref {
    Ref {
        id,
        name: name.to_string(),
    }
}

fn check(id: u64, name: &str, rule_type: &str, message: &str) -> FailedCheck {
    FailedCheck {
        quality_check: QualityCheck {
            id,
            name: name.to_string(),
            description: format!("{name} ({rule_type})"),
            rule_type: rule_type.to_string(),
        },
        message: message.to_string(),
    }
}

struct Row {
    status: Status,
    kind: AnomalyType,
    ds: (u64, &'static str),
    container: (u64, &'static str),
    check: FailedCheck,
    weight: u32,
    records: u64,
    description: &'static str,
    created: &'static str,
    tags: &'static [&'static str],
    assignees: &'static [u64],
}

/// The demo seed: ids 1–8, six open and two archived, across the datastores
/// "Sales Warehouse" (1) and "Payments Lakehouse" (2).
pub fn default_seed() -> SeedData {
    let sales = (1, "Sales Warehouse");
    let payments = (2, "Payments Lakehouse");
    let orders = (101, "orders");
    let customers = (102, "customers");
    let transactions = (201, "transactions");
    let refunds = (202, "refunds");
    let null_customer = || {
        check(
            1001,
            "orders.customer_id is not null",
            "notNull",
            "customer_id is null",
        )
    };
    let refund_exists = || {
        check(
            2003,
            "refunds.transaction_id exists in transactions",
            "existsIn",
            "transaction_id has no matching transaction",
        )
    };
    let rows = vec![
        Row {
            status: Status::Active,
            kind: AnomalyType::Record,
            ds: sales,
            container: orders,
            check: null_customer(),
            weight: 8,
            records: 42,
            description: "42 orders have no customer_id",
            created: "2026-11-20T09:15:00Z",
            tags: &["sales", "critical"],
            assignees: &[],
        },
        Row {
            status: Status::Acknowledged,
            kind: AnomalyType::Record,
            ds: sales,
            container: orders,
            check: check(
                1002,
                "orders.total between 0 and 100000",
                "between",
                "total is outside 0..100000",
            ),
            weight: 5,
            records: 3,
            description: "3 orders with a negative total",
            created: "2026-11-22T13:40:00Z",
            tags: &["sales"],
            assignees: &[EDITOR_USER_ID],
        },
        Row {
            status: Status::Active,
            kind: AnomalyType::Record,
            ds: sales,
            container: customers,
            check: check(
                1003,
                "customers.email matches an email pattern",
                "matchesPattern",
                "email does not match the pattern",
            ),
            weight: 3,
            records: 17,
            description: "17 customers with a malformed email",
            created: "2026-11-25T07:05:00Z",
            tags: &["pii"],
            assignees: &[],
        },
        Row {
            status: Status::Active,
            kind: AnomalyType::Shape,
            ds: payments,
            container: transactions,
            check: check(
                2002,
                "transactions daily volume",
                "volumetric",
                "row count is 38% below the expected range",
            ),
            weight: 9,
            records: 1200,
            description: "Daily transaction volume dropped 38% below the expected range",
            created: "2026-11-27T02:30:00Z",
            tags: &["payments", "critical"],
            assignees: &[],
        },
        Row {
            status: Status::Active,
            kind: AnomalyType::Record,
            ds: payments,
            container: transactions,
            check: check(
                2001,
                "transactions.amount is positive",
                "positive",
                "amount is zero or negative",
            ),
            weight: 6,
            records: 5,
            description: "5 transactions with a non-positive amount",
            created: "2026-11-28T11:00:00Z",
            tags: &["payments"],
            assignees: &[],
        },
        Row {
            status: Status::Acknowledged,
            kind: AnomalyType::Record,
            ds: payments,
            container: refunds,
            check: refund_exists(),
            weight: 4,
            records: 12,
            description: "12 refunds point at unknown transactions",
            created: "2026-11-29T16:20:00Z",
            tags: &["payments"],
            assignees: &[ADMIN_USER_ID],
        },
        Row {
            status: Status::Resolved,
            kind: AnomalyType::Record,
            ds: sales,
            container: orders,
            check: null_customer(),
            weight: 8,
            records: 10,
            description: "10 orders had no customer_id (backfilled)",
            created: "2026-11-10T09:00:00Z",
            tags: &["sales"],
            assignees: &[],
        },
        Row {
            status: Status::Duplicate,
            kind: AnomalyType::Record,
            ds: payments,
            container: refunds,
            check: refund_exists(),
            weight: 4,
            records: 2,
            description: "2 refunds point at unknown transactions",
            created: "2026-11-12T18:45:00Z",
            tags: &[],
            assignees: &[],
        },
    ];
    let anomalies = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| NewAnomaly {
            id: Some(i as u64 + 1),
            anomaly_type: row.kind,
            status: row.status,
            weight: row.weight,
            anomalous_records_count: row.records,
            created: Some(row.created.to_string()),
            tags: row.tags.iter().map(|t| t.to_string()).collect(),
            assignee_ids: row.assignees.to_vec(),
            failed_checks: vec![row.check],
            ..NewAnomaly::new(
                r(row.ds.0, row.ds.1),
                r(row.container.0, row.container.1),
                row.description,
            )
        })
        .collect();
    SeedData {
        users: default_users(),
        anomalies,
    }
}
