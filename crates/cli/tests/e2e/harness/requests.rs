//! Requests as tests send them (malformed ones included), and the checks for refused ones:
//! RFC 9457 problem documents, and snapshots that show a refused request changed nothing.

use super::TestApp;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A request as [`TestApp::raw`] sends it.
#[derive(Debug, Clone)]
pub struct Raw<'a> {
    /// The method.
    pub method: Method,
    /// The path, e.g. `/api/v1/incidents`.
    pub path: &'a str,
    /// A bearer token.
    pub token: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body, as is.
    pub body: Option<&'a str>,
    /// More headers.
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> Raw<'a> {
    /// A request without body or headers.
    pub fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            token: None,
            content_type: None,
            body: None,
            headers: &[],
        }
    }

    /// With a bearer token.
    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    /// With a JSON body (`Content-Type: application/json`).
    pub fn json(self, body: &'a str) -> Self {
        self.typed("application/json", body)
    }

    /// With a body of the given content type.
    pub fn typed(mut self, content_type: &'a str, body: &'a str) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body);
        self
    }

    /// With extra headers.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }
}

/// Checks that an answer is an RFC 9457 problem document with status `expected`, and returns
/// the field names its `errors` list (empty when it has none).
pub fn assert_problem(answer: &(StatusCode, HeaderMap, Value), expected: u16) -> Vec<String> {
    let (status, headers, body) = answer;
    assert_eq!(
        status.as_u16(),
        expected,
        "expected a {expected} problem, got {status}: {body}"
    );
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(
        content_type, "application/problem+json",
        "the content type of {body}"
    );
    assert_eq!(body["status"], expected, "the problem's status: {body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "type: {body}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title: {body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "detail: {body}"
    );
    match body.get("errors") {
        None => Vec::new(),
        Some(errors) => {
            let errors = errors
                .as_array()
                .unwrap_or_else(|| panic!("errors is a list: {body}"));
            assert!(!errors.is_empty(), "an errors list is never empty: {body}");
            errors
                .iter()
                .map(|e| {
                    assert!(
                        e["message"].as_str().is_some_and(|m| !m.is_empty()),
                        "message: {e}"
                    );
                    e["field"]
                        .as_str()
                        .unwrap_or_else(|| panic!("field: {e}"))
                        .to_string()
                })
                .collect()
        }
    }
}

/// Sends a request that must be refused: checks the problem document (status, content type,
/// the fields it names, in order) and that the request changed nothing. Returns the problem.
pub async fn expect_problem(
    app: &TestApp,
    what: &str,
    req: Raw<'_>,
    status: u16,
    fields: &[&str],
) -> Value {
    let before = app.snapshot().await;
    let answer = app.raw(req).await;
    let named = assert_problem(&answer, status);
    assert_eq!(named, fields, "{what}: the fields named by {}", answer.2);
    let after = app.snapshot().await;
    assert!(
        before == after,
        "{what}: a refused request changed something"
    );
    answer.2
}

impl TestApp {
    /// Everything the API can change, read straight from the store (token use times left out:
    /// they are touched in the background): compare two snapshots to show nothing changed.
    pub async fn snapshot(&self) -> Value {
        let store = &self.state.store;
        let all = debrief_core::access::Viewer {
            user_id: 0,
            sees_all: true,
        };
        let filter = debrief_store::incident::IncidentFilter {
            limit: 1000,
            ..Default::default()
        };
        let incidents = store
            .list_incidents(&filter, all)
            .await
            .expect("list incidents");
        let mut participants = Vec::new();
        for i in &incidents {
            participants.push((
                i.reference.clone(),
                store.participants(i.id).await.expect("participants"),
            ));
        }
        let events = store.events_after(0, all, 1000).await.expect("events");
        let mut revisions = Vec::new();
        for e in &events {
            revisions.push(store.event_revisions(e.id).await.expect("revisions"));
        }
        let mut tokens =
            serde_json::to_value(store.list_tokens(None).await.expect("tokens")).expect("json");
        for t in tokens.as_array_mut().expect("a list") {
            t.as_object_mut().expect("an object").remove("last_used_at");
        }
        serde_json::json!({
            "incidents": incidents,
            "participants": participants,
            "events": events,
            "revisions": revisions,
            "users": store.list_users().await.expect("users"),
            "tokens": tokens,
            "severities": store.list_severities().await.expect("severities"),
            "services": store.list_services().await.expect("services"),
            "teams": store.list_teams().await.expect("teams"),
        })
    }
}

/// Sends a request and reads the answer as JSON where possible.
pub async fn send(req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
    let res = req.send().await.expect("the server answers");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("a readable body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, headers, body)
}
