//! Custom fields over the API: definitions (admins), values on declaring and changing an
//! incident (each bad value a 422 naming `custom_fields.<key>`, required ones enforced on
//! declare, each change a timeline event), the list's `cf.<key>` filter, and the export's
//! columns.

use crate::e2e_test;
use crate::export::export_text;
use crate::harness::{TestApp, assert_problem};
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Creates the field `body`, failing the test unless it answers 201.
async fn define(app: &TestApp, body: Value) -> Value {
    let (s, _, f) = app
        .post("/api/v1/custom-fields", &app.admin_token, &body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    f
}

async fn custom_field_definitions_are_checked_and_kept(app: &TestApp) {
    // Arrange
    let t = &app.admin_token;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;

    // Act + Assert: only admins define; every bad part is named.
    let body =
        json!({"key": "region", "label": "Region", "kind": "select", "options": ["eu", "us"]});
    assert_problem(
        &app.post("/api/v1/custom-fields", &viewer, &body).await,
        403,
    );
    let bad = app
        .post(
            "/api/v1/custom-fields",
            t,
            &json!({"key": "Bad Key", "label": "", "kind": "number", "options": [""]}),
        )
        .await;
    assert_eq!(
        assert_problem(&bad, 422),
        ["key", "kind", "label", "options[0]"]
    );
    let empty = app
        .post(
            "/api/v1/custom-fields",
            t,
            &json!({"key": "tier", "label": "Tier", "kind": "select", "options": []}),
        )
        .await;
    assert_eq!(assert_problem(&empty, 422), ["options"]);
    let region = define(app, body.clone()).await;
    assert_eq!(region["options"], json!(["eu", "us"]));
    assert_eq!(region["required"], false);
    assert_problem(&app.post("/api/v1/custom-fields", t, &body).await, 409);

    // Changes keep the key and kind; readers list them.
    let (s, _, changed) = app
        .patch(
            "/api/v1/custom-fields/region",
            t,
            &json!({"options": ["eu", "us", "apac"], "required": true, "position": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["options"], json!(["eu", "us", "apac"]));
    let kind = app
        .patch("/api/v1/custom-fields/region", t, &json!({"kind": "text"}))
        .await;
    assert_eq!(assert_problem(&kind, 422), ["kind"]);
    let (s, _, list) = app.get("/api/v1/custom-fields", &viewer).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["key"], "region");
    assert_problem(
        &app.patch("/api/v1/custom-fields/nothing", t, &json!({"label": "X"}))
            .await,
        404,
    );
    let (s, _, _) = app.delete("/api/v1/custom-fields/region", t).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
e2e_test!(custom_field_definitions_are_checked_and_kept);

async fn incidents_carry_custom_values_filtered_and_exported(app: &TestApp) {
    // Arrange: a required select, a multi-select, a text field.
    let t = &app.admin_token;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    define(
        app,
        json!({"key": "region", "label": "Region", "kind": "select",
                       "options": ["eu", "us"], "required": true}),
    )
    .await;
    define(
        app,
        json!({"key": "areas", "label": "Areas", "kind": "multi_select",
                       "options": ["web", "api", "mobile"]}),
    )
    .await;
    define(
        app,
        json!({"key": "ticket", "label": "Ticket", "kind": "text"}),
    )
    .await;

    // Act + Assert: bad values are refused naming each field (404 unknown, 409 against the definition); the required one is enforced.
    let bad = app
        .post(
            "/api/v1/incidents",
            &responder,
            &json!({"title": "Bad", "custom_fields":
                    {"areas": "web", "nope": "x", "ticket": ["a"]}}),
        )
        .await;
    assert_eq!(
        assert_problem(&bad, 409),
        [
            "custom_fields.areas",
            "custom_fields.nope",
            "custom_fields.ticket",
            "custom_fields.region"
        ]
    );
    let not_offered = app
        .post(
            "/api/v1/incidents",
            &responder,
            &json!({"title": "Bad", "custom_fields": {"region": "mars"}}),
        )
        .await;
    assert_eq!(assert_problem(&not_offered, 404), ["custom_fields.region"]);
    let eu = app
        .declare(
            &responder,
            &json!({"title": "EU checkout", "custom_fields":
                    {"region": "eu", "areas": ["web", "api"], "ticket": "OPS-1"}}),
        )
        .await;
    assert_eq!(
        eu["custom_fields"],
        json!({"region": "eu", "areas": ["api", "web"], "ticket": "OPS-1"})
    );
    let us = app
        .declare(
            &responder,
            &json!({"title": "US login", "custom_fields": {"region": "us"}}),
        )
        .await;
    assert_eq!(
        us["custom_fields"],
        json!({"region": "us", "areas": [], "ticket": null})
    );

    // Act: change the US one's values.
    let r = us["reference"].as_str().unwrap();
    let (s, _, changed) = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &responder,
            &json!({"custom_fields": {"areas": ["mobile"], "ticket": "OPS-2"}}),
        )
        .await;
    let cleared = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &responder,
            &json!({"custom_fields": {"region": null}}),
        )
        .await;
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &responder)
        .await;

    // Assert: the change shows, and is on the timeline; a required one is not cleared.
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["custom_fields"]["areas"], json!(["mobile"]));
    assert_eq!(assert_problem(&cleared, 409), ["custom_fields.region"]);
    let bodies: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("Areas to mobile") && b.contains("Ticket to OPS-2")),
        "{bodies:?}"
    );

    // The list filters by values.
    let refs = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["reference"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, _, only_eu) = app.get("/api/v1/incidents?cf.region=eu", &responder).await;
    assert_eq!(s, StatusCode::OK, "{only_eu}");
    assert_eq!(refs(&only_eu), [eu["reference"].as_str().unwrap()]);
    let (_, _, mobile) = app
        .get("/api/v1/incidents?cf.areas=mobile&cf.region=us", &responder)
        .await;
    assert_eq!(refs(&mobile), [r]);
    assert_eq!(mobile["items"][0]["custom_fields"]["ticket"], "OPS-2");
    let bad_filter = app
        .get("/api/v1/incidents?cf.Bad%20Key=x", &responder)
        .await;
    assert_eq!(assert_problem(&bad_filter, 422), ["cf.Bad Key"]);

    // The export has a column per field (by position, then key), and the filter applies.
    let csv = export_text(app, &responder, "?cf.region=eu").await;
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",cf.areas,cf.region,cf.ticket"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(row.ends_with(",api; web,eu,OPS-1"), "{row}");
    assert_eq!(lines.next(), None, "{csv}");
    let ndjson = export_text(app, &responder, "?format=ndjson&cf.region=us").await;
    let line: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(line["custom_fields"]["areas"], json!(["mobile"]));

    // A field incidents have values of is not deleted; archiving keeps the values shown.
    let used = app.delete("/api/v1/custom-fields/ticket", t).await;
    assert_problem(&used, 409);
    app.patch(
        "/api/v1/custom-fields/ticket",
        t,
        &json!({"archived": true}),
    )
    .await;
    let (_, _, kept) = app.get(&format!("/api/v1/incidents/{r}"), &responder).await;
    assert_eq!(kept["custom_fields"]["ticket"], "OPS-2");
    let gone = app
        .post(
            "/api/v1/incidents",
            &responder,
            &json!({"title": "X", "custom_fields": {"region": "eu", "ticket": "T"}}),
        )
        .await;
    assert_eq!(assert_problem(&gone, 404), ["custom_fields.ticket"]);
}
e2e_test!(incidents_carry_custom_values_filtered_and_exported);

/// The timeline events of incident `r` that name custom fields.
async fn custom_events(app: &TestApp, token: &str, r: &str) -> Vec<Value> {
    let (s, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), token)
        .await;
    assert_eq!(s, StatusCode::OK, "{timeline}");
    timeline["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| !e["data"]["custom_fields"].is_null())
        .cloned()
        .collect()
}

async fn custom_values_are_written_with_the_incident_change(app: &TestApp) {
    // Arrange
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    define(
        app,
        json!({"key": "ticket", "label": "Ticket", "kind": "text"}),
    )
    .await;

    // Act: declare with a value.
    let declared = app
        .declare(
            &responder,
            &json!({"title": "Queue stuck", "custom_fields": {"ticket": "OPS-1"}}),
        )
        .await;
    let r = declared["reference"].as_str().unwrap();

    // Assert: the declaration carries the value and its one event.
    assert_eq!(declared["custom_fields"]["ticket"], "OPS-1");
    assert_eq!(declared["version"], 1);
    let events = custom_events(app, &responder, r).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["kind"], "incident_update");
    assert_eq!(
        events[0]["data"]["custom_fields"]["ticket"],
        json!({"from": [], "to": ["OPS-1"]})
    );
    assert!(
        events[0]["body"]
            .as_str()
            .unwrap()
            .ends_with(" set Ticket to OPS-1")
    );

    // Act: a change of the value only, then the same value again, then one from a stale version.
    let path = format!("/api/v1/incidents/{r}");
    let (s, _, changed) = app
        .patch(
            &path,
            &responder,
            &json!({"version": 1, "custom_fields": {"ticket": "OPS-2"}}),
        )
        .await;
    let (_, _, same) = app
        .patch(
            &path,
            &responder,
            &json!({"custom_fields": {"ticket": "OPS-2"}}),
        )
        .await;
    let stale = app
        .patch(
            &path,
            &responder,
            &json!({"version": 1, "custom_fields": {"ticket": "OPS-3"}}),
        )
        .await;

    // Assert: the change is a new version with exactly one event; no change writes nothing; the
    // stale one is refused and changes nothing.
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["custom_fields"]["ticket"], "OPS-2");
    assert_eq!(same["version"], 2, "{same}");
    assert_problem(&stale, 409);
    let events = custom_events(app, &responder, r).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1]["data"]["custom_fields"]["ticket"],
        json!({"from": ["OPS-1"], "to": ["OPS-2"]})
    );
    let (_, _, now) = app.get(&path, &responder).await;
    assert_eq!(now["custom_fields"]["ticket"], "OPS-2");
    assert_eq!(now["version"], 2);
}
e2e_test!(custom_values_are_written_with_the_incident_change);
