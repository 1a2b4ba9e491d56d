//! Server-side business rules: incident, problem and change lifecycles, journals, the audit
//! trail, access control.

pub mod acl;
pub mod audit;
pub mod data_policy;
pub mod incident;
pub mod journal;
pub mod task_tables;
