//! Source deliveries to Qualytics: acknowledge (`PUT status=Acknowledged`), un-acknowledge
//! (`PUT status=Active`), archive (`DELETE ?archive=true&status=<reason>`) and comment
//! (`POST /api/comments`). Status writes are idempotent; an archive or comment whose outcome is
//! unknown is read back first, so it is applied once.

use crate::domain::ArchiveReason;
use crate::source::qualytics::{QualyticsClient, QualyticsError, archive_status};
use crate::store::{Delivery, DeliveryKind, RefChange};

use super::{SourceFailure, SourceLanded, Verdict};

pub(crate) async fn deliver(
    client: &QualyticsClient,
    d: &Delivery,
) -> Result<SourceLanded, SourceFailure> {
    let raw_id = d.sys_id.as_deref().unwrap_or_default();
    let id: u64 = raw_id.parse().map_err(|_| {
        SourceFailure::dead(format!(
            "{raw_id:?} is not a Qualytics anomaly id (a number); this anomaly did not come from Qualytics"
        ))
    })?;
    let landed = |sent: bool, note: String| SourceLanded {
        sent,
        change: RefChange::Keep,
        note,
    };
    match d.kind {
        DeliveryKind::SourceAck => {
            client.acknowledge(id).await.map_err(classify)?;
            Ok(landed(true, format!("anomaly {id} Acknowledged")))
        }
        DeliveryKind::SourceUnack => {
            client.reopen(id).await.map_err(classify)?;
            Ok(landed(true, format!("anomaly {id} Active")))
        }
        DeliveryKind::SourceArchive => {
            let reason = ArchiveReason::parse(&d.payload).ok_or_else(|| {
                SourceFailure::dead(format!("unknown archive reason {:?}", d.payload))
            })?;
            let want = archive_status(reason);
            if d.outcome_unknown && already_status(client, id, want).await? {
                return Ok(landed(
                    false,
                    format!("anomaly {id} already archived {want}"),
                ));
            }
            match client.archive(id, reason).await {
                Ok(_) => Ok(landed(true, format!("anomaly {id} archived {want}"))),
                // Archived meanwhile (by our lost attempt, or in Qualytics): done if as asked.
                Err(QualyticsError::Conflict { .. })
                    if already_status(client, id, want).await? =>
                {
                    Ok(landed(
                        false,
                        format!("anomaly {id} already archived {want}"),
                    ))
                }
                Err(e) => Err(classify(e)),
            }
        }
        DeliveryKind::SourceComment => {
            if !client.can_comment().await.map_err(classify)? {
                return Err(SourceFailure::dead(format!(
                    "kept local: this Qualytics lists no comment route in its openapi.json, so the comment on anomaly {id} stays in snowlink"
                )));
            }
            if d.outcome_unknown {
                let seen = client.comment_messages(id).await.map_err(classify)?;
                if seen.iter().any(|m| m == &d.payload) {
                    return Ok(landed(
                        false,
                        format!("comment on anomaly {id} already there"),
                    ));
                }
            }
            client.comment(id, &d.payload).await.map_err(classify)?;
            Ok(landed(true, format!("comment on anomaly {id}")))
        }
        other => Err(SourceFailure::dead(format!(
            "{} is not a source write-back",
            other.code()
        ))),
    }
}

async fn already_status(
    client: &QualyticsClient,
    id: u64,
    want: crate::source::qualytics::QualyticsStatus,
) -> Result<bool, SourceFailure> {
    Ok(client.get(id).await.map_err(classify)?.status == want)
}

/// What a Qualytics error means for the delivery (docs/sync.md §Source deliveries).
pub(crate) fn classify(e: QualyticsError) -> SourceFailure {
    use QualyticsError as Q;
    let verdict = match &e {
        Q::RateLimited { retry_after, .. } => Verdict::Retry {
            after: *retry_after,
            outcome_unknown: false,
        },
        Q::Connect { .. } => Verdict::Retry {
            after: None,
            outcome_unknown: false,
        },
        // The write may have been applied before the answer was lost or failed.
        Q::Server { .. } | Q::Timeout { .. } | Q::Malformed { .. } | Q::RepeatedPage { .. } => {
            Verdict::Retry {
                after: None,
                outcome_unknown: true,
            }
        }
        Q::Unauthorized { .. } | Q::Forbidden { .. } | Q::UnexpectedStatus { .. } => Verdict::Pause,
        Q::NotFound { .. } => Verdict::Failed,
        Q::Conflict { .. }
        | Q::Invalid { .. }
        | Q::CommentsUnsupported { .. }
        | Q::WriteNotApplied { .. }
        | Q::Config { .. }
        | Q::TooLarge { .. }
        | Q::RequestCap { .. }
        | Q::RecordCap { .. } => Verdict::Dead,
    };
    SourceFailure {
        verdict,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::Duration;

    #[test]
    fn errors_map_to_retry_pause_failed_or_dead() {
        let url = "http://q/api/anomalies/1".to_string();
        let v = |e| classify(e).verdict;
        assert_eq!(
            v(QualyticsError::RateLimited {
                url: url.clone(),
                retry_after: Some(Duration::from_secs(7))
            }),
            Verdict::Retry {
                after: Some(Duration::from_secs(7)),
                outcome_unknown: false
            }
        );
        assert!(matches!(
            v(QualyticsError::Server {
                url: url.clone(),
                status: 503,
                detail: "x".into()
            }),
            Verdict::Retry {
                outcome_unknown: true,
                ..
            }
        ));
        assert_eq!(
            v(QualyticsError::Unauthorized {
                url: url.clone(),
                detail: "x".into()
            }),
            Verdict::Pause
        );
        assert_eq!(
            v(QualyticsError::Forbidden {
                url: url.clone(),
                detail: "x".into()
            }),
            Verdict::Pause
        );
        assert_eq!(
            v(QualyticsError::NotFound {
                url: url.clone(),
                what: "anomaly 1".into(),
                detail: "x".into()
            }),
            Verdict::Failed
        );
        assert_eq!(
            v(QualyticsError::Invalid {
                url,
                detail: "x".into()
            }),
            Verdict::Dead
        );
    }
}
