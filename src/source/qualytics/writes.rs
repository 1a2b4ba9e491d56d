//! Reading one anomaly and writing triage back: acknowledge, reopen, archive with a reason,
//! comment (only where `openapi.json` lists the route). Every write checks the answer.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::ArchiveReason;

use super::client::QualyticsClient;
use super::error::QualyticsError;
use super::model::{QualyticsAnomaly, QualyticsStatus};

/// A comment as `POST /api/comments` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualyticsComment {
    pub id: u64,
    pub anomaly_id: u64,
    pub message: String,
}

/// The Qualytics status an archive reason is sent as.
pub fn archive_status(reason: ArchiveReason) -> QualyticsStatus {
    match reason {
        ArchiveReason::Resolved => QualyticsStatus::Resolved,
        ArchiveReason::Invalid => QualyticsStatus::Invalid,
        ArchiveReason::Duplicate => QualyticsStatus::Duplicate,
        ArchiveReason::Discarded => QualyticsStatus::Discarded,
    }
}

impl QualyticsClient {
    /// `GET /api/anomalies/{id}`; archived anomalies are readable too.
    pub async fn get(&self, id: u64) -> Result<QualyticsAnomaly, QualyticsError> {
        let answer = self
            .send(
                Method::GET,
                &format!("/anomalies/{id}"),
                &[],
                None,
                &format!("anomaly {id}"),
            )
            .await?;
        let text = std::str::from_utf8(&answer.body).map_err(|e| QualyticsError::Malformed {
            url: answer.url.clone(),
            cause: e.to_string(),
        })?;
        QualyticsAnomaly::from_json(text).map_err(|e| QualyticsError::Malformed {
            url: answer.url.clone(),
            cause: e.to_string(),
        })
    }

    /// `PUT /api/anomalies/{id}` `{"status": "Acknowledged"}`.
    pub async fn acknowledge(&self, id: u64) -> Result<QualyticsAnomaly, QualyticsError> {
        self.set_open_status(id, QualyticsStatus::Acknowledged)
            .await
    }

    /// Back to `Active` (`PUT`, as qualytics-cli allows). An archived anomaly answers 409: the
    /// API offers no restore route.
    pub async fn reopen(&self, id: u64) -> Result<QualyticsAnomaly, QualyticsError> {
        self.set_open_status(id, QualyticsStatus::Active).await
    }

    async fn set_open_status(
        &self,
        id: u64,
        status: QualyticsStatus,
    ) -> Result<QualyticsAnomaly, QualyticsError> {
        let body = json!({ "status": status.as_str() });
        let answer = self
            .send(
                Method::PUT,
                &format!("/anomalies/{id}"),
                &[],
                Some(&body),
                &format!("anomaly {id}"),
            )
            .await?;
        let text = String::from_utf8_lossy(&answer.body);
        let got = QualyticsAnomaly::from_json(&text).map_err(|e| QualyticsError::Malformed {
            url: answer.url.clone(),
            cause: e.to_string(),
        })?;
        verify(id, status, &got)?;
        Ok(got)
    }

    /// `DELETE /api/anomalies/{id}?archive=true&status=<reason>` (a soft delete: the record stays
    /// readable). The answer is 204 without a body, so the result is read back with `get`
    /// (one more request) and checked.
    pub async fn archive(
        &self,
        id: u64,
        reason: ArchiveReason,
    ) -> Result<QualyticsAnomaly, QualyticsError> {
        let status = archive_status(reason);
        self.send(
            Method::DELETE,
            &format!("/anomalies/{id}"),
            &[
                ("archive", "true".to_owned()),
                ("status", status.as_str().to_owned()),
            ],
            None,
            &format!("anomaly {id}"),
        )
        .await?;
        let got = self.get(id).await?;
        verify(id, status, &got)?;
        Ok(got)
    }

    /// Whether this Qualytics offers `POST /api/comments`, from `GET /api/openapi.json`; asked
    /// once per client (clones share the answer). A server without the document (404) has no
    /// comments; other failures are returned and asked again next time.
    pub async fn can_comment(&self) -> Result<bool, QualyticsError> {
        let probe = self
            .comment_probe
            .get_or_try_init(|| async {
                match self
                    .send(Method::GET, "/openapi.json", &[], None, "openapi.json")
                    .await
                {
                    Ok(answer) => Ok(lists_comment_post(&answer.json()?, self.api_root())),
                    Err(QualyticsError::NotFound { .. }) => Ok(false),
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(*probe)
    }

    /// The messages of the comments on anomaly `id` (`GET /api/comments?anomaly_id=N`, the first
    /// page of 100), for reading back a comment whose outcome is unknown before resending it.
    pub async fn comment_messages(&self, id: u64) -> Result<Vec<String>, QualyticsError> {
        let answer = self
            .send(
                Method::GET,
                "/comments",
                &[("anomaly_id", id.to_string()), ("size", "100".to_owned())],
                None,
                &format!("comments of anomaly {id}"),
            )
            .await?;
        let v = answer.json()?;
        let items = v
            .get("items")
            .and_then(Value::as_array)
            .or_else(|| v.as_array())
            .ok_or_else(|| QualyticsError::Malformed {
                url: answer.url.clone(),
                cause: "expected a page of comments".to_owned(),
            })?;
        Ok(items
            .iter()
            .filter(|c| {
                c.get("anomaly_id")
                    .and_then(Value::as_u64)
                    .is_none_or(|a| a == id)
            })
            .filter_map(|c| c.get("message").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// `POST /api/comments` `{message, anomaly_id}`, only when `can_comment()`.
    pub async fn comment(&self, id: u64, text: &str) -> Result<QualyticsComment, QualyticsError> {
        if !self.can_comment().await? {
            return Err(QualyticsError::CommentsUnsupported {
                openapi: self.url("/openapi.json"),
            });
        }
        let body = json!({ "message": text, "anomaly_id": id });
        let answer = self
            .send(
                Method::POST,
                "/comments",
                &[],
                Some(&body),
                &format!("anomaly {id}"),
            )
            .await?;
        let got: QualyticsComment =
            serde_json::from_slice(&answer.body).map_err(|e| QualyticsError::Malformed {
                url: answer.url.clone(),
                cause: e.to_string(),
            })?;
        if got.anomaly_id != id || got.message != text {
            return Err(QualyticsError::WriteNotApplied {
                id,
                expected: "the comment just sent".to_owned(),
                got: format!("a comment on anomaly {}", got.anomaly_id),
            });
        }
        Ok(got)
    }
}

fn verify(id: u64, status: QualyticsStatus, got: &QualyticsAnomaly) -> Result<(), QualyticsError> {
    if got.id == id && got.status == status {
        return Ok(());
    }
    Err(QualyticsError::WriteNotApplied {
        id,
        expected: format!("anomaly {id} {status}"),
        got: format!("anomaly {} {}", got.id, got.status),
    })
}

/// The document's paths are either full (`/api/comments`) or relative to its server URL
/// (`/comments`); both count.
fn lists_comment_post(doc: &Value, api_root: &str) -> bool {
    let prefix = url::Url::parse(api_root)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return false;
    };
    [format!("{prefix}/comments"), "/comments".to_owned()]
        .iter()
        .any(|p| paths.get(p).and_then(|item| item.get("post")).is_some())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn comment_route_found_full_or_relative() {
        let full = json!({"paths": {"/api/comments": {"post": {}}}});
        let rel = json!({"paths": {"/comments": {"post": {}}}});
        let get_only = json!({"paths": {"/api/comments": {"get": {}}}});
        let root = "http://h:1/api";
        assert!(lists_comment_post(&full, root));
        assert!(lists_comment_post(&rel, root));
        assert!(!lists_comment_post(&get_only, root));
        assert!(!lists_comment_post(&json!({}), root));
    }
}
