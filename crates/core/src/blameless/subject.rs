//! Who a clause is about: finding the subject of a verb and telling people from things.
//!
//! There is no parser here, only a few rules that hold for how postmortems are written: a
//! subject is the noun phrase at the start of the verb's clause, its head is the word before
//! the first preposition ("someone on the platform team" is about someone), and auxiliaries and
//! adverbs may stand between it and the verb.

use super::lexicon::{
    CLAUSE_WORDS, DETERMINERS, GROUP_PRONOUNS, PERSON_PRONOUNS, PREPOSITIONS, ROLES, SKIPPABLE,
    is_ly_adverb, is_past_verb,
};
use super::text::{Kind, Token};

/// The most tokens a clause is searched back for its start.
const MAX_CLAUSE: usize = 40;

/// The most tokens a noun phrase's head words may have.
const MAX_PHRASE: usize = 12;

/// What a noun phrase stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    /// A known person, a pronoun for a person, or a role ("the on-call engineer").
    Person,
    /// The writer's own group ("we"): owning an outcome together is not blame.
    Group,
    /// A capitalised word that is not a known person: perhaps a name, perhaps a product.
    MaybeName,
    /// Anything else: a system, a change, a process.
    Thing,
    /// No subject could be found.
    Nothing,
    /// The word is not used as a verb here: it follows a determiner ("the misconfigured pool").
    NotVerb,
}

/// A noun phrase: where it starts and ends, its head, and who it and its possessor stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Phrase {
    /// First token, determiners included.
    pub start: usize,
    /// The head word.
    pub head: usize,
    /// After the last token.
    pub end: usize,
    /// Who the head stands for.
    pub who: Who,
    /// Who a possessive before the head stands for ("Dana's change"), or `Nothing`.
    pub owner: Who,
}

impl Phrase {
    fn none(at: usize, who: Who) -> Self {
        Self {
            start: at,
            head: at,
            end: at,
            who,
            owner: Who::Nothing,
        }
    }

    /// Where a finding about the verb at `v` starts: at the subject when it is close, else at
    /// the verb (a subject three clauses back would make a long, unreadable span).
    pub fn span_start(&self, v: usize) -> usize {
        if self.end <= v && v - self.end <= 3 {
            self.start
        } else {
            v
        }
    }

    /// Whether the phrase is a person, or a person's own word or deed (`Dana's change`).
    pub fn is_personal(&self, deeds: &[&str], s: &Sentence<'_>) -> bool {
        self.who == Who::Person || (self.owner == Who::Person && deeds.contains(&s.base(self.head)))
    }
}

/// A sentence's tokens and the organisation's people.
pub(super) struct Sentence<'a> {
    /// The tokens.
    pub t: &'a [Token],
    /// Lower-case words of known people's names.
    pub names: &'a [String],
}

impl Sentence<'_> {
    /// The normalised word at `i`: `,` for clause punctuation, `` ` `` for code, `""` past the end.
    pub fn w(&self, i: usize) -> &str {
        self.t.get(i).map_or("", |t| t.norm.as_str())
    }

    /// The word at `i` without a possessive `'s`.
    pub fn base(&self, i: usize) -> &str {
        self.t.get(i).map_or("", Token::base)
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether the words from `i` on are `words`.
    pub fn seq(&self, i: usize, words: &[&str]) -> bool {
        words.iter().enumerate().all(|(k, w)| self.w(i + k) == *w)
    }

    /// Where the clause holding `i` starts: after the nearest clause word or comma before it,
    /// looking back at most [`MAX_CLAUSE`] tokens so that text without punctuation stays linear.
    pub fn clause_start(&self, i: usize) -> usize {
        let floor = i.saturating_sub(MAX_CLAUSE);
        (floor..i)
            .rev()
            .find(|&k| self.boundary(k))
            .map_or(floor, |k| k + 1)
    }

    /// Whether the token at `i` starts a new clause.
    pub fn boundary(&self, i: usize) -> bool {
        CLAUSE_WORDS.contains(&self.w(i))
    }

    /// Whether the token at `i` may stand between a subject and its verb.
    pub fn skippable(&self, i: usize) -> bool {
        let w = self.w(i);
        SKIPPABLE.contains(&w) || is_ly_adverb(w) || matches!(w, "not" | "never")
    }

    /// Whether the token at `i` is a possessive word.
    pub fn possessive(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(Token::possessive)
    }

    /// Whether the word at `i` is a known person's name, written with a capital.
    pub fn is_name(&self, i: usize) -> bool {
        self.t
            .get(i)
            .is_some_and(|t| t.cap && self.names.iter().any(|n| n == t.base()))
    }

    /// Who a single word stands for.
    pub fn classify(&self, i: usize) -> Who {
        let Some(t) = self.t.get(i) else {
            return Who::Nothing;
        };
        if t.kind != Kind::Word {
            return Who::Thing;
        }
        let b = t.base();
        let prev = if i > 0 { self.w(i - 1) } else { "" };
        if self.is_name(i)
            || PERSON_PRONOUNS.contains(&b)
            || (b == "one" && prev == "no")
            || (matches!(b, "call" | "duty" | "shift") && prev == "on")
        {
            return Who::Person;
        }
        if GROUP_PRONOUNS.contains(&b) || (b == "team" && matches!(prev, "our" | "my")) {
            return Who::Group;
        }
        if ROLES.contains(&b) {
            return Who::Person;
        }
        let plain = b.chars().all(char::is_alphabetic) && b.chars().count() > 1;
        if t.cap && !t.inner_cap && plain && !DETERMINERS.contains(&b) {
            return Who::MaybeName;
        }
        Who::Thing
    }

    /// The noun phrase that starts at `s` (after adverbs and determiners) and ends before
    /// `limit`, a preposition, an auxiliary or a verb in the past tense.
    pub fn phrase(&self, s: usize, limit: usize) -> Option<Phrase> {
        let mut i = s;
        while i < limit && self.skippable(i) {
            i += 1;
        }
        let start = i;
        while i < limit && DETERMINERS.contains(&self.w(i)) {
            i += 1;
        }
        // A participle before a noun is an adjective: "a tired admin", "the updated index".
        if i + 1 < limit
            && is_past_verb(self.w(i))
            && !self.skippable(i)
            && self.t[i + 1].kind == Kind::Word
            && !self.skippable(i + 1)
            && !self.boundary(i + 1)
            && !is_past_verb(self.w(i + 1))
            && !PREPOSITIONS.contains(&self.w(i + 1))
            && !DETERMINERS.contains(&self.w(i + 1))
        {
            i += 1;
        }
        let limit = limit.min(i + MAX_PHRASE);
        let mut e = i;
        while e < limit {
            let w = self.w(e);
            if w == "on" && matches!(self.w(e + 1), "call" | "duty" | "shift") {
                e += 2;
                continue;
            }
            if PREPOSITIONS.contains(&w)
                || self.skippable(e)
                || is_past_verb(w)
                || self.boundary(e)
                || w.ends_with("n't")
            {
                break;
            }
            e += 1;
        }
        let e = e.min(limit);
        if e == i {
            return None;
        }
        let head = e - 1;
        let owner = (i..head)
            .rev()
            .find(|&k| self.possessive(k))
            .map_or(Who::Nothing, |k| self.classify(k));
        // A person named first is what the phrase is about: "Dana running the migration".
        let who = match self.classify(head) {
            Who::Thing if head > i && self.classify(i) == Who::Person && !self.possessive(i) => {
                Who::Person
            }
            who => who,
        };
        Some(Phrase {
            start,
            head,
            end: e,
            who,
            owner,
        })
    }

    /// The subject of the verb at `v`.
    pub fn subject(&self, v: usize) -> Phrase {
        self.subject_at(v, 0)
    }

    fn subject_at(&self, v: usize, depth: u8) -> Phrase {
        let mut j = v;
        while j > 0 && self.skippable(j - 1) {
            j -= 1;
        }
        if j > 0 {
            let prev = self.w(j - 1);
            // "this", "that", "some" and the like are pronouns as often as determiners.
            let determiner = DETERMINERS.contains(&prev)
                && !matches!(prev, "this" | "that" | "these" | "those" | "some" | "any");
            if determiner || PREPOSITIONS.contains(&prev) {
                return Phrase::none(v, Who::NotVerb);
            }
        }
        let s = self.clause_start(j);
        if let Some(p) = self.phrase(s, j)
            && self.gap_ok(p.end, v)
        {
            return p;
        }
        if s == 0 || depth > 2 {
            return Phrase::none(v, Who::Nothing);
        }
        let clause_empty = (s..v).all(|k| self.skippable(k));
        match self.w(s - 1) {
            "who" => Phrase::none(s - 1, Who::Person),
            "that" | "which" if clause_empty => self.antecedent(s - 1),
            "and" | "but" | "or" if clause_empty => {
                let s2 = self.clause_start(s - 1);
                self.phrase(s2, s - 1)
                    .unwrap_or_else(|| self.subject_at(s - 1, depth + 1))
            }
            _ => Phrase::none(v, Who::Nothing),
        }
    }

    /// The noun phrase just before a relative `that`/`which` at `r`.
    fn antecedent(&self, r: usize) -> Phrase {
        let mut s = r;
        while s > 0
            && r - s < MAX_PHRASE
            && !self.boundary(s - 1)
            && !PREPOSITIONS.contains(&self.w(s - 1))
            && !is_past_verb(self.w(s - 1))
            && !self.skippable(s - 1)
        {
            s -= 1;
        }
        self.phrase(s, r).unwrap_or(Phrase::none(r, Who::Nothing))
    }

    /// Whether only adverbs, auxiliaries or a prepositional phrase stand between a subject
    /// ending at `e` and a verb at `v`: "someone on the platform team forgot".
    fn gap_ok(&self, e: usize, v: usize) -> bool {
        let mut k = e;
        if k < v && PREPOSITIONS.contains(&self.w(k)) {
            k += 1;
            while k < v && !self.skippable(k) && !is_past_verb(self.w(k)) && !self.boundary(k) {
                k += 1;
            }
        }
        while k < v && self.skippable(k) {
            k += 1;
        }
        k == v
    }
}
