//! The values that cross the database boundary, the same for both engines: parameters are
//! borrowed ([`Value`]), columns are read into Rust types through [`FromValue`].
//!
//! The store keeps to five storage kinds (docs/store.md §Engines): integers (including flags and
//! unix-millisecond timestamps), reals, text, blobs and NULL. PostgreSQL columns are declared
//! with the matching strict types (BIGINT, DOUBLE PRECISION, TEXT, BYTEA), so a value written by
//! one engine reads back the same from the other.

use crate::store::StoreError;

/// A parameter or a column value, borrowed from the caller or the row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Value<'_> {
    /// The storage kind's name, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

/// A value owned (copied out of a row, or to hand to another thread).
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl OwnedValue {
    pub fn from(v: &Value<'_>) -> OwnedValue {
        match *v {
            Value::Null => OwnedValue::Null,
            Value::Int(i) => OwnedValue::Int(i),
            Value::Real(f) => OwnedValue::Real(f),
            Value::Text(s) => OwnedValue::Text(s.to_owned()),
            Value::Blob(b) => OwnedValue::Blob(b.to_vec()),
        }
    }

    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Int(i) => Value::Int(*i),
            OwnedValue::Real(f) => Value::Real(*f),
            OwnedValue::Text(s) => Value::Text(s),
            OwnedValue::Blob(b) => Value::Blob(b),
        }
    }
}

impl ToValue for OwnedValue {
    fn to_value(&self) -> Value<'_> {
        self.as_value()
    }
}

/// Something that can be bound as a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

/// Saturates instead of failing: counts and sizes never come near `i64::MAX`, and a parameter
/// conversion has no error path in either engine's binding.
fn saturating_i64<T: TryInto<i64>>(v: T) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(saturating_i64(*self))
            }
        }
    )*};
}
int_to_value!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}

/// A Rust type a column can be read into.
pub trait FromValue: Sized {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError>;
}

fn mismatch(expected: &str, found: Value<'_>) -> StoreError {
    StoreError::Type(format!("expected {expected}, found {}", found.kind()))
}

impl FromValue for i64 {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(mismatch("integer", other)),
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| {
                    StoreError::Type(format!("integer {i} out of range for {}", stringify!($t)))
                })
            }
        }
    )*};
}
int_from_value!(i32, u32, u64, usize, u16, u8);

impl FromValue for bool {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        Ok(i64::from_value(v)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        match v {
            Value::Real(f) => Ok(f),
            // Exact for every count and timestamp the store keeps.
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Ok(i as f64),
            other => Err(mismatch("real", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        match v {
            Value::Text(s) => Ok(s.to_owned()),
            other => Err(mismatch("text", other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(mismatch("blob", other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'_>) -> Result<Self, StoreError> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// `params![a, b, …]`: a parameter list for the store's database layer (the same shape as
/// rusqlite's macro, so queries read the same).
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::db::ToValue]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::db::ToValue),+] as &[&dyn $crate::store::db::ToValue]
    };
}
pub(crate) use params;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn integers_saturate_and_read_back_checked() {
        assert_eq!(u64::MAX.to_value(), Value::Int(i64::MAX));
        assert_eq!(u32::from_value(Value::Int(7)).unwrap(), 7);
        assert!(u32::from_value(Value::Int(-1)).is_err());
        assert!(bool::from_value(Value::Int(2)).unwrap());
        assert_eq!(
            Option::<String>::from_value(Value::Null).unwrap(),
            None::<String>
        );
        assert!(String::from_value(Value::Int(1)).is_err());
    }
}
