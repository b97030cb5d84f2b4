//! iCalendar feeds of on-call shifts: a schedule's final shifts, and one user's shifts across
//! schedules, written with the strict RFC 5545 writer in [`crate::ics`].
//!
//! Each shift is one VEVENT in UTC (`DTSTART:…Z`): shifts are instants computed by
//! [`crate::oncall::schedule::final_schedule`], so no VTIMEZONE is needed. A shift's UID is
//! made from the schedule id, the user id and the shift's start in milliseconds
//! (`oncall-7-42-1774771200000@debrief.example.com`), so a regenerated feed keeps the UID of an
//! unchanged shift and calendar clients update it in place. Entries are clipped to the range
//! they were computed over, so the first shift of a feed computed from "now" has a clipped
//! start: compute feeds from a fixed boundary (the start of a day) to keep that UID steady.
//!
//! The writer has no TRANSP property, so events are left OPAQUE (RFC 5545's default); most
//! clients leave subscribed calendars out of free/busy anyway.

use super::schedule::Entry;
use crate::Timestamp;
use crate::ics::{self, EventStatus, IcsEvent, Method, PRODID};

/// A feed of a schedule's final shifts: one event per entry, titled
/// `On call: <user name> (<schedule name>)`. `entries` pairs each entry (from
/// [`crate::oncall::schedule::final_schedule`]) with its user's display name; `host` ends
/// each UID (`…@host`); `now` is the DTSTAMP.
pub fn schedule_feed(
    schedule_id: i64,
    schedule_name: &str,
    entries: &[(Entry, String)],
    host: &str,
    now: Timestamp,
) -> String {
    let events: Vec<IcsEvent> = entries
        .iter()
        .filter_map(|(entry, user_name)| {
            shift_event(
                schedule_id,
                entry,
                format!("On call: {user_name} ({schedule_name})"),
                host,
                now,
            )
        })
        .collect();
    write(&format!("On call: {schedule_name}"), &events)
}

/// A feed of one user's shifts across schedules, titled `On call: <schedule name>`. `shifts`
/// pairs each of the user's entries with its schedule's id and name; `host` ends each UID;
/// `now` is the DTSTAMP. A shift keeps the same UID as in its schedule's feed.
pub fn user_feed(
    user_name: &str,
    shifts: &[(Entry, i64, String)],
    host: &str,
    now: Timestamp,
) -> String {
    let events: Vec<IcsEvent> = shifts
        .iter()
        .filter_map(|(entry, schedule_id, schedule_name)| {
            shift_event(
                *schedule_id,
                entry,
                format!("On call: {schedule_name}"),
                host,
                now,
            )
        })
        .collect();
    write(&format!("On call: {user_name}"), &events)
}

fn write(name: &str, events: &[IcsEvent]) -> String {
    ics::calendar(Some(Method::Publish), PRODID, Some(name), events).expect(
        "shift events always have a UID, a whole-second end after the start, and no zone, URL \
         or organizer, which is all the writer checks",
    )
}

/// The event of one shift; `None` when it lasts less than a whole second (the writer compares
/// whole seconds, and such a sliver is no shift anyone keeps).
fn shift_event(
    schedule_id: i64,
    entry: &Entry,
    summary: String,
    host: &str,
    now: Timestamp,
) -> Option<IcsEvent> {
    if entry.end.as_second() <= entry.start.as_second() {
        return None;
    }
    Some(IcsEvent {
        uid: uid(schedule_id, &entry.user, entry.start, host),
        sequence: 0,
        summary,
        description: None,
        location: None,
        url: None,
        start: entry.start,
        end: entry.end,
        time_zone: None,
        rrule: None,
        organizer: None,
        attendees: vec![],
        status: EventStatus::Confirmed,
        created: None,
        last_modified: None,
        dtstamp: now,
    })
}

/// `oncall-<schedule>-<user>-<start ms>@<host>`; a user id with characters other than ASCII
/// letters, digits, `.` and `_` has those bytes written as `%XX`, so the `-` separators stay
/// unambiguous.
fn uid(schedule_id: i64, user: &str, start: Timestamp, host: &str) -> String {
    let mut user_part = String::with_capacity(user.len());
    for b in user.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
            user_part.push(char::from(b));
        } else {
            user_part.push_str(&format!("%{b:02X}"));
        }
    }
    let host = match host.trim() {
        "" => "debrief",
        h => h,
    };
    format!(
        "oncall-{schedule_id}-{user_part}-{}@{host}",
        start.as_millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn entry(user: &str, start: &str, end: &str) -> Entry {
        Entry {
            user: user.into(),
            start: t(start),
            end: t(end),
        }
    }

    /// The logical (unfolded) lines, after checking CRLF ends and 75-octet lines.
    fn lines(ics: &str) -> Vec<String> {
        for l in ics.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "too long: {l:?}");
        }
        ics.replace("\r\n ", "")
            .trim_end_matches("\r\n")
            .split("\r\n")
            .map(str::to_string)
            .collect()
    }

    fn shifts() -> Vec<(Entry, String)> {
        vec![
            (
                entry("42", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"),
                "Ada Lovelace".into(),
            ),
            (
                entry("7", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"),
                "Grace Hopper".into(),
            ),
        ]
    }

    #[test]
    fn a_schedule_feed_has_one_confirmed_utc_event_per_shift() {
        // Arrange
        let now = t("2026-03-20T12:00:00Z");

        // Act
        let ics = schedule_feed(3, "Payments primary", &shifts(), "debrief.example.com", now);

        // Assert
        let lines = lines(&ics);
        assert!(lines.contains(&"METHOD:PUBLISH".to_string()));
        assert!(lines.contains(&"X-WR-CALNAME:On call: Payments primary".to_string()));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 2);
        for want in [
            "UID:oncall-3-42-1774252800000@debrief.example.com",
            "SUMMARY:On call: Ada Lovelace (Payments primary)",
            "DTSTART:20260323T080000Z",
            "DTEND:20260330T070000Z",
            "SUMMARY:On call: Grace Hopper (Payments primary)",
            "DTSTAMP:20260320T120000Z",
        ] {
            assert!(lines.contains(&want.to_string()), "{want} missing:\n{ics}");
        }
        assert_eq!(lines.iter().filter(|l| *l == "SEQUENCE:0").count(), 2);
        assert_eq!(lines.iter().filter(|l| *l == "STATUS:CONFIRMED").count(), 2);
        assert!(!ics.contains("VTIMEZONE"));
    }

    #[test]
    fn uids_stay_the_same_when_the_feed_is_regenerated() {
        let uids = |ics: &str| -> Vec<String> {
            lines(ics)
                .into_iter()
                .filter(|l| l.starts_with("UID:"))
                .collect()
        };
        let first = schedule_feed(3, "P", &shifts(), "h", t("2026-03-20T12:00:00Z"));
        let later = schedule_feed(3, "P", &shifts(), "h", t("2026-03-21T12:00:00Z"));
        assert_eq!(uids(&first), uids(&later));
        assert_ne!(first, later, "DTSTAMP follows now");

        let mine = user_feed(
            "Ada",
            &[(shifts()[0].0.clone(), 3, "P".into())],
            "h",
            t("2026-03-22T00:00:00Z"),
        );
        assert_eq!(uids(&mine)[0], uids(&first)[0], "same shift, same UID");
    }

    #[test]
    fn names_with_commas_semicolons_and_non_ascii_are_escaped() {
        let entries = vec![(
            entry("42", "2026-03-23T08:00:00Z", "2026-03-24T08:00:00Z"),
            "Lovelace, Ada; Çelik 決済 \\ ok".into(),
        )];
        let ics = schedule_feed(
            1,
            "Pay; ments, EU",
            &entries,
            "h",
            t("2026-03-20T00:00:00Z"),
        );
        let lines = lines(&ics);
        assert!(
            lines.contains(
                &"SUMMARY:On call: Lovelace\\, Ada\\; Çelik 決済 \\\\ ok (Pay\\; ments\\, EU)"
                    .to_string()
            ),
            "{ics}"
        );
        assert!(lines.contains(&"NAME:On call: Pay\\; ments\\, EU".to_string()));
    }

    #[test]
    fn a_user_feed_names_each_schedule() {
        let shifts = vec![
            (
                entry("42", "2026-03-23T08:00:00Z", "2026-03-24T08:00:00Z"),
                3,
                "Payments".to_string(),
            ),
            (
                entry("42", "2026-03-25T08:00:00Z", "2026-03-26T08:00:00Z"),
                9,
                "Search".to_string(),
            ),
        ];
        let ics = user_feed("Ada", &shifts, "h", t("2026-03-20T00:00:00Z"));
        let lines = lines(&ics);
        assert!(lines.contains(&"X-WR-CALNAME:On call: Ada".to_string()));
        assert!(lines.contains(&"SUMMARY:On call: Payments".to_string()));
        assert!(lines.contains(&"SUMMARY:On call: Search".to_string()));
        assert!(lines.contains(&"UID:oncall-9-42-1774425600000@h".to_string()));
    }

    #[test]
    fn sub_second_slivers_are_left_out_and_an_empty_feed_is_still_a_calendar() {
        let sliver = vec![(
            Entry {
                user: "42".into(),
                start: t("2026-03-23T08:00:00.100Z"),
                end: t("2026-03-23T08:00:00.900Z"),
            },
            "Ada".into(),
        )];
        let ics = schedule_feed(1, "P", &sliver, "h", t("2026-03-20T00:00:00Z"));
        assert!(!ics.contains("BEGIN:VEVENT"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        let empty = user_feed("Ada", &[], "h", t("2026-03-20T00:00:00Z"));
        assert!(!empty.contains("BEGIN:VEVENT"));
    }

    #[test]
    fn a_user_id_with_separators_cannot_make_two_shifts_share_a_uid() {
        let at = t("2026-03-23T08:00:00Z");
        assert_eq!(
            uid(1, "4-2", at, " "),
            "oncall-1-4%2D2-1774252800000@debrief"
        );
        assert_ne!(uid(1, "4-2", at, "h"), uid(1, "4", at, "h"));
    }
}
