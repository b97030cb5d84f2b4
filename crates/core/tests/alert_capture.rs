//! The repository's copies of the captured alert bodies are the captures, unchanged.
//!
//! `tests/fixtures/alert/*.json` are what the `alert` parsers are tested against. They are
//! copies of captures kept beside the repository in `shared/fixtures/` (see the folder's
//! README), so the repository builds anywhere. Where the code and a capture disagree, the code
//! changes: this test fails when a copy drifts from its capture. The bodies in
//! `tests/fixtures/alert/from-docs/` are not captures and are not checked here.

use std::path::Path;

#[test]
fn the_alert_fixtures_are_the_captures_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copies = root.join("tests/fixtures/alert");
    let captures = root.join("../../../shared/fixtures");
    if !captures.is_dir() {
        // A checkout without the shared fixtures beside it has only the copies to test against.
        eprintln!("skipped: no {}", captures.display());
        return;
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(&copies).expect("the fixture folder") {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_name().expect("a file name");
        let copy = std::fs::read(&path).expect("the copy");
        let capture = std::fs::read(captures.join(name))
            .unwrap_or_else(|e| panic!("{}: no capture of that name: {e}", path.display()));
        assert!(
            copy == capture,
            "{} differs from its capture in {}: restore the copy, and change the code where it \
             disagrees with the capture",
            path.display(),
            captures.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 13, "every captured copy was compared");
}
