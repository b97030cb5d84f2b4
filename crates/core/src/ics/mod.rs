//! A strict RFC 5545 iCalendar writer: review meetings and postmortem deadlines as `.ics`.
//!
//! What "strict" means here, because lenient readers hide these mistakes and strict ones
//! (Outlook, some CalDAV servers) reject them:
//! - every line ends with CRLF, and lines are folded at 75 **octets** (never inside a UTF-8
//!   character), continuation lines starting with one space (§3.1);
//! - TEXT values escape `\`, `;`, `,` and newlines (`\n`), and drop other control characters
//!   (§3.3.11); parameter values use RFC 6868 caret escapes and are quoted when they contain
//!   `:`, `;` or `,` (§3.2);
//! - every VEVENT has UID, DTSTAMP, DTSTART, DTEND (after DTSTART), SUMMARY, SEQUENCE, STATUS;
//!   METHOD:REQUEST and METHOD:CANCEL (iTIP, RFC 5546) need an ORGANIZER;
//! - an event with a `time_zone` is written as local time with `TZID=` and a VTIMEZONE built
//!   from jiff's transitions for the years covered; when the zone follows a yearly rule (the
//!   usual "last Sunday of March"), the VTIMEZONE carries that rule as an RRULE, so an
//!   open-ended recurrence stays DST-correct; otherwise it lists each transition.
//! - a recurring event's start must be its rule's first occurrence ([`crate::recurrence`]
//!   calls an unsynchronized start undefined), and a date `UNTIL` is written as the UTC instant
//!   that ends that day in the event's zone, as §3.3.10 requires for local-time starts.
//!
//! `scripts/validate-ics` checks the output with a real parser; `tests/ics_validates.rs` runs
//! it on calendars from this module.

use crate::Timestamp;
use crate::recurrence::{Rule, Until, format_utc_basic};
use jiff::SignedDuration;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

mod vtimezone;
use vtimezone::vtimezone;

/// The PRODID Debrief writes unless told otherwise.
pub const PRODID: &str = "-//Debrief//Debrief//EN";

/// Why a calendar could not be written; each names the event (by UID) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// An event without a UID.
    #[error("uid: every event needs a UID")]
    EmptyUid,
    /// DTEND is not after DTSTART (compared in whole seconds).
    #[error("event {uid}: end must be after start")]
    EndNotAfterStart {
        /// The event's UID.
        uid: String,
    },
    /// The event's `time_zone` is not in the time zone database.
    #[error("event {uid}: unknown time zone {zone:?}")]
    UnknownTimeZone {
        /// The event's UID.
        uid: String,
        /// The name given.
        zone: String,
    },
    /// A recurring event whose start is not the rule's first occurrence.
    #[error("event {uid}: start is not an occurrence of {rule}; the first one is {first}")]
    UnsynchronizedStart {
        /// The event's UID.
        uid: String,
        /// The rule, as RRULE text.
        rule: String,
        /// The rule's first occurrence from the start, or "none".
        first: String,
    },
    /// A recurring event starting in the repeated hour of a fall-back change, which local
    /// time with a TZID cannot express (it means the first of the two).
    #[error(
        "event {uid}: a recurring event cannot start in the second pass of a repeated local hour"
    )]
    AmbiguousStart {
        /// The event's UID.
        uid: String,
    },
    /// METHOD:REQUEST or METHOD:CANCEL without an ORGANIZER.
    #[error("event {uid}: METHOD:{method} needs an organizer")]
    MissingOrganizer {
        /// The event's UID.
        uid: String,
        /// `REQUEST` or `CANCEL`.
        method: &'static str,
    },
    /// METHOD:CANCEL with an event whose status is not Cancelled.
    #[error("event {uid}: METHOD:CANCEL needs status Cancelled")]
    NotCancelled {
        /// The event's UID.
        uid: String,
    },
    /// An e-mail address that cannot be written as a `mailto:` URI.
    #[error("event {uid}: invalid e-mail address {address:?}")]
    InvalidAddress {
        /// The event's UID.
        uid: String,
        /// The address given.
        address: String,
    },
    /// A URL with spaces, control characters or no scheme.
    #[error("event {uid}: invalid URL {url:?}")]
    InvalidUrl {
        /// The event's UID.
        uid: String,
        /// The URL given.
        url: String,
    },
}

/// The iTIP method of a calendar (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A feed or a download: no replies expected.
    Publish,
    /// An invitation: attendees may reply.
    Request,
    /// The cancellation of a request (same UID, higher SEQUENCE).
    Cancel,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "PUBLISH",
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// The STATUS of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// It takes place.
    Confirmed,
    /// It was called off.
    Cancelled,
}

/// An attendee's ROLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Chairs the meeting.
    Chair,
    /// Required.
    ReqParticipant,
    /// Optional.
    OptParticipant,
    /// Informed only.
    NonParticipant,
}

/// An attendee's PARTSTAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStat {
    /// Has not answered.
    NeedsAction,
    /// Will attend.
    Accepted,
    /// Will not attend.
    Declined,
    /// May attend.
    Tentative,
}

/// An organizer or attendee: a name, an address, and (for attendees) role, answer and RSVP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// Display name, written as the CN parameter.
    pub name: Option<String>,
    /// E-mail address, written as `mailto:`.
    pub email: String,
    /// ROLE (attendees only).
    pub role: Role,
    /// PARTSTAT (attendees only).
    pub partstat: PartStat,
    /// RSVP: whether a reply is asked for (attendees only).
    pub rsvp: bool,
}

impl Attendee {
    /// A required attendee who has not answered yet and is asked to.
    pub fn new(name: Option<&str>, email: &str) -> Self {
        Self {
            name: name.map(str::to_string),
            email: email.to_string(),
            role: Role::ReqParticipant,
            partstat: PartStat::NeedsAction,
            rsvp: true,
        }
    }
}

/// One VEVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Globally unique and stable across updates (`review-2027-01@debrief.example.com`).
    pub uid: String,
    /// Bumped on every change sent to attendees.
    pub sequence: u32,
    /// SUMMARY: the title.
    pub summary: String,
    /// DESCRIPTION, if any.
    pub description: Option<String>,
    /// LOCATION, if any.
    pub location: Option<String>,
    /// URL, if any (a link to the incident or postmortem).
    pub url: Option<String>,
    /// DTSTART.
    pub start: Timestamp,
    /// DTEND; must be after `start`.
    pub end: Timestamp,
    /// IANA zone for DTSTART/DTEND (with a VTIMEZONE); `None` writes UTC. A recurring event
    /// needs its zone here for its occurrences to keep their local time across DST.
    pub time_zone: Option<String>,
    /// RRULE, for a recurring event; `start` must be its first occurrence.
    pub rrule: Option<Rule>,
    /// ORGANIZER; needed for [`Method::Request`] and [`Method::Cancel`].
    pub organizer: Option<Attendee>,
    /// ATTENDEEs.
    pub attendees: Vec<Attendee>,
    /// STATUS.
    pub status: EventStatus,
    /// CREATED, if known.
    pub created: Option<Timestamp>,
    /// LAST-MODIFIED, if known.
    pub last_modified: Option<Timestamp>,
    /// DTSTAMP: when this calendar object was written (pass "now").
    pub dtstamp: Timestamp,
}

/// Writes a VCALENDAR with `events`: CRLF line ends, folded at 75 octets. `name` becomes the
/// calendar's display name (RFC 7986 NAME and the widely read X-WR-CALNAME).
pub fn calendar(
    method: Option<Method>,
    prodid: &str,
    name: Option<&str>,
    events: &[IcsEvent],
) -> Result<String, IcsError> {
    let mut zones: Vec<Zone> = Vec::new();
    let mut vevents = Vec::new();
    for event in events {
        let (lines, zone) = vevent(event, method)?;
        if let Some((tz_name, tz, from, to)) = zone {
            match zones.iter_mut().find(|z| z.name == tz_name) {
                Some(z) => {
                    z.from = z.from.min(from);
                    z.to = z.to.zip(to).map(|(a, b)| a.max(b));
                }
                None => zones.push(Zone {
                    name: tz_name,
                    tz,
                    from,
                    to,
                }),
            }
        }
        vevents.extend(lines);
    }
    zones.sort_by(|a, b| a.name.cmp(&b.name));

    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:{}", text(prodid)),
        "CALSCALE:GREGORIAN".to_string(),
    ];
    if let Some(m) = method {
        lines.push(format!("METHOD:{}", m.as_str()));
    }
    if let Some(n) = name {
        lines.push(format!("NAME:{}", text(n)));
        lines.push(format!("X-WR-CALNAME:{}", text(n)));
    }
    for z in &zones {
        lines.extend(vtimezone(&z.name, &z.tz, z.from, z.to));
    }
    lines.extend(vevents);
    lines.push("END:VCALENDAR".to_string());

    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    Ok(out)
}

/// A zone used by some events, and the span of time they cover (`to: None` = open-ended).
struct Zone {
    name: String,
    tz: TimeZone,
    from: Timestamp,
    to: Option<Timestamp>,
}

type ZoneUse = (String, TimeZone, Timestamp, Option<Timestamp>);

fn vevent(
    e: &IcsEvent,
    method: Option<Method>,
) -> Result<(Vec<String>, Option<ZoneUse>), IcsError> {
    let uid = e.uid.trim();
    if uid.is_empty() {
        return Err(IcsError::EmptyUid);
    }
    let id = || uid.to_string();
    let (start, end) = (whole_seconds(e.start), whole_seconds(e.end));
    if end <= start {
        return Err(IcsError::EndNotAfterStart { uid: id() });
    }
    match method {
        Some(m @ (Method::Request | Method::Cancel)) if e.organizer.is_none() => {
            return Err(IcsError::MissingOrganizer {
                uid: id(),
                method: m.as_str(),
            });
        }
        Some(Method::Cancel) if e.status != EventStatus::Cancelled => {
            return Err(IcsError::NotCancelled { uid: id() });
        }
        _ => {}
    }
    let zone = match e.time_zone.as_deref().map(str::trim) {
        None | Some("UTC" | "Etc/UTC") => None,
        Some(name) => {
            let tz = TimeZone::get(name).map_err(|_| IcsError::UnknownTimeZone {
                uid: id(),
                zone: name.to_string(),
            })?;
            Some((name.to_string(), tz))
        }
    };
    let tz = zone.as_ref().map_or(TimeZone::UTC, |(_, tz)| tz.clone());

    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(uid)),
        format!("DTSTAMP:{}", format_utc_basic(e.dtstamp)),
    ];
    let mut to = Some(end);
    let rrule = match &e.rrule {
        Some(rule) => {
            let zoned = start.to_zoned(tz.clone());
            let first = rule.occurrences(&zoned, start, 1);
            if first.first().map(|z| z.timestamp()) != Some(start) {
                return Err(IcsError::UnsynchronizedStart {
                    uid: id(),
                    rule: rule.to_string(),
                    first: first.first().map_or("none".to_string(), |z| z.to_string()),
                });
            }
            if zone.is_some() && local_time(&tz, start).is_none() {
                return Err(IcsError::AmbiguousStart { uid: id() });
            }
            to = last_end(rule, &zoned, end.duration_since(start));
            Some(rule_for_ics(rule, &tz))
        }
        None => None,
    };
    lines.push(date_time(
        "DTSTART",
        zone.as_ref().map(|(n, _)| n.as_str()),
        &tz,
        start,
    ));
    lines.push(date_time(
        "DTEND",
        zone.as_ref().map(|(n, _)| n.as_str()),
        &tz,
        end,
    ));
    if let Some(rule) = rrule {
        lines.push(format!("RRULE:{rule}"));
    }
    lines.push(format!("SUMMARY:{}", text(&e.summary)));
    if let Some(d) = e.description.as_deref().filter(|d| !d.is_empty()) {
        lines.push(format!("DESCRIPTION:{}", text(d)));
    }
    if let Some(l) = e.location.as_deref().filter(|l| !l.is_empty()) {
        lines.push(format!("LOCATION:{}", text(l)));
    }
    if let Some(u) = e.url.as_deref() {
        lines.push(format!("URL:{}", url(uid, u)?));
    }
    if let Some(o) = &e.organizer {
        let cn = o
            .name
            .as_deref()
            .map(|n| format!(";CN={}", param(n)))
            .unwrap_or_default();
        lines.push(format!("ORGANIZER{cn}:{}", mailto(uid, &o.email)?));
    }
    for a in &e.attendees {
        let cn = a
            .name
            .as_deref()
            .map(|n| format!(";CN={}", param(n)))
            .unwrap_or_default();
        let role = match a.role {
            Role::Chair => "CHAIR",
            Role::ReqParticipant => "REQ-PARTICIPANT",
            Role::OptParticipant => "OPT-PARTICIPANT",
            Role::NonParticipant => "NON-PARTICIPANT",
        };
        let partstat = match a.partstat {
            PartStat::NeedsAction => "NEEDS-ACTION",
            PartStat::Accepted => "ACCEPTED",
            PartStat::Declined => "DECLINED",
            PartStat::Tentative => "TENTATIVE",
        };
        let rsvp = if a.rsvp { "TRUE" } else { "FALSE" };
        lines.push(format!(
            "ATTENDEE{cn};ROLE={role};PARTSTAT={partstat};RSVP={rsvp}:{}",
            mailto(uid, &a.email)?
        ));
    }
    lines.push(format!("SEQUENCE:{}", e.sequence));
    lines.push(
        match e.status {
            EventStatus::Confirmed => "STATUS:CONFIRMED",
            EventStatus::Cancelled => "STATUS:CANCELLED",
        }
        .to_string(),
    );
    if let Some(c) = e.created {
        lines.push(format!("CREATED:{}", format_utc_basic(c)));
    }
    if let Some(m) = e.last_modified {
        lines.push(format!("LAST-MODIFIED:{}", format_utc_basic(m)));
    }
    lines.push("END:VEVENT".to_string());
    Ok((lines, zone.map(|(n, tz)| (n, tz, start, to))))
}

fn whole_seconds(ts: Timestamp) -> Timestamp {
    Timestamp::from_second(ts.as_second()).expect("a truncated timestamp is in range")
}

/// The end of the last occurrence of a bounded rule; `None` for an open-ended one.
fn last_end(rule: &Rule, start: &jiff::Zoned, length: SignedDuration) -> Option<Timestamp> {
    match (rule.until, rule.count) {
        (Some(Until::Instant(u)), _) => u.checked_add(length).ok(),
        (None, None) => None,
        _ => {
            // Bounded by COUNT or a date UNTIL, so the rule ends by itself; `usize::MAX` is
            // only a ceiling.
            let last = rule
                .occurrences(start, start.timestamp(), usize::MAX)
                .pop()?;
            last.timestamp().checked_add(length).ok()
        }
    }
}

/// The rule as it must be written for a DATE-TIME start: a date UNTIL becomes the UTC instant
/// of the last second of that day in `tz`.
fn rule_for_ics(rule: &Rule, tz: &TimeZone) -> Rule {
    let mut rule = rule.clone();
    if let Some(Until::Date(d)) = rule.until {
        let end_of_day = d
            .tomorrow()
            .ok()
            .and_then(|next| next.to_zoned(tz.clone()).ok())
            .and_then(|z| z.timestamp().checked_sub(SignedDuration::from_secs(1)).ok());
        if let Some(ts) = end_of_day {
            rule.until = Some(Until::Instant(ts));
        }
    }
    rule
}

/// `NAME;TZID=zone:YYYYMMDDTHHMMSS`, or `NAME:…Z` in UTC when there is no zone or when the
/// local time would be ambiguous (the second pass of a repeated hour).
fn date_time(name: &str, zone: Option<&str>, tz: &TimeZone, ts: Timestamp) -> String {
    match zone.and_then(|z| Some((z, local_time(tz, ts)?))) {
        Some((z, local)) => format!("{name};TZID={}:{}", param(z), basic(local)),
        None => format!("{name}:{}", format_utc_basic(ts)),
    }
}

/// The local time of `ts` in `tz`, if reading it back (first occurrence, as RFC 5545 reads
/// ambiguous times) gives `ts` again.
fn local_time(tz: &TimeZone, ts: Timestamp) -> Option<DateTime> {
    let local = tz.to_datetime(ts);
    let back = tz.to_ambiguous_zoned(local).compatible().ok()?;
    (back.timestamp() == ts).then_some(local)
}

fn basic(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

/// RFC 5545 TEXT: escapes `\ ; ,` and newlines, drops other control characters but TAB.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: RFC 6868 caret escapes for `^`, `"` and newlines, other control
/// characters dropped, and quoted when it contains `:`, `;` or `,`.
fn param(s: &str) -> String {
    let mut v = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '^' => v.push_str("^^"),
            '"' => v.push_str("^'"),
            '\r' => {
                chars.next_if_eq(&'\n');
                v.push_str("^n");
            }
            '\n' => v.push_str("^n"),
            c if c.is_control() => {}
            c => v.push(c),
        }
    }
    if v.contains([':', ';', ',']) {
        format!("\"{v}\"")
    } else {
        v
    }
}

fn mailto(uid: &str, email: &str) -> Result<String, IcsError> {
    let e = email.trim();
    let ok = e.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !e
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "\"<>()[]\\,;:".contains(c));
    if ok {
        Ok(format!("mailto:{e}"))
    } else {
        Err(IcsError::InvalidAddress {
            uid: uid.into(),
            address: email.into(),
        })
    }
}

fn url(uid: &str, u: &str) -> Result<String, IcsError> {
    let u = u.trim();
    let scheme_ok = u.split_once(':').is_some_and(|(scheme, rest)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    });
    if scheme_ok
        && !u
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    {
        Ok(u.to_string())
    } else {
        Err(IcsError::InvalidUrl {
            uid: uid.into(),
            url: u.into(),
        })
    }
}

/// Appends `line` folded at 75 octets (continuations: one space and up to 74 octets), each
/// physical line ending in CRLF; a UTF-8 character is never split.
fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push_str(head);
        out.push_str("\r\n ");
        rest = tail;
        limit = 74;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests;
