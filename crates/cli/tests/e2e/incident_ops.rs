//! Timeline edits and stars, merges, and roles: each change is kept on the timeline.

use crate::harness::{Raw, TestApp, expect_problem};
use debrief_core::access::AccountRole;
use reqwest::Method;
use serde_json::{Value, json};

async fn timeline(app: &TestApp, reference: &str) -> Vec<Value> {
    let (status, _, page) = app
        .get(
            &format!("/api/v1/incidents/{reference}/timeline"),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

/// An edit replaces a person's event and keeps what it replaced; stars mark key moments;
/// events Debrief wrote cannot be edited.
async fn editing_an_event_keeps_its_revisions_and_system_events_cannot_be_edited(app: &TestApp) {
    // Arrange: an incident with a note carrying a link, and a status change.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let (editor, editor_token) = app.create_user(AccountRole::Responder).await;
    let r = app.declare(&t, &json!({"title": "Webhooks delayed"})).await["reference"]
        .as_str()
        .expect("ref")
        .to_string();
    let note = app
        .add_event(&t, &r, &json!({"kind": "note", "body": "Queue depth 10k", "links": [{"url": "https://grafana.example.com/d/1", "title": "Queue"}]}))
        .await;
    app.transition(&t, &r, &json!({"to": "investigating"}))
        .await;
    let path = format!("/api/v1/incidents/{r}/timeline/{}", note["id"]);

    // Act: two edits by another responder, then a star and an unstar.
    let (s1, _, first) = app
        .patch(&path, &editor_token, &json!({"body": "Queue depth 12k"}))
        .await;
    let (s2, _, second) = app
        .patch(
            &path,
            &editor_token,
            &json!({"at": note["at"], "links": []}),
        )
        .await;
    let (s3, _, starred) = app.put(&format!("{path}/star"), &t).await;
    let (_, _, history) = app.get(&format!("{path}/revisions"), &t).await;
    let (s4, _, unstarred) = app.delete(&format!("{path}/star"), &t).await;

    // Assert: each edit is a new revision; the current one is what the timeline shows.
    assert_eq!(
        (s1.as_u16(), s2.as_u16(), s3.as_u16(), s4.as_u16()),
        (200, 200, 200, 200)
    );
    assert_eq!(
        (first["revision"].clone(), first["body"].clone()),
        (json!(2), json!("Queue depth 12k"))
    );
    assert_eq!(
        (second["revision"].clone(), second["links"].clone()),
        (json!(3), json!([]))
    );
    assert_eq!(second["body"], "Queue depth 12k");
    assert_eq!(starred["starred"], true);
    assert_eq!(unstarred["starred"], false);
    assert_eq!(unstarred["revision"], 3, "a star is not an edit");
    assert_eq!(history["current"]["body"], "Queue depth 12k");
    assert_eq!(history["current"]["starred"], true);
    let revisions = history["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["revision"], 1);
    assert_eq!(revisions[0]["body"], "Queue depth 10k");
    assert_eq!(revisions[0]["links"], note["links"]);
    assert_eq!(revisions[0]["at"], note["at"]);
    assert_eq!(revisions[0]["edited_by"], editor.id);
    assert_eq!(revisions[1]["revision"], 2);
    assert_eq!(revisions[1]["body"], "Queue depth 12k");
    let shown: Vec<Value> = timeline(app, &r)
        .await
        .into_iter()
        .filter(|e| e["id"] == note["id"])
        .collect();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["body"], "Queue depth 12k");

    // Act and assert: events Debrief wrote are refused, whoever asks, and keep their text.
    let events = timeline(app, &r).await;
    for kind in ["declared", "role_change", "status_change"] {
        let event = events
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind} event"));
        let path = format!("/api/v1/incidents/{r}/timeline/{}", event["id"]);
        let body = json!({"body": "rewritten"}).to_string();
        let problem = expect_problem(
            app,
            kind,
            Raw::new(Method::PATCH, &path)
                .token(&app.admin_token)
                .json(&body),
            409,
            &[],
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("cannot be edited")),
            "{problem}"
        );
    }
    let empty = json!({}).to_string();
    expect_problem(
        app,
        "an edit of nothing",
        Raw::new(Method::PATCH, &path).token(&t).json(&empty),
        422,
        &["body"],
    )
    .await;

    // Act and assert: a status change can still be starred as a key moment.
    let change = events
        .iter()
        .find(|e| e["kind"] == "status_change")
        .expect("a status change");
    let (status, _, star) = app
        .put(
            &format!("/api/v1/incidents/{r}/timeline/{}/star", change["id"]),
            &t,
        )
        .await;
    assert_eq!(
        (
            status.as_u16(),
            star["starred"].clone(),
            star["body"].clone()
        ),
        (200, json!(true), change["body"].clone())
    );
}

crate::e2e_test!(editing_an_event_keeps_its_revisions_and_system_events_cannot_be_edited);

/// Merging marks the duplicate and points it at the survivor; nothing moves between timelines.
async fn merging_marks_the_duplicate_and_records_the_merge_on_both_timelines(app: &TestApp) {
    // Arrange: a survivor and a duplicate with a note each.
    let (_, t) = app.create_user(AccountRole::Responder).await;
    let survivor = app
        .declare(
            &t,
            &json!({"title": "Checkout 500s", "status": "investigating"}),
        )
        .await;
    let duplicate = app.declare(&t, &json!({"title": "Cannot pay"})).await;
    let (s, d) = (
        survivor["reference"].as_str().expect("ref").to_string(),
        duplicate["reference"].as_str().expect("ref").to_string(),
    );
    app.add_event(
        &t,
        &s,
        &json!({"kind": "note", "body": "500s from the payment API"}),
    )
    .await;
    app.add_event(
        &t,
        &d,
        &json!({"kind": "note", "body": "customer says they cannot pay"}),
    )
    .await;
    let (before_s, before_d) = (timeline(app, &s).await, timeline(app, &d).await);

    // Act
    let (status, _, merged) = app
        .post(
            &format!("/api/v1/incidents/{d}/merge"),
            &t,
            &json!({"into": s}),
        )
        .await;

    // Assert: the duplicate is merged into the survivor, which keeps its status.
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["reference"], d);
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], s);
    let (_, _, survivor_now) = app.get(&format!("/api/v1/incidents/{s}"), &t).await;
    assert_eq!(survivor_now["status"], "investigating");
    assert_eq!(survivor_now["merged_into"], Value::Null);

    // Assert: each timeline has what it had, plus one merge event; nothing moved.
    let (after_s, after_d) = (timeline(app, &s).await, timeline(app, &d).await);
    assert_eq!(after_s.len(), before_s.len() + 1);
    assert_eq!(after_d.len(), before_d.len() + 1);
    assert!(before_s.iter().all(|e| {
        after_s
            .iter()
            .any(|a| a["id"] == e["id"] && a["incident"] == s.as_str())
    }));
    assert!(before_d.iter().all(|e| {
        after_d
            .iter()
            .any(|a| a["id"] == e["id"] && a["incident"] == d.as_str())
    }));
    let merge_s: Vec<&Value> = after_s.iter().filter(|e| e["kind"] == "merge").collect();
    let merge_d: Vec<&Value> = after_d.iter().filter(|e| e["kind"] == "merge").collect();
    assert_eq!((merge_s.len(), merge_d.len()), (1, 1));
    assert_eq!(merge_s[0]["data"]["duplicate"], d);
    assert_eq!(merge_d[0]["data"]["into"], s);

    // Act and assert: a merged incident is finished: no transition, no second merge, and it
    // cannot absorb another.
    let other = app.declare(&t, &json!({"title": "Another report"})).await["reference"]
        .as_str()
        .expect("ref")
        .to_string();
    let cases = [
        (
            format!("/api/v1/incidents/{d}/transitions"),
            json!({"to": "investigating"}),
        ),
        (format!("/api/v1/incidents/{d}/merge"), json!({"into": s})),
        (
            format!("/api/v1/incidents/{other}/merge"),
            json!({"into": d}),
        ),
    ];
    for (path, body) in cases {
        let body = body.to_string();
        expect_problem(
            app,
            &path,
            Raw::new(Method::POST, &path).token(&t).json(&body),
            409,
            &[],
        )
        .await;
    }
}

crate::e2e_test!(merging_marks_the_duplicate_and_records_the_merge_on_both_timelines);

/// Assigning, handing over and releasing a role are each one `role_change` event.
async fn assigning_handing_over_and_releasing_roles_are_timeline_events(app: &TestApp) {
    // Arrange: an incident declared by its commander, and two more responders.
    let (lead, t) = app.create_user(AccountRole::Responder).await;
    let (dana, _) = app.create_user(AccountRole::Responder).await;
    let (sam, _) = app.create_user(AccountRole::Responder).await;
    let incident = app.declare(&t, &json!({"title": "DNS failures"})).await;
    let r = incident["reference"].as_str().expect("ref").to_string();
    assert_eq!(
        incident["roles"],
        json!([{"role": "commander", "user_id": lead.id, "user_name": lead.name, "user_email": lead.email}])
    );
    let roles = format!("/api/v1/incidents/{r}/roles");

    // Act: assign by id, hand over by email, assign again to the holder (no change), release,
    // and hand the command over.
    let (_, _, a) = app
        .post(&roles, &t, &json!({"role": "scribe", "user_id": dana.id}))
        .await;
    let (_, _, b) = app
        .post(&roles, &t, &json!({"role": "scribe", "email": sam.email}))
        .await;
    let (_, _, same) = app
        .post(&roles, &t, &json!({"role": "scribe", "email": sam.email}))
        .await;
    let (_, _, c) = app.post(&roles, &t, &json!({"role": "scribe"})).await;
    let (status, _, d) = app
        .post(
            &roles,
            &t,
            &json!({"role": "commander", "user_id": dana.id}),
        )
        .await;

    // Assert: the incident's roles after each step.
    assert_eq!(status, 200, "{d}");
    let held = |i: &Value, role: &str| {
        i["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|a| a["role"] == role)
            .map(|a| a["user_id"].clone())
    };
    assert_eq!(held(&a, "scribe"), Some(json!(dana.id)));
    assert_eq!(held(&b, "scribe"), Some(json!(sam.id)));
    assert_eq!(
        same["version"], b["version"],
        "giving a role to its holder changes nothing"
    );
    assert_eq!(held(&c, "scribe"), None);
    assert_eq!(held(&d, "commander"), Some(json!(dana.id)));

    // Assert: one role_change event per change, saying who it went from and to.
    let changes: Vec<Value> = timeline(app, &r)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "role_change")
        .collect();
    let summary: Vec<(Value, Value, Value)> = changes
        .iter()
        .map(|e| {
            (
                e["data"]["role"].clone(),
                e["data"]["from"]["id"].clone(),
                e["data"]["to"]["id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!("commander"), Value::Null, json!(lead.id)),
            (json!("scribe"), Value::Null, json!(dana.id)),
            (json!("scribe"), json!(dana.id), json!(sam.id)),
            (json!("scribe"), json!(sam.id), Value::Null),
            (json!("commander"), json!(lead.id), json!(dana.id)),
        ]
    );
    assert!(
        changes[2]["body"]
            .as_str()
            .is_some_and(|b| b.contains("handed over")),
        "{}",
        changes[2]
    );
    assert!(
        changes[3]["body"]
            .as_str()
            .is_some_and(|b| b.contains("no longer")),
        "{}",
        changes[3]
    );
    assert!(
        changes
            .iter()
            .all(|e| e["author_id"] == lead.id && e["source"] == "api")
    );

    // Assert: whoever held a role takes part in the incident.
    let (_, _, people) = app
        .get(&format!("/api/v1/incidents/{r}/participants"), &t)
        .await;
    let ids: Vec<&Value> = people["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| &u["id"])
        .collect();
    for user in [&lead, &dana, &sam] {
        assert!(
            ids.contains(&&json!(user.id)),
            "{} takes part: {people}",
            user.name
        );
    }
}

crate::e2e_test!(assigning_handing_over_and_releasing_roles_are_timeline_events);
