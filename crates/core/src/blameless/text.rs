//! Turning postmortem Markdown into sentences of word tokens, with offsets in characters.
//!
//! Code (fenced blocks and `inline spans`) and URLs are never checked: fenced blocks end a
//! sentence, and an inline span or a URL becomes one opaque [`Kind::Code`] token, so the words
//! around it still read as one sentence ("Dana ran `rm -rf` by mistake").

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A word: letters and digits, joined by inner apostrophes, hyphens, dots and colons.
    Word,
    /// An inline code span or a URL: a noun that matches no rule.
    Code,
    /// Punctuation that ends a clause but not the sentence: `,` `;` `:` `(` `)` quotes, dashes.
    Comma,
}

/// One token of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    /// Offset of the first character, in characters.
    pub start: usize,
    /// Offset after the last character, in characters.
    pub end: usize,
    /// What the token is.
    pub kind: Kind,
    /// Lower case, with curly apostrophes made straight; `,` for commas and `` ` `` for code.
    pub norm: String,
    /// Whether the word starts with an upper-case letter (names do).
    pub cap: bool,
    /// Whether an upper-case letter follows the first: acronyms and product names (`DNS`,
    /// `PgBouncer`), which are not people's names.
    pub inner_cap: bool,
}

impl Token {
    /// The word without a possessive `'s` (or a bare trailing `'`): `dana's` is `dana`.
    pub fn base(&self) -> &str {
        let n = self.norm.as_str();
        n.strip_suffix("'s")
            .or_else(|| n.strip_suffix('\''))
            .unwrap_or(n)
    }

    /// Whether the word is a possessive (`Dana's`, `engineers'`); `it's` and `let's` are not.
    pub fn possessive(&self) -> bool {
        self.kind == Kind::Word
            && (self.norm.ends_with("'s") || self.norm.ends_with('\''))
            && !matches!(
                self.norm.as_str(),
                "it's"
                    | "let's"
                    | "that's"
                    | "what's"
                    | "there's"
                    | "here's"
                    | "who's"
                    | "he's"
                    | "she's"
            )
    }
}

/// The parts of the text that are not prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mask {
    Prose,
    Inline,
    Block,
}

/// Splits `chars` into sentences of tokens.
pub(super) fn sentences(chars: &[char]) -> Vec<Vec<Token>> {
    let mask = mask(chars);
    let mut out = vec![Vec::new()];
    let mut i = 0;
    let end_sentence = |out: &mut Vec<Vec<Token>>| {
        if out.last().is_some_and(|s| !s.is_empty()) {
            out.push(Vec::new());
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match mask[i] {
            Mask::Block => {
                end_sentence(&mut out);
                while i < chars.len() && mask[i] == Mask::Block {
                    i += 1;
                }
                continue;
            }
            Mask::Inline => {
                let start = i;
                while i < chars.len() && mask[i] == Mask::Inline {
                    i += 1;
                }
                push(&mut out, start, i, Kind::Code, "`".into(), [false; 2]);
                continue;
            }
            Mask::Prose => {}
        }
        if is_word_char(c) {
            let start = i;
            while i < chars.len()
                && mask[i] == Mask::Prose
                && (is_word_char(chars[i]) || joins(chars, i))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let norm = word.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
            let inner_cap = chars[start + 1..i].iter().any(|c| c.is_uppercase());
            push(
                &mut out,
                start,
                i,
                Kind::Word,
                norm,
                [c.is_uppercase(), inner_cap],
            );
            continue;
        }
        if matches!(c, '.' | '!' | '?') || paragraph_break(chars, i) {
            end_sentence(&mut out);
        } else if is_clause_mark(chars, i) {
            push(&mut out, i, i + 1, Kind::Comma, ",".into(), [false; 2]);
        }
        i += 1;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Appends a token to the last sentence; `case` is `[cap, inner_cap]`.
fn push(
    out: &mut [Vec<Token>],
    start: usize,
    end: usize,
    kind: Kind,
    norm: String,
    case: [bool; 2],
) {
    if let Some(s) = out.last_mut() {
        s.push(Token {
            start,
            end,
            kind,
            norm,
            cap: case[0],
            inner_cap: case[1],
        });
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `chars[i]` joins two word characters into one word: `didn't`, `on-call`, `v1.2`, `14:05`.
fn joins(chars: &[char], i: usize) -> bool {
    let inner = matches!(
        chars[i],
        '\'' | '\u{2019}' | '-' | '.' | ':' | '_' | '/' | '\u{2011}'
    );
    inner
        && i > 0
        && is_word_char(chars[i - 1])
        && chars.get(i + 1).is_some_and(|&n| is_word_char(n))
}

fn is_clause_mark(chars: &[char], i: usize) -> bool {
    match chars[i] {
        ',' | ';' | ':' | '(' | ')' | '[' | ']' | '"' | '\u{201C}' | '\u{201D}' | '|' => true,
        '\u{2014}' | '\u{2013}' => true,
        // A hyphen standing alone between spaces is a dash.
        '-' => {
            i > 0
                && chars[i - 1].is_whitespace()
                && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
        }
        _ => false,
    }
}

/// A blank line, or a new line that starts a list item, heading, quote or table row.
fn paragraph_break(chars: &[char], i: usize) -> bool {
    if chars[i] != '\n' {
        return false;
    }
    let mut j = i + 1;
    while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\r') {
        j += 1;
    }
    let Some(&c) = chars.get(j) else {
        return true;
    };
    if matches!(c, '\n' | '-' | '*' | '+' | '#' | '>' | '|') {
        return true;
    }
    // An ordered list item: "1." or "2)".
    let mut k = j;
    while k < chars.len() && chars[k].is_ascii_digit() {
        k += 1;
    }
    k > j && matches!(chars.get(k), Some('.' | ')'))
}

/// Marks fenced code blocks, inline code spans and URLs.
fn mask(chars: &[char]) -> Vec<Mask> {
    let mut mask = vec![Mask::Prose; chars.len()];
    mask_fences(chars, &mut mask);
    mask_inline_code(chars, &mut mask);
    mask_urls(chars, &mut mask);
    mask
}

/// Lines between a ```` ``` ```` (or `~~~`) line and the next one, both included; an unclosed
/// fence runs to the end.
fn mask_fences(chars: &[char], mask: &mut [Mask]) {
    let mut line_start = 0;
    let mut open: Option<(usize, char)> = None;
    while line_start < chars.len() {
        let line_end = chars[line_start..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(chars.len(), |p| line_start + p + 1);
        let line = &chars[line_start..line_end];
        let first = line.iter().position(|c| !c.is_whitespace());
        let fence = first.and_then(|f| {
            let c = line[f];
            let run = line[f..].iter().take_while(|&&x| x == c).count();
            ((c == '`' || c == '~') && run >= 3).then_some(c)
        });
        match (open, fence) {
            (None, Some(c)) => open = Some((line_start, c)),
            (Some((from, c)), Some(f)) if f == c => {
                mask[from..line_end].fill(Mask::Block);
                open = None;
            }
            _ => {}
        }
        line_start = line_end;
    }
    if let Some((from, _)) = open {
        mask[from..].fill(Mask::Block);
    }
}

/// A run of n backticks up to the next run of exactly n backticks.
fn mask_inline_code(chars: &[char], mask: &mut [Mask]) {
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' || mask[i] != Mask::Prose {
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&c| c == '`').count();
        let mut j = i + n;
        let mut close = None;
        while j < chars.len() && mask[j] == Mask::Prose {
            if chars[j] == '`' {
                let m = chars[j..].iter().take_while(|&&c| c == '`').count();
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                mask[i..end].fill(Mask::Inline);
                i = end;
            }
            None => i += n,
        }
    }
}

/// `http://…`, `https://…` and `www.…` up to white space or a closing bracket, without
/// trailing punctuation.
fn mask_urls(chars: &[char], mask: &mut [Mask]) {
    let starts_with = |i: usize, p: &str| {
        p.chars().enumerate().all(|(k, pc)| {
            chars
                .get(i + k)
                .is_some_and(|c| c.to_ascii_lowercase() == pc)
        })
    };
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !is_word_char(chars[i - 1]);
        if mask[i] == Mask::Prose
            && at_word_start
            && (starts_with(i, "http://") || starts_with(i, "https://") || starts_with(i, "www."))
        {
            let mut j = i;
            while j < chars.len()
                && mask[j] == Mask::Prose
                && !chars[j].is_whitespace()
                && !matches!(chars[j], ')' | '>' | ']' | '"')
            {
                j += 1;
            }
            while j > i && matches!(chars[j - 1], '.' | ',' | ';' | ':' | '!' | '?' | '\'') {
                j -= 1;
            }
            mask[i..j].fill(Mask::Inline);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
}
