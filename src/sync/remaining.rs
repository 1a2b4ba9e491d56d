//! What is left after a run: the undelivered rows in scope, each with a one-line reason.

use jiff::Timestamp;

use crate::store::{Delivery, DeliveryState, Outage, OutboxFilter, OutboxId, this_host};

use super::action::PauseCause;
use super::error::Result;
use super::outage::describe;
use super::report::{PausedInfo, PendingItem, SyncReport};
use super::store_handle::StoreHandle;

/// Fills `waiting`, `failed`, `dead` and `paused` of `report` from the store: the instance's
/// rows, or only `ids` when given.
pub(crate) async fn fill(
    store: &StoreHandle,
    instance: &str,
    ids: Option<&[OutboxId]>,
    paused: Option<PausedInfo>,
    outage: Option<&Outage>,
    report: &mut SyncReport,
) -> Result<()> {
    let filter = OutboxFilter {
        states: vec![
            DeliveryState::Pending,
            DeliveryState::InFlight,
            DeliveryState::Paused,
            DeliveryState::Failed,
            DeliveryState::Dead,
        ],
        instance: Some(instance.to_string()),
        ..OutboxFilter::default()
    };
    let (rows, paused_now) = store
        .call(move |s| Ok((s.outbox_list(&filter)?, s.paused_instances()?)))
        .await?;
    let stored_pause = paused_now.into_iter().find(|p| p.instance == instance);
    // A pause found in the store but not met in this run (read-only, or another process
    // paused it meanwhile) is still reported, its cause read from the stored client error.
    report.paused = paused.or_else(|| {
        stored_pause.as_ref().map(|p| PausedInfo {
            instance: p.instance.clone(),
            cause: cause_of(&p.reason),
            reason: p.reason.clone(),
        })
    });
    let now = Timestamp::now();
    let heads = queue_heads(&rows);
    for d in rows
        .iter()
        .filter(|d| ids.is_none_or(|ids| ids.contains(&d.id)))
    {
        let why = reason(
            d,
            now,
            report.read_only,
            &heads,
            stored_pause.as_ref().map(|p| p.reason.as_str()),
            outage,
        );
        let item = PendingItem::new(d, why);
        match d.state {
            DeliveryState::Failed => report.failed.push(item),
            DeliveryState::Dead => report.dead.push(item),
            _ => report.waiting.push(item),
        }
    }
    Ok(())
}

/// The client's error text starts with the status for 401 and 403.
fn cause_of(reason: &str) -> PauseCause {
    if reason.starts_with("401") {
        PauseCause::Auth
    } else if reason.starts_with("403") {
        PauseCause::Permission
    } else {
        PauseCause::Unreachable
    }
}

/// (queue target, id of its head) for the rows listed (oldest first, so the first per target
/// is the head).
fn queue_heads(rows: &[Delivery]) -> Vec<(Option<&str>, &str, OutboxId)> {
    let mut heads: Vec<(Option<&str>, &str, OutboxId)> = Vec::new();
    for d in rows {
        let key = (d.sys_id.as_deref(), d.table.as_str());
        if d.sys_id.is_some() && !heads.iter().any(|(s, t, _)| (*s, *t) == key) {
            heads.push((key.0, key.1, d.id));
        }
    }
    heads
}

fn reason(
    d: &Delivery,
    now: Timestamp,
    read_only: bool,
    heads: &[(Option<&str>, &str, OutboxId)],
    pause_reason: Option<&str>,
    outage: Option<&Outage>,
) -> String {
    let head = heads
        .iter()
        .find(|(s, t, _)| *s == d.sys_id.as_deref() && *t == d.table)
        .map(|(_, _, id)| *id);
    let err = d
        .last_error
        .as_deref()
        .map(|e| format!(" (last error: {e})"))
        .unwrap_or_default();
    match d.state {
        DeliveryState::Paused => format!(
            "instance paused: {}",
            pause_reason
                .or(d.last_error.as_deref())
                .unwrap_or("see `snowlink outbox`")
        ),
        DeliveryState::Failed => format!(
            "record not found or hidden; link marked broken{err}; `snowlink outbox retry {}` or `drop {}`",
            d.id, d.id
        ),
        DeliveryState::Dead => format!(
            "rejected by ServiceNow{err}; fix and `snowlink outbox retry {}`, or `drop {}`",
            d.id, d.id
        ),
        DeliveryState::InFlight => format!(
            "in flight: lease held by {} until {}{err}",
            holder(d.lease_owner.as_deref()),
            d.lease_until
                .map_or_else(|| "?".to_string(), |t| t.to_string())
        ),
        _ if head.is_some_and(|h| h != d.id) => {
            format!(
                "waiting behind #{} in its incident's queue",
                head.unwrap_or_default()
            )
        }
        _ if read_only => "read-only profile: not sent".to_string(),
        _ if outage.is_some() => format!(
            "waiting for the instance ({}); nothing is lost",
            outage.map(|o| describe(o, now)).unwrap_or_default()
        ),
        _ if d.next_attempt_at > now => format!("retry at {}{err}", d.next_attempt_at),
        _ => format!("not attempted yet{err}"),
    }
}

/// Who holds a lease, for humans: "snowlink process 1234 on this host" (still running: a
/// gone owner's claims are taken over before this is printed), or the raw owner id.
fn holder(owner: Option<&str>) -> String {
    let Some(owner) = owner else {
        return "another worker".into();
    };
    let mut parts = owner.split(':');
    match (parts.next(), parts.next()) {
        (Some(host), Some(pid)) if host == this_host() => {
            format!("snowlink process {pid} on this host (worker {owner})")
        }
        (Some(host), Some(pid)) => {
            format!("snowlink process {pid} on host {host} (worker {owner})")
        }
        _ => format!("worker {owner}"),
    }
}
