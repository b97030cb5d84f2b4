//! The pieces of `/inc` text: words, quoted strings (straight or curly quotes) and Slack's
//! `<…>` entities, with the entities Slack escapes (`&amp;`, `&lt;`, `&gt;`) decoded.

use super::command::CommandError;

/// One piece of the command text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// A bare word, entities decoded.
    Word(String),
    /// A quoted string, mentions shown as text and entities decoded.
    Quoted(String),
    /// A Slack entity `<…>`, its inside as sent.
    Entity(String),
}

impl Token {
    /// The token as people would read it.
    pub(super) fn text(&self) -> String {
        match self {
            Token::Word(w) | Token::Quoted(w) => w.clone(),
            Token::Entity(e) => entity_text(e),
        }
    }
}

/// The remaining tokens as one text, or `None` when there is none.
pub(super) fn free_text(tokens: &[Token]) -> Option<String> {
    let text = tokens.iter().map(Token::text).collect::<Vec<_>>().join(" ");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// `id|label` split at the first `|`.
pub(super) fn split_label(s: &str) -> (&str, Option<&str>) {
    match s.split_once('|') {
        Some((id, label)) => (id, Some(label)),
        None => (s, None),
    }
}

/// How a Slack entity reads: `<@U1|dana>` → `@dana`, `<#C1|general>` → `#general`,
/// `<!subteam^S1|@db>` → `@db`, `<!here>` → `@here`, `<https://x|docs>` → `docs`.
pub(super) fn entity_text(inner: &str) -> String {
    let (target, label) = split_label(inner);
    match (target.chars().next(), label) {
        (Some('@'), Some(l)) => format!("@{}", l.trim_start_matches('@')),
        (Some('#'), Some(l)) => format!("#{}", l.trim_start_matches('#')),
        (Some('!'), Some(l)) => l.to_string(),
        (Some('!'), None) => format!("@{}", target.trim_start_matches('!')),
        (_, Some(l)) => l.to_string(),
        (_, None) => target.to_string(),
    }
}

/// Decodes the three entities Slack escapes in text.
pub(super) fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn is_open_quote(c: char) -> bool {
    // Some keyboards open with the closing curly quote (”…”) or the low one („…“).
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

/// Splits the text into words, quoted strings and Slack entities.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, CommandError> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(unescape(word)));
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            flush(&mut word, &mut tokens);
        } else if c == '<' {
            flush(&mut word, &mut tokens);
            let inner: String = chars.by_ref().take_while(|&c| c != '>').collect();
            tokens.push(Token::Entity(inner));
        } else if is_open_quote(c) && word.is_empty() {
            let mut quoted = String::new();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if is_close_quote(c) {
                    closed = true;
                    break;
                }
                if c == '<' {
                    let inner: String = chars.by_ref().take_while(|&c| c != '>').collect();
                    quoted.push_str(&entity_text(&inner));
                } else {
                    quoted.push(c);
                }
            }
            if !closed {
                return Err(CommandError::new(
                    "A quote is not closed.",
                    "End the text with a second \", e.g. `/inc update \"we are on it\"`.",
                ));
            }
            tokens.push(Token::Quoted(unescape(&quoted)));
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut tokens);
    Ok(tokens)
}

/// Levenshtein distance, for "did you mean".
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
