//! Tests of the Slack module: the `/inc` grammar, Block Kit builders, and payload parsing
//! against bodies written from Slack's documentation (`tests/fixtures/slack/from-docs/`) and
//! copies of bodies `slack_sdk` sent (`tests/fixtures/slack/*.json`).

mod blocks;
mod command;
mod payloads;

/// A fixture file's text, by name, from the repository's copy.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/slack/", $name))
    };
}
pub(super) use fixture;

/// The captures copied into the repository, by name.
pub(super) const CAPTURED: [(&str, &str); 3] = [
    (
        "slack-chat-postMessage-from-slack_sdk.json",
        fixture!("slack-chat-postMessage-from-slack_sdk.json"),
    ),
    (
        "slack-incoming-webhook-from-statuspage-exporter-opened.json",
        fixture!("slack-incoming-webhook-from-statuspage-exporter-opened.json"),
    ),
    (
        "slack-incoming-webhook-from-statuspage-exporter-resolved.json",
        fixture!("slack-incoming-webhook-from-statuspage-exporter-resolved.json"),
    ),
];

#[test]
fn the_copied_captures_are_the_shared_ones_byte_for_byte() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if !shared.is_dir() {
        // A checkout without the shared fixtures beside it has only the copies.
        eprintln!("skipped: no {}", shared.display());
        return;
    }
    for (name, copy) in CAPTURED {
        let capture = std::fs::read_to_string(shared.join(name)).expect("the shared capture");
        assert_eq!(copy, capture, "{name} drifted from its capture");
    }
}
