//! The words of the measure: tokens, stop-words, light stems and the mechanism lexicon.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Each word of the lexicon with its mechanism, for lookups in constant time.
static MECHANISM_OF: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    LEXICON
        .iter()
        .flat_map(|(concept, words)| words.iter().map(move |w| (*w, *concept)))
        .collect()
});
/// The mechanisms of the lexicon.
static CONCEPTS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| LEXICON.iter().map(|(concept, _)| *concept).collect());
/// [`STOPWORDS`] as a set.
static STOP: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOPWORDS.iter().copied().collect());
/// [`GENERIC`] as a set.
static GENERIC_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| GENERIC.iter().copied().collect());

/// Words that carry nothing: English glue, times and padding.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "both", "but", "by", "can", "could", "did", "do", "does",
    "due", "during", "each", "every", "for", "from", "got", "had", "has", "have", "how", "if", "in",
    "into", "is", "it", "its", "just", "made", "make", "many", "more", "most", "no", "nobody",
    "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "out", "over",
    "same", "so", "some", "still", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "two", "under", "until", "up", "us", "very",
    "was", "we", "were", "what", "when", "which", "while", "who", "why", "will", "with", "without",
    "would", "yet", "you", "your", "minutes", "minute", "hours", "hour", "day", "days", "week",
    "weeks", "month", "today", "yesterday", "morning", "night", "went", "get", "gets", "getting",
    "see", "saw", "seen", "found", "find", "someone", "everyone", "took", "take", "com", "example",
    "www", "http", "https", "set", "kept", "keep", "keeps", "mins", "times", "everything",
    "nothing", "something", "across", "another", "others",
];

/// Words every incident report uses: they count, but little (as the names of services do).
#[rustfmt::skip]
const GENERIC: &[&str] = &[
    "incident", "issue", "problem", "error", "errors", "fail", "failed", "failing", "fails",
    "failure", "failures", "broken", "broke", "users", "user", "customers", "customer", "new",
    "old", "service", "services", "app", "system", "production", "show", "shows", "showed", "shown",
    "wrong", "right", "return", "returned", "returns", "cause", "caused", "causes", "stop",
    "stopped", "stops", "ran", "run", "runs", "api", "request", "requests", "working", "work",
    "works", "started", "start", "sent", "send",
];

/// The mechanism lexicon: words written for the same failure mechanism map to one term.
#[rustfmt::skip]
const LEXICON: &[(&str, &[&str])] = &[
    ("certificate", &[
        "cert", "certs", "certificate", "certificates", "tls", "ssl", "x509", "handshake", "acme",
        "letsencrypt", "pki", "validity",
    ]),
    ("expiry", &[
        "expired", "expiry", "expire", "expires", "expiring", "expiration", "lapsed", "lapse",
        "lapses", "valid",
    ]),
    ("memory", &[
        "oom", "oomkilled", "oomkill", "memory", "heap", "outofmemoryerror", "ram", "swap",
        "swapping", "leak", "leaks", "leaking", "137", "oomkiller", "killer", "rss",
    ]),
    ("dns", &[
        "dns", "resolve", "resolving", "resolution", "resolver", "resolvers", "nxdomain",
        "getaddrinfo", "enotfound", "lookup", "lookups", "coredns", "resolv", "servfail",
        "nameserver", "nameservers", "route53",
    ]),
    ("disk", &[
        "disk", "disks", "space", "storage", "inode", "inodes", "watermark", "enospc", "filesystem",
    ]),
    ("deploy", &[
        "deploy", "deployed", "deploys", "deployment", "rollout", "release", "released", "releases",
        "rollback", "rolled", "build", "version", "canary", "revert", "reverted", "redeploy",
        "redeployed", "shipped",
    ]),
    ("config", &[
        "config", "configuration", "configured", "misconfigured", "misconfiguration", "setting",
        "settings", "flag", "flags", "toggle", "toggles", "feature", "misconfig", "toggled",
    ]),
    ("ratelimit", &[
        "throttle", "throttled", "throttling", "429", "quota", "quotas", "over_query_limit",
        "resource_exhausted", "limited", "ratelimited", "ratelimit", "ratelimiting",
    ]),
    ("connection pool", &[
        "pool", "pools", "connection", "connections", "max_connections", "pgbouncer", "hikari",
        "hikaricp",
    ]),
    ("replica", &[
        "replica", "replicas", "replication", "standby", "wal", "primary", "follower", "followers",
    ]),
    ("stampede", &["stampede", "herd", "thundering", "flush", "flushing", "warmup", "cold"]),
    ("cache", &[
        "cache", "cached", "caching", "ttl", "redis", "memcached", "eviction", "evictions",
        "evicted",
    ]),
    ("queue", &[
        "consumer", "consumers", "kafka", "backlog", "queue", "queued", "offset", "topic",
        "rabbitmq", "sqs",
    ]),
    ("bad message", &[
        "poison", "malformed", "deserialisation", "deserialization", "parsed", "parse",
        "unparseable",
    ]),
    ("clock", &[
        "clock", "clocks", "ntp", "chrony", "drift", "drifted", "skew", "ntpd", "chronyd",
        "timesync",
    ]),
    ("credential", &[
        "credential", "credentials", "secret", "secrets", "401", "unauthorized", "revoked",
        "invalid_grant", "apikey", "unauthorised",
    ]),
    ("rotation", &["rotation", "rotated", "rotate", "rotating"]),
    ("health check", &[
        "health", "healthz", "healthcheck", "unhealthy", "drained", "drain", "readiness",
        "liveness", "probe", "probes",
    ]),
    ("flood", &[
        "ddos", "flood", "botnet", "bots", "stuffing", "surge", "dos", "attack", "attackers",
        "scraper", "scrapers",
    ]),
    ("schedule", &["cron", "scheduler", "scheduled", "schedule", "crons", "cronjob", "crontab"]),
    ("duplicate", &["duplicate", "duplicated", "duplicates", "twice", "double", "overlapping"]),
    ("lock", &[
        "lock", "locks", "locked", "locking", "deadlock", "deadlocks", "deadlocked", "contention",
    ]),
    ("migration", &["migration", "migrations", "alter", "schema", "ddl"]),
    ("cdn", &["cdn", "purge", "purged", "cloudfront", "akamai", "fastly"]),
    ("provider outage", &["outage", "outages"]),
    ("server error", &["500", "502", "503", "504", "5xx"]),
    ("backup", &["backup", "backups", "restore", "snapshot", "dump", "pg_dump", "snapshots"]),
    ("gc", &["gc", "garbage", "pause", "pauses", "collector"]),
    ("autoscaling", &["autoscaler", "autoscaling", "hpa", "maxreplicas"]),
    ("threads", &["thread", "threads", "threadpool"]),
    ("deliverability", &["spf", "dkim", "dmarc", "spam", "bounce", "bounced", "bounces"]),
    ("injection", &["injection", "sqli", "xss"]),
];

/// The term a lowercase word stands for: its mechanism, else its light stem.
pub(super) fn term(word: &str) -> String {
    if let Some(concept) = MECHANISM_OF.get(word) {
        return (*concept).to_string();
    }
    stem(word)
}

/// A light stem, so that the forms of a word meet: plurals (`queries`, `boxes`, `pods`), `-ing`
/// and `-ed` (with a doubled consonant undone: `stopped`), and a final `e` (`release`,
/// `released` and `releases` all give `releas`). Short words are left alone.
fn stem(word: &str) -> String {
    let long = |s: &str, n: usize| s.chars().count() >= n;
    let mut s = if let Some(x) = word.strip_suffix("ies").filter(|x| long(x, 3)) {
        format!("{x}y")
    } else if let Some(x) = word
        .strip_suffix("es")
        .filter(|x| ["s", "x", "z", "ch", "sh"].iter().any(|e| x.ends_with(e)) && long(x, 3))
    {
        x.to_string()
    } else if let Some(x) = word
        .strip_suffix('s')
        .filter(|x| !["s", "u", "i"].iter().any(|e| x.ends_with(e)) && long(x, 3))
    {
        x.to_string()
    } else {
        word.to_string()
    };
    if let Some(x) = ["ing", "ed"]
        .iter()
        .find_map(|suffix| s.strip_suffix(suffix).filter(|x| long(x, 3)))
    {
        let mut x = x.to_string();
        let mut tail = x.chars().rev();
        if let (Some(a), Some(b)) = (tail.next(), tail.next())
            && a == b
            && !"lsz".contains(a)
            && !"aeiou".contains(a)
        {
            x.pop();
        }
        s = x;
    }
    if s.ends_with('e') && long(&s, 4) {
        s.pop();
    }
    s
}

/// A term of a text: what it stands for, the word it was written as, and whether that word is
/// one every report uses.
pub(super) struct Term {
    /// The mechanism or stem.
    pub(super) term: String,
    /// The word as written (lowercase).
    pub(super) word: String,
    /// One of [`GENERIC`].
    pub(super) generic: bool,
}

/// The terms of a text, in order. "rate limit" is read as one term.
pub(super) fn terms(text: &str) -> Vec<Term> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut skip = false;
    for (i, w) in words.iter().enumerate() {
        if std::mem::take(&mut skip) {
            continue;
        }
        let next = words.get(i + 1).copied().unwrap_or_default();
        if *w == "rate" && next.starts_with("limit") {
            out.push(Term {
                term: "ratelimit".into(),
                word: "rate limit".into(),
                generic: false,
            });
            skip = true;
            continue;
        }
        let known = MECHANISM_OF.contains_key(w);
        // Bare numbers (versions, counts) carry no mechanism unless the lexicon knows them.
        let number = w.chars().all(|c| c.is_ascii_digit());
        if known || (w.chars().count() >= 2 && !STOP.contains(w) && !number) {
            out.push(Term {
                term: term(w),
                word: (*w).to_string(),
                generic: GENERIC_SET.contains(w),
            });
        }
    }
    out
}

/// Whether a term names a mechanism of the lexicon (a symptom such as `duplicate` does not:
/// many mechanisms duplicate things).
pub(super) fn is_mechanism(term: &str) -> bool {
    !["duplicate", "server error"].contains(&term) && CONCEPTS.contains(term)
}

/// A factor's terms, for comparing factors written a little differently.
pub(super) fn factor_terms(factor: &str) -> Vec<String> {
    let mut t: Vec<String> = terms(factor)
        .into_iter()
        .filter(|t| !t.generic)
        .map(|t| t.term)
        .collect();
    t.sort();
    t.dedup();
    t
}

/// Whether two contributing factors say the same: most of their terms are shared.
pub(super) fn same_factor(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.iter().filter(|t| b.contains(t)).count();
    let union = a.len() + b.len() - shared;
    shared * 3 >= union * 2
}

/// The terms of service names (`api-gateway` gives `api` and `gateway`).
pub(super) fn service_terms<'s>(services: impl IntoIterator<Item = &'s String>) -> HashSet<String> {
    services
        .into_iter()
        .flat_map(|s| terms(&s.replace(['-', '_'], " ")))
        .map(|t| t.term)
        .collect()
}

/// The contributing factors written in a postmortem section: one per line or `;`, without
/// list markers.
pub fn split_factors(body: &str) -> Vec<String> {
    body.lines()
        .flat_map(|l| l.split(';'))
        .map(|l| {
            l.trim()
                .trim_start_matches(['-', '*', '+'])
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start_matches(['.', ')'])
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}
