//! Full-text search: what people type turned into a safe query, and snippets with highlights.
//!
//! Nothing typed is ever passed to a database as query syntax. [`Terms::parse`] keeps the words
//! (runs of letters and digits, lower-cased) and drops everything else (quotes, `*`, `-`,
//! parentheses, `:`), so `NEAR`, `OR` or `"` are just words or nothing. The store then builds
//! the query itself: every word required, the last one also as a prefix when it has three
//! letters or more ([`Terms::fts5`] for SQLite FTS5, [`Terms::tsquery`] for PostgreSQL).
//!
//! The databases mark a snippet's matches with two private-use characters
//! ([`HIGHLIGHT_START`], [`HIGHLIGHT_END`]); [`Snippet::from_marked`] turns them into ranges
//! over the plain text, so the text is escaped like any other when shown and stored text can
//! never inject markup.

use serde::Serialize;

/// Marks where a highlighted match starts in a snippet the database made (U+E000).
pub const HIGHLIGHT_START: char = '\u{E000}';
/// Marks where a highlighted match ends (U+E001).
pub const HIGHLIGHT_END: char = '\u{E001}';

/// Words kept from a query; more are ignored.
pub const MAX_WORDS: usize = 12;
/// Characters kept of one word; the rest is cut.
pub const MAX_WORD_CHARS: usize = 64;
/// Letters the last word needs to be matched as a prefix too.
const PREFIX_MIN_CHARS: usize = 3;

/// The words of a search query, lower-cased, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    words: Vec<String>,
}

/// What can be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// An incident's title and summary.
    Incident,
    /// A timeline event's text.
    Timeline,
    /// A postmortem's sections and customer summary.
    Postmortem,
    /// An action item's title and description.
    ActionItem,
}

impl SearchKind {
    /// Every kind, in the order they are listed.
    pub const ALL: [SearchKind; 4] = [
        SearchKind::Incident,
        SearchKind::Timeline,
        SearchKind::Postmortem,
        SearchKind::ActionItem,
    ];

    /// The name the API and the index use.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Incident => "incident",
            SearchKind::Timeline => "timeline",
            SearchKind::Postmortem => "postmortem",
            SearchKind::ActionItem => "action_item",
        }
    }

    /// The kind named `s`, if any.
    pub fn parse(s: &str) -> Option<SearchKind> {
        SearchKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::str::FromStr for SearchKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SearchKind::parse(s).ok_or_else(|| format!("unknown kind '{s}'"))
    }
}

impl Terms {
    /// The words of `q`, or `None` when it has none (empty, or only punctuation).
    pub fn parse(q: &str) -> Option<Terms> {
        let words: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| {
                w.chars()
                    .take(MAX_WORD_CHARS)
                    .collect::<String>()
                    .to_lowercase()
            })
            .collect();
        (!words.is_empty()).then_some(Terms { words })
    }

    /// The words, lower-cased.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    fn prefix(&self) -> Option<&str> {
        self.words
            .last()
            .filter(|w| w.chars().count() >= PREFIX_MIN_CHARS)
            .map(String::as_str)
    }

    /// Every word written by `word`, the last by `prefix` when it is long enough, joined
    /// by `and`.
    fn join(&self, word: fn(&str) -> String, prefix: fn(&str) -> String, and: &str) -> String {
        let n = self.words.len();
        let last_prefix = self.prefix().is_some();
        self.words
            .iter()
            .enumerate()
            .map(|(i, w)| match i + 1 == n && last_prefix {
                true => prefix(w),
                false => word(w),
            })
            .collect::<Vec<_>>()
            .join(and)
    }

    /// An FTS5 query: every word quoted and required; the last also as a prefix.
    pub fn fts5(&self) -> String {
        self.join(
            |w| format!("\"{w}\""),
            |w| format!("(\"{w}\" OR \"{w}\"*)"),
            " AND ",
        )
    }

    /// A `to_tsquery` text: every word quoted and required; the last as a prefix (PostgreSQL
    /// stems a prefix term, so the whole word still matches).
    pub fn tsquery(&self) -> String {
        self.join(|w| format!("'{w}'"), |w| format!("'{w}':*"), " & ")
    }
}

/// A piece of matched text with the matches marked as character ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The text, plain (not HTML).
    pub text: String,
    /// The highlighted matches: `[start, end)` in characters (Unicode scalar values) of `text`.
    pub highlights: Vec<[usize; 2]>,
}

impl Snippet {
    /// Reads a snippet whose matches the database put between [`HIGHLIGHT_START`] and
    /// [`HIGHLIGHT_END`]. Unbalanced or nested marks are tolerated (a match is closed at the
    /// next end mark or at the end of the text).
    pub fn from_marked(marked: &str) -> Snippet {
        let mut text = String::with_capacity(marked.len());
        let mut highlights = Vec::new();
        let mut chars = 0usize;
        let mut open: Option<usize> = None;
        for c in marked.chars() {
            match c {
                HIGHLIGHT_START => {
                    if open.is_none() {
                        open = Some(chars);
                    }
                }
                HIGHLIGHT_END => {
                    if let Some(start) = open.take()
                        && start < chars
                    {
                        highlights.push([start, chars]);
                    }
                }
                _ => {
                    text.push(c);
                    chars += 1;
                }
            }
        }
        if let Some(start) = open
            && start < chars
        {
            highlights.push([start, chars]);
        }
        Snippet { text, highlights }
    }

    /// The text cut into pieces, each with whether it is highlighted, for a page to show
    /// (escaped) with `<mark>` around the highlighted ones.
    pub fn segments(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut chars = self.text.chars();
        let mut at = 0usize;
        for &[start, end] in &self.highlights {
            if start < at || end < start {
                continue;
            }
            let before: String = chars.by_ref().take(start - at).collect();
            if !before.is_empty() {
                out.push((before, false));
            }
            let marked: String = chars.by_ref().take(end - start).collect();
            if !marked.is_empty() {
                out.push((marked, true));
            }
            at = end;
        }
        let rest: String = chars.collect();
        if !rest.is_empty() {
            out.push((rest, false));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_keeps_only_words() {
        let t = Terms::parse("  \"Database\" -outage* NEAR(x) ").unwrap();
        assert_eq!(t.words(), ["database", "outage", "near", "x"]);
        assert_eq!(
            t.fts5(),
            "\"database\" AND \"outage\" AND \"near\" AND \"x\""
        );
        assert_eq!(t.tsquery(), "'database' & 'outage' & 'near' & 'x'");
    }

    #[test]
    fn the_last_word_is_also_a_prefix() {
        let t = Terms::parse("disk fai").unwrap();
        assert_eq!(t.fts5(), "\"disk\" AND (\"fai\" OR \"fai\"*)");
        assert_eq!(t.tsquery(), "'disk' & 'fai':*");
    }

    #[test]
    fn punctuation_alone_is_no_query() {
        assert_eq!(Terms::parse(""), None);
        assert_eq!(Terms::parse(" \"*- ()'' "), None);
    }

    #[test]
    fn long_queries_are_cut() {
        let q = "ab ".repeat(500);
        assert_eq!(Terms::parse(&q).unwrap().words().len(), MAX_WORDS);
        let long = "x".repeat(1000);
        assert_eq!(
            Terms::parse(&long).unwrap().words()[0].len(),
            MAX_WORD_CHARS
        );
    }

    #[test]
    fn unicode_words_are_kept() {
        let t = Terms::parse("Café ÜBER 東京").unwrap();
        assert_eq!(t.words(), ["café", "über", "東京"]);
    }

    #[test]
    fn marks_become_ranges_and_segments() {
        let s = Snippet::from_marked("the \u{E000}é<b>\u{E001} and \u{E000}x\u{E001}");
        assert_eq!(s.text, "the é<b> and x");
        assert_eq!(s.highlights, vec![[4, 8], [13, 14]]);
        assert_eq!(
            s.segments(),
            vec![
                ("the ".to_string(), false),
                ("é<b>".to_string(), true),
                (" and ".to_string(), false),
                ("x".to_string(), true),
            ]
        );
    }

    #[test]
    fn unbalanced_marks_are_tolerated() {
        let s = Snippet::from_marked("\u{E001}a\u{E000}\u{E000}bc");
        assert_eq!(s.text, "abc");
        assert_eq!(s.highlights, vec![[1, 3]]);
    }
}
