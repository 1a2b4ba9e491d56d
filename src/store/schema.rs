//! Schema migrations, applied in order; `PRAGMA user_version` = how many have been applied.
//! Never edit a released migration: append a new one.

/// The schema version this build writes (the number of migrations).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) const MIGRATIONS: &[&str] = &[
    M1_ANOMALIES_AND_LINKS,
    M2_OUTBOX,
    M3_AUDIT,
    M4_OUTAGES,
    M5_SOURCES,
    M6_LOOKUP_CACHE,
    M7_CREATE_TARGETS,
    M8_RULES,
    M9_CHANGES,
];

/// Anomalies as last read, local status and its history, comments, links.
const M1_ANOMALIES_AND_LINKS: &str = r#"
CREATE TABLE anomalies (
    source            TEXT NOT NULL,
    id                TEXT NOT NULL,
    title             TEXT NOT NULL,
    severity          TEXT,
    kind              TEXT,
    source_status     TEXT NOT NULL,
    detected_at       INTEGER,
    datastore         TEXT,
    container         TEXT,
    field             TEXT,
    url               TEXT,
    raw               TEXT NOT NULL,
    status            TEXT NOT NULL,
    status_changed_at INTEGER,
    status_changed_by TEXT,
    first_seen_at     INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX anomalies_by_id ON anomalies (id);
CREATE INDEX anomalies_by_status ON anomalies (status);

CREATE TABLE status_history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    anomaly_id  TEXT NOT NULL,
    at          INTEGER NOT NULL,
    user        TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    FOREIGN KEY (source, anomaly_id) REFERENCES anomalies (source, id)
);
CREATE INDEX status_history_by_anomaly ON status_history (source, anomaly_id, seq);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source     TEXT NOT NULL,
    anomaly_id TEXT NOT NULL,
    author     TEXT NOT NULL,
    text       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    FOREIGN KEY (source, anomaly_id) REFERENCES anomalies (source, id)
);
CREATE INDEX comments_by_anomaly ON comments (source, anomaly_id, id);

CREATE TABLE links (
    source           TEXT NOT NULL,
    anomaly_id       TEXT NOT NULL,
    instance         TEXT NOT NULL,
    tbl              TEXT NOT NULL,
    sys_id           TEXT NOT NULL,
    number           TEXT NOT NULL,
    state            TEXT,
    priority         TEXT,
    assignment_group TEXT,
    assigned_to      TEXT,
    read_at          INTEGER,
    read_error       TEXT,
    broken           INTEGER NOT NULL DEFAULT 0,
    linked_at        INTEGER NOT NULL,
    linked_by        TEXT NOT NULL,
    PRIMARY KEY (source, anomaly_id, instance, sys_id),
    FOREIGN KEY (source, anomaly_id) REFERENCES anomalies (source, id)
);
CREATE INDEX links_by_incident ON links (instance, sys_id);
"#;

/// The outbox: one row per delivery, FIFO per `queue` (one queue per target incident).
const M2_OUTBOX: &str = r#"
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    queue           TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    instance        TEXT NOT NULL,
    tbl             TEXT NOT NULL,
    sys_id          TEXT,
    number          TEXT,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    anomaly_source  TEXT,
    anomaly_id      TEXT,
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN
                        ('pending','in_flight','delivered','failed','dead','paused','dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER,
    outcome_unknown INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER,
    UNIQUE (queue, seq)
);
CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_anomaly ON outbox (anomaly_source, anomaly_id);

CREATE TABLE paused_instances (
    instance  TEXT PRIMARY KEY,
    reason    TEXT NOT NULL,
    paused_at INTEGER NOT NULL
);
"#;

/// Every write made to ServiceNow (and local link/unlink), for humans and `export --json`.
const M3_AUDIT: &str = r#"
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    instance  TEXT NOT NULL,
    tbl       TEXT NOT NULL,
    sys_id    TEXT,
    number    TEXT,
    action    TEXT NOT NULL,
    summary   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    outbox_id INTEGER
);
CREATE INDEX audit_by_at ON audit (at);
"#;

/// Instances that are down (unreachable, hibernating, failing everything), probed on a backoff
/// instead of every delivery burning its retries (docs/sync.md §Outages).
const M4_OUTAGES: &str = r#"
CREATE TABLE instance_outages (
    instance      TEXT PRIMARY KEY,
    cause         TEXT NOT NULL,
    since         INTEGER NOT NULL,
    failed_probes INTEGER NOT NULL DEFAULT 0,
    next_probe_at INTEGER NOT NULL
);
"#;

/// Sources fed incrementally (docs/sources.md): each source's cursor and health, a revision on
/// every anomaly row so readers fetch only what changed, and the handles a source write-back
/// leaves behind (an Alertmanager silence id) so it can be renewed or undone.
const M5_SOURCES: &str = r#"
CREATE TABLE source_state (
    source          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    cursor          TEXT,
    capabilities    TEXT NOT NULL DEFAULT '[]',
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_poll_at    INTEGER,
    last_changed    INTEGER NOT NULL DEFAULT 0,
    last_problems   INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE anomalies ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE anomalies ADD COLUMN normalized TEXT;
ALTER TABLE anomalies ADD COLUMN digest INTEGER;
UPDATE anomalies SET rev = rowid;
CREATE INDEX anomalies_by_rev ON anomalies (rev);
-- A status has a handful of values: its index never narrowed a list of 100k rows enough to pay
-- for what it cost every write. Lists scan the table and sort in memory (docs/store.md).
DROP INDEX anomalies_by_status;
CREATE TABLE source_refs (
    source     TEXT NOT NULL,
    anomaly_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    until      INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (source, anomaly_id, kind)
);
"#;

/// The last good read of the ticket form's lookups (docs/store.md §Lookup cache), so a create
/// can be planned and its form filled while ServiceNow is unreachable. `choice_lists` holds when
/// each choice list was read (an empty list is an answer too); `lookup_refs` holds groups, users
/// and group members by sys_id. Both are capped by the code that writes them.
const M6_LOOKUP_CACHE: &str = r#"
CREATE TABLE choice_lists (
    instance  TEXT NOT NULL,
    tbl       TEXT NOT NULL,
    element   TEXT NOT NULL,
    dependent TEXT NOT NULL DEFAULT '',
    read_at   INTEGER NOT NULL,
    PRIMARY KEY (instance, tbl, element, dependent)
);
CREATE TABLE cached_choices (
    instance  TEXT NOT NULL,
    tbl       TEXT NOT NULL,
    element   TEXT NOT NULL,
    dependent TEXT NOT NULL DEFAULT '',
    pos       INTEGER NOT NULL,
    value     TEXT NOT NULL,
    label     TEXT NOT NULL,
    PRIMARY KEY (instance, tbl, element, dependent, pos)
);
CREATE TABLE lookup_refs (
    instance  TEXT NOT NULL,
    list      TEXT NOT NULL,
    sys_id    TEXT NOT NULL,
    name      TEXT NOT NULL,
    user_name TEXT,
    read_at   INTEGER NOT NULL,
    PRIMARY KEY (instance, list, sys_id)
);
CREATE INDEX lookup_refs_by_age ON lookup_refs (instance, list, read_at);
"#;

/// The other anomalies one create is for (a bulk create from the dashboard): when the worker
/// records the create's outcome it links the new incident to each of them in the same
/// transaction, so a crash, a quit or an outage between the create and those links cannot leave
/// them unlinked (docs/store.md §Create targets).
const M7_CREATE_TARGETS: &str = r#"
CREATE TABLE create_targets (
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id),
    source     TEXT NOT NULL,
    anomaly_id TEXT NOT NULL,
    PRIMARY KEY (outbox_id, source, anomaly_id)
);
"#;

/// Automatic tickets (docs/store.md §Rules): one row per rule decision, one per dedupe key's
/// incident (a generation: a Closed incident's key gets a new one), one per flood window, the
/// delayed decisions and the runner's watermark. The primary key of `rule_keys` is the claim
/// two processes race for: only one can insert the row that makes the create.
const M8_RULES: &str = r#"
CREATE TABLE rule_decisions (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    rule           TEXT NOT NULL,
    anomaly_source TEXT NOT NULL,
    anomaly_id     TEXT NOT NULL,
    key_hash       TEXT NOT NULL,
    key_text       TEXT NOT NULL,
    action         TEXT NOT NULL,
    instance       TEXT,
    sys_id         TEXT,
    number         TEXT,
    outbox_id      INTEGER,
    why            TEXT NOT NULL
);
CREATE INDEX rule_decisions_by_anomaly ON rule_decisions (anomaly_source, anomaly_id, rule);
CREATE INDEX rule_decisions_by_rule ON rule_decisions (rule, at);
CREATE TABLE rule_keys (
    rule             TEXT NOT NULL,
    key_hash         TEXT NOT NULL,
    generation       INTEGER NOT NULL,
    key_text         TEXT NOT NULL,
    instance         TEXT NOT NULL,
    tbl              TEXT NOT NULL,
    correlation_id   TEXT NOT NULL,
    create_outbox_id INTEGER,
    sys_id           TEXT,
    number           TEXT,
    opened_at        INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    state            TEXT,
    last_note_at     INTEGER,
    note_due_at      INTEGER,
    PRIMARY KEY (rule, key_hash, generation)
);
CREATE INDEX rule_keys_due ON rule_keys (note_due_at) WHERE note_due_at IS NOT NULL;
CREATE TABLE rule_pending (
    id             INTEGER PRIMARY KEY,
    rule           TEXT NOT NULL,
    key_hash       TEXT NOT NULL,
    generation     INTEGER NOT NULL,
    anomaly_source TEXT NOT NULL,
    anomaly_id     TEXT NOT NULL,
    UNIQUE (rule, key_hash, generation, anomaly_source, anomaly_id)
);
CREATE TABLE rule_windows (
    rule         TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    created      INTEGER NOT NULL DEFAULT 0,
    overflow_key TEXT,
    PRIMARY KEY (rule, window_start)
);
CREATE TABLE rule_delays (
    rule           TEXT NOT NULL,
    anomaly_source TEXT NOT NULL,
    anomaly_id     TEXT NOT NULL,
    due_at         INTEGER NOT NULL,
    PRIMARY KEY (rule, anomaly_source, anomaly_id)
);
CREATE INDEX rule_delays_due ON rule_delays (due_at);
CREATE TABLE rule_watermark (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT INTO rule_watermark (id, rev) VALUES (1, 0);
"#;

/// Change detection and back-sync (docs/store.md §Change detection, docs/sync.md §Back-sync):
/// per instance and table the newest `sys_updated_on` seen (ServiceNow's own clock, raw UTC
/// text); per link the version of the record last seen (`sys_mod_count`, and its
/// `sys_updated_on`) and what its state asked of the anomaly then, so a change is applied once
/// and a restart neither misses nor repeats one; and where a history entry came from.
const M9_CHANGES: &str = r#"
CREATE TABLE change_watermarks (
    instance   TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    updated_on TEXT NOT NULL,
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (instance, tbl)
);
ALTER TABLE links ADD COLUMN seen_version INTEGER;
ALTER TABLE links ADD COLUMN seen_updated_on TEXT;
ALTER TABLE links ADD COLUMN seen_target TEXT;
ALTER TABLE status_history ADD COLUMN detail TEXT;
"#;
