//! Dedupe keys: which anomalies a rule sends to the same incident. The key's hash goes into the
//! incident's `correlation_id`, so it must be the same on every machine and in every release:
//! FNV-1a over a fixed encoding, never `std`'s randomly seeded hasher.

use super::RuleInput;
use crate::domain::Anomaly;

/// The key of one anomaly under one rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct DedupeKey {
    /// For people: `dq|NullCheck|snowflake/ORDERS/ID`, `fingerprint:abc123`.
    pub text: String,
    /// 16 lowercase hex digits of the 64-bit FNV-1a hash of the key's parts.
    pub hash: String,
}

/// One part of a configured key (`dedupe = ["source", "type", "label:team"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    Fingerprint,
    Source,
    Type,
    Datastore,
    Container,
    Field,
    Title,
    Id,
    /// The value of the anomaly's `NAME=value` tag.
    Label(String),
}

/// The names `dedupe` accepts (besides `label:NAME`).
pub const KEY_FIELDS: &[&str] = &[
    "fingerprint",
    "source",
    "type",
    "datastore",
    "container",
    "field",
    "title",
    "id",
];

/// How a rule builds its key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeySpec {
    /// The fingerprint, else source + type + datastore/container/field (also `["fingerprint"]`).
    #[default]
    Default,
    Parts(Vec<KeyPart>),
}

impl KeyPart {
    pub fn parse(name: &str) -> Result<KeyPart, String> {
        let n = name.trim();
        if let Some(label) = n.strip_prefix("label:").or_else(|| n.strip_prefix("tag:")) {
            if label.is_empty() {
                return Err(format!("{name:?} names no label; write label:NAME"));
            }
            return Ok(KeyPart::Label(label.to_owned()));
        }
        Ok(match n {
            "fingerprint" => KeyPart::Fingerprint,
            "source" => KeyPart::Source,
            "type" => KeyPart::Type,
            "datastore" => KeyPart::Datastore,
            "container" => KeyPart::Container,
            "field" => KeyPart::Field,
            "title" => KeyPart::Title,
            "id" => KeyPart::Id,
            _ => {
                return Err(format!(
                    "{name:?} is not a key field; use {} or label:NAME",
                    KEY_FIELDS.join(", ")
                ));
            }
        })
    }

    fn value<'a>(&self, input: &'a RuleInput<'a>) -> &'a str {
        let a = input.anomaly;
        match self {
            KeyPart::Fingerprint => a.fingerprint.as_deref().unwrap_or(""),
            KeyPart::Source => input.source,
            KeyPart::Type => a.kind.as_deref().unwrap_or(""),
            KeyPart::Datastore => a.datastore.as_deref().unwrap_or(""),
            KeyPart::Container => a.container.as_deref().unwrap_or(""),
            KeyPart::Field => a.field.as_deref().unwrap_or(""),
            KeyPart::Title => &a.title,
            KeyPart::Id => &a.id,
            KeyPart::Label(name) => label(a, name).unwrap_or(""),
        }
    }
}

impl KeySpec {
    pub fn parse(names: &[String]) -> Result<KeySpec, Vec<String>> {
        if names.is_empty() || (names.len() == 1 && names[0].trim() == "fingerprint") {
            return Ok(KeySpec::Default);
        }
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        for n in names {
            match KeyPart::parse(n) {
                Ok(p) if parts.contains(&p) => errors.push(format!("{n:?} is listed twice")),
                Ok(p) => parts.push(p),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(KeySpec::Parts(parts))
        } else {
            Err(errors)
        }
    }

    pub fn key(&self, input: &RuleInput) -> DedupeKey {
        let a = input.anomaly;
        match self {
            KeySpec::Default => match a.fingerprint.as_deref().filter(|f| !f.is_empty()) {
                Some(fp) => {
                    DedupeKey::from_parts("fingerprint", &[fp], format!("fingerprint:{fp}"))
                }
                None => {
                    let s = |v: &Option<String>| v.clone().unwrap_or_default();
                    let values = [
                        input.source.to_owned(),
                        s(&a.kind),
                        s(&a.datastore),
                        s(&a.container),
                        s(&a.field),
                    ];
                    let text = format!(
                        "{}|{}|{}/{}/{}",
                        values[0], values[1], values[2], values[3], values[4]
                    );
                    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                    DedupeKey::from_parts("default", &refs, text)
                }
            },
            KeySpec::Parts(parts) => {
                let values: Vec<&str> = parts.iter().map(|p| p.value(input)).collect();
                DedupeKey::from_parts("parts", &values, values.join("|"))
            }
        }
    }
}

impl DedupeKey {
    /// The hash covers the kind of key and each part with its length, so `a|b` + `c` and `a` +
    /// `b|c` never collide by construction, nor a fingerprint with the same-looking fields.
    fn from_parts(kind: &str, parts: &[&str], text: String) -> DedupeKey {
        let mut h = Fnv::new();
        h.write(kind.as_bytes());
        for p in parts {
            h.write(&(p.len() as u64).to_le_bytes());
            h.write(p.as_bytes());
        }
        DedupeKey {
            text,
            hash: format!("{:016x}", h.0),
        }
    }
}

/// The value of the `name=value` tag (an Alertmanager label), if the anomaly has one.
pub fn label<'a>(anomaly: &'a Anomaly, name: &str) -> Option<&'a str> {
    anomaly.tags.iter().find_map(|t| {
        t.split_once('=')
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
    })
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::Status;

    fn input<'a>(source: &'a str, a: &'a Anomaly) -> RuleInput<'a> {
        RuleInput {
            source,
            anomaly: a,
            status: Status::Active,
            url: None,
        }
    }

    #[test]
    fn fnv_matches_the_published_vectors() {
        let mut h = Fnv::new();
        h.write(b"");
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        let mut h = Fnv::new();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv::new();
        h.write(b"foobar");
        assert_eq!(h.0, 0x8594_4171_f739_67e8);
    }

    #[test]
    fn default_key_is_the_fingerprint_else_source_type_and_location() {
        let mut a = Anomaly::new("A-1", "nulls");
        a.kind = Some("NullCheck".into());
        a.datastore = Some("snowflake".into());
        a.container = Some("ORDERS".into());
        a.field = Some("ID".into());
        let k = KeySpec::Default.key(&input("dq", &a));
        assert_eq!(k.text, "dq|NullCheck|snowflake/ORDERS/ID");
        // Stable across runs and machines: a fixed value (checked against an independent FNV-1a
        // over the same encoding), not just equal to itself.
        assert_eq!(k.hash, "db39d8a8948fab00");
        assert_eq!(k.hash.len(), 16);
        let mut other = a.clone();
        other.id = "A-2".into();
        other.title = "different title".into();
        assert_eq!(KeySpec::Default.key(&input("dq", &other)), k);
        assert_ne!(KeySpec::Default.key(&input("dq2", &a)), k);
        a.fingerprint = Some("fp-9".into());
        let fk = KeySpec::Default.key(&input("dq", &a));
        assert_eq!(fk.text, "fingerprint:fp-9");
        assert_eq!(
            fk,
            KeySpec::parse(&["fingerprint".into()])
                .unwrap()
                .key(&input("x", &a))
        );
    }

    #[test]
    fn configured_keys_use_fields_and_labels() {
        let spec = KeySpec::parse(&["type".into(), "label:team".into(), "id".into()]).unwrap();
        let mut a = Anomaly::new("A-1", "t");
        a.kind = Some("HighLatency".into());
        a.tags = vec!["pii".into(), "team=db".into(), "env=prod".into()];
        let k = spec.key(&input("am", &a));
        assert_eq!(k.text, "HighLatency|db|A-1");
        a.tags = vec!["team=web".into()];
        assert_ne!(spec.key(&input("am", &a)).hash, k.hash);
        // Parts are length-delimited in the hash: moving a `|` between parts changes it.
        let two = KeySpec::parse(&["type".into(), "title".into()]).unwrap();
        let mut x = Anomaly::new("1", "b|c");
        x.kind = Some("a".into());
        let mut y = Anomaly::new("1", "c");
        y.kind = Some("a|b".into());
        assert_eq!(two.key(&input("s", &x)).text, two.key(&input("s", &y)).text);
        assert_ne!(two.key(&input("s", &x)).hash, two.key(&input("s", &y)).hash);
    }

    #[test]
    fn bad_key_fields_are_named() {
        let e =
            KeySpec::parse(&["typ".into(), "label:".into(), "id".into(), "id".into()]).unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("not a key field") && e[0].contains("label:NAME"));
        assert!(e[2].contains("twice"));
        assert_eq!(
            label(
                &{
                    let mut a = Anomaly::new("1", "t");
                    a.tags = vec!["a=b=c".into()];
                    a
                },
                "a"
            ),
            Some("b=c")
        );
    }
}
