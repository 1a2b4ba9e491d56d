//! Server-side business rules: incident lifecycle, journals, the audit trail, access control.

pub mod acl;
pub mod audit;
pub mod data_policy;
pub mod incident;
pub mod journal;
