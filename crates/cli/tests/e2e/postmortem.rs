//! Postmortems end to end over the API (issue #3): the policy decides when the incident
//! resolves, the document fills itself in, the review workflow gates publication, and an
//! incident cannot be closed before its postmortem is published and its action items are done.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) async fn setup_service(app: &TestApp) {
    let (s, _, b) = app
        .post(
            "/api/v1/services",
            &app.admin_token,
            &json!({"slug": "checkout", "name": "Checkout"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

pub(crate) fn pm_path(r: &str) -> String {
    format!("/api/v1/incidents/{r}/postmortem")
}

async fn a_resolved_sev1_gets_its_postmortem_with_owner_deadlines_and_facts(app: &TestApp) {
    // Arrange: a SEV1 on checkout, with an alert, a starred external update and a resolution
    // on Friday 2026-11-20 at 16:00 UTC.
    setup_service(app).await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout down", "severity": "SEV1", "services": ["checkout"],
                    "started_at": "2026-11-20T09:50:00Z", "customer_impact": true}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap();
    app.add_event(
        &app.admin_token,
        r,
        &json!({"kind": "alert", "at": "2026-11-20T09:55:00Z", "body": "5xx rate above 20%"}),
    )
    .await;
    let update = app
        .add_event(
            &app.admin_token,
            r,
            &json!({"kind": "comms_external", "at": "2026-11-20T10:10:00Z", "body": "We are investigating"}),
        )
        .await;
    let star = format!(
        "/api/v1/incidents/{r}/timeline/{}/star",
        update["id"].as_i64().unwrap()
    );
    assert_eq!(app.put(&star, &app.admin_token).await.0, StatusCode::OK);
    app.transition(
        &app.admin_token,
        r,
        &json!({"to": "investigating", "at": "2026-11-20T10:00:00Z"}),
    )
    .await;
    app.transition(
        &app.admin_token,
        r,
        &json!({"to": "monitoring", "at": "2026-11-20T11:00:00Z"}),
    )
    .await;

    // Act
    app.transition(
        &app.admin_token,
        r,
        &json!({"to": "resolved", "at": "2026-11-20T16:00:00Z"}),
    )
    .await;
    let (status, headers, pm) = app.get(&pm_path(r), &app.admin_token).await;
    let (_, _, metrics) = app
        .get(&format!("/api/v1/incidents/{r}/metrics"), &app.admin_token)
        .await;
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &app.admin_token)
        .await;

    // Assert: decided, with the reasons, on the timeline too.
    assert_eq!(status, StatusCode::OK, "{pm}");
    assert!(headers.get("etag").is_some());
    assert_eq!(pm["status"], "required");
    assert_eq!(pm["decision"]["required"], true);
    assert_eq!(pm["decision"]["tags"], json!(["severity"]));
    let decision = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "postmortem_decision")
        .expect("a decision event");
    assert!(
        decision["body"]
            .as_str()
            .unwrap()
            .starts_with("Postmortem required: severity SEV1 at or above SEV2"),
        "{decision}"
    );
    // Owner: the commander (the declarer). Deadlines: 48 hours; the 5th business day after
    // Friday, in UTC with no holidays, is the next Friday, until its last millisecond.
    assert_eq!(pm["owner"]["id"], app.admin.id);
    assert_eq!(pm["draft_due_at"], "2026-11-22T16:00:00.000Z");
    assert_eq!(pm["review_due_at"], "2026-11-27T23:59:59.999Z");
    // The document: template sections, and the facts Debrief knows.
    let keys: Vec<&str> = pm["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    for k in [
        "executive_summary",
        "what_happened",
        "why_it_happened",
        "five_whys",
        "lessons",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let facts = &pm["facts"];
    assert_eq!(
        facts["metrics"],
        metrics["metrics"].clone().max_or(&metrics)
    );
    assert_eq!(facts["severity"], "SEV1");
    assert_eq!(facts["services"], json!(["checkout"]));
    assert_eq!(facts["start"], "2026-11-20T09:50:00.000Z");
    assert_eq!(facts["end"], "2026-11-20T16:00:00.000Z");
    assert_eq!(facts["participants"], json!([app.admin.name]));
    let moments: Vec<&str> = facts["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert!(moments.contains(&"We are investigating"), "{moments:?}");
    assert!(
        !moments.contains(&"5xx rate above 20%"),
        "not starred, not key"
    );
}

/// Metrics come either bare or wrapped; compare like with like.
trait MaxOr {
    fn max_or(self, whole: &Value) -> Value;
}

impl MaxOr for Value {
    fn max_or(self, whole: &Value) -> Value {
        if self.is_null() { whole.clone() } else { self }
    }
}

async fn the_workflow_gates_publication_and_closing(app: &TestApp) {
    // Arrange: a resolved SEV2 with a reviewer.
    let (reviewer, reviewer_token) = app.create_user(AccountRole::Responder).await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Search slow", "severity": "SEV2"}),
        )
        .await;
    let r = inc["reference"].as_str().unwrap();
    app.transition(&app.admin_token, r, &json!({"to": "investigating"}))
        .await;
    app.transition(&app.admin_token, r, &json!({"to": "resolved"}))
        .await;
    let path = pm_path(r);

    // Act + assert, step by step.
    let (s, _, body) = app
        .post(
            &format!("/api/v1/incidents/{r}/transitions"),
            &app.admin_token,
            &json!({"to": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("postmortem is required"),
        "{body}"
    );

    let (s, _, pm) = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"sections": {"what_happened": "The index rebuild ran at peak. Human error.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    assert_eq!(pm["status"], "draft");
    let html = pm["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "what_happened")
        .unwrap()["html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(
        !pm["findings"].as_array().unwrap().is_empty(),
        "human error is flagged"
    );
    let (_, _, incident) = app
        .get(&format!("/api/v1/incidents/{r}"), &app.admin_token)
        .await;
    assert_eq!(incident["status"], "postmortem");

    let steps = format!("{path}/steps");
    let (s, _, body) = app
        .post(&steps, &app.admin_token, &json!({"step": "submit"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "no reviewer yet: {body}");
    let (s, _, _) = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"reviewer_ids": [reviewer.id]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, pm) = app
        .post(&steps, &app.admin_token, &json!({"step": "submit"}))
        .await;
    assert_eq!(
        (s, pm["status"].as_str()),
        (StatusCode::OK, Some("in_review"))
    );
    let (s, _, _) = app
        .post(&steps, &app.admin_token, &json!({"step": "publish"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "no approval yet");
    let reviews = format!("{path}/reviews");
    let (s, _, _) = app
        .post(&reviews, &app.admin_token, &json!({"verdict": "approved"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only reviewers review");
    let (s, _, pm) = app
        .post(
            &reviews,
            &reviewer_token,
            &json!({"verdict": "changes_requested", "comment": "Say what the rebuild did"}),
        )
        .await;
    assert_eq!((s, pm["status"].as_str()), (StatusCode::OK, Some("draft")));
    app.post(&steps, &app.admin_token, &json!({"step": "submit"}))
        .await;
    let (s, _, pm) = app
        .post(&reviews, &reviewer_token, &json!({"verdict": "approved"}))
        .await;
    assert_eq!((s, pm["approvals"].as_i64()), (StatusCode::OK, Some(1)));
    let (s, _, body) = app
        .post(&steps, &app.admin_token, &json!({"step": "publish"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "open findings: {body}");
    assert!(body["detail"].as_str().unwrap().contains("blameless"));
    let (s, _, pm) = app
        .post(
            &steps,
            &app.admin_token,
            &json!({"step": "publish", "acknowledge_findings": true}),
        )
        .await;
    assert_eq!(
        (s, pm["status"].as_str()),
        (StatusCode::OK, Some("published")),
        "{pm}"
    );
    let (_, _, incident) = app
        .get(&format!("/api/v1/incidents/{r}"), &app.admin_token)
        .await;
    assert_eq!(incident["status"], "follow_up");

    // Action items hold the incident open until done or won't do.
    let items = format!("/api/v1/incidents/{r}/action-items");
    let (s, _, item) = app
        .post(&items, &app.admin_token, &json!({"title": "Schedule rebuilds off-peak", "owner_id": reviewer.id, "due_on": "2026-12-01", "priority": "high"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{item}");
    let (s, _, body) = app
        .post(
            &format!("/api/v1/incidents/{r}/transitions"),
            &app.admin_token,
            &json!({"to": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Schedule rebuilds off-peak"),
        "{body}"
    );
    let (_, _, mine) = app
        .get("/api/v1/action-items?mine=true", &reviewer_token)
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let item_path = format!("{items}/{}", item["id"]);
    let (s, _, body) = app
        .patch(&item_path, &reviewer_token, &json!({"status": "wont_do"}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed: {body}"
    );
    let (s, _, done) = app
        .patch(&item_path, &reviewer_token, &json!({"status": "done"}))
        .await;
    assert_eq!((s, done["status"].as_str()), (StatusCode::OK, Some("done")));
    app.transition(&app.admin_token, r, &json!({"to": "closed"}))
        .await;

    // Every step is on the timeline.
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &app.admin_token)
        .await;
    let bodies: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "postmortem" || e["kind"] == "action_item")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    for needle in [
        "started the postmortem draft",
        "submitted",
        "requested changes",
        "approved",
        "published",
        "added action item #",
        "moved action item #",
    ] {
        assert!(
            bodies.iter().any(|b| b.contains(needle)),
            "{needle} in {bodies:?}"
        );
    }

    // Exported as Markdown and printable HTML without the script.
    let (s, h, md) = app
        .get(&format!("{path}/export?format=md"), &app.admin_token)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let md = md.as_str().unwrap();
    assert!(
        md.contains("## What happened") && md.contains("## Key timestamps (UTC)"),
        "{md}"
    );
    let (s, _, page) = app
        .get(&format!("{path}/export?format=html"), &app.admin_token)
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = page.as_str().unwrap();
    assert!(
        page.contains("<h2>What happened</h2>") && !page.contains("<script"),
        "{page}"
    );
}

async fn requests_waivers_and_changes_decide_again(app: &TestApp) {
    // A SEV4 needs none, until its commander requests one.
    let minor = app
        .declare(
            &app.admin_token,
            &json!({"title": "Typo on pricing page", "severity": "SEV4"}),
        )
        .await;
    let m = minor["reference"].as_str().unwrap();
    app.transition(&app.admin_token, m, &json!({"to": "resolved"}))
        .await;
    let (_, _, pm) = app.get(&pm_path(m), &app.admin_token).await;
    assert_eq!(
        (pm["status"].as_str(), &pm["decision"]["required"]),
        (Some("not_required"), &json!(false))
    );
    let (s, _, pm) = app
        .post(
            &format!("{}/request", pm_path(m)),
            &app.admin_token,
            &json!({"reason": "we keep doing this"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    assert_eq!(pm["status"], "required");
    assert_eq!(pm["decision"]["tags"], json!(["requested"]));

    // A SEV3 that becomes a SEV1 after resolution is decided again.
    let other = app
        .declare(
            &app.admin_token,
            &json!({"title": "Login slow", "severity": "SEV3"}),
        )
        .await;
    let o = other["reference"].as_str().unwrap();
    app.transition(&app.admin_token, o, &json!({"to": "resolved"}))
        .await;
    let (s, _, _) = app
        .patch(
            &format!("/api/v1/incidents/{o}"),
            &app.admin_token,
            &json!({"severity": "SEV1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, pm) = app.get(&pm_path(o), &app.admin_token).await;
    assert_eq!(pm["status"], "required");

    // A commander's waiver switches it off; a security breach cannot be waived.
    let waived = app
        .declare(
            &app.admin_token,
            &json!({"title": "Queue backlog", "severity": "SEV2"}),
        )
        .await;
    let w = waived["reference"].as_str().unwrap();
    let (s, _, body) = app
        .post(
            &format!("{}/waive", pm_path(w)),
            &app.admin_token,
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (s, _, _) = app
        .post(
            &format!("{}/waive", pm_path(w)),
            &responder,
            &json!({"reason": "dup"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the commander or an admin");
    let (s, _, _) = app
        .post(
            &format!("{}/waive", pm_path(w)),
            &app.admin_token,
            &json!({"reason": "covered by INC-1's review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.transition(&app.admin_token, w, &json!({"to": "resolved"}))
        .await;
    let (_, _, pm) = app.get(&pm_path(w), &app.admin_token).await;
    // Issue 9, part 9: the waiver decided; the trigger it overrode is kept apart.
    assert_eq!(
        (
            pm["status"].as_str(),
            &pm["decision"]["tags"],
            &pm["decision"]["overridden"]
        ),
        (
            Some("not_required"),
            &json!(["waived"]),
            &json!(["severity"])
        )
    );
    let breach = app
        .declare(
            &app.admin_token,
            &json!({"title": "Key leaked", "severity": "SEV4", "type": "security_breach"}),
        )
        .await;
    let b = breach["reference"].as_str().unwrap();
    let (s, _, body) = app
        .post(
            &format!("{}/waive", pm_path(b)),
            &app.admin_token,
            &json!({"reason": "small"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
}

e2e_test!(a_resolved_sev1_gets_its_postmortem_with_owner_deadlines_and_facts);
e2e_test!(the_workflow_gates_publication_and_closing);
e2e_test!(requests_waivers_and_changes_decide_again);
