//! The repository's copy of the captured Statuspage summary is the capture, unchanged.
//!
//! `tests/statuspage/summary-fixture.json` is what the status page documents are built to
//! reproduce (`statuspage::build` tests, `scripts/statuspage-v2-check --self-test`). It is a
//! copy of the capture kept beside the repository in `shared/fixtures/statuspage/`, so the
//! repository builds anywhere; it was once edited to match the code (a maintenance's
//! `started_at`, issue 9 part 10). Where the code and the capture disagree, the code changes:
//! this test fails when the copy drifts from the capture.

use std::path::Path;

const COPY: &str = include_str!("statuspage/summary-fixture.json");

#[test]
fn the_summary_fixture_is_the_capture_byte_for_byte() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/statuspage/summary-fixture.json");
    match std::fs::read_to_string(&capture) {
        Ok(captured) => assert!(
            captured == COPY,
            "tests/statuspage/summary-fixture.json differs from {}: restore the copy, and change \
             the code where it disagrees with the capture",
            capture.display()
        ),
        // A checkout without the shared fixtures beside it has only the copy to test against.
        Err(e) => eprintln!("skipped: cannot read {}: {e}", capture.display()),
    }
}

#[test]
fn the_captured_maintenance_started_when_its_window_opened() {
    // The value that was edited: Statuspage's `started_at` of an in-progress maintenance is
    // when the work started (its window's start, 08:05), not when it was announced (08:00).
    let v: serde_json::Value = serde_json::from_str(COPY).expect("the fixture is JSON");
    let m = &v["scheduled_maintenances"][0];
    assert_eq!(m["status"], "in_progress");
    assert_eq!(m["created_at"], "2026-11-21T08:00:00.000Z");
    assert_eq!(m["scheduled_for"], "2026-11-21T08:05:00.000Z");
    assert_eq!(m["started_at"], "2026-11-21T08:05:00.000Z");
}
