//! `{placeholder}` templates of a rule's ticket fields. Parsed once when the rules load, so an
//! unknown placeholder is a config error, never a literal `{titel}` in a production incident.

use super::RuleInput;
use super::key::label;
use crate::domain::format_timestamp;

/// The placeholders a template may use (besides `tag:NAME` / `label:NAME`).
pub const PLACEHOLDERS: &[&str] = &[
    "id",
    "title",
    "severity",
    "type",
    "source",
    "datastore",
    "container",
    "field",
    "url",
    "detected_at",
    "status",
    "rule",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Id,
    Title,
    Severity,
    Type,
    Source,
    Datastore,
    Container,
    Field,
    Url,
    DetectedAt,
    Status,
    Rule,
    /// The value of the `NAME=value` tag.
    Label(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `{name}` placeholders; `{{` and `}}` stand for literal braces.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err("a lone `}`; write `}}` for a literal brace".to_owned()),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => {
                                return Err(format!(
                                    "`{{{name}` is not closed; end it with `}}` or write `{{{{` for a literal brace"
                                ));
                            }
                        }
                    }
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(placeholder(&name)?);
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Template { pieces })
    }

    /// True when the template is plain text (no placeholder): a fixed group or user name that
    /// `config check --online` can look up.
    pub fn literal(&self) -> Option<String> {
        match self.pieces.as_slice() {
            [] => Some(String::new()),
            [Piece::Text(t)] => Some(t.clone()),
            _ => None,
        }
    }

    /// Fills the placeholders; a value the anomaly does not have becomes empty text.
    pub fn render(&self, rule: &str, input: &RuleInput) -> String {
        let a = input.anomaly;
        let mut out = String::new();
        for p in &self.pieces {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let v = match p {
                Piece::Text(t) => t.clone(),
                Piece::Id => a.id.clone(),
                Piece::Title => a.title.clone(),
                Piece::Severity => a.severity.map(|s| s.to_string()).unwrap_or_default(),
                Piece::Type => opt(&a.kind),
                Piece::Source => input.source.to_owned(),
                Piece::Datastore => opt(&a.datastore),
                Piece::Container => opt(&a.container),
                Piece::Field => opt(&a.field),
                Piece::Url => input.url.unwrap_or_default().to_owned(),
                Piece::DetectedAt => a.detected_at.map(format_timestamp).unwrap_or_default(),
                Piece::Status => input.status.to_string(),
                Piece::Rule => rule.to_owned(),
                Piece::Label(name) => label(a, name).unwrap_or_default().to_owned(),
            };
            out.push_str(&v);
        }
        out
    }
}

fn placeholder(name: &str) -> Result<Piece, String> {
    let n = name.trim();
    if let Some(l) = n.strip_prefix("tag:").or_else(|| n.strip_prefix("label:")) {
        if l.is_empty() {
            return Err(format!("`{{{name}}}` names no label; write {{label:NAME}}"));
        }
        return Ok(Piece::Label(l.to_owned()));
    }
    Ok(match n {
        "id" => Piece::Id,
        "title" => Piece::Title,
        "severity" => Piece::Severity,
        "type" => Piece::Type,
        "source" => Piece::Source,
        "datastore" => Piece::Datastore,
        "container" => Piece::Container,
        "field" => Piece::Field,
        "url" => Piece::Url,
        "detected_at" => Piece::DetectedAt,
        "status" => Piece::Status,
        "rule" => Piece::Rule,
        _ => {
            let known: Vec<String> = PLACEHOLDERS.iter().map(|s| s.to_string()).collect();
            let hint = crate::config::closest_name(n, &known)
                .map(|c| format!("did you mean {{{c}}}? "))
                .unwrap_or_default();
            return Err(format!(
                "unknown placeholder `{{{name}}}`; {hint}the placeholders are {}, tag:NAME and label:NAME (write `{{{{` for a literal brace)",
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{Anomaly, ArchiveReason, Severity, Status};

    #[test]
    fn every_placeholder_renders() {
        let mut a = Anomaly::new("A-1", "Nulls in ID");
        a.severity = Some(Severity::High);
        a.kind = Some("NullCheck".into());
        a.datastore = Some("snowflake".into());
        a.container = Some("ORDERS".into());
        a.field = Some("ID".into());
        a.detected_at = Some("2026-11-23T10:30:00Z".parse().unwrap());
        a.tags = vec!["team=db".into(), "pii".into()];
        let input = RuleInput {
            source: "dq",
            anomaly: &a,
            status: Status::Archived(ArchiveReason::Invalid),
            url: Some("https://dq/a/A-1"),
        };
        let t = Template::parse(
            "{id} {title} {severity} {type} {source} {datastore}/{container}/{field} {url} {detected_at} {status} {rule} {tag:team} {label:team} [{label:none}] {{literal}}",
        )
        .unwrap();
        assert_eq!(
            t.render("nulls", &input),
            "A-1 Nulls in ID high NullCheck dq snowflake/ORDERS/ID https://dq/a/A-1 2026-11-23 10:30:00 UTC Archived (Invalid) nulls db db [] {literal}"
        );
        let bare = Anomaly::new("A-2", "t");
        let input = RuleInput {
            source: "dq",
            anomaly: &bare,
            status: Status::Active,
            url: None,
        };
        assert_eq!(
            t.render("r", &input),
            "A-2 t   dq //   Active r   [] {literal}"
        );
    }

    #[test]
    fn unknown_and_broken_placeholders_are_refused() {
        let e = Template::parse("[{severty}] {title}").unwrap_err();
        assert!(e.contains("unknown placeholder `{severty}`"), "{e}");
        assert!(e.contains("did you mean {severity}?"), "{e}");
        assert!(
            Template::parse("{title")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(Template::parse("a } b").unwrap_err().contains("lone"));
        assert!(
            Template::parse("{label:}")
                .unwrap_err()
                .contains("names no label")
        );
        assert_eq!(
            Template::parse("Database").unwrap().literal().as_deref(),
            Some("Database")
        );
        assert_eq!(
            Template::parse("{{x}}").unwrap().literal().as_deref(),
            Some("{x}")
        );
        assert_eq!(Template::parse("{label:team}").unwrap().literal(), None);
    }
}
