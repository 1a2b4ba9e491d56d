//! Incident helpers for the CLI and the sync worker (reference §8, §11).

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::Error;
use crate::query::Query;
use crate::table::{DisplayValue, GetParams, ListParams};
use crate::value::Record;
use crate::verify::{Answer, with_field};

pub const INCIDENT_TABLE: &str = "incident";

/// Fields the dashboard and CLI show for a linked incident.
pub const INCIDENT_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "priority",
    "impact",
    "urgency",
    "category",
    "subcategory",
    "assignment_group",
    "assigned_to",
    "caller_id",
    "active",
    "correlation_id",
    "correlation_display",
    "sys_created_on",
    "sys_updated_on",
];

/// Fields a work-note PATCH asks back (§11): small, and enough to confirm the write.
pub const WORK_NOTE_FIELDS: &[&str] = &["sys_id", "number", "sys_updated_on"];

/// Fields read back when looking up by correlation id (§11).
pub const CORRELATION_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "state",
    "active",
    "correlation_id",
    "sys_updated_on",
];

/// `sys_idIN` batches for link refreshes: one request per 100 incidents.
pub const SYS_ID_BATCH: usize = 100;

/// `INC0010001`-like: 2–8 letters then at least 4 digits.
pub fn looks_like_task_number(s: &str) -> bool {
    let s = s.trim();
    let letters = s.chars().take_while(char::is_ascii_alphabetic).count();
    let digits = s.len() - letters;
    (2..=8).contains(&letters) && digits >= 4 && s[letters..].chars().all(|c| c.is_ascii_digit())
}

/// 32 hex characters.
pub fn looks_like_sys_id(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn incident_view() -> ListParams {
    ListParams::new()
        .fields(INCIDENT_FIELDS)
        .display(DisplayValue::All)
        .exclude_reference_link(true)
}

impl Client {
    /// Exact lookup by number (`number=INC…`), display values included (dv=all).
    pub async fn find_incident_by_number(&self, number: &str) -> Result<Option<Record>, Error> {
        let params = incident_view()
            .query(Query::new().eq("number", number.trim()))
            .limit(1);
        Ok(self
            .list(INCIDENT_TABLE, &params)
            .await?
            .records
            .into_iter()
            .next())
    }

    /// One incident by sys_id (dv=all); `Error::NotFound` when missing or hidden.
    pub async fn get_incident(&self, sys_id: &str) -> Result<Record, Error> {
        let params = GetParams::new()
            .fields(INCIDENT_FIELDS)
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        self.get(INCIDENT_TABLE, sys_id, &params).await
    }

    /// `ticket search`: a number is looked up exactly; other text uses the deterministic
    /// `active=true^short_descriptionLIKE t^ORdescriptionLIKE t^ORnumber=t` (§11), newest first.
    pub async fn search_incidents(&self, text: &str, limit: u32) -> Result<Vec<Record>, Error> {
        let t = text.trim();
        let query = if looks_like_task_number(t) {
            Query::new().eq("number", &t.to_ascii_uppercase())
        } else {
            Query::new()
                .eq("active", "true")
                .like("short_description", t)
                .or_like("description", t)
                .or_eq("number", t)
                .order_by_desc("sys_updated_on")
        };
        let params = incident_view().query(query).limit(limit.max(1));
        Ok(self.list(INCIDENT_TABLE, &params).await?.records)
    }

    /// The newest incident carrying this `correlation_id` (idempotent create, §11).
    pub async fn find_by_correlation_id(&self, id: &str) -> Result<Option<Record>, Error> {
        self.find_by_correlation(INCIDENT_TABLE, id, CORRELATION_FIELDS)
            .await
    }

    /// The newest record of `table` carrying this `correlation_id`. The row found must carry
    /// exactly `id` (`correlation_id` is always asked for): a server that ignores the query and
    /// answers with some other row is `Error::UnexpectedAnswer`, so a create is never taken for
    /// done because of it.
    pub async fn find_by_correlation(
        &self,
        table: &str,
        id: &str,
        fields: &[&str],
    ) -> Result<Option<Record>, Error> {
        let params = ListParams::new()
            .query(
                Query::new()
                    .order_by_desc("sys_created_on")
                    .eq("correlation_id", id),
            )
            .fields(&with_field(fields, "correlation_id"))
            .limit(1)
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        let Some(rec) = self.list(table, &params).await?.records.into_iter().next() else {
            return Ok(None);
        };
        Answer {
            url: &self.url_of(&format!("/api/now/table/{table}")),
            // `list` only returns rows from a 2xx; a ServiceNow read answers 200.
            status: 200,
            write: false,
        }
        .carries_correlation(&rec, id, "the record found by correlation_id")?;
        Ok(Some(rec))
    }

    /// `POST /api/now/table/incident`; returns the created record (raw values).
    pub async fn create_incident(&self, body: &Map<String, Value>) -> Result<Record, Error> {
        self.create(INCIDENT_TABLE, body, INCIDENT_FIELDS).await
    }

    /// Appends a work note: `PATCH …?sysparm_fields=sys_id,number,sys_updated_on`.
    pub async fn append_work_note(&self, sys_id: &str, text: &str) -> Result<Record, Error> {
        let mut body = Map::new();
        body.insert("work_notes".into(), Value::String(text.to_string()));
        self.update(INCIDENT_TABLE, sys_id, &body, WORK_NOTE_FIELDS)
            .await
    }

    /// Reads many incidents by sys_id, one `sys_idIN` request per 100 ids (dv=all, no links).
    /// Ids the user cannot see are simply absent from the result.
    pub async fn incidents_by_sys_ids<S: AsRef<str>>(
        &self,
        ids: &[S],
        fields: &[&str],
    ) -> Result<Vec<Record>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(SYS_ID_BATCH) {
            let params = ListParams::new()
                .query(Query::new().in_list("sys_id", chunk))
                .fields(fields)
                .limit(u32::try_from(chunk.len()).unwrap_or(u32::MAX))
                .display(DisplayValue::All)
                .exclude_reference_link(true);
            out.extend(self.list(INCIDENT_TABLE, &params).await?.records);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_sys_id_shapes() {
        assert!(looks_like_task_number("INC0010001"));
        assert!(looks_like_task_number(" inc0000042 "));
        assert!(!looks_like_task_number("INC"));
        assert!(!looks_like_task_number("disk full"));
        assert!(!looks_like_task_number("INC12a4"));
        assert!(looks_like_sys_id("6816f79cc0a8016401c5a33be04be441"));
        assert!(!looks_like_sys_id("6816f79cc0a8016401c5a33be04be44"));
    }
}
