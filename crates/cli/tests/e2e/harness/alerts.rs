//! Alert intake as the tests see it: services and integrations made through the API, alerts and
//! incidents read back through it, and waiting (with a deadline, never a fixed sleep) for what
//! an external sender delivers.

use super::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An integration as its creation answered: its id, the secret key (shown once) and the URL to
/// point the sender at.
#[derive(Debug, Clone)]
pub struct Integration {
    /// Its id (as the API writes it in paths).
    pub id: String,
    /// The secret key.
    pub key: String,
    /// Where the sender posts.
    pub url: String,
    /// The whole `integration` object.
    pub body: Value,
}

/// How long a sender may take to deliver what a test waits for.
pub const DELIVERY: Duration = Duration::from_secs(30);

impl TestApp {
    /// Creates a service with this slug (and the slug as its name).
    pub async fn create_service(&self, slug: &str) -> Value {
        let (s, _, service) = self
            .post(
                "/api/v1/services",
                &self.admin_token,
                &json!({"slug": slug, "name": slug}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "create service {slug}: {service}");
        service
    }

    /// Creates an integration of `kind` for the service `service`, grouped by the sender's own
    /// key; checks the answer's shape (a 32-hex-digit key, a URL, the key's hint).
    pub async fn create_integration(&self, service: &str, kind: &str, name: &str) -> Integration {
        let (s, _, body) = self
            .post(
                "/api/v1/integrations",
                &self.admin_token,
                &json!({"service": service, "kind": kind, "name": name, "group_by": "sender"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "create integration {name}: {body}");
        let key = body["key"].as_str().unwrap_or_default().to_string();
        assert!(
            key.len() == 32
                && key
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "the key is 32 lowercase hex digits: {body}"
        );
        let integration = body["integration"].clone();
        assert_eq!(integration["kind"], kind, "{body}");
        assert_eq!(integration["service"], service, "{body}");
        assert_eq!(integration["name"], name, "{body}");
        assert!(
            integration.to_string().find(&key).is_none(),
            "the integration object does not carry the key itself: {body}"
        );
        Integration {
            id: id_of(&integration),
            url: body["url"]
                .as_str()
                .unwrap_or_else(|| panic!("a url: {body}"))
                .to_string(),
            key,
            body: integration,
        }
    }

    /// Every alert `GET /api/v1/alerts?{query}` lists (all pages).
    pub async fn alerts(&self, query: &str) -> Vec<Value> {
        fetch_alerts(&self.client, &self.address, &self.admin_token, query).await
    }

    /// The alerts of an integration, in every status, once the work that earlier requests left
    /// (routing jobs, which link alerts to incidents) is done.
    pub async fn alerts_of(&self, integration: &Integration) -> Vec<Value> {
        self.settle().await;
        self.alerts(&format!(
            "status=triggered,acknowledged,resolved&integration={}",
            integration.id
        ))
        .await
    }

    /// Polls [`TestApp::alerts_of`] until `done` holds, for at most [`DELIVERY`]; fails the test
    /// with what was last seen (and `context`, e.g. a sender's log) when it never does.
    pub async fn wait_for_alerts(
        &self,
        integration: &Integration,
        what: &str,
        context: impl Fn() -> String,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + DELIVERY;
        loop {
            let alerts = self.alerts_of(integration).await;
            if done(&alerts) {
                return alerts;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not seen within {DELIVERY:?}; the alerts: {}\n{}",
                serde_json::to_string_pretty(&alerts).unwrap_or_default(),
                context()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The incidents that list `service` among their services, oldest first.
    pub async fn incidents_of(&self, service: &str) -> Vec<Value> {
        let (s, _, page) = self
            .get("/api/v1/incidents?limit=100", &self.admin_token)
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let mut found: Vec<Value> = page["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| {
                i["services"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|x| x == service))
            })
            .collect();
        found.sort_by_key(|i| i["id"].as_i64());
        found
    }

    /// An incident's timeline events.
    pub async fn timeline(&self, reference: &str) -> Vec<Value> {
        let path = format!("/api/v1/incidents/{reference}/timeline");
        let (s, _, page) = self.get(&path, &self.admin_token).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {page}");
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// An incident's alerts (`GET /api/v1/incidents/{reference}/alerts`).
    pub async fn incident_alerts(&self, reference: &str) -> Vec<Value> {
        let path = format!("/api/v1/incidents/{reference}/alerts");
        let (s, _, page) = self.get(&path, &self.admin_token).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {page}");
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

/// Every alert `GET {base}/api/v1/alerts?{query}` lists, following `next_cursor` to the end.
pub async fn fetch_alerts(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => format!("/api/v1/alerts?{query}"),
            Some(c) => format!("/api/v1/alerts?{query}&cursor={c}"),
        };
        let (s, _, page) =
            super::send(client.get(format!("{base}{path}")).bearer_auth(token)).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {page}");
        let got = page["items"].as_array().cloned().unwrap_or_default();
        let empty = got.is_empty();
        items.extend(got);
        cursor = match &page["next_cursor"] {
            Value::String(c) => Some(c.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if cursor.is_none() || empty {
            return items;
        }
    }
}

/// The alerts in `alerts` with this dedup key, oldest first.
pub fn with_key<'a>(alerts: &'a [Value], dedup_key: &str) -> Vec<&'a Value> {
    let mut found: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["dedup_key"] == dedup_key)
        .collect();
    found.sort_by_key(|a| order(a));
    found
}

/// The order alerts were opened in: first seen (as a time: the text's precision varies), then
/// id.
fn order(a: &Value) -> (Option<jiff::Timestamp>, Option<i64>, String) {
    (
        a["first_seen_at"].as_str().and_then(|t| t.parse().ok()),
        a["id"].as_i64(),
        id_of(a),
    )
}

/// An object's `id`, number or string, as it goes in a path.
pub fn id_of(v: &Value) -> String {
    match &v["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("an id, got {other} in {v}"),
    }
}

/// `(status, count)` of each alert with this dedup key, oldest first: the shape most checks
/// compare.
pub fn states(alerts: &[Value], dedup_key: &str) -> Vec<(String, i64)> {
    with_key(alerts, dedup_key)
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap_or_default().to_string(),
                a["count"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

/// Shorthand for an expected [`states`] list.
pub fn st(expected: &[(&str, i64)]) -> Vec<(String, i64)> {
    expected
        .iter()
        .map(|(s, c)| ((*s).to_string(), *c))
        .collect()
}

/// Parses an RFC 3339 time (for comparing times written with different precision).
pub fn time(v: &Value) -> jiff::Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("a time, got {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("a time, got {v}: {e}"))
}

impl TestApp {
    /// Checks that an incident opened by an alert has an `alert` event from the source `alert`
    /// at `at` (the time the sender says the alert started), and that its detection time is
    /// that time, so time to detect is right. Returns the incident's timeline.
    pub async fn assert_detected_at(&self, reference: &str, at: jiff::Timestamp) -> Vec<Value> {
        let events = self.timeline(reference).await;
        let alert_events: Vec<&Value> = events.iter().filter(|e| e["kind"] == "alert").collect();
        assert!(
            alert_events
                .iter()
                .any(|e| e["source"] == "alert" && time(&e["at"]) == at),
            "{reference} has an alert event from the source alert at {at}: {}",
            serde_json::to_string_pretty(&events).unwrap_or_default()
        );
        let path = format!("/api/v1/incidents/{reference}/timestamps");
        let (s, _, times) = self.get(&path, &self.admin_token).await;
        assert_eq!(s, StatusCode::OK, "{times}");
        assert_eq!(time(&times["detected_at"]), at, "{reference}: {times}");
        events
    }
}
