//! The PostgreSQL schema against the SQLite one, on a real server, applied as the
//! least-privilege role: the same tables, columns (names, order, types, NOT NULL), indexed
//! column lists (unique, partial) and foreign keys. A migration added to one list and not the
//! other fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use super::super::schema::MIGRATIONS;
use super::{PG_MIGRATIONS, PG_VERSION_TABLE, QUOTED_COLUMNS};

/// One table as both engines describe it.
#[derive(Debug, PartialEq, Eq)]
struct Table {
    /// (name, type, not null), in column order.
    columns: Vec<(String, String, bool)>,
    /// (columns, unique, partial).
    indexes: BTreeSet<(Vec<String>, bool, bool)>,
    /// (referenced table, columns, referenced columns).
    foreign_keys: BTreeSet<(String, Vec<String>, Vec<String>)>,
}

fn sqlite_schema() -> BTreeMap<String, Table> {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for m in MIGRATIONS {
        conn.execute_batch(m).unwrap();
    }
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut out = BTreeMap::new();
    for name in names {
        let cols: Vec<(String, String, bool, i64)> = conn
            .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap()
            .query_map([&name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let pg_type = |t: &str| match t {
            "INTEGER" => "bigint",
            "TEXT" => "text",
            "REAL" => "double precision",
            "BLOB" => "bytea",
            other => panic!("{name}: no PostgreSQL type for SQLite type {other}"),
        };
        // SQLite lets a non-INTEGER primary key column hold NULL (a legacy quirk) and reports it
        // nullable; PostgreSQL makes every key column NOT NULL. The store never stores a NULL
        // key, so a key column counts as NOT NULL on both sides.
        let columns = cols
            .iter()
            .map(|(n, t, nn, pk)| (n.clone(), pg_type(t).to_owned(), *nn || *pk > 0))
            .collect();
        let mut indexes = BTreeSet::new();
        // An INTEGER PRIMARY KEY is the rowid itself (no separate index): PostgreSQL indexes it.
        let keys: Vec<_> = cols.iter().filter(|c| c.3 > 0).collect();
        if let [key] = keys.as_slice()
            && key.1 == "INTEGER"
        {
            indexes.insert((vec![key.0.clone()], true, false));
        }
        let list: Vec<(String, bool, bool)> = conn
            .prepare("SELECT name, \"unique\", partial FROM pragma_index_list(?1)")
            .unwrap()
            .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (index, unique, partial) in list {
            let cols: Vec<String> = conn
                .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                .unwrap()
                .query_map([&index], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            indexes.insert((cols, unique, partial));
        }
        let fk_rows: Vec<(i64, String, String, String)> = conn
            .prepare(
                "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            )
            .unwrap()
            .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let mut fks: BTreeMap<i64, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
        for (id, table, from, to) in fk_rows {
            let e = fks.entry(id).or_insert_with(|| (table, vec![], vec![]));
            e.1.push(from);
            e.2.push(to);
        }
        let foreign_keys = fks.into_values().collect();
        out.insert(
            name,
            Table {
                columns,
                indexes,
                foreign_keys,
            },
        );
    }
    out
}

fn pg_schema(c: &mut postgres::Client) -> BTreeMap<String, Table> {
    let names: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> 'schema_version'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = BTreeMap::new();
    for name in names {
        let columns = c
            .query(
                "SELECT column_name::text, data_type::text, is_nullable = 'NO' \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&name],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let indexes = c
            .query(
                "SELECT array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o) \
                              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n \
                              ORDER BY k.o), \
                        i.indisunique, i.indpred IS NOT NULL \
                 FROM pg_index i WHERE i.indrelid = ('public.' || $1)::regclass",
                &[&name],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let foreign_keys = c
            .query(
                "SELECT f.confrelid::regclass::text, \
                        array(SELECT a.attname::text FROM unnest(f.conkey) WITH ORDINALITY k(n, o) \
                              JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n \
                              ORDER BY k.o), \
                        array(SELECT a.attname::text FROM unnest(f.confkey) WITH ORDINALITY k(n, o) \
                              JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n \
                              ORDER BY k.o) \
                 FROM pg_constraint f \
                 WHERE f.contype = 'f' AND f.conrelid = ('public.' || $1)::regclass",
                &[&name],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        out.insert(
            name,
            Table {
                columns,
                indexes,
                foreign_keys,
            },
        );
    }
    out
}

/// Applies every migration the way the store will: version table first, then the batches and
/// the new version in one transaction.
fn migrate(c: &mut postgres::Client) {
    c.batch_execute(PG_VERSION_TABLE).unwrap();
    let mut tx = c.transaction().unwrap();
    tx.batch_execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
        .unwrap();
    for (i, m) in PG_MIGRATIONS.iter().enumerate() {
        tx.batch_execute(m)
            .unwrap_or_else(|e| panic!("PostgreSQL migration {}: {e}", i + 1));
    }
    let version = i64::try_from(PG_MIGRATIONS.len()).unwrap();
    tx.execute(
        "INSERT INTO schema_version (version) VALUES ($1)",
        &[&version],
    )
    .unwrap();
    tx.commit().unwrap();
}

#[test]
fn the_postgres_schema_matches_the_sqlite_schema() {
    assert_eq!(
        PG_MIGRATIONS.len(),
        MIGRATIONS.len(),
        "one PostgreSQL migration per SQLite migration"
    );
    let cluster = pg_harness::Cluster::start().unwrap();
    let url = cluster.fresh_database("schema_pg").unwrap();
    // As the least-privilege role: no superuser is needed to create the store.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate(&mut c);

    let sqlite = sqlite_schema();
    let pg = pg_schema(&mut c);
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        pg.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (name, table) in &sqlite {
        assert_eq!(table.columns, pg[name].columns, "{name}: columns");
        assert_eq!(
            table.indexes, pg[name].indexes,
            "{name}: indexed column lists"
        );
        assert_eq!(
            table.foreign_keys, pg[name].foreign_keys,
            "{name}: foreign keys"
        );
    }

    // Every column whose name PostgreSQL reserves is in the list the queries quote.
    let reserved: BTreeSet<String> = c
        .query(
            "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let needs_quotes: BTreeSet<&str> = sqlite
        .values()
        .flat_map(|t| t.columns.iter().map(|c| c.0.as_str()))
        .filter(|c| reserved.contains(*c))
        .collect();
    assert_eq!(
        needs_quotes,
        QUOTED_COLUMNS.iter().copied().collect::<BTreeSet<_>>()
    );
}

#[test]
fn the_postgres_schema_keeps_the_sqlite_rules() {
    let cluster = pg_harness::Cluster::start().unwrap();
    let url = cluster.fresh_database("schema_rules").unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate(&mut c);
    let v: i64 = c
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, i64::try_from(MIGRATIONS.len()).unwrap());
    // The version table is created only if missing: the migrator runs it on every open.
    c.batch_execute(PG_VERSION_TABLE).unwrap();

    // The seeded watermark row, and its CHECK (one row only).
    let rev: i64 = c
        .query_one("SELECT rev FROM rule_watermark WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(rev, 0);
    let e = c
        .execute("INSERT INTO rule_watermark (id, rev) VALUES (2, 0)", &[])
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "23514", "check_violation: {e}");

    // The outbox state CHECK and the (queue, seq) uniqueness; ids are assigned.
    let insert = "INSERT INTO outbox (queue, seq, instance, tbl, kind, payload, created_at, state, \
                  next_attempt_at) VALUES ($1, $2, 'prod', 'incident', 'work_note', 'n', 0, $3, 0) \
                  RETURNING id";
    let id: i64 = c
        .query_one(insert, &[&"q", &1_i64, &"pending"])
        .unwrap()
        .get(0);
    let next: i64 = c
        .query_one(insert, &[&"q", &2_i64, &"pending"])
        .unwrap()
        .get(0);
    assert!(next > id);
    let e = c.query_one(insert, &[&"q", &3_i64, &"bogus"]).unwrap_err();
    assert_eq!(e.code().unwrap().code(), "23514", "check_violation: {e}");
    let e = c
        .query_one(insert, &[&"q", &1_i64, &"pending"])
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "23505", "unique_violation: {e}");

    // A foreign key: a create target names an outbox row that exists.
    let e = c
        .execute(
            "INSERT INTO create_targets (outbox_id, source, anomaly_id) VALUES (999999, 's', 'a')",
            &[],
        )
        .unwrap_err();
    assert_eq!(
        e.code().unwrap().code(),
        "23503",
        "foreign_key_violation: {e}"
    );

    // The reserved column, quoted, as the queries must write it.
    c.batch_execute(
        "INSERT INTO anomalies (source, id, title, source_status, raw, status, first_seen_at, last_seen_at) \
         VALUES ('s', 'a', 't', 'active', '{}', 'active', 0, 0); \
         INSERT INTO status_history (source, anomaly_id, at, \"user\", from_status, to_status) \
         VALUES ('s', 'a', 0, 'ana', 'active', 'acknowledged')",
    )
    .unwrap();
    let who: String = c
        .query_one("SELECT \"user\" FROM status_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(who, "ana");
}
