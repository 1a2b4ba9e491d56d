//! What the dashboard says about write-back (docs/sources.md §Write-back): which of a triage
//! action reaches the anomaly's own source and which stays local, from the source's kind and the
//! capabilities its ingester recorded. Pure text; the detail pane shows [`WriteBack::summary`],
//! the result toast of an action adds [`WriteBack::note`].

use super::backend::SourceHealth;

/// The local actions whose write-back the UI describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalAction {
    Acknowledge,
    Archive,
    Comment,
}

impl LocalAction {
    /// The capability name (`source_state.capabilities`) that lets the source take it.
    fn capability(self) -> &'static str {
        match self {
            LocalAction::Acknowledge => "acknowledge",
            LocalAction::Archive => "archive",
            LocalAction::Comment => "comment",
        }
    }

    fn short(self) -> &'static str {
        match self {
            LocalAction::Acknowledge => "ack",
            LocalAction::Archive => "archive",
            LocalAction::Comment => "comment",
        }
    }
}

/// One source as far as write-back goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteBack {
    /// The configured source name.
    pub source: String,
    /// `file`, `qualytics`, `alertmanager`.
    pub kind: String,
    pub capabilities: Vec<String>,
    /// How long an acknowledge's silence lasts (Alertmanager).
    pub ack_ttl_secs: Option<u64>,
}

impl WriteBack {
    /// The source named `source` among the polled ones, when it has been read.
    pub fn of(sources: Option<&[SourceHealth]>, source: &str) -> Option<WriteBack> {
        let h = sources?.iter().find(|h| h.name == source)?;
        Some(WriteBack {
            source: h.name.clone(),
            kind: h.kind.clone(),
            capabilities: h.capabilities.clone(),
            ack_ttl_secs: h.ack_ttl_secs,
        })
    }

    fn can(&self, action: LocalAction) -> bool {
        self.capabilities.iter().any(|c| c == action.capability())
    }

    /// The clause the action's result toast adds: where it went, or that it stayed local.
    pub fn note(&self, action: LocalAction) -> String {
        let src = &self.source;
        match (self.kind.as_str(), action) {
            ("file", _) => "kept local (file source)".to_owned(),
            ("alertmanager", LocalAction::Acknowledge) if self.can(action) => {
                match self.ack_ttl_secs {
                    Some(ttl) => format!("silenced in {src} for {}", duration_text(ttl)),
                    None => format!("silenced in {src}"),
                }
            }
            ("alertmanager", LocalAction::Archive) => {
                let expired = if self.can(action) {
                    " (its snowlink silence is expired)"
                } else {
                    ""
                };
                format!("Alertmanager has no archive — kept local{expired}")
            }
            (_, LocalAction::Comment) if !self.can(action) => {
                format!("kept local ({src} has no comment route)")
            }
            (_, _) if self.can(action) => format!("written back to {src}"),
            (_, _) => format!("kept local ({src} takes no {})", action.short()),
        }
    }

    /// The detail pane's `Write-back:` line.
    pub fn summary(&self) -> String {
        let src = &self.source;
        match self.kind.as_str() {
            "file" => "none — triage stays local (file source)".to_owned(),
            "alertmanager" if self.can(LocalAction::Acknowledge) => {
                let ttl = self
                    .ack_ttl_secs
                    .map(|t| format!(" ({})", duration_text(t)))
                    .unwrap_or_default();
                format!("ack → a silence in {src}{ttl}; archive, comments kept local")
            }
            _ => {
                let all = [
                    LocalAction::Acknowledge,
                    LocalAction::Archive,
                    LocalAction::Comment,
                ];
                let (sent, local): (Vec<_>, Vec<_>) = all.iter().partition(|a| self.can(**a));
                let names =
                    |v: &[&LocalAction]| v.iter().map(|a| a.short()).collect::<Vec<_>>().join(", ");
                match (sent.is_empty(), local.is_empty()) {
                    (true, _) => format!("none — triage stays local ({src} takes no write-back)"),
                    (false, true) => format!("{} → {src}", names(&sent)),
                    (false, false) => {
                        format!("{} → {src}; {} kept local", names(&sent), names(&local))
                    }
                }
            }
        }
    }
}

/// `4h`, `90m`, `1h30m`, `45s`: an ack TTL, short.
pub fn duration_text(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, 0) => format!("{h}h{m}m"),
        _ if h == 0 => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wb(kind: &str, caps: &[&str]) -> WriteBack {
        WriteBack {
            source: match kind {
                "alertmanager" => "alerts",
                "qualytics" => "qx",
                _ => "wh",
            }
            .to_owned(),
            kind: kind.to_owned(),
            capabilities: caps.iter().map(|c| (*c).to_owned()).collect(),
            ack_ttl_secs: (kind == "alertmanager").then_some(4 * 3600),
        }
    }

    const AM: [&str; 3] = ["acknowledge", "unacknowledge", "archive"];
    const QX: [&str; 4] = ["acknowledge", "unacknowledge", "archive", "comment"];

    #[test]
    fn alertmanager_silences_an_ack_and_keeps_archive_and_comments_local() {
        let am = wb("alertmanager", &AM);
        assert_eq!(
            am.note(LocalAction::Acknowledge),
            "silenced in alerts for 4h"
        );
        assert_eq!(
            am.note(LocalAction::Archive),
            "Alertmanager has no archive — kept local (its snowlink silence is expired)"
        );
        assert_eq!(
            am.note(LocalAction::Comment),
            "kept local (alerts has no comment route)"
        );
        assert_eq!(
            am.summary(),
            "ack → a silence in alerts (4h); archive, comments kept local"
        );
    }

    #[test]
    fn a_file_source_keeps_everything_local() {
        let f = wb("file", &[]);
        for a in [
            LocalAction::Acknowledge,
            LocalAction::Archive,
            LocalAction::Comment,
        ] {
            assert_eq!(f.note(a), "kept local (file source)");
        }
        assert_eq!(f.summary(), "none — triage stays local (file source)");
    }

    #[test]
    fn qualytics_writes_back_what_its_capabilities_allow() {
        let q = wb("qualytics", &QX);
        assert_eq!(q.note(LocalAction::Archive), "written back to qx");
        assert_eq!(q.note(LocalAction::Comment), "written back to qx");
        assert_eq!(q.summary(), "ack, archive, comment → qx");
        let no_comments = wb("qualytics", &QX[..3]);
        assert_eq!(
            no_comments.note(LocalAction::Comment),
            "kept local (qx has no comment route)"
        );
        assert_eq!(
            no_comments.summary(),
            "ack, archive → qx; comment kept local"
        );
        let nothing = wb("qualytics", &[]);
        assert_eq!(
            nothing.note(LocalAction::Acknowledge),
            "kept local (qx takes no ack)"
        );
        assert_eq!(
            nothing.summary(),
            "none — triage stays local (qx takes no write-back)"
        );
    }

    #[test]
    fn ttl_is_short() {
        assert_eq!(duration_text(4 * 3600), "4h");
        assert_eq!(duration_text(90 * 60), "1h30m");
        assert_eq!(duration_text(600), "10m");
        assert_eq!(duration_text(45), "45s");
        assert_eq!(duration_text(75), "1m15s");
    }
}
