//! Source deliveries to Alertmanager, which has no acknowledge: an acknowledge is a silence that
//! matches exactly the alert's labels (`createdBy = snowlink`, ending `ack_ttl` from now, its
//! comment naming the linked incidents); un-acknowledge and archive expire it; comments stay
//! local. Creating a silence is not idempotent, so an acknowledge first looks for a live
//! snowlink silence with exactly those matchers and adopts it (the outcome of an earlier POST may
//! have been lost): one silence per acknowledged alert, however often it is retried.
//!
//! Renewal ([`renew_due`]) keeps the silence alive while the anomaly stays acknowledged and the
//! alert still fires: run periodically by the source worker, it renews a silence once less than
//! half of `ack_ttl` is left ([`renewal_due`]).

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;

use crate::domain::AnomalyKey;
use crate::source::alertmanager::{
    Alert, AlertQuery, AlertmanagerClient, AlertmanagerError, SilenceId, ack_comment,
    ack_silence_at, ends_after,
};
use crate::store::{Delivery, DeliveryKind, RefChange};

use super::super::store_handle::StoreHandle;
use super::{SourceFailure, SourceLanded, Verdict};

/// The `source_refs` kind of an acknowledge's silence.
pub const SILENCE_REF: &str = "silence";

pub(crate) async fn deliver(
    client: &AlertmanagerClient,
    ack_ttl: Duration,
    store: &StoreHandle,
    d: &Delivery,
) -> Result<SourceLanded, SourceFailure> {
    let key = d
        .anomaly
        .clone()
        .ok_or_else(|| SourceFailure::dead("the delivery names no anomaly"))?;
    match d.kind {
        DeliveryKind::SourceAck => {
            let alert = alert_of(store, &key).await?;
            let incidents = linked_numbers(store, &key).await?;
            let (id, until, sent) = acknowledge(client, &alert, &incidents, ack_ttl).await?;
            Ok(SourceLanded {
                sent,
                note: if sent {
                    format!("silence {id} created until {until}")
                } else {
                    format!("silence {id} already there (adopted)")
                },
                change: RefChange::Set {
                    kind: SILENCE_REF.into(),
                    reference: id.to_string(),
                    until: Some(until),
                },
            })
        }
        DeliveryKind::SourceUnack | DeliveryKind::SourceArchive => {
            let expired = expire_all(client, store, &key).await?;
            Ok(SourceLanded {
                sent: !expired.is_empty(),
                note: if expired.is_empty() {
                    "no silence to expire".into()
                } else {
                    format!("silence {} expired", expired.join(", "))
                },
                change: RefChange::Remove {
                    kind: SILENCE_REF.into(),
                },
            })
        }
        DeliveryKind::SourceComment => Err(SourceFailure::dead(
            "kept local: Alertmanager has no comments (the acknowledge silence's comment names the linked incidents)",
        )),
        other => Err(SourceFailure::dead(format!(
            "{} is not a source write-back",
            other.code()
        ))),
    }
}

/// Adopts the live snowlink silence with exactly the alert's matchers, else creates one.
/// Returns its id, its end, and whether a silence was created.
async fn acknowledge(
    client: &AlertmanagerClient,
    alert: &Alert,
    incidents: &[String],
    ack_ttl: Duration,
) -> Result<(SilenceId, Timestamp, bool), SourceFailure> {
    let spec = ack_silence_at(alert, incidents, ack_ttl, Timestamp::now()).map_err(classify)?;
    if let Some(existing) = client
        .find_ack_silence(&spec.matchers)
        .await
        .map_err(classify)?
    {
        return Ok((existing.id, existing.ends_at, false));
    }
    let id = client.create_silence(&spec).await.map_err(classify)?;
    Ok((id, spec.ends_at, true))
}

/// Expires the recorded silence and any other live snowlink silence for this alert (one whose
/// id was never recorded because its answer was lost). Returns the ids expired.
async fn expire_all(
    client: &AlertmanagerClient,
    store: &StoreHandle,
    key: &AnomalyKey,
) -> Result<Vec<String>, SourceFailure> {
    let mut ids: Vec<SilenceId> = Vec::new();
    let k = key.clone();
    if let Some(r) = store
        .call(move |s| s.source_ref(&k, SILENCE_REF))
        .await
        .map_err(SourceFailure::store)?
    {
        ids.push(SilenceId(r.reference));
    }
    // The alert's matchers, when its payload is known; without them only the recorded id.
    if let Ok(alert) = alert_of(store, key).await {
        let matchers = ack_silence_at(&alert, &[], Duration::from_secs(60), Timestamp::now())
            .map(|s| s.matchers)
            .unwrap_or_default();
        if !matchers.is_empty() {
            let all = client.silences().await.map_err(classify)?;
            for s in all {
                if crate::source::alertmanager::is_ours_for(&s, &matchers) && !ids.contains(&s.id) {
                    ids.push(s.id);
                }
            }
        }
    }
    let mut expired = Vec::new();
    for id in ids {
        match client.expire_silence(&id).await {
            Ok(()) => expired.push(id.to_string()),
            // Gone already (garbage-collected): nothing left to undo.
            Err(AlertmanagerError::NotFound { .. }) => {}
            Err(e) => return Err(classify(e)),
        }
    }
    Ok(expired)
}

async fn alert_of(store: &StoreHandle, key: &AnomalyKey) -> Result<Alert, SourceFailure> {
    let k = key.clone();
    let stored = store
        .call(move |s| s.get_anomaly(&k))
        .await
        .map_err(SourceFailure::store)?
        .ok_or_else(|| SourceFailure::dead(format!("anomaly {key} is no longer in the store")))?;
    Alert::from_json(&stored.anomaly.raw).map_err(|e| {
        SourceFailure::dead(format!(
            "anomaly {key} does not hold an Alertmanager alert ({e}); it did not come from this Alertmanager"
        ))
    })
}

async fn linked_numbers(
    store: &StoreHandle,
    key: &AnomalyKey,
) -> Result<Vec<String>, SourceFailure> {
    let k = key.clone();
    let links = store
        .call(move |s| s.links_for_anomaly(&k))
        .await
        .map_err(SourceFailure::store)?;
    Ok(links.into_iter().map(|l| l.incident.number).collect())
}

/// Whether a silence ending at `until` is due for renewal at `now`: less than half of `ttl`
/// left (or no known end).
pub fn renewal_due(until: Option<Timestamp>, now: Timestamp, ttl: Duration) -> bool {
    let Some(until) = until else { return true };
    let left_ms = until.as_millisecond() - now.as_millisecond();
    let half_ms = i64::try_from(ttl.as_millis() / 2).unwrap_or(i64::MAX);
    left_ms < half_ms
}

/// What one renewal pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RenewalReport {
    /// Anomaly ids whose silence was extended (or replaced after it had run out).
    pub renewed: Vec<String>,
    /// Anomaly ids left alone because their alert no longer fires.
    pub not_firing: Vec<String>,
    pub errors: Vec<String>,
}

/// Renews the silences of `source`'s acknowledged anomalies that are due at `now`, while their
/// alert still fires; a silence that ran out (or was deleted) is replaced by adopt-or-create.
/// One `GET /api/v2/alerts` per pass that has something due, then one renewal each.
pub(crate) async fn renew_due(
    client: &AlertmanagerClient,
    ack_ttl: Duration,
    store: &StoreHandle,
    source: &str,
    now: Timestamp,
) -> crate::sync::Result<RenewalReport> {
    let mut report = RenewalReport::default();
    let src = source.to_owned();
    let refs = store
        .call(move |s| s.acknowledged_refs(&src, SILENCE_REF))
        .await?;
    let due: Vec<_> = refs
        .into_iter()
        .filter(|r| renewal_due(r.until, now, ack_ttl))
        .collect();
    if due.is_empty() {
        return Ok(report);
    }
    let firing: HashSet<String> = match client.alerts(&AlertQuery::default()).await {
        Ok(alerts) => alerts
            .into_iter()
            .filter(|a| !crate::source::alertmanager::is_resolved(a, now))
            .map(|a| a.fingerprint)
            .collect(),
        Err(e) => {
            report.errors.push(e.to_string());
            return Ok(report);
        }
    };
    for r in due {
        let key = AnomalyKey::new(r.source.clone(), r.anomaly_id.clone());
        let k = key.clone();
        // An un-acknowledge or archive on its way decides; renewing would fight it.
        if store.call(move |s| s.source_delivery_queued(&k)).await? {
            continue;
        }
        if !firing.contains(&r.anomaly_id) {
            report.not_firing.push(r.anomaly_id.clone());
            continue;
        }
        match renew_one(client, ack_ttl, store, &key, &r.reference, now).await {
            Ok((id, until)) => {
                let (k, at) = (key.clone(), Timestamp::now());
                store
                    .call(move |s| s.set_source_ref(&k, SILENCE_REF, id.as_str(), Some(until), at))
                    .await?;
                report.renewed.push(r.anomaly_id.clone());
            }
            Err(e) => report.errors.push(format!(
                "renewing the silence of {}: {}",
                r.anomaly_id, e.message
            )),
        }
    }
    Ok(report)
}

async fn renew_one(
    client: &AlertmanagerClient,
    ack_ttl: Duration,
    store: &StoreHandle,
    key: &AnomalyKey,
    silence: &str,
    now: Timestamp,
) -> Result<(SilenceId, Timestamp), SourceFailure> {
    let until = ends_after(now, ack_ttl).map_err(classify)?;
    let incidents = linked_numbers(store, key).await?;
    let comment = ack_comment(&incidents);
    match client
        .renew_silence(&SilenceId(silence.to_owned()), until, Some(&comment))
        .await
    {
        Ok(id) => Ok((id, until)),
        // It ran out (snowlink was not running) or someone deleted it: acknowledge again.
        Err(AlertmanagerError::SilenceExpired { .. } | AlertmanagerError::NotFound { .. }) => {
            let alert = alert_of(store, key).await?;
            let (id, until, _) = acknowledge(client, &alert, &incidents, ack_ttl).await?;
            Ok((id, until))
        }
        Err(e) => Err(classify(e)),
    }
}

/// What an Alertmanager error means for the delivery (docs/sync.md §Source deliveries).
pub(crate) fn classify(e: AlertmanagerError) -> SourceFailure {
    use AlertmanagerError as A;
    let verdict = match &e {
        A::Connect { .. } => Verdict::Retry {
            after: None,
            outcome_unknown: false,
        },
        // A POST may have been applied before its answer was lost or failed.
        A::Timeout { .. } | A::Transport { .. } | A::Server { .. } | A::Malformed { .. } => {
            Verdict::Retry {
                after: None,
                outcome_unknown: true,
            }
        }
        A::Auth { .. } | A::UnexpectedStatus { .. } => Verdict::Pause,
        A::NotFound { .. } => Verdict::Failed,
        A::Rejected { .. } | A::Config { .. } | A::TooLarge { .. } | A::SilenceExpired { .. } => {
            Verdict::Dead
        }
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

    #[test]
    fn a_silence_is_renewed_once_less_than_half_its_ttl_is_left() {
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let ttl = Duration::from_secs(4 * 3600);
        let at = |mins: i64| Some(now + jiff::SignedDuration::from_mins(mins));
        assert!(!renewal_due(at(4 * 60), now, ttl), "just made");
        assert!(!renewal_due(at(121), now, ttl), "more than half left");
        assert!(renewal_due(at(119), now, ttl), "less than half left");
        assert!(renewal_due(at(-5), now, ttl), "already ended");
        assert!(renewal_due(None, now, ttl), "end unknown");
    }

    #[test]
    fn errors_map_to_retry_pause_failed_or_dead() {
        let url = "http://am".to_string();
        assert_eq!(
            classify(AlertmanagerError::Auth {
                url: url.clone(),
                status: 401
            })
            .verdict,
            Verdict::Pause
        );
        assert_eq!(
            classify(AlertmanagerError::Server {
                url: url.clone(),
                status: 503,
                message: "x".into()
            })
            .verdict,
            Verdict::Retry {
                after: None,
                outcome_unknown: true
            }
        );
        assert_eq!(
            classify(AlertmanagerError::Rejected {
                url,
                status: 400,
                message: "bad matcher".into()
            })
            .verdict,
            Verdict::Dead
        );
    }
}
