//! Writing a description block without losing another writer's edit (docs/sync.md,
//! "Description appends").
//!
//! The Table API has no conditional write: no ETag, no If-Match, and a PATCH of `description`
//! replaces the whole text. So a human who saves the description between our GET and our PATCH
//! would have their edit overwritten, and nothing can prevent it up front. What we can do is
//! notice it afterwards and put their text back: every effective update adds 1 to
//! `sys_mod_count`, so when the answer to our PATCH carries more than (what we read + 1),
//! someone else wrote in between. The text they wrote is then only in the audit trail
//! (`sys_audit`, one row per changed field with `record_checkpoint` = the record's
//! `sys_mod_count` after that write); we write their text plus our block and check again, a
//! bounded number of times. Text that is not ours is never removed on purpose: every write is
//! the newest text we know someone else wrote, plus our block once.

use serde_json::{Map, Value};
use servicenow_client::{Client, DisplayValue, ErrorCategory, ListParams, Query, Record};

use crate::domain::append_block;
use crate::store::Delivery;

use super::deliver::StepError;
use super::reconcile::{self, DESCRIPTION_FIELDS, DescriptionRead};

/// Writes per attempt (the first one plus repairs) before the delivery is left for a retry.
pub(crate) const MAX_DESCRIPTION_WRITES: usize = 3;

/// Audit rows read back per repair, newest first: the writes we look for are seconds old.
const AUDIT_ROWS: u32 = 100;

/// Writes `read.text` plus the delivery's block, then checks the answer for a concurrent write
/// and repairs (see the module comment). `read` is what the caller read just before.
pub(crate) async fn write_keeping_others(
    client: &Client,
    d: &Delivery,
    sys_id: &str,
    read: DescriptionRead,
) -> Result<(), StepError> {
    let mut base = read;
    for _ in 0..MAX_DESCRIPTION_WRITES {
        let wanted = with_block(&base.text, d);
        let answer = patch(client, d, sys_id, &wanted).await?;
        let (Some(before), Some(after)) = (base.mod_count, answer.mod_count) else {
            tracing::warn!(
                sys_id,
                "no sys_mod_count in ServiceNow's answer: a concurrent description edit cannot be detected"
            );
            return check_answer(d, sys_id, &answer);
        };
        if after <= before + 1 {
            return check_answer(d, sys_id, &answer);
        }
        match overwritten(client, d, sys_id, before, after, &wanted).await? {
            Overwritten::Nothing => return check_answer(d, sys_id, &answer),
            Overwritten::Text { text, user } => {
                tracing::info!(
                    sys_id,
                    user,
                    before,
                    after,
                    read_at = base.updated_on,
                    written_at = answer.updated_on,
                    "description changed between our read and our write; writing it back with our block"
                );
                base = DescriptionRead {
                    text,
                    mod_count: Some(after),
                    updated_on: answer.updated_on,
                };
            }
            Overwritten::Unknown(why) => {
                return Err(StepError::Retry(format!(
                    "{} {} was changed by someone else between our read (sys_mod_count {before}) \
                     and our description write ({after}), and what they wrote cannot be read \
                     back: {why}. If they edited the description, their edit was overwritten: \
                     check the record's history, or give the account read access to sys_audit \
                     so snowlink can repair this itself",
                    d.table, sys_id
                )));
            }
        }
    }
    Err(StepError::Retry(format!(
        "{} {} was changed by someone else during each of {MAX_DESCRIPTION_WRITES} description \
         writes; the last one kept their text and the snowlink block. Check the description; \
         the next attempt reads it again",
        d.table, sys_id
    )))
}

/// `text` with the delivery's block, exactly once.
fn with_block(text: &str, d: &Delivery) -> String {
    if reconcile::block_present(text, d) {
        text.to_string()
    } else {
        append_block(text, &d.payload)
    }
}

async fn patch(
    client: &Client,
    d: &Delivery,
    sys_id: &str,
    description: &str,
) -> Result<DescriptionRead, StepError> {
    let mut body = Map::new();
    body.insert("description".into(), Value::String(description.to_string()));
    let rec = client
        .update(&d.table, sys_id, &body, DESCRIPTION_FIELDS)
        .await?;
    Ok(DescriptionRead::of(&rec))
}

/// The answer must show the block: if it does not (a business rule or the field's length limit
/// cut it), the delivery is not done.
fn check_answer(d: &Delivery, sys_id: &str, answer: &DescriptionRead) -> Result<(), StepError> {
    if reconcile::block_present(&answer.text, d) {
        return Ok(());
    }
    Err(StepError::Retry(format!(
        "ServiceNow answered the description write to {} {sys_id} with a description that does \
         not hold the snowlink block (cut by a length limit or a business rule?); check the \
         record's description",
        d.table
    )))
}

/// What someone else wrote to the description between two of the record's versions.
#[derive(Debug, PartialEq, Eq)]
enum Overwritten {
    /// Their writes changed other fields only.
    Nothing,
    /// The newest description another writer left before our write.
    Text { text: String, user: String },
    /// The audit trail cannot be read (no rights, or our own write is not in it).
    Unknown(String),
}

/// Looks in `sys_audit` for description changes between our read (`before`) and our write.
/// Our own write (the text we sent, at most at checkpoint `ours`) must be there too: when it is
/// not, the rows are hidden from this account (a base instance lets only admins read
/// `sys_audit`), and no row is no proof.
async fn overwritten(
    client: &Client,
    d: &Delivery,
    sys_id: &str,
    before: u64,
    ours: u64,
    sent: &str,
) -> Result<Overwritten, StepError> {
    let params = ListParams::new()
        .query(
            Query::new()
                .eq("tablename", &d.table)
                .eq("documentkey", sys_id)
                .eq("fieldname", "description")
                .order_by_desc("sys_created_on"),
        )
        .fields(&["record_checkpoint", "newvalue", "user"])
        .limit(AUDIT_ROWS)
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let rows = match client.list("sys_audit", &params).await {
        Ok(page) => page.records,
        // A refusal here is about the audit table, not the delivery: it must not pause the
        // instance or kill the row.
        Err(e)
            if matches!(
                e.category(),
                ErrorCategory::Permission | ErrorCategory::NotFound | ErrorCategory::Invalid
            ) =>
        {
            return Ok(Overwritten::Unknown(format!(
                "reading sys_audit failed: {e}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(pick(&rows, before, ours, sent))
}

/// Our write is the row holding the text we sent within `(before, ours]` (a business rule that
/// updates the record again may have moved the count past it); the other writers' rows are the
/// ones between our read and it.
fn pick(rows: &[Record], before: u64, ours: u64, sent: &str) -> Overwritten {
    let checkpoint = |r: &Record| r.str("record_checkpoint").trim().parse::<u64>().ok();
    let same =
        |a: &str, b: &str| a.replace("\r\n", "\n").trim_end() == b.replace("\r\n", "\n").trim_end();
    let with_checkpoint = || rows.iter().filter_map(|r| Some((checkpoint(r)?, r)));
    let Some(our_write) = with_checkpoint()
        .filter(|(c, r)| *c > before && *c <= ours && same(r.str("newvalue"), sent))
        .map(|(c, _)| c)
        .min()
    else {
        return Overwritten::Unknown(
            "sys_audit does not show our own write (the account cannot read sys_audit, or the \
             table is not audited)"
                .into(),
        );
    };
    with_checkpoint()
        .filter(|(c, _)| *c > before && *c < our_write)
        .max_by_key(|(c, _)| *c)
        .map_or(Overwritten::Nothing, |(_, r)| Overwritten::Text {
            text: r.str("newvalue").to_string(),
            user: r.str("user").to_string(),
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn row(checkpoint: u64, text: &str) -> Record {
        serde_json::from_value(serde_json::json!({
            "record_checkpoint": checkpoint.to_string(),
            "newvalue": text,
            "user": "beth.anglin",
        }))
        .unwrap()
    }

    #[test]
    fn picks_the_newest_other_write_before_ours() {
        let rows = [
            row(7, "ours"),
            row(6, "second"),
            row(5, "first"),
            row(4, "old"),
        ];
        assert_eq!(
            pick(&rows, 4, 7, "ours\r\n"),
            Overwritten::Text {
                text: "second".into(),
                user: "beth.anglin".into()
            }
        );
        assert_eq!(pick(&rows[..1], 4, 7, "ours"), Overwritten::Nothing);
    }

    #[test]
    fn a_rule_that_updates_again_does_not_hide_our_write() {
        // Our write was checkpoint 6; a business rule's own update made the answer say 7.
        let rows = [row(6, "ours"), row(5, "theirs")];
        assert_eq!(
            pick(&rows, 4, 7, "ours"),
            Overwritten::Text {
                text: "theirs".into(),
                user: "beth.anglin".into()
            }
        );
        assert_eq!(pick(&rows[..1], 5, 7, "ours"), Overwritten::Nothing);
    }

    #[test]
    fn hidden_audit_rows_are_no_proof() {
        assert!(matches!(
            pick(&[], 4, 7, "ours"),
            Overwritten::Unknown(why) if why.contains("cannot read sys_audit")
        ));
        assert!(matches!(
            pick(&[row(5, "theirs")], 4, 7, "ours"),
            Overwritten::Unknown(_)
        ));
    }
}
