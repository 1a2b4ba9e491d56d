//! Checks that an answer is the record we asked about, before anyone relies on it: a write
//! counts as delivered only when ServiceNow answers with the target record, and a lookup by
//! `correlation_id` only when the row carries that id (`docs/servicenow-client.md`).

use crate::error::Error;
use crate::value::Record;

/// What a check needs to build `Error::UnexpectedAnswer`.
pub(crate) struct Answer<'a> {
    pub url: &'a str,
    pub status: u16,
    pub write: bool,
}

impl Answer<'_> {
    fn reject(&self, problem: String) -> Error {
        Error::UnexpectedAnswer {
            url: self.url.to_string(),
            status: self.status,
            write: self.write,
            problem,
        }
    }

    /// The answer to a PATCH of `target` must be `target` itself.
    pub fn is_record(&self, rec: &Record, target: &str) -> Result<(), Error> {
        match rec.value("sys_id") {
            Some(got) if got == target => Ok(()),
            Some("") | None if rec.is_empty() => Err(self.reject(format!(
                "the update of {target} was answered with an empty record"
            ))),
            Some("") | None => Err(self.reject(format!(
                "the update of {target} was answered with a record without sys_id"
            ))),
            Some(other) => Err(self.reject(format!(
                "the update of {target} was answered with another record ({other})"
            ))),
        }
    }

    /// The answer to a POST must name the new record and, when we sent a `correlation_id`,
    /// carry the same one.
    pub fn is_created(&self, rec: &Record, correlation_id: Option<&str>) -> Result<(), Error> {
        if rec.value("sys_id").is_none_or(str::is_empty) {
            return Err(
                self.reject("the create was answered without the new record's sys_id".to_string())
            );
        }
        match correlation_id {
            Some(sent) => self.carries_correlation(rec, sent, "the created record"),
            None => Ok(()),
        }
    }

    /// A row found by `correlation_id=<id>` must carry `<id>`.
    pub fn carries_correlation(&self, rec: &Record, sent: &str, what: &str) -> Result<(), Error> {
        match rec.value("correlation_id") {
            Some(got) if got == sent => Ok(()),
            Some(got) => Err(self.reject(format!(
                "{what} carries correlation_id {got:?}, not {sent:?}"
            ))),
            None => Err(self.reject(format!(
                "{what} does not carry correlation_id (expected {sent:?})"
            ))),
        }
    }
}

/// `fields` plus `extra` when the caller narrowed the fields and left it out (an empty list
/// means every field, `extra` included).
pub(crate) fn with_field<'a>(fields: &[&'a str], extra: &'a str) -> Vec<&'a str> {
    let mut out = fields.to_vec();
    if !out.is_empty() && !out.contains(&extra) {
        out.push(extra);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn rec(v: serde_json::Value) -> Record {
        Record(v.as_object().unwrap().clone())
    }

    const ANSWER: Answer<'static> = Answer {
        url: "http://x/api/now/table/incident/a",
        status: 200,
        write: true,
    };

    #[test]
    fn update_answers() {
        assert!(ANSWER.is_record(&rec(json!({"sys_id": "a"})), "a").is_ok());
        for (r, needle) in [
            (json!({}), "empty record"),
            (json!({"number": "INC1"}), "without sys_id"),
            (json!({"sys_id": "b"}), "another record (b)"),
        ] {
            let e = ANSWER.is_record(&rec(r), "a").unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
            assert!(e.outcome_unknown(), "{e:?}");
        }
    }

    #[test]
    fn create_answers() {
        let good = rec(json!({"sys_id": "a", "correlation_id": "c1"}));
        assert!(ANSWER.is_created(&good, Some("c1")).is_ok());
        assert!(
            ANSWER
                .is_created(&rec(json!({"sys_id": "a"})), None)
                .is_ok()
        );
        let e = ANSWER
            .is_created(&rec(json!({"sys_id": ""})), None)
            .unwrap_err();
        assert!(
            e.to_string().contains("without the new record's sys_id"),
            "{e}"
        );
        let e = ANSWER.is_created(&good, Some("c2")).unwrap_err();
        assert!(e.to_string().contains("\"c1\", not \"c2\""), "{e}");
        let e = ANSWER
            .is_created(&rec(json!({"sys_id": "a"})), Some("c1"))
            .unwrap_err();
        assert!(
            e.to_string().contains("does not carry correlation_id"),
            "{e}"
        );
    }

    #[test]
    fn fields_gain_the_checked_one() {
        assert_eq!(with_field(&["number"], "sys_id"), vec!["number", "sys_id"]);
        assert_eq!(with_field(&["sys_id"], "sys_id"), vec!["sys_id"]);
        assert!(with_field(&[], "sys_id").is_empty());
    }
}
