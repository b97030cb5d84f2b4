//! Building the benchmark's status page through the admin API, as an operator would, and
//! fetching the exact bytes of its public files for the baseline to serve.

use crate::client::{Answer, Call, Conn};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;

/// The page's slug: its public files live under `/status/bench`.
pub const SLUG: &str = "bench";

/// Components by group: 12 in 3 groups.
const GROUPS: [(&str, [&str; 4]); 3] = [
    ("Core platform", ["API", "Dashboard", "Webhooks", "Search"]),
    (
        "Data",
        [
            "Database",
            "Object storage",
            "Backups",
            "Analytics pipeline",
        ],
    ),
    (
        "Edge",
        ["CDN", "DNS", "Email delivery", "Mobile push notifications"],
    ),
];

/// Customer-facing names of the published incidents.
const TITLES: [&str; 10] = [
    "Elevated API error rates",
    "Delayed webhook deliveries",
    "Dashboard slow to load for some customers",
    "Search results out of date",
    "Database failover in eu-west",
    "Object storage uploads failing",
    "Nightly backups delayed",
    "CDN cache misses in Asia-Pacific",
    "DNS resolution errors for custom domains",
    "Email notifications delayed",
];

/// Incidents published on the page; all but the last [`ACTIVE`] end resolved.
pub const INCIDENTS: usize = 20;
/// Incidents still open on the page (shown with their updates at the top).
const ACTIVE: usize = 2;

/// What was built.
#[derive(Debug, Clone)]
pub struct Page {
    /// Components on the page (ids, in order).
    pub components: Vec<i64>,
    /// Incidents published.
    pub incidents: usize,
    /// Updates published while building it.
    pub updates: usize,
    /// A resolved incident the publisher posts further updates to, so that the page changes
    /// (a component's state, the page's `updated_at`) but does not grow during a run.
    pub live_incident: String,
    /// The component the publisher flips (no active incident touches it).
    pub live_component: i64,
}

/// POSTs `body` to `path` and fails unless the answer is `201 Created`; returns its JSON.
pub async fn post(conn: &mut Conn, path: &str, body: &Value) -> Result<Value> {
    let call = Call {
        method: Method::POST,
        path: path.to_string(),
        body: Bytes::from(body.to_string()),
        expect: StatusCode::CREATED,
        ..Call::default()
    };
    let answer = conn.expect(&call).await?;
    serde_json::from_slice(&answer.body).with_context(|| format!("POST {path} answered non-JSON"))
}

/// Creates the page, its components and its incidents with their updates.
pub async fn build_page(conn: &mut Conn) -> Result<Page> {
    post(
        conn,
        "/api/v1/status-pages",
        &json!({"slug": SLUG, "name": "Bench Cloud", "time_zone": "Europe/Berlin",
                "branding": {"accent_color": "#1f6feb", "header": "Live status of Bench Cloud services"}}),
    )
    .await
    .context("Failed to create the status page (the token must be admin-scoped)")?;
    let mut components = Vec::new();
    for (group, names) in GROUPS {
        for name in names {
            let c = post(
                conn,
                &format!("/api/v1/status-pages/{SLUG}/components"),
                &json!({"name": name, "group": group,
                        "description": format!("{name} for every region ({group})")}),
            )
            .await?;
            components.push(c["id"].as_i64().context("a component without an id")?);
        }
    }
    let mut updates = 0;
    let mut live_incident = String::new();
    for i in 0..INCIDENTS {
        let title = TITLES[i % TITLES.len()];
        let declared = post(
            conn,
            "/api/v1/incidents",
            &json!({"title": format!("{title} (bench {i})"), "severity": "SEV2"}),
        )
        .await?;
        let reference = declared["reference"]
            .as_str()
            .context("a declared incident without a reference")?
            .to_string();
        // Active incidents touch the last components; the resolved ones cycle through the rest,
        // so the publisher's component (the first) is operational whenever no run is going on.
        let component = if i >= INCIDENTS - ACTIVE {
            components[components.len() - 1 - (INCIDENTS - 1 - i)]
        } else {
            components[1 + i % (components.len() - 1 - ACTIVE)]
        };
        let steps: &[(&str, &str, &str)] = &[
            (
                "investigating",
                "partial_outage",
                "We are investigating reports of errors for some customers. Next update within 30 minutes.",
            ),
            (
                "identified",
                "degraded_performance",
                "We found the cause, a configuration change rolled out this morning, and are rolling it back region by region.",
            ),
            (
                "monitoring",
                "operational",
                "The rollback is complete and error rates are back to normal. We are monitoring the results.",
            ),
            (
                "resolved",
                "operational",
                "This incident has been resolved. A postmortem will follow within five working days.",
            ),
        ];
        let open = i >= INCIDENTS - ACTIVE;
        for (n, (status, state, body)) in steps.iter().enumerate() {
            if open && n >= 2 {
                break;
            }
            let mut update = json!({"page": SLUG, "status": status, "body": body,
                                    "components": [{"id": component, "state": state}]});
            if n == 0 {
                update["name"] = json!(title);
            }
            post(
                conn,
                &format!("/api/v1/incidents/{reference}/status-updates"),
                &update,
            )
            .await?;
            updates += 1;
        }
        if i == 0 {
            live_incident = reference;
        }
    }
    Ok(Page {
        components: components.clone(),
        incidents: INCIDENTS,
        updates,
        live_incident,
        live_component: components[0],
    })
}

/// The full path of `path` under the page (`/` is the page itself).
pub fn full_path(path: &str) -> String {
    match path.trim_end_matches('/') {
        "" => format!("/status/{SLUG}"),
        p => format!("/status/{SLUG}{p}"),
    }
}

/// One public file as Debrief serves it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Its full path.
    pub path: String,
    /// Its `Content-Type`.
    pub content_type: HeaderValue,
    /// Its bytes.
    pub body: Bytes,
    /// Its gzip variant, when Debrief offers one.
    pub gzip: Option<Bytes>,
}

/// What setup found at a path.
#[derive(Debug, Clone)]
pub enum Found {
    /// Served: measured.
    Served(Fetched),
    /// Not served (any status but 200): skipped, and the report says so.
    Skipped {
        /// The full path.
        path: String,
        /// What it answered.
        status: StatusCode,
    },
}

/// A `GET` of `path`, asking for gzip or not.
pub fn get(path: &str, gzip: bool) -> Call {
    let mut call = Call::get(path);
    if gzip {
        call.headers.push((
            ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        ));
    }
    call
}

/// Fetches a path plain and with gzip, and checks that a conditional request with each
/// variant's `ETag` answers `304 Not Modified` with no body.
pub async fn fetch(addr: SocketAddr, path: &str) -> Result<Found> {
    let full = full_path(path);
    let mut conn = Conn::open(addr, None).await?;
    let plain = conn.send(&get(&full, false)).await?;
    if plain.status != StatusCode::OK {
        return Ok(Found::Skipped {
            path: full,
            status: plain.status,
        });
    }
    let content_type = plain
        .headers
        .get(CONTENT_TYPE)
        .cloned()
        .with_context(|| format!("GET {full} answered without a Content-Type"))?;
    if plain.headers.contains_key(CONTENT_ENCODING) {
        bail!("GET {full} without Accept-Encoding answered a Content-Encoding");
    }
    let zipped = conn.expect(&get(&full, true)).await?;
    let gzip = match zipped.headers.get(CONTENT_ENCODING) {
        Some(e) if e == "gzip" => {
            if !zipped.body.starts_with(&[0x1f, 0x8b]) {
                bail!("GET {full} with gzip answered a body that is not gzip");
            }
            Some(zipped.body.clone())
        }
        Some(e) => bail!("GET {full} with gzip answered Content-Encoding {e:?}"),
        None => None,
    };
    not_modified(&mut conn, &full, false).await?;
    not_modified(&mut conn, &full, true).await?;
    Ok(Found::Served(Fetched {
        path: full,
        content_type,
        body: plain.body,
        gzip,
    }))
}

/// Checks that a `GET` carrying the current `ETag` in `If-None-Match` answers `304` with no body.
pub async fn not_modified(conn: &mut Conn, full: &str, gzip: bool) -> Result<()> {
    let what = if gzip { "gzip" } else { "identity" };
    let answer: Answer = conn.expect(&get(full, gzip)).await?;
    let etag = answer
        .headers
        .get(ETAG)
        .cloned()
        .with_context(|| format!("GET {full} ({what}) answered without an ETag"))?;
    let mut call = get(full, gzip);
    call.headers
        .push((hyper::header::IF_NONE_MATCH, etag.clone()));
    call.expect = StatusCode::NOT_MODIFIED;
    let answer = conn
        .expect(&call)
        .await
        .with_context(|| format!("A conditional GET {full} ({what}) with its ETag {etag:?}"))?;
    if !answer.body.is_empty() {
        bail!("GET {full} ({what}) with its ETag answered 304 with a body");
    }
    Ok(())
}

/// Writes the served files and a manifest naming them for `baseline-server --files`.
pub fn write_manifest(dir: &Path, files: &[Fetched]) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    let mut entries = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let body = dir.join(format!("{i}.body"));
        std::fs::write(&body, &f.body)
            .with_context(|| format!("Failed to write {}", body.display()))?;
        let gzip = match &f.gzip {
            Some(g) => {
                let p = dir.join(format!("{i}.gz"));
                std::fs::write(&p, g)
                    .with_context(|| format!("Failed to write {}", p.display()))?;
                Value::from(p.display().to_string())
            }
            None => Value::Null,
        };
        entries.push(json!({
            "path": f.path,
            "content_type": f.content_type.to_str().context("a non-ASCII Content-Type")?,
            "body": body.display().to_string(),
            "gzip": gzip,
        }));
    }
    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, json!({ "files": entries }).to_string())
        .with_context(|| format!("Failed to write {}", manifest.display()))?;
    Ok(manifest)
}
