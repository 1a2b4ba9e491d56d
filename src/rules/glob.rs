//! Case-insensitive globs for rule matches: `*` is any run of characters, `?` one character,
//! `\` escapes the next one. Hand-written (a dozen lines of matching) rather than a dependency,
//! and deliberately small: no character classes or braces, so a pattern means one thing.

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A literal character, already lower-cased.
    Char(char),
    Any,
    Star,
}

impl Glob {
    /// Compiles `pattern`; refuses what would look like a glob feature we do not have.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        if pattern.is_empty() {
            return Err("the pattern is empty; use \"*\" to match any value".to_owned());
        }
        let mut tokens = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    // `**` is the same as `*`; keeping one keeps matching linear.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '\\' => match chars.next() {
                    Some(next) => tokens.extend(lower(next).map(Token::Char)),
                    None => {
                        return Err(format!(
                            "{pattern:?} ends with a lone `\\`; write `\\\\` for a backslash"
                        ));
                    }
                },
                '[' | ']' | '{' | '}' => {
                    return Err(format!(
                        "{pattern:?}: `{c}` has no meaning in snowlink globs (only `*` and `?`); escape it as `\\{c}` or match with a title regex"
                    ));
                }
                other => tokens.extend(lower(other).map(Token::Char)),
            }
        }
        Ok(Glob {
            source: pattern.to_owned(),
            tokens,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the pattern has no `*` or `?` (a plain, case-insensitive value).
    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Char(_)))
    }

    /// Whether `text` matches the whole pattern, ignoring case.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().flat_map(lower).collect();
        // Classic two-pointer wildcard match with one backtrack point: O(n·m) worst case, no
        // recursion, so a hostile value cannot blow the stack.
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Star) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Token::Any) => {
                    t += 1;
                    p += 1;
                }
                Some(Token::Char(c)) if text.get(t) == Some(c) => {
                    t += 1;
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p.min(self.tokens.len())..]
            .iter()
            .all(|t| *t == Token::Star)
    }
}

fn lower(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).unwrap().matches(t)
    }

    #[test]
    fn stars_questions_and_case() {
        assert!(m("snowflake*", "snowflake_prod"));
        assert!(m("snowflake*", "Snowflake"));
        assert!(m("SNOW*", "snowflake"));
        assert!(!m("snowflake*", "my_snowflake"));
        assert!(m("*flake*", "my_snowflake_db"));
        assert!(m("ord?rs", "ORDERS"));
        assert!(!m("ord?rs", "ordrs"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("a**c", "abc"));
        assert!(m("team=db*", "team=db-primary"));
        assert!(!m("team=db*", "team=web"));
        assert!(m("Ärger", "ärger"));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(m(r"100\*", "100*"));
        assert!(!m(r"100\*", "1000"));
        assert!(m(r"what\?", "what?"));
        assert!(!m(r"what\?", "whats"));
        assert!(Glob::new(r"a\*").unwrap().is_literal());
        assert!(!Glob::new("a*").unwrap().is_literal());
    }

    #[test]
    fn bad_globs_say_why() {
        assert!(Glob::new("").unwrap_err().contains("empty"));
        assert!(Glob::new("a\\").unwrap_err().contains("lone"));
        assert!(Glob::new("[abc]").unwrap_err().contains("no meaning"));
        assert!(Glob::new("{a,b}").unwrap_err().contains("no meaning"));
    }

    #[test]
    fn long_values_match_in_linear_ish_time() {
        let text = "a".repeat(10_000);
        assert!(!m("*a*a*a*a*b", &text));
        assert!(m("*a*a*a*a*", &text));
    }
}
