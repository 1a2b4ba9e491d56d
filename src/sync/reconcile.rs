//! Reading ServiceNow back before resending a delivery whose earlier attempt may have landed
//! (crash, timeout or reset after sending). Each answers "is it already there?".

use servicenow_client::{Client, DisplayValue, GetParams, Record, normalize_note};

use crate::domain::has_block;
use crate::store::Delivery;

use super::deliver::StepError;
use super::store_handle::StoreHandle;

/// A work note landed when its exact text occurs on the incident more often than earlier
/// deliveries of the same text to the same incident account for. Counting (rather than "is it
/// there?") keeps two identical notes exactly-once each: the second one is not mistaken for
/// the first. Notes carry their timestamp, so identical texts are rare but possible.
pub(crate) async fn work_note_landed(
    client: &Client,
    store: &StoreHandle,
    d: &Delivery,
    sys_id: &str,
) -> Result<bool, StepError> {
    let wanted = normalize_note(&d.payload);
    let notes = client.work_notes(sys_id).await?;
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

/// The record's current description (raw value).
pub(crate) async fn description(
    client: &Client,
    table: &str,
    sys_id: &str,
) -> Result<String, StepError> {
    let params = GetParams::new()
        .fields(&["sys_id", "description"])
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let rec = client.get(table, sys_id, &params).await?;
    Ok(rec.str("description").to_string())
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
