//! Reading ServiceNow back before resending a delivery whose earlier attempt may have landed
//! (crash, timeout or reset after sending). Each answers "is it already there?".

use servicenow_client::{Client, DisplayValue, GetParams, Record, normalize_note};

use crate::domain::has_block;
use crate::store::Delivery;

use super::deliver::StepError;
use super::store_handle::StoreHandle;

/// A work note landed when its exact text occurs on the record (in the delivery's table) more
/// often than earlier deliveries of the same text to the same record account for. Counting
/// (rather than "is it there?") keeps two identical notes exactly-once each: the second one is
/// not mistaken for the first. Notes carry their timestamp, so identical texts are rare but
/// possible.
pub(crate) async fn work_note_landed(
    client: &Client,
    store: &StoreHandle,
    d: &Delivery,
    sys_id: &str,
) -> Result<bool, StepError> {
    let wanted = normalize_note(&d.payload);
    let notes = client.work_notes_in(&d.table, sys_id).await?;
    let present = notes
        .iter()
        .filter(|e| normalize_note(&e.text) == wanted)
        .count();
    let id = d.id;
    let earlier = store
        .call(move |s| s.delivered_before_with_same_payload(id))
        .await?;
    tracing::debug!(id, present, earlier, "reconciled work note");
    Ok(present > earlier)
}

/// The record an earlier attempt of this create made, found by its unique `correlation_id`.
pub(crate) async fn created_earlier(
    client: &Client,
    table: &str,
    correlation_id: &str,
) -> Result<Option<Record>, StepError> {
    if table == servicenow_client::INCIDENT_TABLE {
        return Ok(client.find_by_correlation_id(correlation_id).await?);
    }
    // The client checks that the row found carries this correlation_id.
    Ok(client
        .find_by_correlation(table, correlation_id, &["sys_id", "number"])
        .await?)
}

/// What a description append reads and writes back: the text, and the record's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DescriptionRead {
    pub text: String,
    /// `sys_mod_count`: +1 on every effective update, so a gap between our read and the answer
    /// to our write means someone else wrote in between. `None` when ServiceNow did not send it.
    pub mod_count: Option<u64>,
    /// `sys_updated_on`, for the logs (second resolution, so it cannot order two writes).
    pub updated_on: String,
}

/// The fields a description append reads and asks back from its PATCH.
pub(crate) const DESCRIPTION_FIELDS: &[&str] =
    &["sys_id", "description", "sys_mod_count", "sys_updated_on"];

impl DescriptionRead {
    pub(crate) fn of(rec: &Record) -> Self {
        DescriptionRead {
            text: rec.str("description").to_string(),
            mod_count: rec.str("sys_mod_count").trim().parse().ok(),
            updated_on: rec.str("sys_updated_on").to_string(),
        }
    }
}

/// The record's current description (raw value) and version.
pub(crate) async fn description(
    client: &Client,
    table: &str,
    sys_id: &str,
) -> Result<DescriptionRead, StepError> {
    let params = GetParams::new()
        .fields(DESCRIPTION_FIELDS)
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let rec = client.get(table, sys_id, &params).await?;
    Ok(DescriptionRead::of(&rec))
}

/// Whether `description` already carries this delivery's block: by the anomaly's block header
/// when the delivery names its anomaly, else by the block's exact text.
pub(crate) fn block_present(description: &str, d: &Delivery) -> bool {
    match &d.anomaly {
        Some(key) => has_block(description, &key.id),
        None => description
            .replace("\r\n", "\n")
            .contains(d.payload.replace("\r\n", "\n").trim()),
    }
}
