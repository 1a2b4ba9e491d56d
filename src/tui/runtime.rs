//! Performs effects against the [`Backend`] on tokio tasks and reports each result as a `Msg`.
//! The write policy lives here, not in views: on a read-only profile every write effect is
//! answered with `Reply::Failed` and never reaches the backend.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::domain::Status;

use super::backend::Backend;
use super::effect::Effect;
use super::msg::{Msg, Reply};

/// Longest any backend call may take before the dashboard gives up on it and says so. The client
/// has its own, shorter, per-request timeouts; this guards against anything else hanging.
pub const EFFECT_TIMEOUT: Duration = Duration::from_secs(90);

/// Starts `effect` on its own task; the reply goes to `tx`. Local effects (clipboard, browser,
/// editor) are not handled here: the event loop performs them because they need the terminal.
pub fn spawn<B: Backend>(backend: &Arc<B>, effect: Effect, tx: &UnboundedSender<Msg>) {
    let backend = Arc::clone(backend);
    let tx = tx.clone();
    tokio::spawn(async move {
        if let Some(msg) = perform(backend.as_ref(), effect, EFFECT_TIMEOUT).await {
            // The loop has gone away when this fails: nobody is left to tell.
            let _ = tx.send(msg);
        }
    });
}

/// The refusal text for a write on a read-only profile.
pub fn read_only_refusal(instance: &str, what: &str) -> String {
    format!(
        "{what} refused: instance \"{instance}\" is read-only (set read_only = false under \
         [instances.{instance}] to allow writes)"
    )
}

fn what(effect: &Effect) -> &'static str {
    match effect {
        Effect::CreateTicket { .. } => "create ticket",
        Effect::Link { .. } => "link",
        Effect::Unlink { .. } => "unlink",
        Effect::Ack { .. } => "acknowledge",
        Effect::Archive { .. } => "archive",
        Effect::Comment { .. } => "comment",
        Effect::RefreshSources { .. } => "source refresh",
        _ => "request",
    }
}

/// Runs one effect to completion (with a time limit) and returns the message for `update`.
pub async fn perform<B: Backend>(backend: &B, effect: Effect, limit: Duration) -> Option<Msg> {
    let req = effect.req()?;
    if effect.is_local() {
        return None;
    }
    let info = backend.info();
    if info.read_only && effect.is_write() {
        return Some(Msg::Reply {
            req,
            reply: Reply::Failed(read_only_refusal(&info.instance, what(&effect))),
        });
    }
    let label = what(&effect);
    let reply = match tokio::time::timeout(limit, run(backend, effect)).await {
        Ok(Some(reply)) => reply,
        Ok(None) => return None,
        Err(_) => Reply::Failed(format!(
            "{label} timed out after {} s: the instance may be slow or unreachable; press r to retry",
            limit.as_secs()
        )),
    };
    Some(Msg::Reply { req, reply })
}

async fn run<B: Backend>(b: &B, effect: Effect) -> Option<Reply> {
    Some(match effect {
        Effect::LoadAnomalies { .. } => Reply::Anomalies(b.anomalies().await),
        Effect::LoadAnomaliesSince { rev, .. } => Reply::AnomaliesSince {
            since: rev,
            result: b.anomalies_since(rev).await,
        },
        Effect::LoadSources { .. } => Reply::Sources(b.sources().await),
        Effect::LoadRules { .. } => Reply::Rules(b.rules().await),
        Effect::RefreshSources { .. } => Reply::SourcesRefreshed(b.refresh_sources().await),
        Effect::LoadDetail { id, .. } => {
            let result = b.detail(&id).await;
            let urls = match &result {
                Ok(d) => d
                    .links
                    .iter()
                    .map(|l| b.incident_url(&l.incident))
                    .collect(),
                Err(_) => Vec::new(),
            };
            Reply::Detail {
                key: id,
                result,
                urls,
            }
        }
        Effect::LoadOutbox { .. } => Reply::Outbox(b.outbox_counts().await),
        Effect::CheckConnection { .. } => Reply::Connection(b.connection().await),
        Effect::LoadChoices {
            instance,
            table,
            element,
            dependent,
            ..
        } => {
            let result = b
                .choices(&instance, &table, &element, dependent.as_deref())
                .await;
            Reply::Choices { element, result }
        }
        Effect::SearchGroups { instance, text, .. } => {
            Reply::Groups(b.search_groups(&instance, &text).await)
        }
        Effect::SearchUsers {
            instance,
            text,
            group: None,
            ..
        } => Reply::Users(b.search_users(&instance, &text).await),
        Effect::SearchUsers {
            instance,
            text,
            group: Some(g),
            ..
        } => Reply::Users(b.group_members(&instance, &g, &text).await),
        Effect::SearchIncidents { text, .. } => Reply::Incidents(b.search_incidents(&text).await),
        Effect::CreateTicket {
            instance,
            anomaly,
            draft,
            also,
            ..
        } => {
            let result = b.create_ticket(&instance, &anomaly, &draft, &also).await;
            Reply::Created { anomaly, result }
        }
        Effect::Link {
            anomaly, incident, ..
        } => {
            let result = b.link(&anomaly, &incident).await;
            Reply::Linked { anomaly, result }
        }
        Effect::Unlink {
            anomaly, incident, ..
        } => {
            let result = b.unlink(&anomaly, &incident).await;
            Reply::Unlinked {
                anomaly,
                incident,
                result,
            }
        }
        Effect::Ack { ids, .. } => {
            let result = b.set_status(&ids, Status::Acknowledged).await;
            Reply::StatusSet {
                ids,
                status: Status::Acknowledged,
                result,
            }
        }
        Effect::Archive { ids, reason, .. } => {
            let status = Status::Archived(reason);
            let result = b.set_status(&ids, status).await;
            Reply::StatusSet {
                ids,
                status,
                result,
            }
        }
        Effect::Comment { id, text, .. } => {
            let result = b.comment(&id, &text).await;
            Reply::Commented {
                anomaly: id,
                result,
            }
        }
        Effect::RefreshLinks { .. } => Reply::LinksRefreshed(b.refresh_links().await),
        Effect::LoadIncident {
            incident, unless, ..
        } => {
            // A failed store read counts as a change: reading again is the safe side.
            let mark = b.incident_mark(&incident).await;
            match (unless, mark) {
                (Some(seen), Ok(mark)) if seen == mark => Reply::IncidentUnchanged { incident },
                (_, mark) => Reply::Incident {
                    result: b.incident_activity(&incident).await,
                    mark: mark.ok().flatten(),
                    incident,
                },
            }
        }
        Effect::CopyToClipboard { .. } | Effect::OpenBrowser { .. } | Effect::OpenEditor { .. } => {
            return None;
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::{AnomalyKey, ArchiveReason, TicketDraft};
    use crate::tui::backend::BackendInfo;
    use crate::tui::fake::FakeBackend;
    use crate::tui::msg::ReqId;

    fn read_only() -> FakeBackend {
        FakeBackend {
            info: Some(BackendInfo {
                instance: "prod".into(),
                instances: vec!["prod".into()],
                url: "https://acme.example".into(),
                user: "ann".into(),
                read_only: true,
                demo: false,
                poll_secs: None,
            }),
            ..FakeBackend::default()
        }
    }

    #[tokio::test]
    async fn read_only_profile_refuses_every_write_before_the_backend() {
        let b = read_only();
        let key = AnomalyKey::new("wh", "A-1");
        let writes = vec![
            Effect::Ack {
                req: ReqId(1),
                ids: vec![key.clone()],
            },
            Effect::Archive {
                req: ReqId(2),
                ids: vec![key.clone()],
                reason: ArchiveReason::Invalid,
            },
            Effect::Comment {
                req: ReqId(3),
                id: key.clone(),
                text: "x".into(),
            },
            Effect::Link {
                req: ReqId(4),
                anomaly: key.clone(),
                incident: "INC0010001".into(),
            },
            Effect::CreateTicket {
                req: ReqId(5),
                instance: "prod".into(),
                anomaly: key.clone(),
                draft: TicketDraft::for_anomaly(&crate::domain::Anomaly::new("A-1", "t")),
                also: Vec::new(),
            },
        ];
        for (i, e) in writes.into_iter().enumerate() {
            assert!(e.is_write());
            let msg = perform(&b, e, EFFECT_TIMEOUT).await.unwrap();
            match msg {
                Msg::Reply {
                    req,
                    reply: Reply::Failed(text),
                } => {
                    assert_eq!(req, ReqId(i as u64 + 1));
                    assert!(text.contains("instance \"prod\" is read-only"), "{text}");
                    assert!(text.contains("read_only = false"), "{text}");
                }
                other => panic!("not refused: {other:?}"),
            }
        }
        assert!(b.calls().is_empty(), "backend was called: {:?}", b.calls());
        // Reads still work.
        let msg = perform(&b, Effect::LoadAnomalies { req: ReqId(9) }, EFFECT_TIMEOUT).await;
        assert!(matches!(
            msg,
            Some(Msg::Reply {
                reply: Reply::Anomalies(Ok(_)),
                ..
            })
        ));
        assert_eq!(b.calls(), vec!["anomalies"]);
    }

    #[tokio::test]
    async fn writes_reach_the_backend_when_allowed() {
        let b = FakeBackend::default();
        let key = AnomalyKey::new("wh", "A-1");
        let msg = perform(
            &b,
            Effect::Archive {
                req: ReqId(1),
                ids: vec![key],
                reason: ArchiveReason::Duplicate,
            },
            EFFECT_TIMEOUT,
        )
        .await
        .unwrap();
        assert!(matches!(
            msg,
            Msg::Reply {
                reply: Reply::StatusSet { result: Ok(1), .. },
                ..
            }
        ));
        assert_eq!(b.calls(), vec!["status 1 archived:duplicate"]);
    }

    #[tokio::test]
    async fn list_updates_carry_only_the_rows_since_the_revision() {
        let mut b = FakeBackend {
            rows: crate::tui::test_support::rows(3),
            ..FakeBackend::default()
        };
        let mut changed = crate::tui::test_support::row(0);
        changed.title = "changed".into();
        b.rows.push(changed);
        let effect = Effect::LoadAnomaliesSince {
            req: ReqId(1),
            rev: 2,
        };
        let msg = perform(&b, effect, EFFECT_TIMEOUT).await.unwrap();
        let Msg::Reply {
            reply:
                Reply::AnomaliesSince {
                    since: 2,
                    result: Ok((rows, 4)),
                },
            ..
        } = msg
        else {
            panic!("wrong reply: {msg:?}")
        };
        let ids: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(ids, [b.rows[2].title.as_str(), "changed"]);
        assert_eq!(b.calls(), vec!["since 2"]);
    }

    #[tokio::test]
    async fn local_effects_are_left_to_the_loop() {
        let b = FakeBackend::default();
        let e = Effect::OpenEditor {
            req: ReqId(1),
            text: String::new(),
        };
        assert!(perform(&b, e, EFFECT_TIMEOUT).await.is_none());
        let e = Effect::CopyToClipboard { text: "u".into() };
        assert!(perform(&b, e, EFFECT_TIMEOUT).await.is_none());
    }

    #[tokio::test]
    async fn detail_carries_incident_urls() {
        let mut b = FakeBackend::default();
        let r = crate::tui::test_support::row(0);
        b.details
            .insert(r.key.clone(), crate::tui::test_support::detail(&r));
        let msg = perform(
            &b,
            Effect::LoadDetail {
                req: ReqId(1),
                id: r.key.clone(),
            },
            EFFECT_TIMEOUT,
        )
        .await
        .unwrap();
        let Msg::Reply {
            reply: Reply::Detail { urls, .. },
            ..
        } = msg
        else {
            panic!("wrong reply")
        };
        assert_eq!(urls.len(), 4);
        assert!(urls[0].ends_with("sys_id=sys-INC0010001"));
    }
}
