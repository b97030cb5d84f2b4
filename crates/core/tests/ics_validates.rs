//! Calendars from `debrief_core::ics` pass a strict, real parser: `scripts/validate-ics`
//! (Python `icalendar` plus raw CRLF and 75-octet checks), run from the test virtualenv.
//! The validator itself is checked to reject LF-only files and over-long lines.

#![expect(
    clippy::string_slice,
    reason = "tests slice text at boundaries they just found"
)]

use debrief_core::Timestamp;
use debrief_core::ics::{
    Attendee, EventStatus, IcsEvent, Method, PRODID, PartStat, Role, calendar,
};
use debrief_core::recurrence::Rule;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/python");
const VALIDATOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/validate-ics");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The validator's command; fails (never skips) when the test virtualenv is missing.
fn validator() -> Command {
    assert!(
        Path::new(PYTHON).exists(),
        "{PYTHON} is missing: run scripts/install-test-deps to create the test virtualenv \
         (it installs icalendar, which these tests need)"
    );
    let mut cmd = Command::new(PYTHON);
    cmd.arg(VALIDATOR);
    cmd
}

/// A fresh directory under the system temp dir for this test's files.
fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "debrief-ics-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn validate_files(files: &[(&str, String)]) -> Output {
    let dir = temp_dir();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, ics)| {
            let p = dir.join(name);
            std::fs::write(&p, ics).unwrap();
            p
        })
        .collect();
    let out = validator().args(&paths).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn validate_stdin(bytes: &[u8]) -> Output {
    let mut child = validator()
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap()
}

fn report(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn event() -> IcsEvent {
    IcsEvent {
        uid: "inc-42-deadline@debrief.example.com".into(),
        sequence: 0,
        summary: "Postmortem due: INC-42".into(),
        description: Some("Checkout returned 500 errors; write it up.".into()),
        location: None,
        url: Some("https://debrief.example.com/incidents/INC-42/postmortem".into()),
        start: t("2026-11-27T22:00:00Z"),
        end: t("2026-11-27T22:30:00Z"),
        time_zone: None,
        rrule: None,
        organizer: None,
        attendees: vec![],
        status: EventStatus::Confirmed,
        created: Some(t("2026-11-20T15:00:00Z")),
        last_modified: Some(t("2026-11-20T15:00:00Z")),
        dtstamp: t("2026-11-20T15:00:00Z"),
    }
}

fn invitation() -> IcsEvent {
    let mut optional = Attendee::new(Some("Grace \"Amazing\" Hopper"), "grace@example.com");
    optional.role = Role::OptParticipant;
    optional.partstat = PartStat::Tentative;
    IcsEvent {
        uid: "inc-42-review@debrief.example.com".into(),
        summary: "Revue post-mortem : INC-42, « paiement » — 決済の障害 😀".into(),
        description: Some(
            "Ordre du jour ; chronologie, causes, actions.\n\
             Zeitleiste: Fehlerquote stieg um 14:02 auf 37 %; Ursache – ein abgelaufenes \
             Zertifikat. 決済サービスで証明書の期限切れにより障害が発生しました。"
                .repeat(3),
        ),
        location: Some("Salle Lovelace, 3e étage; Zoom".into()),
        start: t("2026-12-01T09:00:00Z"),
        end: t("2026-12-01T10:00:00Z"),
        time_zone: Some("Europe/Berlin".into()),
        organizer: Some(Attendee::new(Some("Lovelace, Ada"), "ada@example.com")),
        attendees: vec![
            Attendee {
                role: Role::Chair,
                partstat: PartStat::Accepted,
                rsvp: false,
                ..Attendee::new(Some("Ada Lovelace"), "ada@example.com")
            },
            Attendee::new(Some("Ünal Çelik; SRE"), "unal@example.com"),
            Attendee::new(None, "oncall@example.com"),
            optional,
        ],
        ..event()
    }
}

fn monthly_review(zone: &str, start: &str, rule: &str) -> IcsEvent {
    let start = t(start);
    IcsEvent {
        uid: format!("review-{zone}@debrief.example.com"),
        summary: "Monthly postmortem review".into(),
        start,
        end: start + jiff::SignedDuration::from_hours(1),
        time_zone: Some(zone.into()),
        rrule: Some(Rule::parse(rule).unwrap()),
        organizer: Some(Attendee::new(Some("Debrief"), "debrief@example.com")),
        ..event()
    }
}

#[test]
fn writer_output_passes_the_strict_validator() {
    // Arrange
    let single = calendar(None, PRODID, None, &[event()]).unwrap();
    let request = calendar(Some(Method::Request), PRODID, None, &[invitation()]).unwrap();
    let berlin = calendar(
        Some(Method::Publish),
        PRODID,
        Some("Debrief: postmortem reviews"),
        // 2027-01-05 10:00 in Berlin: the first Tuesday.
        &[monthly_review(
            "Europe/Berlin",
            "2027-01-05T09:00:00Z",
            "FREQ=MONTHLY;BYDAY=1TU",
        )],
    )
    .unwrap();
    let bounded = calendar(
        Some(Method::Request),
        PRODID,
        None,
        &[
            // Last Friday, 16:00 New York, until the end of 2027; and a COUNT rule in Sydney.
            monthly_review(
                "America/New_York",
                "2027-01-29T21:00:00Z",
                "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231",
            ),
            monthly_review(
                "Australia/Sydney",
                "2027-01-04T23:00:00Z",
                "FREQ=MONTHLY;BYDAY=1TU;COUNT=12",
            ),
            invitation(),
        ],
    )
    .unwrap();
    let mut cancelled = invitation();
    cancelled.sequence = 1;
    cancelled.status = EventStatus::Cancelled;
    let cancel = calendar(Some(Method::Cancel), PRODID, None, &[cancelled]).unwrap();
    assert!(
        request.lines().count() > 20 && request.contains("\r\n "),
        "folded"
    );

    // Act
    let out = validate_files(&[
        ("single.ics", single),
        ("request.ics", request),
        ("berlin.ics", berlin),
        ("bounded.ics", bounded),
        ("cancel.ics", cancel),
    ]);

    // Assert
    assert!(out.status.success(), "{}", report(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("OK ").count(), 5, "{}", report(&out));
}

#[test]
fn writer_output_validates_from_stdin() {
    let ics = calendar(None, PRODID, None, &[event()]).unwrap();
    let out = validate_stdin(ics.as_bytes());
    assert!(out.status.success(), "{}", report(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK -"));
}

#[test]
fn the_validator_rejects_lf_line_ends() {
    let ics = calendar(None, PRODID, None, &[event()]).unwrap();
    let out = validate_stdin(ics.replace("\r\n", "\n").as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", report(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("bare LF"),
        "{}",
        report(&out)
    );
}

#[test]
fn the_validator_rejects_over_long_lines() {
    let ics = calendar(Some(Method::Request), PRODID, None, &[invitation()]).unwrap();
    // Unfolding makes the description one long line.
    let out = validate_stdin(ics.replace("\r\n ", "").as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", report(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("longer than 75"),
        "{}",
        report(&out)
    );
}

#[test]
fn the_validator_rejects_a_request_without_organizer_and_a_missing_vtimezone() {
    let ics = calendar(Some(Method::Request), PRODID, None, &[invitation()]).unwrap();
    let without_organizer: String = ics
        .replace("\r\n ", "\u{0}")
        .split("\r\n")
        .filter(|l| !l.starts_with("ORGANIZER"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .replace('\u{0}', "\r\n ");
    let out = validate_stdin(without_organizer.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", report(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("needs an ORGANIZER"));

    let start = ics.find("BEGIN:VTIMEZONE").unwrap();
    let end = ics.find("END:VTIMEZONE\r\n").unwrap() + "END:VTIMEZONE\r\n".len();
    let without_zone = format!("{}{}", &ics[..start], &ics[end..]);
    let out = validate_stdin(without_zone.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", report(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("has no VTIMEZONE"));
}

#[test]
fn on_call_feeds_pass_the_strict_validator() {
    use debrief_core::oncall::calendar::{schedule_feed, user_feed};
    use debrief_core::oncall::schedule::Entry;

    // Arrange: names with commas, semicolons, backslashes and non-ASCII, long enough to fold.
    let shift = |user: &str, start: &str, end: &str| Entry {
        user: user.into(),
        start: t(start),
        end: t(end),
    };
    let schedule_name = "Zahlungen; primär, EU — 決済オンコール (Ünal's team)";
    let schedule = schedule_feed(
        7,
        schedule_name,
        &[
            (
                shift("42", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"),
                "Lovelace, Ada; SRE \\ 😀".into(),
            ),
            (
                shift("7", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"),
                "Ünal Çelik — 決済".into(),
            ),
        ],
        "debrief.example.com",
        t("2026-03-20T12:00:00Z"),
    );
    let user = user_feed(
        "Lovelace, Ada; SRE",
        &[
            (
                shift("42", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"),
                7,
                schedule_name.into(),
            ),
            (
                shift("42", "2026-04-01T22:00:00Z", "2026-04-02T06:00:00Z"),
                9,
                "Search, nights; ночь".into(),
            ),
        ],
        "debrief.example.com",
        t("2026-03-20T12:00:00Z"),
    );
    assert!(schedule.contains("\r\n "), "long summaries fold");

    // Act
    let out = validate_files(&[("schedule.ics", schedule), ("user.ics", user)]);

    // Assert
    assert!(out.status.success(), "{}", report(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("OK ").count(), 2, "{}", report(&out));
}
