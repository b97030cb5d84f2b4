//! The words the rules look for, and a few small predicates over single words.
//!
//! Every word is lower case with straight apostrophes, as [`super::text::Token::norm`] is.

/// Pronouns that stand for a person.
pub(super) const PERSON_PRONOUNS: &[&str] = &[
    "i",
    "he",
    "she",
    "you",
    "they",
    "someone",
    "somebody",
    "anyone",
    "anybody",
    "nobody",
    "everyone",
    "everybody",
    "who",
    "him",
    "whoever",
];

/// Pronouns that stand for the writer's own group; collective ownership is not blame.
pub(super) const GROUP_PRONOUNS: &[&str] = &["we", "us"];

/// Nouns for people by their role.
pub(super) const ROLES: &[&str] = &[
    "engineer",
    "engineers",
    "developer",
    "developers",
    "dev",
    "devs",
    "programmer",
    "operator",
    "operators",
    "on-call",
    "oncall",
    "on-caller",
    "sre",
    "sres",
    "dba",
    "dbas",
    "admin",
    "admins",
    "administrator",
    "sysadmin",
    "intern",
    "interns",
    "contractor",
    "contractors",
    "reviewer",
    "reviewers",
    "author",
    "approver",
    "committer",
    "manager",
    "lead",
    "analyst",
    "technician",
    "employee",
    "employees",
    "staff",
    "hire",
    "hires",
    "junior",
    "responder",
    "responders",
    "commander",
    "person",
    "people",
    "colleague",
    "coworker",
    "teammate",
    "member",
    "owner",
    "deployer",
    "releaser",
    "maintainer",
    "tester",
    "team",
    "teams",
    "group",
    "groups",
    "squad",
    "crew",
    "department",
    "personnel",
    "leadership",
    "consultant",
    "consultants",
    "folks",
    "guy",
    "guys",
    "newbie",
];

/// Words that open a noun phrase and are skipped to reach its head.
pub(super) const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "our", "their", "his", "her", "my", "your",
    "its", "some", "any", "another", "each", "every",
];

/// Prepositions: a noun phrase's head comes before them.
pub(super) const PREPOSITIONS: &[&str] = &[
    "on", "in", "of", "from", "at", "with", "for", "by", "to", "during", "under", "over", "into",
    "about", "onto", "via", "per", "across", "within", "without", "through",
];

/// Words that start a new clause.
pub(super) const CLAUSE_WORDS: &[&str] = &[
    ",", "and", "but", "or", "because", "since", "when", "while", "after", "before", "so",
    "although", "though", "if", "until", "once", "where", "whereas", "which", "that", "who",
    "whom", "why", "how",
];

/// Words that can stand between a subject and its verb: auxiliaries, modals, adverbs.
pub(super) const SKIPPABLE: &[&str] = &[
    "had",
    "has",
    "have",
    "'ve",
    "was",
    "were",
    "is",
    "are",
    "be",
    "been",
    "being",
    "also",
    "then",
    "just",
    "simply",
    "again",
    "still",
    "already",
    "later",
    "even",
    "actually",
    "must",
    "might",
    "may",
    "could",
    "would",
    "should",
    "will",
    "can",
    "what",
    "all",
    "both",
    "first",
    "accidentally",
    "mistakenly",
    "inadvertently",
    "carelessly",
    "apparently",
    "clearly",
    "obviously",
    "somehow",
    "unfortunately",
    "probably",
    "initially",
    "eventually",
];

/// Past participles that do not end in `-ed`.
const IRREGULAR_PARTICIPLES: &[&str] = &[
    "been",
    "done",
    "had",
    "made",
    "known",
    "seen",
    "taken",
    "given",
    "caught",
    "found",
    "got",
    "gotten",
    "run",
    "read",
    "set",
    "put",
    "cut",
    "hit",
    "kept",
    "left",
    "lost",
    "meant",
    "sent",
    "spent",
    "built",
    "brought",
    "thought",
    "taught",
    "told",
    "sold",
    "held",
    "stood",
    "understood",
    "said",
    "paid",
    "won",
    "begun",
    "shown",
    "grown",
    "thrown",
    "drawn",
    "flown",
    "written",
    "broken",
    "spoken",
    "chosen",
    "driven",
    "forgotten",
    "hidden",
    "frozen",
    "proven",
    "felt",
    "heard",
    "led",
    "fed",
    "bought",
    "fought",
    "sought",
    "dealt",
    "shut",
    "split",
    "spun",
    "stuck",
    "struck",
    "hung",
    "come",
    "become",
    "gone",
    "worn",
    "torn",
    "blown",
    "let",
    "taken",
    "rolled",
    "rewritten",
    "undone",
    "overseen",
    "foreseen",
    "withdrawn",
];

/// Past tenses that do not end in `-ed`, to tell where a subject ends.
const IRREGULAR_PAST: &[&str] = &[
    "was",
    "were",
    "did",
    "had",
    "made",
    "knew",
    "saw",
    "took",
    "gave",
    "caught",
    "found",
    "got",
    "ran",
    "read",
    "set",
    "put",
    "cut",
    "hit",
    "kept",
    "left",
    "lost",
    "meant",
    "sent",
    "spent",
    "built",
    "brought",
    "thought",
    "told",
    "held",
    "said",
    "paid",
    "began",
    "showed",
    "grew",
    "threw",
    "drew",
    "wrote",
    "broke",
    "spoke",
    "chose",
    "drove",
    "forgot",
    "hid",
    "froze",
    "felt",
    "heard",
    "led",
    "went",
    "came",
    "became",
    "blew",
    "let",
    "shut",
    "split",
    "misread",
    "overlooked",
    "understood",
    "took",
    "sat",
];

/// Whether `w` can be a past participle ("checked", "caught", "been").
pub(super) fn is_participle(w: &str) -> bool {
    IRREGULAR_PARTICIPLES.contains(&w) || ends_in_ed(w)
}

/// Whether `w` looks like a verb in the past tense, which ends a subject noun phrase.
pub(super) fn is_past_verb(w: &str) -> bool {
    IRREGULAR_PAST.contains(&w) || ends_in_ed(w)
}

fn ends_in_ed(w: &str) -> bool {
    w.len() > 4
        && w.ends_with("ed")
        && !w.ends_with("eed")
        && w.chars().all(|c| c.is_alphabetic() || c == '-')
}

/// The past participle of a base verb, for suggestions: "run" → "run", "update" → "updated".
pub(super) fn participle_of(verb: &str) -> String {
    const IRREGULAR: &[(&str, &str)] = &[
        // "Bob forgot the cert": the cert was not handled (not "forgotten", which blames).
        ("forgot", "handled"),
        ("forget", "handled"),
        ("forgets", "handled"),
        ("forgotten", "handled"),
        ("run", "run"),
        ("read", "read"),
        ("set", "set"),
        ("put", "put"),
        ("do", "done"),
        ("see", "seen"),
        ("take", "taken"),
        ("give", "given"),
        ("write", "written"),
        ("send", "sent"),
        ("build", "built"),
        ("make", "made"),
        ("get", "got"),
        ("keep", "kept"),
        ("tell", "told"),
        ("catch", "caught"),
        ("find", "found"),
        ("bring", "brought"),
        ("go", "gone"),
        ("choose", "chosen"),
        ("hold", "held"),
        ("pay", "paid"),
        ("say", "said"),
        ("spin", "spun"),
        ("shut", "shut"),
        ("let", "let"),
        ("cut", "cut"),
    ];
    if let Some((_, p)) = IRREGULAR.iter().find(|(v, _)| *v == verb) {
        return (*p).to_string();
    }
    if is_participle(verb) {
        return verb.to_string();
    }
    if verb.ends_with('e') {
        return format!("{verb}d");
    }
    if let Some(stem) = verb.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ied");
    }
    format!("{verb}ed")
}

/// Whether `w` is an adverb ending in `-ly` ("properly", "quickly"); `only`, `early` and a few
/// nouns and adjectives are not.
pub(super) fn is_ly_adverb(w: &str) -> bool {
    w.len() > 4
        && w.ends_with("ly")
        && !matches!(
            w,
            "only"
                | "early"
                | "daily"
                | "weekly"
                | "monthly"
                | "family"
                | "supply"
                | "reply"
                | "apply"
                | "rely"
                | "anomaly"
                | "assembly"
                | "friendly"
                | "likely"
                | "holy"
        )
}

/// Words after which the object of a suggestion stops.
pub(super) fn ends_object(w: &str) -> bool {
    PREPOSITIONS.contains(&w) || CLAUSE_WORDS.contains(&w) || w == "`"
}
