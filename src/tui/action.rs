//! Every command the dashboard knows, as data: the keymap, the help overlay and the `:` palette
//! are all generated from this table, so none of them can go stale.

/// Where an action's keys are looked up. Keys must be unique within one context only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// The panes (no popup open).
    Main,
    /// Forms and dialogs with text input.
    Form,
}

/// A named command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextPane,
    PrevPane,
    Filter,
    Sort,
    Mark,
    ClearMarks,
    CreateTicket,
    Link,
    Unlink,
    Acknowledge,
    Archive,
    Comment,
    CopyUrl,
    OpenBrowser,
    Refresh,
    Sources,
    Palette,
    Help,
    Quit,
    Submit,
    Cancel,
    NextField,
    PrevField,
    Editor,
    Open,
    Back,
    ReverseSort,
    Hide,
    Errors,
    MarkAll,
    MarkRange,
    InvertMarks,
    Rules,
}

impl Action {
    pub const ALL: [Action; 39] = [
        Action::MoveDown,
        Action::MoveUp,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::NextPane,
        Action::PrevPane,
        Action::Filter,
        Action::Sort,
        Action::Mark,
        Action::ClearMarks,
        Action::CreateTicket,
        Action::Link,
        Action::Unlink,
        Action::Acknowledge,
        Action::Archive,
        Action::Comment,
        Action::CopyUrl,
        Action::OpenBrowser,
        Action::Refresh,
        Action::Sources,
        Action::Palette,
        Action::Help,
        Action::Quit,
        Action::Submit,
        Action::Cancel,
        Action::NextField,
        Action::PrevField,
        Action::Editor,
        Action::Open,
        Action::Back,
        Action::ReverseSort,
        Action::Hide,
        Action::Errors,
        Action::MarkAll,
        Action::MarkRange,
        Action::InvertMarks,
        Action::Rules,
    ];

    /// The name used in config `[keys]` and shown in help and the palette.
    pub fn name(self) -> &'static str {
        self.spec().0
    }

    /// One-line description for help and the palette.
    pub fn describe(self) -> &'static str {
        self.spec().1
    }

    pub fn context(self) -> Context {
        self.spec().2
    }

    /// Default keys, in the key grammar of `keys.rs`.
    pub fn default_keys(self) -> &'static [&'static str] {
        self.spec().3
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the palette offers it (form actions only make sense inside a form).
    pub fn in_palette(self) -> bool {
        self.context() == Context::Main && self != Action::Palette
    }

    fn spec(self) -> (&'static str, &'static str, Context, &'static [&'static str]) {
        use Context::{Form, Main};
        match self {
            Action::MoveDown => ("move_down", "move down", Main, &["j", "down"]),
            Action::MoveUp => ("move_up", "move up", Main, &["k", "up"]),
            Action::Top => ("top", "go to the first row", Main, &["g", "home"]),
            Action::Bottom => ("bottom", "go to the last row", Main, &["G", "end"]),
            Action::PageDown => ("page_down", "one page down", Main, &["ctrl-d", "pagedown"]),
            Action::PageUp => ("page_up", "one page up", Main, &["ctrl-u", "pageup"]),
            Action::NextPane => ("next_pane", "focus the next pane", Main, &["tab"]),
            Action::PrevPane => ("prev_pane", "focus the previous pane", Main, &["backtab"]),
            Action::Filter => ("filter", "filter the list", Main, &["/"]),
            Action::Sort => ("sort", "sort by the next column", Main, &["s"]),
            Action::Mark => ("mark", "mark or unmark the row", Main, &["space"]),
            Action::ClearMarks => ("clear_marks", "unmark all rows", Main, &["backspace"]),
            Action::CreateTicket => ("create_ticket", "create an incident", Main, &["c"]),
            Action::Link => ("link", "link an existing incident", Main, &["l"]),
            Action::Unlink => ("unlink", "unlink the selected incident", Main, &["u"]),
            Action::Acknowledge => ("acknowledge", "acknowledge", Main, &["a"]),
            Action::Archive => ("archive", "archive with a reason", Main, &["x"]),
            Action::Comment => ("comment", "add a comment", Main, &["m"]),
            Action::CopyUrl => ("copy_url", "copy the incident URL", Main, &["o"]),
            Action::OpenBrowser => ("open_browser", "open the incident ($BROWSER)", Main, &["O"]),
            Action::Refresh => ("refresh", "refresh sources and links", Main, &["r"]),
            Action::Sources => ("sources", "source health, causes, fixes", Main, &["S"]),
            Action::Palette => ("palette", "command palette", Main, &[":"]),
            Action::Help => ("help", "show the keys", Main, &["?"]),
            Action::Quit => ("quit", "quit", Main, &["q", "ctrl-c"]),
            Action::Submit => ("submit", "submit the form", Form, &["ctrl-s"]),
            Action::Cancel => ("cancel", "close without saving", Form, &["esc"]),
            Action::NextField => ("next_field", "next field", Form, &["tab"]),
            Action::PrevField => ("prev_field", "previous field", Form, &["backtab"]),
            Action::Editor => ("editor", "edit the text in $EDITOR", Form, &["ctrl-e"]),
            Action::Open => (
                "open",
                "open a link's incident, else the detail",
                Main,
                &["enter"],
            ),
            Action::Back => (
                "back",
                "back one level: detail → list, then unmark (keeps the filter)",
                Main,
                &["esc"],
            ),
            Action::ReverseSort => ("reverse_sort", "reverse the sort order", Main, &["R"]),
            Action::Hide => (
                "hide",
                "hide archived, then acknowledged too, then show all",
                Main,
                &["h"],
            ),
            Action::Errors => ("errors", "every error in full, with its fix", Main, &["E"]),
            // Main context only: in text fields ctrl-a is line start (line_edit.rs), and those
            // take their keys before the keymap.
            Action::MarkAll => ("mark_all", "mark every row shown", Main, &["ctrl-a"]),
            Action::MarkRange => (
                "mark_range",
                "mark from the last marked row to the cursor",
                Main,
                &["V"],
            ),
            Action::Rules => (
                "rules",
                "automatic-ticket rules and their counts",
                Main,
                &["A"],
            ),
            Action::InvertMarks => (
                "invert_marks",
                "invert the marks of the rows shown",
                Main,
                &["*"],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.default_keys().is_empty(), "{a:?} has no default key");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
