//! Server-side business rules: incident lifecycle, journals, access control.

pub mod acl;
pub mod data_policy;
pub mod incident;
pub mod journal;
