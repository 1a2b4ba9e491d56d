//! Silences: how snowlink acknowledges an alert in Alertmanager (which has no acknowledge of its
//! own). Acknowledge creates a silence matching exactly the alert's labels; while the anomaly
//! stays acknowledged the caller renews it before it ends; un-acknowledge or archive expires it
//! (docs/sources-alertmanager.md, "Acknowledge = silence").

use std::time::Duration;

use jiff::Timestamp;
use reqwest::Method;

use super::error::AlertmanagerError;
use super::http::{AlertmanagerClient, Call};
use super::model::{Alert, Matcher, Silence, SilenceCreated, SilenceId, SilenceSpec, SilenceState};

/// `createdBy` of every silence snowlink makes, so people (and snowlink) can tell them apart.
pub const SILENCE_CREATED_BY: &str = "snowlink";

const SILENCE_GONE: &str = "it may have been expired and garbage-collected (Alertmanager keeps expired silences for --data.retention, 120 h by default); acknowledge again to create a new silence";

/// The silence snowlink sends when the alert is acknowledged now: every label matched exactly,
/// `createdBy = snowlink`, ending `ttl` from now, and a comment naming the linked incidents.
pub fn ack_silence_for(
    alert: &Alert,
    linked_incidents: &[String],
    ttl: Duration,
) -> Result<SilenceSpec, AlertmanagerError> {
    ack_silence_at(alert, linked_incidents, ttl, Timestamp::now())
}

/// [`ack_silence_for`] at a given time (tests, and a caller that batches several alerts).
pub fn ack_silence_at(
    alert: &Alert,
    linked_incidents: &[String],
    ttl: Duration,
    now: Timestamp,
) -> Result<SilenceSpec, AlertmanagerError> {
    if alert.labels.is_empty() {
        // A silence needs at least one matcher, and one without would silence everything.
        return Err(AlertmanagerError::Config {
            message: format!(
                "alert {} has no labels, so no silence can match it alone; acknowledge it in snowlink only",
                alert.fingerprint
            ),
        });
    }
    Ok(SilenceSpec {
        matchers: alert
            .labels
            .iter()
            .map(|(k, v)| Matcher::equal(k, v))
            .collect(),
        starts_at: now,
        ends_at: ends_after(now, ttl)?,
        created_by: SILENCE_CREATED_BY.to_owned(),
        comment: ack_comment(linked_incidents),
    })
}

/// "acknowledged in snowlink; linked INC0010001, INC0010002" (or "; no linked incident").
pub fn ack_comment(linked_incidents: &[String]) -> String {
    if linked_incidents.is_empty() {
        "acknowledged in snowlink; no linked incident".to_owned()
    } else {
        format!(
            "acknowledged in snowlink; linked {}",
            linked_incidents.join(", ")
        )
    }
}

/// `now + ttl`, or a settings error for a TTL that is zero or beyond the calendar.
pub fn ends_after(now: Timestamp, ttl: Duration) -> Result<Timestamp, AlertmanagerError> {
    let bad = || AlertmanagerError::Config {
        message: format!(
            "ack_ttl {} s cannot end a silence; set ack_ttl to a duration such as \"4h\"",
            ttl.as_secs()
        ),
    };
    if ttl.is_zero() {
        return Err(bad());
    }
    let signed = jiff::SignedDuration::try_from(ttl).map_err(|_| bad())?;
    now.checked_add(signed).map_err(|_| bad())
}

impl AlertmanagerClient {
    /// `POST /api/v2/silences`: creates the silence and returns the id Alertmanager gave it.
    pub async fn create_silence(&self, spec: &SilenceSpec) -> Result<SilenceId, AlertmanagerError> {
        if spec.matchers.is_empty() {
            return Err(AlertmanagerError::Config {
                message:
                    "a silence needs at least one matcher (one without would silence every alert)"
                        .into(),
            });
        }
        self.post_silence(&spec_body(spec, None)?).await
    }

    /// Extends a silence to `ends_at` (and replaces its comment when given), keeping its id where
    /// Alertmanager allows it. Alertmanager updates in place only when the matchers and `startsAt`
    /// are unchanged, so they are read back first and sent as they are; when it cannot, it expires
    /// the old silence and answers a new id. Store the returned id.
    pub async fn renew_silence(
        &self,
        id: &SilenceId,
        ends_at: Timestamp,
        comment: Option<&str>,
    ) -> Result<SilenceId, AlertmanagerError> {
        let current = self.silence(id).await?;
        if current.status.state == SilenceState::Expired {
            return Err(AlertmanagerError::SilenceExpired { id: id.to_string() });
        }
        let spec = SilenceSpec {
            matchers: current.matchers,
            starts_at: current.starts_at,
            ends_at,
            created_by: current.created_by,
            comment: comment.map_or(current.comment, str::to_owned),
        };
        self.post_silence(&spec_body(&spec, Some(id))?).await
    }

    /// `DELETE /api/v2/silence/{id}`: ends the silence now. Expiring an already expired silence
    /// succeeds, so a retried un-acknowledge is harmless.
    pub async fn expire_silence(&self, id: &SilenceId) -> Result<(), AlertmanagerError> {
        let result = self
            .send::<()>(Call {
                method: Method::DELETE,
                path: silence_path(id),
                query: Vec::new(),
                body: None,
                what: format!("silence {id}"),
                fix: SILENCE_GONE,
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            // Alertmanager 0.25 answers an unknown id on DELETE with 500 "silence not found".
            Err(AlertmanagerError::Server {
                url,
                status,
                message,
            }) if message.contains("not found") => Err(AlertmanagerError::NotFound {
                url,
                status,
                what: format!("silence {id}"),
                fix: SILENCE_GONE,
            }),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/v2/silences`: every silence Alertmanager keeps (active, pending and expired
    /// ones not yet garbage-collected). No paging, bounded by the response cap.
    pub async fn silences(&self) -> Result<Vec<Silence>, AlertmanagerError> {
        let path = "/api/v2/silences".to_owned();
        let body = self
            .send::<()>(Call {
                method: Method::GET,
                path: path.clone(),
                query: Vec::new(),
                body: None,
                what: "the silences route (/api/v2/silences)".into(),
                fix: "point url at Alertmanager 0.25 or later (API v2)",
            })
            .await?;
        serde_json::from_slice(&body).map_err(|e| AlertmanagerError::Malformed {
            url: format!("{}{path}", self.base_url()),
            cause: format!("silences: {e}"),
        })
    }

    /// The silence snowlink made for exactly these matchers that is still active or pending, if
    /// any: an acknowledge whose outcome was lost (a timeout or crash after the POST) adopts it
    /// instead of creating a second one.
    pub async fn find_ack_silence(
        &self,
        matchers: &[Matcher],
    ) -> Result<Option<Silence>, AlertmanagerError> {
        let all = self.silences().await?;
        Ok(all
            .into_iter()
            .filter(|s| is_ours_for(s, matchers))
            .max_by_key(|s| s.ends_at))
    }

    /// `GET /api/v2/silence/{id}`.
    pub async fn silence(&self, id: &SilenceId) -> Result<Silence, AlertmanagerError> {
        let path = silence_path(id);
        let body = self
            .send::<()>(Call {
                method: Method::GET,
                path: path.clone(),
                query: Vec::new(),
                body: None,
                what: format!("silence {id}"),
                fix: SILENCE_GONE,
            })
            .await?;
        serde_json::from_slice(&body).map_err(|e| AlertmanagerError::Malformed {
            url: format!("{}{path}", self.base_url()),
            cause: format!("silence: {e}"),
        })
    }

    async fn post_silence(&self, body: &serde_json::Value) -> Result<SilenceId, AlertmanagerError> {
        let path = "/api/v2/silences".to_owned();
        let answer = self
            .send(Call {
                method: Method::POST,
                path: path.clone(),
                query: Vec::new(),
                body: Some(body),
                what: "the silences route (/api/v2/silences)".into(),
                fix: "point url at Alertmanager 0.25 or later (API v2); to update a silence that is gone, acknowledge again",
            })
            .await?;
        let created: SilenceCreated =
            serde_json::from_slice(&answer).map_err(|e| AlertmanagerError::Malformed {
                url: format!("{}{path}", self.base_url()),
                cause: format!("silence created: {e}"),
            })?;
        if created.silence_id.as_str().is_empty() {
            return Err(AlertmanagerError::Malformed {
                url: format!("{}{path}", self.base_url()),
                cause: "silence created with an empty silenceID".into(),
            });
        }
        Ok(created.silence_id)
    }
}

/// Whether `s` is a live snowlink silence with exactly `matchers` (in any order).
pub fn is_ours_for(s: &Silence, matchers: &[Matcher]) -> bool {
    if s.created_by != SILENCE_CREATED_BY || s.status.state == SilenceState::Expired {
        return false;
    }
    let key = |m: &Matcher| (m.name.clone(), m.value.clone(), m.is_regex, m.is_equal);
    let mut a: Vec<_> = s.matchers.iter().map(key).collect();
    let mut b: Vec<_> = matchers.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// The postable silence: the spec, plus `id` when it updates an existing silence.
fn spec_body(
    spec: &SilenceSpec,
    id: Option<&SilenceId>,
) -> Result<serde_json::Value, AlertmanagerError> {
    let mut body = serde_json::to_value(spec).map_err(|e| AlertmanagerError::Config {
        message: format!("cannot encode the silence ({e})"),
    })?;
    if let (Some(id), Some(map)) = (id, body.as_object_mut()) {
        map.insert("id".into(), serde_json::Value::String(id.to_string()));
    }
    Ok(body)
}

/// The id goes into the path, so it is percent-encoded (an id is a UUID, but this is input).
fn silence_path(id: &SilenceId) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_str().as_bytes()).collect();
    // `.` too, so an id of `..` cannot climb out of the route.
    format!(
        "/api/v2/silence/{}",
        encoded.replace('+', "%20").replace('.', "%2E")
    )
}

#[cfg(test)]
#[path = "silences_tests.rs"]
mod tests;
