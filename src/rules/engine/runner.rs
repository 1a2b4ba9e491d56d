//! The rule runner: evaluates the anomalies above its watermark in batches, re-evaluates delayed
//! decisions when due and flushes due consolidated notes. Runs after each source write and at
//! least every few seconds (`sync --watch`, the dashboard's background), never on a UI loop.
//! Every store call runs on a blocking thread; ServiceNow is only read here (writes go through
//! the outbox the decisions fill).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::Client;
use tokio::sync::watch;

use crate::domain::AnomalyKey;
use crate::rules::RuleSet;
use crate::store::{BatchOutcome, DecisionAction, DecisionBatch, NewDecision, Store};

use super::db::Db;
use super::error::EngineError;
use super::evaluate::Evaluator;
use super::facts::{Candidate, Window, gather};
use super::notes::note_text;
use super::outcome::Evaluated;
use super::remote::remote_facts;

/// Conflicting batches in a row before a pass gives up (another process is deciding them).
const MAX_CONFLICTS: usize = 20;

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// Anomalies per decision transaction.
    pub batch: usize,
    /// The longest the runner waits without a source write.
    pub every: Duration,
    /// `anomaly_url_template` of the instance (for the description's hyperlink).
    pub url_template: Option<String>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            batch: 200,
            every: Duration::from_secs(5),
            url_template: None,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PassReport {
    pub evaluated: usize,
    /// Decisions recorded, by action.
    pub decisions: BTreeMap<&'static str, usize>,
    pub notes: usize,
    /// Batches another process committed first (re-read and decided again).
    pub conflicts: usize,
    /// ServiceNow reads that failed; the batches that needed them wait for the next pass.
    pub errors: Vec<String>,
}

pub struct Runner {
    db: Db,
    rules: Arc<RuleSet>,
    clients: HashMap<String, Client>,
    opts: RunnerOptions,
    /// Group and user names of the rules' templates, as sys_ids (looked up once).
    refs: tokio::sync::Mutex<super::refs::Refs>,
    /// Keys ServiceNow was asked about in this pass, with its answer: a flood past
    /// `flood_limit` brings the same keys in batch after batch, and asking again for each would
    /// flood the instance with reads (cleared when a pass starts).
    looked_up: tokio::sync::Mutex<super::remote::LookedUp>,
}

type Evaluation = (
    Vec<(Evaluated, Option<NewDecision>)>,
    Vec<(String, AnomalyKey)>,
);

impl Runner {
    /// `clients`: per instance name, the client used to read keys back (an instance without one
    /// is decided from the store alone).
    pub fn new(
        db: Db,
        rules: RuleSet,
        clients: HashMap<String, Client>,
        opts: RunnerOptions,
    ) -> Runner {
        Runner {
            db,
            rules: Arc::new(rules),
            clients,
            opts,
            refs: tokio::sync::Mutex::new(super::refs::Refs::default()),
            looked_up: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// One pass at `now`: new and changed anomalies, due delays, due notes.
    pub async fn run_pass(&self, now: Timestamp) -> Result<PassReport, EngineError> {
        let mut report = PassReport::default();
        if self.rules.is_empty() {
            return Ok(report);
        }
        let batch = self.opts.batch.max(1);
        self.looked_up.lock().await.clear();
        // Bounded: a pass never spins on conflicts with a busier process (what is left is
        // picked up by the next pass).
        let mut conflicts_in_a_row = 0;
        while conflicts_in_a_row < MAX_CONFLICTS {
            let (from, cands) = self
                .db
                .call(move |s| {
                    let w = s.rule_watermark()?;
                    Ok((w, s.rule_candidates(w, batch)?))
                })
                .await?;
            let Some(&(to, _)) = cands.last() else { break };
            let keys: Vec<AnomalyKey> = cands.into_iter().map(|(_, k)| k).collect();
            let Some((evaluated, settled)) = self.evaluate(keys, now, false, &mut report).await?
            else {
                return Ok(report);
            };
            if self
                .record(from, to, evaluated, settled, now, &mut report)
                .await?
            {
                conflicts_in_a_row = 0;
            } else {
                conflicts_in_a_row += 1;
            }
        }
        if conflicts_in_a_row >= MAX_CONFLICTS {
            report.errors.push(format!(
                "{MAX_CONFLICTS} batches in a row were decided first by another process; \
                 the rest waits for the next pass"
            ));
        }
        self.run_delays(now, &mut report).await?;
        self.flush_notes(now, &mut report).await?;
        Ok(report)
    }

    /// What would happen to `keys` (the `rules test` dry run): nothing is written.
    pub async fn dry_run(
        &self,
        keys: Vec<AnomalyKey>,
        now: Timestamp,
    ) -> Result<(Vec<Evaluated>, PassReport), EngineError> {
        let mut report = PassReport::default();
        self.looked_up.lock().await.clear();
        // One evaluation over all of them: each decision sees the ones before it, as the
        // runner's batches see the ones recorded before them.
        let out = match self.evaluate(keys, now, true, &mut report).await? {
            Some((ev, _)) => ev.into_iter().map(|(e, _)| e).collect(),
            None => Vec::new(),
        };
        Ok((out, report))
    }

    /// Runs passes after each source write (`written` changes), when a delay or note falls
    /// due, and at least every `every`, until `stop`.
    pub async fn watch(
        &self,
        mut written: Option<watch::Receiver<u64>>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            match self.run_pass(Timestamp::now()).await {
                Ok(r) if !r.decisions.is_empty() || r.notes > 0 || !r.errors.is_empty() => {
                    tracing::info!(report = ?r, "rules pass")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "rules pass failed"),
            }
            let mut wait = self.opts.every;
            if let Ok(Some(due)) = self.db.call(|s| s.next_rule_due()).await {
                let until = due.duration_since(Timestamp::now());
                if let Ok(d) = Duration::try_from(until) {
                    wait = wait.min(d.max(Duration::from_millis(50)));
                }
            }
            let write = async {
                match written.as_mut() {
                    Some(rx) => {
                        if rx.changed().await.is_err() {
                            std::future::pending::<()>().await
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(wait) => {}
                _ = write => {}
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Phases one to three for `keys`. `None` when ServiceNow could not be asked about a key
    /// with no local record: creating then could duplicate an incident another machine made,
    /// so the batch waits (the dry run goes on, and says so in `errors`).
    async fn evaluate(
        &self,
        keys: Vec<AnomalyKey>,
        now: Timestamp,
        dry: bool,
        report: &mut PassReport,
    ) -> Result<Option<Evaluation>, EngineError> {
        let rules = self.rules.clone();
        let template = self.opts.url_template.clone();
        let (cands, windows): (Vec<Candidate>, HashMap<String, Window>) = self
            .db
            .call(move |s| gather(s, &rules, &keys, template.as_deref(), now))
            .await?;
        let remote = match remote_facts(
            &self.rules,
            &self.clients,
            &self.db,
            &cands,
            now,
            dry,
            &mut *self.looked_up.lock().await,
        )
        .await
        {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(e);
                if !dry {
                    return Ok(None);
                }
                HashMap::new()
            }
        };
        let refs = {
            let mut refs = self.refs.lock().await;
            if let Err(e) = refs
                .resolve(&self.rules, &self.clients, &self.db, &mut report.errors)
                .await
            {
                report.errors.push(e);
                if !dry {
                    // A create with its group missing would be wrong for good: wait instead.
                    return Ok(None);
                }
            }
            refs.clone()
        };
        let mut ev = Evaluator::new(&self.rules, windows, remote, now);
        ev.refs = refs;
        let mut out = Vec::new();
        let mut settled = Vec::new();
        for c in &cands {
            report.evaluated += 1;
            for (m, (e, d)) in c.matched.iter().zip(ev.evaluate(c)) {
                if m.delayed_until.is_some()
                    && d.as_ref()
                        .is_some_and(|d| d.action != DecisionAction::Delay)
                {
                    settled.push((m.rule.clone(), c.stored.key.clone()));
                }
                out.push((e, d));
            }
        }
        Ok(Some((out, settled)))
    }

    /// Records a batch; `false` on a conflict (another process was first: read again).
    async fn record(
        &self,
        from: i64,
        to: i64,
        evaluated: Vec<(Evaluated, Option<NewDecision>)>,
        settled: Vec<(String, AnomalyKey)>,
        now: Timestamp,
        report: &mut PassReport,
    ) -> Result<bool, EngineError> {
        let decisions: Vec<NewDecision> = evaluated.into_iter().filter_map(|(_, d)| d).collect();
        let actions: Vec<&'static str> = decisions.iter().map(|d| d.action.code()).collect();
        let batch = DecisionBatch {
            from_rev: from,
            to_rev: to,
            settled_delays: settled,
            decisions,
            queued_at: Some(now.min(Timestamp::now())),
        };
        match self
            .db
            .call(move |s| s.record_rule_decisions(&batch, now))
            .await?
        {
            BatchOutcome::Recorded { .. } => {
                for a in actions {
                    *report.decisions.entry(a).or_default() += 1;
                }
                Ok(true)
            }
            BatchOutcome::Conflict => {
                report.conflicts += 1;
                Ok(false)
            }
        }
    }

    /// Delayed decisions that fell due. One that no longer matches its rule (triaged meanwhile
    /// and the rule matches active ones only) is settled with a skip that says so.
    async fn run_delays(&self, now: Timestamp, report: &mut PassReport) -> Result<(), EngineError> {
        for _ in 0..1_000 {
            let batch = self.opts.batch.max(1);
            let (wm, due) = self
                .db
                .call(move |s| Ok((s.rule_watermark()?, s.due_rule_delays(now, batch)?)))
                .await?;
            if due.is_empty() {
                return Ok(());
            }
            let keys: Vec<AnomalyKey> = due.iter().map(|(_, k)| k.clone()).collect();
            let Some((mut evaluated, mut settled)) =
                self.evaluate(keys, now, false, report).await?
            else {
                return Ok(());
            };
            for (rule, key) in &due {
                if settled.iter().any(|(r, k)| r == rule && k == key) {
                    continue;
                }
                settled.push((rule.clone(), key.clone()));
                evaluated.push(no_longer_matches(rule, key));
            }
            self.record(wm, wm, evaluated, settled, now, report).await?;
        }
        Ok(())
    }

    /// Queues the due consolidated notes (one per key's incident whose create has landed).
    async fn flush_notes(
        &self,
        now: Timestamp,
        report: &mut PassReport,
    ) -> Result<(), EngineError> {
        let rules = self.rules.clone();
        let queued = self
            .db
            .call(move |s: &mut Store| {
                let mut n = 0;
                for row in s.due_rule_notes(now)? {
                    // Not created yet: the note waits for its incident (it stays due).
                    let Some(inc) = row.incident() else { continue };
                    let text = note_text(s, &row, now)?;
                    let queued_at = now.min(Timestamp::now());
                    let interval = rules
                        .get(&row.rule)
                        .map(|r| r.flood.consolidation_interval)
                        .unwrap_or(jiff::SignedDuration::from_mins(15));
                    let next_due = now.saturating_add(interval).unwrap_or(now);
                    if s.record_rule_note(
                        &row.key_ref(),
                        &row.pending,
                        &inc,
                        &text,
                        now,
                        queued_at,
                        next_due,
                    )?
                    .is_some()
                    {
                        n += 1;
                    }
                }
                Ok(n)
            })
            .await?;
        report.notes += queued;
        Ok(())
    }
}

fn no_longer_matches(rule: &str, key: &AnomalyKey) -> (Evaluated, Option<NewDecision>) {
    let why = "no longer matches the rule at the end of its creation delay (triaged or changed \
               meanwhile): nothing created"
        .to_string();
    let e = Evaluated {
        anomaly: key.clone(),
        rule: rule.to_owned(),
        key: String::new(),
        key_hash: String::new(),
        action: Some(DecisionAction::Skip),
        outcome: super::outcome::Outcome::Nothing,
        why: why.clone(),
    };
    let d = NewDecision {
        rule: rule.to_owned(),
        anomaly: key.clone(),
        key_hash: String::new(),
        key_text: String::new(),
        action: DecisionAction::Skip,
        why,
        effect: crate::store::DecisionEffect::None,
    };
    (e, Some(d))
}
