//! The `:` palette's matching: fuzzy (nucleo) over each action's name, description and keys.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::action::Action;
use super::keymap::Keymap;

/// Actions matching `query`, best first; all palette actions in table order for an empty query.
pub fn matches(keymap: &Keymap, query: &str) -> Vec<Action> {
    let candidates: Vec<(Action, String)> = Action::ALL
        .into_iter()
        .filter(|a| a.in_palette())
        .map(|a| {
            (
                a,
                format!("{} {} {}", a.name(), a.describe(), keymap.keys_label(a)),
            )
        })
        .collect();
    if query.trim().is_empty() {
        return candidates.into_iter().map(|(a, _)| a).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let texts: Vec<&str> = candidates.iter().map(|(_, t)| t.as_str()).collect();
    let mut scored = pattern.match_list(texts, &mut matcher);
    // Stable order for equal scores, so the list does not jitter while typing.
    scored.sort_by_key(|m| std::cmp::Reverse(m.1));
    scored
        .into_iter()
        .filter_map(|(text, _)| {
            candidates
                .iter()
                .find(|(_, t)| t.as_str() == text)
                .map(|(a, _)| *a)
        })
        .collect()
}

/// `items` ordered by nucleo's fuzzy score of `name(item)` against `query`, best first; equal
/// scores (and items that do not match at all, last) keep their order. An empty query keeps it all.
pub fn rank<T>(query: &str, items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    if query.trim().is_empty() {
        return items;
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, T)> = items
        .into_iter()
        .map(|it| {
            let hay = nucleo_matcher::Utf32Str::new(name(&it), &mut buf);
            (pattern.score(hay, &mut matcher).unwrap_or(0), it)
        })
        .collect();
    scored.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    scored.into_iter().map(|(_, it)| it).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_finds_actions_by_name_and_description() {
        let km = Keymap::default();
        assert_eq!(matches(&km, "ack").first(), Some(&Action::Acknowledge));
        assert_eq!(matches(&km, "crtk").first(), Some(&Action::CreateTicket));
        assert!(matches(&km, "").len() > 10);
        assert!(!matches(&km, "").contains(&Action::Submit));
        assert!(matches(&km, "zzzzqqq").is_empty());
    }

    #[test]
    fn rank_puts_the_best_match_first() {
        // What the emulator's `nameLIKEbe` returns, by name.
        let names = vec!["Abel Tuter", "Beth Anglin"];
        let ranked = rank("Be", names, |s| s);
        assert_eq!(ranked[0], "Beth Anglin", "{ranked:?}");
        assert_eq!(rank("", vec!["b", "a"], |s| s), ["b", "a"]);
    }
}
