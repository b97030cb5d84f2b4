//! Live streams after a reconnect: a client that sends `Last-Event-ID` first gets what it
//! missed, and only what it may see.

use crate::harness::TestApp;
use crate::sse::{EventStream, wait_until_live};
use debrief_core::access::AccountRole;
use serde_json::{Value, json};

/// A viewer's stream drops; events are written meanwhile; on reconnect with the last id it
/// received, the viewer gets the public events it missed and nothing private.
async fn a_reconnecting_stream_gets_the_events_it_missed_and_nothing_private(app: &TestApp) {
    // Arrange: a public and a private incident, and a viewer who received one event live.
    let (_, owner) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let reference = |i: Value| i["reference"].as_str().expect("ref").to_string();
    let public = reference(app.declare(&owner, &json!({"title": "API latency"})).await);
    let private = reference(
        app.declare(
            &owner,
            &json!({"title": "Suspicious logins", "private": true}),
        )
        .await,
    );
    wait_until_live(app, &public).await;
    let note = |body: &str| json!({"kind": "note", "body": body});
    let mut stream = EventStream::open(app, "/api/v1/stream", &viewer).await;
    let seen = app.add_event(&owner, &public, &note("p99 at 2s")).await;
    stream.expect_event(&seen["id"]).await;
    drop(stream);

    // Act: events while the viewer is away; an admin's stream shows when each has gone through
    // the live hub (on PostgreSQL they travel by NOTIFY), so none is still in flight.
    let mut probe = EventStream::open(app, "/api/v1/stream", &app.admin_token).await;
    let secret = app
        .add_event(&owner, &private, &note("blocked 3 IPs"))
        .await;
    let missed = app
        .add_event(&owner, &public, &note("scaled out the API"))
        .await;
    let other = reference(app.declare(&owner, &json!({"title": "Mail delayed"})).await);
    let (_, _, declared) = app
        .get(&format!("/api/v1/incidents/{other}/timeline"), &owner)
        .await;
    let written = declared["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].clone());
    for id in [secret["id"].clone(), missed["id"].clone()]
        .into_iter()
        .chain(written)
    {
        probe.expect_event(&id).await;
    }
    let path = format!("/api/v1/incidents/{public}/stream");
    let mut all = EventStream::reconnect(app, "/api/v1/stream", &viewer, Some(&seen["id"])).await;
    let mut one = EventStream::reconnect(app, &path, &viewer, Some(&seen["id"])).await;
    let mut fresh = EventStream::open(app, "/api/v1/stream", &viewer).await;
    let after = app.add_event(&owner, &public, &note("p99 at 300ms")).await;

    // Assert: the missed events come first, in order, without the private one; the incident's
    // stream replays only its own events; a stream without Last-Event-ID replays nothing.
    for s in [&mut all, &mut one, &mut fresh] {
        s.expect_event(&after["id"]).await;
    }
    let ids = |s: &EventStream| {
        s.timeline()
            .iter()
            .map(|e| e["id"].clone())
            .collect::<Vec<_>>()
    };
    let all_ids = ids(&all);
    assert!(
        !all_ids.contains(&secret["id"]),
        "a private event was replayed: {:?}",
        all.messages
    );
    assert_eq!(
        all_ids.first(),
        Some(&missed["id"]),
        "the missed event comes first: {all_ids:?}"
    );
    assert!(
        all.timeline()
            .iter()
            .any(|e| e["incident"] == other.as_str()),
        "declaring {other} was missed too"
    );
    assert!(
        one.timeline()
            .iter()
            .all(|e| e["incident"] == public.as_str()),
        "{:?}",
        one.messages
    );
    assert_eq!(ids(&one), [missed["id"].clone(), after["id"].clone()]);
    assert_eq!(ids(&fresh), [after["id"].clone()]);
}

crate::e2e_test!(a_reconnecting_stream_gets_the_events_it_missed_and_nothing_private);
