//! Status pages joined to incidents: the publish form proposes the components standing for the
//! incident's services (pre-selected, state from the severity), shows human labels, and an
//! update announcing `identified` or `resolved` moves the incident there when asked; errors
//! re-render beside their fields with what was typed kept.

use crate::e2e_test;
use crate::harness::TestApp;
use crate::status_pages::setup_page;
use crate::subscriber_admin::Session;
use serde_json::{Value, json};

/// A `payments` service the page's `API` component stands for; an incident on it.
async fn incident_on_api(app: &TestApp, severity: &str) -> (i64, String) {
    let t = &app.admin_token;
    let (api, _) = setup_page(app).await;
    app.post(
        "/api/v1/services",
        t,
        &json!({"slug": "payments", "name": "Payments"}),
    )
    .await;
    let path = format!("/api/v1/status-pages/acme/components/{api}");
    app.patch(&path, t, &json!({"services": ["payments"]}))
        .await;
    let inc = app
        .declare(
            t,
            &json!({"title": "Checkout errors", "severity": severity, "services": ["payments"]}),
        )
        .await;
    (api, inc["reference"].as_str().unwrap().to_string())
}

/// The `<select>` of a component on the form, from its name to its closing tag.
fn select_of(html: &str, id: i64) -> &str {
    let at = html
        .find(&format!("name=\"state:{id}\""))
        .expect("the component's select");
    let end = html[at..].find("</select>").expect("its end") + at;
    &html[at..end]
}

/// Posts the publish form for the `acme` page; the status, `Location` and body.
async fn publish(
    s: &Session,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form = vec![("page", "acme")];
    form.extend_from_slice(fields);
    s.send(app, path, &form).await
}

async fn incident_status(app: &TestApp, r: &str) -> String {
    let (_, _, inc): (_, _, Value) = app
        .get(&format!("/api/v1/incidents/{r}"), &app.admin_token)
        .await;
    inc["status"].as_str().unwrap_or_default().to_string()
}

async fn publishing_proposes_components_and_moves_the_incident_along(app: &TestApp) {
    // Arrange: a SEV2 incident on the service the API component stands for.
    let (api, r) = incident_on_api(app, "SEV2").await;
    let s = Session::start(app).await;
    let path = format!("/incidents/{r}/status-page");

    // Act: the form as first shown.
    let (_, html) = s.page(app, &path).await;

    // Assert: the API component is proposed with a partial outage; the other is unchanged.
    let proposed = select_of(&html, api);
    assert!(
        proposed.contains("<option value=\"partial_outage\" selected>Partial outage</option>"),
        "{proposed}"
    );
    assert!(
        html.contains("<span class=\"badge\">Proposed</span>"),
        "{html}"
    );
    assert!(
        select_of(&html, api + 1)
            .contains("<option value=\"unchanged\" selected>Unchanged (Operational)"),
        "{html}"
    );
    assert!(html.contains(">Degraded performance</option>"));
    assert!(html.contains(">Investigating</option>"));
    assert!(html.contains(&format!("Also move {r} from <strong>Triage</strong>")));

    // Act: an empty update is refused beside its field, with the name kept.
    let state_field = format!("state:{api}");
    let (status, _, html) = publish(
        &s,
        app,
        &path,
        &[
            ("name", "Checkout is slow"),
            ("status", "identified"),
            ("body", "  "),
            (&state_field, "major_outage"),
            ("move_incident", "on"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<p class=\"field-error\">"), "{html}");
    assert!(html.contains("value=\"Checkout is slow\""), "{html}");
    assert!(
        select_of(&html, api).contains("<option value=\"major_outage\" selected>"),
        "{html}"
    );
    assert_eq!(incident_status(app, &r).await, "triage");

    // Act: publish `identified`, with the box ticked.
    let (status, location, _) = publish(
        &s,
        app,
        &path,
        &[
            ("name", "Checkout is slow"),
            ("status", "identified"),
            ("body", "We found a bad deploy."),
            (&state_field, "partial_outage"),
            ("move_incident", "on"),
        ],
    )
    .await;

    // Assert: published, and the incident moved with the update's text on its timeline.
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    assert_eq!(incident_status(app, &r).await, "identified");
    let (_, _, events) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &app.admin_token)
        .await;
    assert!(
        events
            .to_string()
            .contains("Status changed from triage to identified: We found a bad deploy."),
        "{events}"
    );

    // Act: publish `resolved`.
    let (_, html) = s.page(app, &path).await;
    assert!(html.contains(&format!("Also move {r} from <strong>Identified</strong>")));
    let (status, _, _) = publish(
        &s,
        app,
        &path,
        &[
            ("status", "resolved"),
            ("body", "Fixed."),
            (&state_field, "operational"),
            ("move_incident", "on"),
        ],
    )
    .await;

    // Assert: the incident is resolved, the page too.
    assert_eq!(status, 303);
    assert_eq!(incident_status(app, &r).await, "resolved");
    let (_, _, summary) = app
        .get(
            &format!("/api/v1/incidents/{r}/status-updates"),
            &app.admin_token,
        )
        .await;
    assert!(summary.to_string().contains("resolved"), "{summary}");
}

e2e_test!(publishing_proposes_components_and_moves_the_incident_along);

async fn an_unticked_box_leaves_the_incident_and_minor_ones_propose_degraded(app: &TestApp) {
    // Arrange: a SEV3 incident.
    let (api, r) = incident_on_api(app, "SEV3").await;
    let s = Session::start(app).await;
    let path = format!("/incidents/{r}/status-page");

    // Act
    let (_, html) = s.page(app, &path).await;
    let (status, _, _) = publish(
        &s,
        app,
        &path,
        &[("status", "resolved"), ("body", "Looks fine now.")],
    )
    .await;

    // Assert: degraded performance proposed; without the box the incident stays in triage.
    assert!(
        select_of(&html, api)
            .contains("<option value=\"degraded_performance\" selected>Degraded performance"),
        "{html}"
    );
    assert_eq!(status, 303);
    assert_eq!(incident_status(app, &r).await, "triage");
}

e2e_test!(an_unticked_box_leaves_the_incident_and_minor_ones_propose_degraded);

async fn the_api_moves_the_incident_with_the_update_when_asked(app: &TestApp) {
    // Arrange: an incident in triage on the page's component.
    let (api, r) = incident_on_api(app, "SEV2").await;
    let path = format!("/api/v1/incidents/{r}/status-updates");
    let update = |status: &str, moving: Option<bool>| {
        let mut body = json!({
            "page": "acme", "status": status, "body": format!("We are {status}."),
            "components": [{"id": api, "state": "partial_outage"}],
        });
        if let Some(m) = moving {
            body["move_incident"] = json!(m);
        }
        body
    };

    // Act: identified without asking; then monitoring asking; then identified again asking
    // (the incident is already past it).
    let (plain, _, first) = app
        .post(&path, &app.admin_token, &update("identified", None))
        .await;
    let after_plain = incident_status(app, &r).await;
    let (moved, _, second) = app
        .post(&path, &app.admin_token, &update("monitoring", Some(true)))
        .await;
    let after_move = incident_status(app, &r).await;
    let (behind, _, third) = app
        .post(&path, &app.admin_token, &update("identified", Some(true)))
        .await;
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &app.admin_token)
        .await;

    // Assert
    assert_eq!(plain.as_u16(), 201, "{first}");
    assert!(first.get("incident_moved_to").is_none(), "{first}");
    assert_eq!(after_plain, "triage", "not asked, not moved");
    assert_eq!(moved.as_u16(), 201, "{second}");
    assert_eq!(second["incident_moved_to"], "monitoring");
    assert_eq!(after_move, "monitoring");
    assert_eq!(behind.as_u16(), 201, "{third}");
    assert_eq!(
        third["incident_moved_to"],
        Value::Null,
        "never moved backwards"
    );
    assert_eq!(incident_status(app, &r).await, "monitoring");
    assert!(
        timeline["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["kind"] == "status_change"
                && e["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("We are monitoring.")))),
        "the move carries the update's text: {timeline}"
    );
}
e2e_test!(the_api_moves_the_incident_with_the_update_when_asked);
