//! The OpenAPI document at `/api/v1/openapi.json`: it parses, it lists exactly the routes the
//! server answers (with exactly the methods each path accepts), and real answers conform to the
//! schemas it gives for them.

use crate::harness::{Raw, TestApp};
use crate::schema::Validator;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every route of the server that the document must describe, as (method, path template).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/incidents"),
    ("post", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/stats"),
    ("get", "/api/v1/incidents/export"),
    ("get", "/api/v1/incidents/{reference}"),
    ("patch", "/api/v1/incidents/{reference}"),
    ("post", "/api/v1/incidents/{reference}/transitions"),
    ("post", "/api/v1/incidents/{reference}/roles"),
    ("post", "/api/v1/incidents/{reference}/merge"),
    ("get", "/api/v1/incidents/{reference}/participants"),
    ("post", "/api/v1/incidents/{reference}/participants"),
    ("get", "/api/v1/incidents/{reference}/timestamps"),
    ("patch", "/api/v1/incidents/{reference}/timestamps"),
    ("get", "/api/v1/incidents/{reference}/metrics"),
    ("get", "/api/v1/incidents/{reference}/similar"),
    ("get", "/api/v1/incidents/{reference}/timeline"),
    ("post", "/api/v1/incidents/{reference}/timeline"),
    ("get", "/api/v1/incidents/{reference}/timeline/{event_id}"),
    ("patch", "/api/v1/incidents/{reference}/timeline/{event_id}"),
    (
        "put",
        "/api/v1/incidents/{reference}/timeline/{event_id}/star",
    ),
    (
        "delete",
        "/api/v1/incidents/{reference}/timeline/{event_id}/star",
    ),
    (
        "get",
        "/api/v1/incidents/{reference}/timeline/{event_id}/revisions",
    ),
    ("get", "/api/v1/incidents/{reference}/stream"),
    ("get", "/api/v1/stream"),
    ("get", "/api/v1/severities"),
    ("put", "/api/v1/severities/{key}"),
    ("delete", "/api/v1/severities/{key}"),
    ("get", "/api/v1/services"),
    ("post", "/api/v1/services"),
    ("get", "/api/v1/services/{slug}"),
    ("patch", "/api/v1/services/{slug}"),
    ("delete", "/api/v1/services/{slug}"),
    ("get", "/api/v1/teams"),
    ("post", "/api/v1/teams"),
    ("get", "/api/v1/teams/{slug}"),
    ("patch", "/api/v1/teams/{slug}"),
    ("delete", "/api/v1/teams/{slug}"),
    ("put", "/api/v1/teams/{slug}/members"),
    ("get", "/api/v1/incident-types"),
    ("post", "/api/v1/incident-types"),
    ("patch", "/api/v1/incident-types/{slug}"),
    ("get", "/api/v1/custom-fields"),
    ("post", "/api/v1/custom-fields"),
    ("patch", "/api/v1/custom-fields/{key}"),
    ("delete", "/api/v1/custom-fields/{key}"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/me"),
    ("patch", "/api/v1/users/{id}"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("patch", "/api/v1/users/me"),
    ("get", "/api/v1/invites"),
    ("post", "/api/v1/invites"),
    ("delete", "/api/v1/invites/{id}"),
    ("post", "/api/v1/users/{id}/password-reset"),
    ("get", "/api/v1/postmortem-policy"),
    ("put", "/api/v1/postmortem-policy"),
    ("post", "/api/v1/postmortem-policy/evaluate"),
    ("get", "/api/v1/deliveries"),
    ("post", "/api/v1/deliveries/{id}/retry"),
    ("get", "/api/v1/webhooks"),
    ("post", "/api/v1/webhooks"),
    ("delete", "/api/v1/webhooks/{id}"),
    ("post", "/api/v1/webhooks/{id}/test"),
    ("get", "/api/v1/incidents/{reference}/postmortem"),
    ("patch", "/api/v1/incidents/{reference}/postmortem"),
    ("post", "/api/v1/incidents/{reference}/postmortem/request"),
    ("post", "/api/v1/incidents/{reference}/postmortem/waive"),
    ("post", "/api/v1/incidents/{reference}/postmortem/steps"),
    ("post", "/api/v1/incidents/{reference}/postmortem/reviews"),
    ("get", "/api/v1/incidents/{reference}/postmortem/export"),
    ("get", "/api/v1/incidents/{reference}/attachments"),
    ("post", "/api/v1/incidents/{reference}/attachments"),
    ("get", "/api/v1/incidents/{reference}/attachments/{id}"),
    ("get", "/api/v1/incidents/{reference}/action-items"),
    ("post", "/api/v1/incidents/{reference}/action-items"),
    ("get", "/api/v1/incidents/{reference}/action-items/{id}"),
    ("patch", "/api/v1/incidents/{reference}/action-items/{id}"),
    ("get", "/api/v1/action-items"),
    ("get", "/api/v1/postmortems"),
    ("get", "/api/v1/postmortem-templates"),
    ("put", "/api/v1/postmortem-templates/{key}"),
    ("delete", "/api/v1/postmortem-templates/{key}"),
    ("get", "/api/v1/calendar"),
    ("put", "/api/v1/calendar"),
    ("post", "/api/v1/blameless-check"),
    ("get", "/api/v1/insights/learning"),
    ("get", "/api/v1/insights/incidents"),
    ("get", "/api/v1/insights/incidents/{section}.csv"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/incidents/{reference}/meetings"),
    ("post", "/api/v1/incidents/{reference}/meetings"),
    ("get", "/api/v1/meetings/{id}"),
    ("get", "/api/v1/meetings/{id}/invite.ics"),
    ("post", "/api/v1/meetings/{id}/cancel"),
    ("get", "/api/v1/review-meetings"),
    ("post", "/api/v1/review-meetings"),
    ("get", "/api/v1/review-meetings/{id}/occurrences"),
    ("post", "/api/v1/me/calendar-feed"),
    ("post", "/api/v1/postmortem-policy/replay"),
    ("get", "/api/v1/slack/settings"),
    ("put", "/api/v1/slack/settings"),
    ("get", "/api/v1/sign-in/settings"),
    ("put", "/api/v1/sign-in/settings"),
    ("get", "/api/v1/feeds/{file}"),
    ("get", "/api/v1/status-pages"),
    ("post", "/api/v1/status-pages"),
    ("get", "/api/v1/status-pages/{slug}"),
    ("patch", "/api/v1/status-pages/{slug}"),
    ("get", "/api/v1/status-pages/{slug}/components"),
    ("post", "/api/v1/status-pages/{slug}/components"),
    ("patch", "/api/v1/status-pages/{slug}/components/{id}"),
    ("delete", "/api/v1/status-pages/{slug}/components/{id}"),
    ("get", "/api/v1/status-pages/{slug}/components/{id}/history"),
    ("get", "/api/v1/status-pages/{slug}/maintenances"),
    ("post", "/api/v1/status-pages/{slug}/maintenances"),
    ("get", "/api/v1/status-pages/{slug}/maintenances/{id}"),
    (
        "post",
        "/api/v1/status-pages/{slug}/maintenances/{id}/updates",
    ),
    (
        "post",
        "/api/v1/status-pages/{slug}/maintenances/{id}/complete",
    ),
    (
        "post",
        "/api/v1/status-pages/{slug}/maintenances/{id}/reschedule",
    ),
    (
        "post",
        "/api/v1/status-pages/{slug}/maintenances/{id}/cancel",
    ),
    ("get", "/api/v1/status-pages/{slug}/subscribers"),
    ("delete", "/api/v1/status-pages/{slug}/subscribers/{id}"),
    ("get", "/api/v1/incidents/{reference}/status-updates"),
    ("post", "/api/v1/incidents/{reference}/status-updates"),
    ("get", "/api/v1/integrations"),
    ("post", "/api/v1/integrations"),
    ("get", "/api/v1/integrations/{id}"),
    ("patch", "/api/v1/integrations/{id}"),
    ("post", "/api/v1/integrations/{id}/rotate"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/alerts/{id}"),
    ("post", "/api/v1/alerts/{id}/acknowledge"),
    ("post", "/api/v1/alerts/{id}/resolve"),
    ("post", "/api/v1/alerts/{id}/notes"),
    ("get", "/api/v1/incidents/{reference}/alerts"),
    ("get", "/api/v1/services/{slug}/alert-rule"),
    ("put", "/api/v1/services/{slug}/alert-rule"),
    ("get", "/api/v1/services/{slug}/silences"),
    ("post", "/api/v1/services/{slug}/silences"),
    ("delete", "/api/v1/silences/{id}"),
    ("get", "/api/v1/services/{slug}/changes"),
    ("get", "/api/v1/schedules"),
    ("post", "/api/v1/schedules"),
    ("get", "/api/v1/schedules/{id}"),
    ("put", "/api/v1/schedules/{id}"),
    ("delete", "/api/v1/schedules/{id}"),
    ("get", "/api/v1/schedules/{id}/on-call"),
    ("get", "/api/v1/schedules/{id}/final"),
    ("get", "/api/v1/schedules/{id}/overrides"),
    ("post", "/api/v1/schedules/{id}/overrides"),
    ("delete", "/api/v1/schedules/{id}/overrides/{override_id}"),
    ("post", "/api/v1/schedules/{id}/swaps"),
    ("get", "/api/v1/schedules/{id}/calendar.ics"),
    ("get", "/api/v1/escalation-policies"),
    ("post", "/api/v1/escalation-policies"),
    ("get", "/api/v1/escalation-policies/{id}"),
    ("put", "/api/v1/escalation-policies/{id}"),
    ("delete", "/api/v1/escalation-policies/{id}"),
    ("post", "/api/v1/escalation-policies/{id}/preview"),
    ("get", "/api/v1/services/{slug}/escalation-policy"),
    ("put", "/api/v1/services/{slug}/escalation-policy"),
    ("get", "/api/v1/on-call"),
    ("get", "/api/v1/on-call/settings"),
    ("put", "/api/v1/on-call/settings"),
    ("get", "/api/v1/on-call/unreachable"),
    ("get", "/api/v1/pages"),
    ("post", "/api/v1/pages"),
    ("get", "/api/v1/pages/{id}"),
    ("post", "/api/v1/pages/{id}/acknowledge"),
    ("post", "/api/v1/pages/{id}/resolve"),
    ("get", "/api/v1/users/me/notifications"),
    ("put", "/api/v1/users/me/notifications"),
    ("get", "/api/v1/users/me/shifts"),
    ("get", "/api/v1/users/me/shifts.ics"),
    ("post", "/api/v1/users/me/push-subscriptions"),
    ("delete", "/api/v1/users/me/push-subscriptions/{id}"),
    ("get", "/api/v1/push/vapid-public-key"),
    ("get", "/api/v1/feeds/{token}/on-call.ics"),
    ("get", "/api/v1/feeds/{token}/schedules/{file}"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Fetches the document without credentials (it is public).
pub async fn document(app: &TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("the document");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    res.json().await.expect("the document is JSON")
}

/// Every `$ref` in `v`, wherever it is.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// Checks that an answer is documented for the operation and conforms to its schema.
pub fn conforms(
    doc: &Value,
    method: &str,
    template: &str,
    answer: &(StatusCode, HeaderMap, Value),
) {
    let v = Validator::new(doc);
    let op = &doc["paths"][template][method];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let code = answer.0.as_str();
    let mut response = op["responses"]
        .get(code)
        .unwrap_or_else(|| panic!("{method} {template} does not document {code}: {}", answer.2));
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        response = v.resolve(r);
    }
    body_conforms(&v, response, &format!("{method} {template} {code}"), answer);
}

fn body_conforms(
    v: &Validator<'_>,
    response: &Value,
    what: &str,
    answer: &(StatusCode, HeaderMap, Value),
) {
    let Some(content) = response.get("content") else {
        assert!(
            answer.2.is_null(),
            "{what}: documented without a body, but answered {}",
            answer.2
        );
        return;
    };
    let content_type = answer
        .1
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    let schema = &content
        .get(media)
        .unwrap_or_else(|| panic!("{what}: {media} is not documented"))["schema"];
    let errors = v.errors(schema, &answer.2);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema: {errors:#?}\n{}",
        answer.2
    );
}

/// The document is OpenAPI 3.1, its references resolve, and it lists exactly the routes the
/// server answers, each with exactly the methods the server accepts on it.
async fn the_openapi_document_lists_exactly_the_routes_the_server_answers(app: &TestApp) {
    // Arrange: one of each thing the routes name.
    let t = app.admin_token.as_str();
    let incident = app.declare(t, &json!({"title": "Routes"})).await;
    let event = app
        .add_event(t, "INC-1", &json!({"kind": "note", "body": "x"}))
        .await;
    let (_, _, token) = app
        .post("/api/v1/tokens", t, &json!({"name": "routes"}))
        .await;

    // Act
    let doc = document(app).await;

    // Assert: the document's shape and references.
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let v = Validator::new(&doc);
    all.iter().for_each(|r| {
        v.resolve(r);
    });
    let mut operation_ids = BTreeSet::new();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            documented.insert((method.to_string(), path.clone()));
            let id = item[*method]["operationId"]
                .as_str()
                .expect("an operationId");
            assert!(
                operation_ids.insert(id.to_string()),
                "operationId {id} twice"
            );
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "not documented: {missing:?}; not routes: {unknown:?}"
    );

    // Assert: for each path, the server allows exactly the documented methods (HEAD with GET).
    for path in doc["paths"].as_object().expect("paths").keys() {
        let concrete = path
            .replace("{reference}", incident["reference"].as_str().expect("ref"))
            .replace("{event_id}", &event["id"].to_string())
            .replace("{key}", "SEV1")
            .replace(
                "{id}",
                &if path.contains("tokens") {
                    token["id"].to_string()
                } else {
                    app.admin.id.to_string()
                },
            );
        let answer = app.raw(Raw::new(Method::TRACE, &concrete).token(t)).await;
        assert_eq!(answer.0, StatusCode::METHOD_NOT_ALLOWED, "TRACE {concrete}");
        let allow = answer
            .1
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .expect("an Allow header");
        let allowed: BTreeSet<String> = allow
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| m != "head")
            .collect();
        let listed: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| doc["paths"][path].get(**m).is_some())
            .map(|m| m.to_string())
            .collect();
        assert_eq!(allowed, listed, "{path}");
        body_conforms(
            &v,
            v.resolve("#/components/responses/MethodNotAllowed"),
            &format!("TRACE {path}"),
            &answer,
        );
    }
}

crate::e2e_test!(the_openapi_document_lists_exactly_the_routes_the_server_answers);
