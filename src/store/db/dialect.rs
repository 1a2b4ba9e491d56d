//! The few spellings the two engines do not share, rewritten from the store's one SQL text.
//!
//! The store's queries are written once, in the subset both engines understand (docs/store.md
//! §Engines). What remains is rewritten here, outside string literals and quoted identifiers:
//!
//! | written        | SQLite runs  | PostgreSQL runs |
//! |----------------|--------------|-----------------|
//! | `?N`, `?`      | as written   | `$N`            |
//! | `LIMIT -1`     | as written   | `LIMIT ALL`     |
//! | `GREATEST(`    | `MAX(`       | as written      |
//! | `LEAST(`       | `MIN(`       | as written      |
//!
//! (SQLite's many-argument `MAX`/`MIN` are its `GREATEST`/`LEAST`; PostgreSQL's `MAX` is only
//! the aggregate.)

/// Which engine a statement is rewritten for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Rewrites `sql` for `dialect`.
pub fn translate(sql: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut next_anonymous = 1u32;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                let end = quoted_end(bytes, i);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'?' if dialect == Dialect::Postgres => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                out.push('$');
                if digits == 0 {
                    out.push_str(&next_anonymous.to_string());
                    next_anonymous += 1;
                } else {
                    out.push_str(&sql[i + 1..i + 1 + digits]);
                }
                i += 1 + digits;
            }
            _ => {
                if let Some((from, to)) = keyword_at(sql, i, dialect) {
                    out.push_str(to);
                    i += from.len();
                } else {
                    // Push the whole UTF-8 character starting here.
                    let len = utf8_len(c);
                    out.push_str(&sql[i..i + len]);
                    i += len;
                }
            }
        }
    }
    out
}

/// The index just past the literal or quoted identifier opening at `start` (a doubled quote
/// inside stays inside).
fn quoted_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

const POSTGRES_REWRITES: &[(&str, &str)] = &[("LIMIT -1", "LIMIT ALL")];
const SQLITE_REWRITES: &[(&str, &str)] = &[("GREATEST(", "MAX("), ("LEAST(", "MIN(")];

/// A rewrite whose text starts at `i` as a whole word (case-insensitive).
fn keyword_at(sql: &str, i: usize, dialect: Dialect) -> Option<(&'static str, &'static str)> {
    let rewrites = match dialect {
        Dialect::Postgres => POSTGRES_REWRITES,
        Dialect::Sqlite => SQLITE_REWRITES,
    };
    let before_is_word = sql[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if before_is_word {
        return None;
    }
    rewrites.iter().copied().find(|(from, _)| {
        sql.get(i..i + from.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(from))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollar_numbers_for_postgres_only() {
        let sql = "SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = ?";
        assert_eq!(
            translate(sql, Dialect::Postgres),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = $1"
        );
        assert_eq!(translate(sql, Dialect::Sqlite), sql);
    }

    #[test]
    fn literals_and_quoted_names_are_left_alone() {
        let sql = "SELECT '?1 it''s', \"user\" FROM t WHERE x LIKE 'a?%' AND y = ?2 LIMIT -1";
        assert_eq!(
            translate(sql, Dialect::Postgres),
            "SELECT '?1 it''s', \"user\" FROM t WHERE x LIKE 'a?%' AND y = $2 LIMIT ALL"
        );
    }

    #[test]
    fn scalar_greatest_and_least_are_sqlites_many_argument_max_and_min() {
        let sql = "UPDATE t SET a = GREATEST(a - 1, 0), b = least(b, ?1), c = MAX_X(1)";
        assert_eq!(
            translate(sql, Dialect::Sqlite),
            "UPDATE t SET a = MAX(a - 1, 0), b = MIN(b, ?1), c = MAX_X(1)"
        );
        assert_eq!(
            translate("SELECT NOGREATEST(1)", Dialect::Sqlite),
            "SELECT NOGREATEST(1)"
        );
        assert_eq!(
            translate("SELECT 'é' || ?1", Dialect::Postgres),
            "SELECT 'é' || $1"
        );
    }
}
