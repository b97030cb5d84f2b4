//! Tests of the parent module.

#![expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]

use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn event() -> IcsEvent {
    IcsEvent {
        uid: "inc-42-review@debrief.example.com".into(),
        sequence: 0,
        summary: "Postmortem review: INC-42".into(),
        description: None,
        location: None,
        url: None,
        start: t("2027-01-05T09:00:00Z"),
        end: t("2027-01-05T10:00:00Z"),
        time_zone: None,
        rrule: None,
        organizer: None,
        attendees: vec![],
        status: EventStatus::Confirmed,
        created: None,
        last_modified: None,
        dtstamp: t("2026-12-01T12:00:00Z"),
    }
}

fn folded(line: &str) -> String {
    let mut out = String::new();
    fold(line, &mut out);
    out
}

/// The physical lines, checking each ends in CRLF and fits in 75 octets.
fn physical_lines(ics: &str) -> Vec<&str> {
    assert!(ics.ends_with("\r\n"));
    let lines: Vec<&str> = ics[..ics.len() - 2].split("\r\n").collect();
    for l in &lines {
        assert!(l.len() <= 75, "too long: {l:?}");
        assert!(!l.contains(['\r', '\n']), "bare CR or LF: {l:?}");
    }
    lines
}

/// The logical lines (unfolded).
fn logical_lines(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .trim_end_matches("\r\n")
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

#[test]
fn ascii_lines_fold_at_exactly_75_octets() {
    let line75 = "X".repeat(75);
    assert_eq!(folded(&line75), format!("{line75}\r\n"));
    let line76 = "X".repeat(76);
    assert_eq!(folded(&line76), format!("{}\r\n X\r\n", "X".repeat(75)));
    // 75 + 74 + 74 + 1.
    let long = "Y".repeat(224);
    let out = folded(&long);
    let parts: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [75, 75, 75, 2]
    );
    assert_eq!(out.replace("\r\n ", ""), format!("{long}\r\n"));
}

#[test]
fn multibyte_characters_are_never_split_at_the_fold() {
    for ch in ["é", "€", "😀"] {
        for pad in 70..76 {
            let line = format!("{}{}{}", "a".repeat(pad), ch.repeat(3), "b".repeat(80));
            let out = folded(&line);
            for l in out.trim_end_matches("\r\n").split("\r\n") {
                assert!(l.len() <= 75, "{ch} {pad}: {l:?}");
            }
            // Each physical line is valid UTF-8 on its own (a &str split at CRLF).
            assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        }
    }
    // 74 ASCII octets then a 2-octet character: the first line stops at 74.
    let out = folded(&format!("{}é", "a".repeat(74)));
    assert_eq!(out, format!("{}\r\n é\r\n", "a".repeat(74)));
}

#[test]
fn text_values_are_escaped() {
    assert_eq!(text(r"a\b;c,d"), r"a\\b\;c\,d");
    assert_eq!(text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
    assert_eq!(text("bell\u{7}\ttab: ok"), "bell\ttab: ok");
    assert_eq!(param("Ada Lovelace"), "Ada Lovelace");
    assert_eq!(param("Lovelace, Ada"), "\"Lovelace, Ada\"");
    assert_eq!(param("Ada \"the\" ^ok"), "Ada ^'the^' ^^ok");
    assert_eq!(param("a:b"), "\"a:b\"");
}

#[test]
fn a_single_event_has_the_required_structure() {
    let mut e = event();
    e.description = Some("Timeline; root cause, actions\nand more".into());
    e.url = Some("https://debrief.example.com/incidents/INC-42".into());
    e.created = Some(t("2026-11-30T08:00:00Z"));
    let ics = calendar(Some(Method::Publish), PRODID, Some("Debrief reviews"), &[e]).unwrap();
    physical_lines(&ics);
    assert_eq!(
        logical_lines(&ics),
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Debrief//Debrief//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "NAME:Debrief reviews",
            "X-WR-CALNAME:Debrief reviews",
            "BEGIN:VEVENT",
            "UID:inc-42-review@debrief.example.com",
            "DTSTAMP:20261201T120000Z",
            "DTSTART:20270105T090000Z",
            "DTEND:20270105T100000Z",
            "SUMMARY:Postmortem review: INC-42",
            r"DESCRIPTION:Timeline\; root cause\, actions\nand more",
            "URL:https://debrief.example.com/incidents/INC-42",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            "CREATED:20261130T080000Z",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    );
}

#[test]
fn organizer_and_attendees_carry_their_parameters() {
    let mut e = event();
    e.organizer = Some(Attendee::new(Some("Lovelace, Ada"), "ada@example.com"));
    let mut opt = Attendee::new(Some("Grace Hopper"), "grace@example.com");
    opt.role = Role::OptParticipant;
    opt.partstat = PartStat::Accepted;
    opt.rsvp = false;
    e.attendees = vec![Attendee::new(None, "sre@example.com"), opt];
    let ics = calendar(Some(Method::Request), PRODID, None, &[e]).unwrap();
    let lines = logical_lines(&ics);
    assert!(lines.contains(&"ORGANIZER;CN=\"Lovelace, Ada\":mailto:ada@example.com".to_string()));
    assert!(
        lines.contains(
            &"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:sre@example.com"
                .to_string()
        )
    );
    assert!(lines.contains(
        &"ATTENDEE;CN=Grace Hopper;ROLE=OPT-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:grace@example.com"
            .to_string()
    ));
    physical_lines(&ics);
}

#[test]
fn request_and_cancel_need_an_organizer() {
    let e = event();
    assert_eq!(
        calendar(
            Some(Method::Request),
            PRODID,
            None,
            std::slice::from_ref(&e)
        )
        .unwrap_err(),
        IcsError::MissingOrganizer {
            uid: e.uid.clone(),
            method: "REQUEST"
        }
    );
    let mut e = e;
    e.organizer = Some(Attendee::new(None, "ada@example.com"));
    assert!(matches!(
        calendar(Some(Method::Cancel), PRODID, None, std::slice::from_ref(&e)),
        Err(IcsError::NotCancelled { .. })
    ));
    e.status = EventStatus::Cancelled;
    let ics = calendar(Some(Method::Cancel), PRODID, None, &[e]).unwrap();
    assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n"));
    // Without a method nothing is required.
    assert!(calendar(None, PRODID, None, &[event()]).is_ok());
}

#[test]
fn invalid_events_are_rejected() {
    let mut e = event();
    e.end = e.start;
    assert!(matches!(
        calendar(None, PRODID, None, &[e]),
        Err(IcsError::EndNotAfterStart { .. })
    ));
    let mut e = event();
    e.uid = " ".into();
    assert_eq!(calendar(None, PRODID, None, &[e]), Err(IcsError::EmptyUid));
    let mut e = event();
    e.organizer = Some(Attendee::new(None, "not an address"));
    assert!(matches!(
        calendar(None, PRODID, None, &[e]),
        Err(IcsError::InvalidAddress { .. })
    ));
    let mut e = event();
    e.url = Some("no scheme here".into());
    assert!(matches!(
        calendar(None, PRODID, None, &[e]),
        Err(IcsError::InvalidUrl { .. })
    ));
    let mut e = event();
    e.time_zone = Some("Europe/Atlantis".into());
    assert!(
        calendar(None, PRODID, None, &[e])
            .unwrap_err()
            .to_string()
            .contains("Europe/Atlantis")
    );
}

fn monthly_review() -> IcsEvent {
    IcsEvent {
        start: t("2027-01-05T09:00:00Z"), // 10:00 in Berlin, the first Tuesday
        end: t("2027-01-05T10:00:00Z"),
        time_zone: Some("Europe/Berlin".into()),
        rrule: Some(Rule::default()),
        ..event()
    }
}

#[test]
fn a_recurring_event_is_written_in_local_time_with_a_rule_based_vtimezone() {
    let ics = calendar(Some(Method::Publish), PRODID, None, &[monthly_review()]).unwrap();
    physical_lines(&ics);
    let lines = logical_lines(&ics);
    let tz: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .skip_while(|l| *l != "BEGIN:VTIMEZONE")
        .take_while(|l| *l != "BEGIN:VEVENT")
        .collect();
    assert_eq!(
        tz,
        [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Berlin",
            "BEGIN:STANDARD",
            "DTSTART:20261025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:20270328T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    );
    assert!(lines.contains(&"DTSTART;TZID=Europe/Berlin:20270105T100000".to_string()));
    assert!(lines.contains(&"DTEND;TZID=Europe/Berlin:20270105T110000".to_string()));
    assert!(lines.contains(&"RRULE:FREQ=MONTHLY;BYDAY=1TU".to_string()));
}

#[test]
fn new_york_gets_its_second_and_first_sunday_rules() {
    let e = IcsEvent {
        start: t("2027-01-05T15:00:00Z"),
        end: t("2027-01-05T16:00:00Z"),
        time_zone: Some("America/New_York".into()),
        rrule: Some(Rule::default()),
        ..event()
    };
    let ics = calendar(None, PRODID, None, &[e]).unwrap();
    assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"));
    assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"));
    assert!(ics.contains("DTSTART;TZID=America/New_York:20270105T100000\r\n"));
}

#[test]
fn a_zone_without_dst_gets_one_standard_observance() {
    let e = IcsEvent {
        time_zone: Some("Asia/Tokyo".into()),
        ..event()
    };
    let ics = calendar(None, PRODID, None, &[e]).unwrap();
    let lines = logical_lines(&ics);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:STANDARD").count(), 1);
    assert!(!lines.iter().any(|l| l.starts_with("BEGIN:DAYLIGHT")));
    assert!(lines.contains(&"TZOFFSETTO:+0900".to_string()));
    assert!(lines.contains(&"DTSTART;TZID=Asia/Tokyo:20270105T180000".to_string()));
    // A fixed-offset zone has no transitions at all.
    let e = IcsEvent {
        time_zone: Some("Etc/GMT-3".into()),
        ..event()
    };
    let ics = calendar(None, PRODID, None, &[e]).unwrap();
    assert!(ics.contains("DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"));
}

#[test]
fn a_recurring_start_must_be_the_first_occurrence() {
    let mut e = monthly_review();
    e.start = t("2027-01-01T09:00:00Z");
    e.end = t("2027-01-01T10:00:00Z");
    let err = calendar(None, PRODID, None, &[e]).unwrap_err();
    assert!(
        err.to_string().contains("2027-01-05T10:00:00+01:00"),
        "{err}"
    );
}

#[test]
fn a_date_until_is_written_as_the_utc_end_of_that_day() {
    let mut e = monthly_review();
    e.rrule = Some(Rule::parse("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270706").unwrap());
    let ics = calendar(None, PRODID, None, &[e]).unwrap();
    // The end of 6 July 2027 in Berlin (CEST) is 21:59:59Z.
    assert!(
        ics.contains("RRULE:FREQ=MONTHLY;UNTIL=20270706T215959Z;BYDAY=1TU\r\n"),
        "{ics}"
    );
}

#[test]
fn events_sharing_a_zone_share_one_vtimezone() {
    let mut second = monthly_review();
    second.uid = "other@debrief.example.com".into();
    second.rrule = None;
    let ics = calendar(None, PRODID, None, &[monthly_review(), second]).unwrap();
    assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
}
