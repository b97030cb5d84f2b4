//! Custom domains: a status page may answer on its own host name (`status.example.com`). A
//! request whose `Host` header (port ignored) is a page's domain is served as if it asked for
//! the page under `/status/{slug}`: `/` is the page, `/history`, `/feed.atom`,
//! `/api/v2/summary.json` … its other files, through the same snapshot cache. Paths already
//! under `/status/` (the page's own links) and `/static/` pass as they are; any other host is
//! served as before.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::Response;

/// The host a request names, lower case and without its port.
fn host_of(req: &Request) -> Option<String> {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().host())?;
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => raw,
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// The path (and query) under the page that `path` on its custom domain stands for.
fn page_path(slug: &str, path_and_query: &str) -> String {
    match path_and_query {
        "" | "/" => format!("/status/{slug}"),
        p => match p.strip_prefix("/?") {
            Some(query) => format!("/status/{slug}?{query}"),
            None => format!("/status/{slug}{p}"),
        },
    }
}

/// Serves a page's custom domain from the page (middleware around the whole application).
pub async fn custom_domain(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let passes = path.starts_with("/status/") || path.starts_with("/static/");
    if !passes
        && let Some(host) = host_of(&req)
        && host.contains('.')
        && !state.config.public_url.contains(&format!("//{host}"))
    {
        // A failed lookup serves the request as before; the page itself reports errors.
        if let Ok(Some(slug)) = state.status.page_for_host(&host).await {
            let pq = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            if let Ok(uri) = page_path(&slug, &pq).parse::<Uri>() {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_on_a_custom_domain_are_the_page_s_paths() {
        assert_eq!(page_path("acme", "/"), "/status/acme");
        assert_eq!(page_path("acme", "/?x=1"), "/status/acme?x=1");
        assert_eq!(
            page_path("acme", "/api/v2/summary.json"),
            "/status/acme/api/v2/summary.json"
        );
    }
}
