//! Encoded-query builder (reference §5).
//!
//! Values are escaped (`^` → `^^`); field names are checked so a value can never smuggle in a
//! new term. Percent-encoding is left to the URL layer. `^OR` binds tighter than `^`, so
//! `Query::new().eq("active","true").like("a","x").or_like("b","x")` reads
//! `active=true AND (a LIKE x OR b LIKE x)`.

use std::fmt::Write as _;

/// Why a query could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Commas separate `IN` values and cannot be escaped.
    #[error(
        "IN value {value:?} for field {field} contains a comma, which encoded queries cannot \
         escape; look the record up another way"
    )]
    CommaInList { field: String, value: String },
    #[error("{0:?} is not a field name (letters, digits, '_' and '.' only)")]
    BadField(String),
    #[error("IN list for field {0} is empty")]
    EmptyList(String),
    #[error("{0:?} is not a table name (letters, digits and '_' only)")]
    BadTable(String),
    #[error("{0:?} is not a sys_id")]
    BadSysId(String),
}

/// Condition operators; `Op::In` takes a comma-joined list (use [`Query::in_list`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    NotEq,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    Lt,
    Le,
    Gt,
    Ge,
    IsEmpty,
    IsNotEmpty,
}

impl Op {
    fn token(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::NotEq => "!=",
            Op::Like => "LIKE",
            Op::NotLike => "NOTLIKE",
            Op::StartsWith => "STARTSWITH",
            Op::EndsWith => "ENDSWITH",
            Op::In => "IN",
            Op::NotIn => "NOT IN",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::IsEmpty => "ISEMPTY",
            Op::IsNotEmpty => "ISNOTEMPTY",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    And,
    Or,
    NewQuery,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Cond(Join, String),
    OrderBy(String),
    OrderByDesc(String),
}

/// An encoded query under construction. Errors are remembered and reported by [`Query::render`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
    next_is_new_query: bool,
    error: Option<QueryError>,
}

/// Escapes a value for an encoded query: a literal `^` is written `^^`.
pub fn escape_value(v: &str) -> String {
    v.replace('^', "^^")
}

fn valid_field(f: &str) -> bool {
    !f.is_empty()
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, e: QueryError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn push(mut self, join: Join, text: String) -> Self {
        let join = if self.next_is_new_query {
            Join::NewQuery
        } else {
            join
        };
        self.next_is_new_query = false;
        self.terms.push(Term::Cond(join, text));
        self
    }

    fn cond_text(&mut self, field: &str, op: Op, value: &str) -> String {
        if !valid_field(field) {
            self.fail(QueryError::BadField(field.to_string()));
        }
        match op {
            Op::IsEmpty | Op::IsNotEmpty => format!("{field}{}", op.token()),
            _ => format!("{field}{}{}", op.token(), escape_value(value)),
        }
    }

    /// `AND field<op>value`.
    pub fn cond(mut self, field: &str, op: Op, value: &str) -> Self {
        let t = self.cond_text(field, op, value);
        self.push(Join::And, t)
    }

    /// `OR field<op>value`, grouped with the previous condition.
    pub fn or_cond(mut self, field: &str, op: Op, value: &str) -> Self {
        let t = self.cond_text(field, op, value);
        self.push(Join::Or, t)
    }

    pub fn eq(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::Eq, value)
    }
    pub fn not_eq(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::NotEq, value)
    }
    pub fn like(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::Like, value)
    }
    pub fn not_like(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::NotLike, value)
    }
    pub fn starts_with(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::StartsWith, value)
    }
    pub fn ends_with(self, field: &str, value: &str) -> Self {
        self.cond(field, Op::EndsWith, value)
    }
    pub fn is_empty(self, field: &str) -> Self {
        self.cond(field, Op::IsEmpty, "")
    }
    pub fn is_not_empty(self, field: &str) -> Self {
        self.cond(field, Op::IsNotEmpty, "")
    }
    pub fn or_eq(self, field: &str, value: &str) -> Self {
        self.or_cond(field, Op::Eq, value)
    }
    pub fn or_like(self, field: &str, value: &str) -> Self {
        self.or_cond(field, Op::Like, value)
    }
    pub fn or_starts_with(self, field: &str, value: &str) -> Self {
        self.or_cond(field, Op::StartsWith, value)
    }

    fn list_text<S: AsRef<str>>(&mut self, field: &str, values: &[S]) -> String {
        if values.is_empty() {
            self.fail(QueryError::EmptyList(field.to_string()));
        }
        for v in values {
            if v.as_ref().contains(',') {
                self.fail(QueryError::CommaInList {
                    field: field.to_string(),
                    value: v.as_ref().to_string(),
                });
            }
        }
        values
            .iter()
            .map(|v| escape_value(v.as_ref()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `AND fieldINa,b,c`; a value containing a comma is an error.
    pub fn in_list<S: AsRef<str>>(mut self, field: &str, values: &[S]) -> Self {
        let list = self.list_text(field, values);
        let t = self.cond_text(field, Op::In, "");
        self.push(Join::And, format!("{t}{list}"))
    }

    /// `AND fieldNOT INa,b,c`.
    pub fn not_in_list<S: AsRef<str>>(mut self, field: &str, values: &[S]) -> Self {
        let list = self.list_text(field, values);
        let t = self.cond_text(field, Op::NotIn, "");
        self.push(Join::And, format!("{t}{list}"))
    }

    /// Appends another query's conditions with `^` (AND). Its order-by terms are kept too.
    pub fn and(mut self, other: Query) -> Self {
        if let Some(e) = other.error {
            self.fail(e);
        }
        let mut first = true;
        for term in other.terms {
            match term {
                Term::Cond(j, t) if first => {
                    first = false;
                    let j = if j == Join::NewQuery { j } else { Join::And };
                    self = self.push(j, t);
                }
                Term::Cond(j, t) => self.terms.push(Term::Cond(j, t)),
                other => self.terms.push(other),
            }
        }
        self
    }

    /// Starts a new OR'ed group (`^NQ`) with the next condition.
    pub fn new_query(mut self) -> Self {
        self.next_is_new_query = true;
        self
    }

    /// Appends pre-encoded query text with `^`, unescaped (the caller owns its correctness).
    pub fn raw(self, encoded: &str) -> Self {
        if encoded.is_empty() {
            return self;
        }
        self.push(Join::And, encoded.to_string())
    }

    /// `123TEXTQUERY321=<terms>`: keyword search on the text index.
    pub fn text_query(self, terms: &str) -> Self {
        self.push(
            Join::And,
            format!("123TEXTQUERY321={}", escape_value(terms)),
        )
    }

    pub fn order_by(mut self, field: &str) -> Self {
        if !valid_field(field) {
            self.fail(QueryError::BadField(field.to_string()));
        }
        self.terms.push(Term::OrderBy(field.to_string()));
        self
    }

    pub fn order_by_desc(mut self, field: &str) -> Self {
        if !valid_field(field) {
            self.fail(QueryError::BadField(field.to_string()));
        }
        self.terms.push(Term::OrderByDesc(field.to_string()));
        self
    }

    pub fn is_blank(&self) -> bool {
        self.terms.is_empty()
    }

    /// The exact `sysparm_query` text (not percent-encoded).
    pub fn render(&self) -> Result<String, QueryError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut out = String::new();
        for (i, term) in self.terms.iter().enumerate() {
            let sep = match (i, term) {
                (0, _) => "",
                (_, Term::Cond(Join::Or, _)) => "^OR",
                (_, Term::Cond(Join::NewQuery, _)) => "^NQ",
                _ => "^",
            };
            let _ = match term {
                Term::Cond(_, t) => write!(out, "{sep}{t}"),
                Term::OrderBy(f) => write!(out, "{sep}ORDERBY{f}"),
                Term::OrderByDesc(f) => write!(out, "{sep}ORDERBYDESC{f}"),
            };
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn r(q: Query) -> String {
        q.render().unwrap()
    }

    #[test]
    fn every_operator_renders() {
        assert_eq!(r(Query::new().eq("number", "INC1")), "number=INC1");
        assert_eq!(r(Query::new().not_eq("state", "7")), "state!=7");
        assert_eq!(r(Query::new().like("a", "x y")), "aLIKEx y");
        assert_eq!(r(Query::new().not_like("a", "x")), "aNOTLIKEx");
        assert_eq!(r(Query::new().starts_with("a", "x")), "aSTARTSWITHx");
        assert_eq!(r(Query::new().ends_with("a", "x")), "aENDSWITHx");
        assert_eq!(r(Query::new().is_empty("a")), "aISEMPTY");
        assert_eq!(r(Query::new().is_not_empty("a")), "aISNOTEMPTY");
        assert_eq!(r(Query::new().cond("p", Op::Le, "2")), "p<=2");
        assert_eq!(r(Query::new().cond("p", Op::Gt, "2")), "p>2");
        assert_eq!(r(Query::new().in_list("state", &["1", "2"])), "stateIN1,2");
        assert_eq!(
            r(Query::new().not_in_list("state", &["7", "8"])),
            "stateNOT IN7,8"
        );
    }

    #[test]
    fn joins_or_new_query_and_order() {
        let q = Query::new()
            .eq("active", "true")
            .like("short_description", "db")
            .or_like("description", "db")
            .or_eq("number", "db")
            .order_by_desc("sys_created_on");
        assert_eq!(
            r(q),
            "active=true^short_descriptionLIKEdb^ORdescriptionLIKEdb^ORnumber=db^ORDERBYDESCsys_created_on"
        );
        let q = Query::new()
            .eq("a", "1")
            .new_query()
            .eq("b", "2")
            .order_by("c");
        assert_eq!(r(q), "a=1^NQb=2^ORDERBYc");
        assert_eq!(
            r(Query::new()
                .order_by_desc("sys_created_on")
                .eq("correlation_id", "x")),
            "ORDERBYDESCsys_created_on^correlation_id=x"
        );
        assert_eq!(r(Query::new().or_starts_with("a", "b")), "aSTARTSWITHb");
    }

    #[test]
    fn and_appends_a_subquery() {
        let sub = Query::new().eq("b", "1").or_eq("c", "2");
        assert_eq!(r(Query::new().eq("a", "0").and(sub)), "a=0^b=1^ORc=2");
        assert_eq!(r(Query::new().and(Query::new().eq("x", "1"))), "x=1");
        let bad = Query::new().in_list("x", &["a,b"]);
        assert!(Query::new().and(bad).render().is_err());
    }

    #[test]
    fn raw_and_text_query() {
        assert_eq!(
            r(Query::new().raw("a=1^ORb=2").eq("c", "3")),
            "a=1^ORb=2^c=3"
        );
        assert_eq!(r(Query::new().raw("")), "");
        assert_eq!(
            r(Query::new().text_query("disk ^ full").eq("active", "true")),
            "123TEXTQUERY321=disk ^^ full^active=true"
        );
    }

    #[test]
    fn carets_are_escaped_everywhere() {
        assert_eq!(escape_value("a^b^^c"), "a^^b^^^^c");
        assert_eq!(r(Query::new().eq("f", "x^ORy=1")), "f=x^^ORy=1");
        assert_eq!(r(Query::new().like("f", "^")), "fLIKE^^");
        assert_eq!(r(Query::new().in_list("f", &["a^b", "c"])), "fINa^^b,c");
    }

    #[test]
    fn commas_in_in_lists_are_rejected() {
        let err = Query::new()
            .in_list("sys_id", &["a", "b,c"])
            .render()
            .unwrap_err();
        assert_eq!(
            err,
            QueryError::CommaInList {
                field: "sys_id".into(),
                value: "b,c".into()
            }
        );
        assert!(err.to_string().contains("comma"));
        assert_eq!(
            Query::new().in_list::<&str>("f", &[]).render(),
            Err(QueryError::EmptyList("f".into()))
        );
        // A comma in a plain equality is fine: only IN splits on it.
        assert_eq!(r(Query::new().eq("f", "a,b")), "f=a,b");
    }

    #[test]
    fn field_names_cannot_inject_terms() {
        assert!(Query::new().eq("a^ORb", "1").render().is_err());
        assert!(Query::new().order_by("x^y").render().is_err());
        assert!(Query::new().order_by_desc("").render().is_err());
        assert_eq!(
            r(Query::new().eq("assignment_group.name", "DB")),
            "assignment_group.name=DB"
        );
        assert!(Query::new().is_blank());
    }
}
