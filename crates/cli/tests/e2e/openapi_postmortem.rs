//! Real answers of the postmortem routes (postmortems, action items, attachments, templates,
//! the calendar, the blameless check), checked against the OpenAPI document's schemas.

use crate::harness::{Raw, TestApp};
use crate::openapi::{conforms, document};
use debrief_core::access::AccountRole;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Postmortems, action items, attachments, templates, the calendar and the blameless check:
/// their real answers conform to the schemas the document gives.
async fn postmortem_answers_conform_to_the_documented_schemas(app: &TestApp) {
    // Arrange: a reviewer, a team, and a SEV1 on a service, resolved.
    let doc = document(app).await;
    let t = app.admin_token.clone();
    let (reviewer, reviewer_token) = app.create_user(AccountRole::Responder).await;
    let c = |m: &str, p: &str, a: &(StatusCode, HeaderMap, Value)| conforms(&doc, m, p, a);
    app.post("/api/v1/teams", &t, &json!({"slug": "sre", "name": "SRE"}))
        .await;
    app.post(
        "/api/v1/services",
        &t,
        &json!({"slug": "checkout", "name": "Checkout", "team": "sre"}),
    )
    .await;
    let unresolved = app
        .declare(&t, &json!({"title": "Minor", "severity": "SEV4"}))
        .await;
    assert_eq!(unresolved["reference"], "INC-1");
    app.declare(
        &t,
        &json!({"title": "Checkout down", "severity": "SEV1", "services": ["checkout"], "customer_impact": true}),
    )
    .await;
    app.add_event(&t, "INC-2", &json!({"kind": "alert", "body": "5xx"}))
        .await;
    app.transition(&t, "INC-2", &json!({"to": "resolved"}))
        .await;
    let pm = "/api/v1/incidents/{reference}/postmortem";
    let items = "/api/v1/incidents/{reference}/action-items";

    // Act and assert: the document, before and after writing.
    let required = app.get("/api/v1/incidents/INC-2/postmortem", &t).await;
    assert_eq!(required.2["status"], "required", "{}", required.2);
    c("get", pm, &required);
    let not_required = app.get("/api/v1/incidents/INC-1/postmortem", &t).await;
    assert!(not_required.2["decision"].is_null());
    c("get", pm, &not_required);
    let written = app
        .patch(
            "/api/v1/incidents/INC-2/postmortem",
            &t,
            &json!({"sections": {"what_happened": "The deploy broke checkout. Human error."},
                    "customer_summary": "Payments failed for 20 minutes.",
                    "reviewer_ids": [reviewer.id], "facilitator_id": reviewer.id}),
        )
        .await;
    assert_eq!(written.0, StatusCode::OK, "{}", written.2);
    assert!(
        !written.2["findings"]
            .as_array()
            .expect("findings")
            .is_empty()
    );
    c("patch", pm, &written);
    c(
        "patch",
        pm,
        &app.patch(
            "/api/v1/incidents/INC-2/postmortem",
            &t,
            &json!({"sections": {"nope": "x"}}),
        )
        .await,
    );
    c(
        "post",
        &format!("{pm}/request"),
        &app.post(
            "/api/v1/incidents/INC-1/postmortem/request",
            &t,
            &json!({"reason": "we keep doing this"}),
        )
        .await,
    );
    c(
        "post",
        &format!("{pm}/waive"),
        &app.post("/api/v1/incidents/INC-1/postmortem/waive", &t, &json!({}))
            .await,
    );
    c(
        "post",
        &format!("{pm}/waive"),
        &app.post(
            "/api/v1/incidents/INC-1/postmortem/waive",
            &t,
            &json!({"reason": "covered by INC-2"}),
        )
        .await,
    );

    // Act and assert: action items and the board.
    let item = app
        .post(
            "/api/v1/incidents/INC-2/action-items",
            &t,
            &json!({"title": "Add a canary", "owner_id": reviewer.id, "team": "sre",
                    "due_on": "2020-01-01", "priority": "high", "tracker_url": "https://t.example.com/1"}),
        )
        .await;
    assert_eq!(item.0, StatusCode::CREATED, "{}", item.2);
    c("post", items, &item);
    let second = app
        .post(
            "/api/v1/incidents/INC-2/action-items",
            &t,
            &json!({"title": "Write the runbook"}),
        )
        .await;
    c(
        "post",
        items,
        &app.post("/api/v1/incidents/INC-2/action-items", &t, &json!({}))
            .await,
    );
    let one = format!("/api/v1/incidents/INC-2/action-items/{}", item.2["id"]);
    c("get", &format!("{items}/{{id}}"), &app.get(&one, &t).await);
    let done = app
        .patch(
            &format!("/api/v1/incidents/INC-2/action-items/{}", second.2["id"]),
            &t,
            &json!({"status": "done"}),
        )
        .await;
    assert!(done.2["settled_at"].is_string(), "{}", done.2);
    c("patch", &format!("{items}/{{id}}"), &done);
    c(
        "patch",
        &format!("{items}/{{id}}"),
        &app.patch(&one, &t, &json!({"status": "wont_do"})).await,
    );
    c(
        "patch",
        &format!("{items}/{{id}}"),
        &app.raw(
            Raw::new(Method::PATCH, &one)
                .token(&t)
                .json(r#"{"priority": "low"}"#)
                .headers(&[("if-match", "\"9\"")]),
        )
        .await,
    );
    c(
        "get",
        &format!("{items}/{{id}}"),
        &app.get("/api/v1/incidents/INC-2/action-items/99", &t).await,
    );
    c(
        "get",
        items,
        &app.get("/api/v1/incidents/INC-2/action-items", &t).await,
    );
    let overdue = app
        .get("/api/v1/action-items?overdue=true&team=sre", &t)
        .await;
    assert_eq!(overdue.2["items"][0]["overdue"], true, "{}", overdue.2);
    for path in [
        "/api/v1/action-items",
        "/api/v1/action-items?incident=INC-2&status=open,done",
        "/api/v1/action-items?service=checkout&owner_id=1",
        "/api/v1/action-items?incident=nope",
        "/api/v1/action-items?bogus=1",
    ] {
        c("get", "/api/v1/action-items", &app.get(path, &t).await);
    }
    c(
        "get",
        "/api/v1/action-items",
        &app.get("/api/v1/action-items?mine=true", &reviewer_token)
            .await,
    );

    // Act and assert: attachments.
    let att = "/api/v1/incidents/{reference}/attachments";
    let uploaded = app
        .raw(
            Raw::new(
                Method::POST,
                "/api/v1/incidents/INC-2/attachments?filename=errors.csv",
            )
            .token(&t)
            .typed("text/csv", "minute,errors\n1,20\n"),
        )
        .await;
    assert_eq!(uploaded.0, StatusCode::CREATED, "{}", uploaded.2);
    c("post", att, &uploaded);
    let too_big = "x".repeat(10 * 1024 * 1024 + 2);
    for (query, content_type, body) in [
        ("", "application/zip", "PK"),
        ("?filename=big.txt", "text/plain", too_big.as_str()),
    ] {
        let path = format!("/api/v1/incidents/INC-2/attachments{query}");
        let refused = app
            .raw(
                Raw::new(Method::POST, &path)
                    .token(&t)
                    .typed(content_type, body),
            )
            .await;
        assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        c("post", att, &refused);
    }
    c(
        "get",
        att,
        &app.get("/api/v1/incidents/INC-2/attachments", &t).await,
    );
    let url = uploaded.2["url"].as_str().expect("a url");
    c("get", &format!("{att}/{{id}}"), &app.get(url, &t).await);
    c(
        "get",
        &format!("{att}/{{id}}"),
        &app.get("/api/v1/incidents/INC-2/attachments/99", &t).await,
    );

    // Act and assert: the workflow, the export and the list.
    let steps = format!("{pm}/steps");
    let step = |body: Value| {
        let t = t.clone();
        async move {
            app.post("/api/v1/incidents/INC-2/postmortem/steps", &t, &body)
                .await
        }
    };
    c("post", &steps, &step(json!({"step": "publish"})).await);
    c("post", &steps, &step(json!({"step": "bogus"})).await);
    c(
        "post",
        &steps,
        &step(json!({"step": "submit", "version": 1})).await,
    );
    let submitted = step(json!({"step": "submit", "message": "ready"})).await;
    assert_eq!(submitted.2["status"], "in_review", "{}", submitted.2);
    c("post", &steps, &submitted);
    let reviews = format!("{pm}/reviews");
    c(
        "post",
        &reviews,
        &app.post(
            "/api/v1/incidents/INC-2/postmortem/reviews",
            &t,
            &json!({"verdict": "approved"}),
        )
        .await,
    );
    let approved = app
        .post(
            "/api/v1/incidents/INC-2/postmortem/reviews",
            &reviewer_token,
            &json!({"verdict": "approved", "comment": "Clear"}),
        )
        .await;
    assert_eq!(approved.2["approvals"], 1, "{}", approved.2);
    c("post", &reviews, &approved);
    let published = step(json!({"step": "publish", "acknowledge_findings": true})).await;
    assert_eq!(published.2["status"], "published", "{}", published.2);
    c("post", &steps, &published);
    for (path, kind) in [
        ("", "text/markdown"),
        ("?format=md", "text/markdown"),
        ("?format=html", "text/html"),
    ] {
        let exported = app
            .get(
                &format!("/api/v1/incidents/INC-2/postmortem/export{path}"),
                &t,
            )
            .await;
        assert!(
            exported.1["content-type"]
                .to_str()
                .is_ok_and(|v| v.starts_with(kind)),
            "{path}"
        );
        c("get", &format!("{pm}/export"), &exported);
    }
    for path in [
        "/api/v1/incidents/INC-2/postmortem/export?format=pdf",
        "/api/v1/incidents/INC-3/postmortem/export",
    ] {
        c("get", &format!("{pm}/export"), &app.get(path, &t).await);
    }
    let list = app.get("/api/v1/postmortems", &t).await;
    assert_eq!(list.2["items"][0]["status"], "published", "{}", list.2);
    for path in [
        "/api/v1/postmortems",
        "/api/v1/postmortems?status=not_required,published&overdue=false",
        "/api/v1/postmortems?status=nope",
    ] {
        c("get", "/api/v1/postmortems", &app.get(path, &t).await);
    }

    // Act and assert: templates, the calendar and the blameless check.
    c(
        "get",
        "/api/v1/postmortem-templates",
        &app.get("/api/v1/postmortem-templates", &t).await,
    );
    let tpl = "/api/v1/postmortem-templates/{key}";
    let security = json!({"key": "security", "name": "Security", "types": ["security_breach"],
                          "sections": [{"key": "what", "title": "What happened"}]});
    let put = |path: &'static str, body: Value| {
        let t = t.clone();
        async move { app.request(Method::PUT, path, Some(&t), Some(&body)).await }
    };
    c(
        "put",
        tpl,
        &put("/api/v1/postmortem-templates/security", security.clone()).await,
    );
    c(
        "put",
        tpl,
        &put("/api/v1/postmortem-templates/other", security).await,
    );
    c(
        "delete",
        tpl,
        &app.delete("/api/v1/postmortem-templates/security", &t)
            .await,
    );
    c(
        "delete",
        tpl,
        &app.delete("/api/v1/postmortem-templates/security", &t)
            .await,
    );
    c(
        "get",
        "/api/v1/calendar",
        &app.get("/api/v1/calendar", &t).await,
    );
    for body in [
        json!({"time_zone": "Europe/Berlin", "holidays": ["2026-12-25"]}),
        json!({"time_zone": "Mars/Olympus"}),
        json!({}),
    ] {
        c(
            "put",
            "/api/v1/calendar",
            &put("/api/v1/calendar", body).await,
        );
    }
    let check = "/api/v1/blameless-check";
    let flagged = app
        .post(
            check,
            &t,
            &json!({"text": "Bob forgot to renew the cert. Human error.", "render": true}),
        )
        .await;
    assert_eq!(flagged.2["count"], 2, "{}", flagged.2);
    c("post", check, &flagged);
    c(
        "post",
        check,
        &app.post(
            check,
            &t,
            &json!({"text": "The health check failed to detect it."}),
        )
        .await,
    );
    c(
        "post",
        check,
        &app.post(check, &t, &json!({"txt": "x"})).await,
    );
    c(
        "get",
        pm,
        &app.get("/api/v1/incidents/INC-99/postmortem", &t).await,
    );
}

crate::e2e_test!(postmortem_answers_conform_to_the_documented_schemas);
