//! Comments on anomalies, each queued as a work note to every linked incident atomically.

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, comment_note};

use super::outbox::{DeliveryKind, OutboxId};
use super::status::{current_status, enqueue_for_links};
use super::writeback::{SourceWrite, write_back_tx};
use super::{Result, Store, StoreError, from_ms, ms};

/// One comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub text: String,
    pub at: Timestamp,
}

/// What [`Store::record_comment`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentRecorded {
    pub comment_id: i64,
    /// One work note per linked, non-broken incident.
    pub outbox: Vec<OutboxId>,
    /// The comment written back to the anomaly's source, or why it stays local.
    pub source: SourceWrite,
}

impl Store {
    /// Stores the comment and queues the comment note for every linked incident and, where the
    /// source has a comment route, the comment for the source, atomically.
    pub fn record_comment(
        &mut self,
        key: &AnomalyKey,
        author: &str,
        text: &str,
        at: Timestamp,
    ) -> Result<CommentRecorded> {
        if text.trim().is_empty() {
            return Err(StoreError::Invalid("comment text is empty".into()));
        }
        let tx = self.write_tx()?;
        current_status(&tx, key)?; // existence check with a clear error
        let comment_id: i64 = tx.query_row(
            "INSERT INTO comments (source, anomaly_id, author, text, at) VALUES (?1, ?2, ?3, ?4, ?5) \
             RETURNING id",
            params![key.source, key.id, author, text, ms(at)],
            |r| r.get(0),
        )?;
        let note = comment_note(&key.id, author, text, at);
        let outbox = enqueue_for_links(&tx, key, DeliveryKind::WorkNote, &note, at)?;
        let plan = (
            DeliveryKind::SourceComment,
            "comment",
            source_comment_text(author, text),
        );
        let source = write_back_tx(&tx, key, Some(plan), at)?;
        tx.commit()?;
        if !outbox.is_empty() || source.outbox.is_some() {
            self.wake_workers();
        }
        Ok(CommentRecorded {
            comment_id,
            outbox,
            source,
        })
    }

    /// Comments on an anomaly, oldest first.
    pub fn comments(&self, key: &AnomalyKey) -> Result<Vec<Comment>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, author, text, at FROM comments WHERE source = ?1 AND anomaly_id = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![key.source, key.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        rows.map(|r| {
            let (id, author, text, at) = r?;
            Ok(Comment {
                id,
                author,
                text,
                at: from_ms(at)?,
            })
        })
        .collect()
    }
}

/// The text a comment is written back to its source with: the comment, then who wrote it (the
/// source's API posts it as the token's user).
pub fn source_comment_text(author: &str, text: &str) -> String {
    format!("{text}\n\n— {author} (via snowlink)")
}
