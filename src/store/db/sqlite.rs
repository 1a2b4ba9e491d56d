//! The SQLite side of the database layer: binding [`Value`]s and reading columns.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::Value;
use crate::store::StoreError;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Column `idx` of a SQLite row.
pub(super) fn column<'r>(row: &'r rusqlite::Row<'_>, idx: usize) -> Result<Value<'r>, StoreError> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(std::str::from_utf8(t).map_err(|e| {
            StoreError::Type(format!("column {idx} holds text that is not UTF-8: {e}"))
        })?),
        ValueRef::Blob(b) => Value::Blob(b),
    })
}

/// Binds `params` as rusqlite parameters.
pub(super) fn bind<'v>(
    values: &'v [Value<'v>],
) -> rusqlite::ParamsFromIter<std::slice::Iter<'v, Value<'v>>> {
    rusqlite::params_from_iter(values.iter())
}
