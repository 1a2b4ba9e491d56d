pub mod query;
pub fn placeholder() {}
