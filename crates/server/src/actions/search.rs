//! Full-text search, for `GET /api/v1/search` and the `/search` page.
//!
//! [`parse`] reads the query parameters (`q`, `kind` repeated or comma-separated, `limit`,
//! `offset`): `q` is required, at most [`MAX_Q_CHARS`] characters, and its words (letters or
//! digits; nothing typed is query syntax, see [`debrief_core::search`]) are searched for; text
//! without any finds nothing. Every bad parameter is a 400 naming it. [`search`] asks
//! the store, which applies the caller's visibility in the query itself.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::search::{SearchKind, Terms};
use debrief_store::search::{SearchPage, SearchRequest};

/// Results per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 20;
/// The largest page.
pub const MAX_LIMIT: i64 = 100;
/// The furthest a page may start.
pub const MAX_OFFSET: i64 = 10_000;

/// What a `q` that is missing or empty is told.
pub const NO_WORDS: &str = "q: type at least one word (letters or digits) to search for";

/// The longest `q`, in characters (as the OpenAPI document says).
pub const MAX_Q_CHARS: usize = 4000;

/// Reads `q`, `kind`, `limit` and `offset`; other parameters are ignored. `None` when `q`
/// holds no word to search for (only punctuation or symbols): nothing can match it.
pub fn parse(pairs: &[(String, String)]) -> Result<Option<SearchRequest>, AppError> {
    let mut q: Option<&str> = None;
    let mut kinds = Vec::new();
    let mut limit = DEFAULT_LIMIT;
    let mut offset = 0;
    for (k, v) in pairs {
        match k.as_str() {
            "q" => q = Some(v),
            "kind" => {
                for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let kind = SearchKind::parse(name).ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "kind: unknown kind '{name}'; use incident, timeline, postmortem or action_item"
                        ))
                    })?;
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
            }
            "limit" => limit = number("limit", v, 1, MAX_LIMIT)?,
            "offset" => offset = number("offset", v, 0, MAX_OFFSET)?,
            _ => {}
        }
    }
    let q = q.unwrap_or("");
    if q.is_empty() {
        return Err(AppError::BadRequest(NO_WORDS.into()));
    }
    if q.chars().count() > MAX_Q_CHARS {
        return Err(AppError::BadRequest(format!(
            "q: at most {MAX_Q_CHARS} characters"
        )));
    }
    // Text with no letters or digits in it ("*", "--") is a search that finds nothing.
    Ok(Terms::parse(q).map(|terms| SearchRequest {
        terms,
        kinds,
        limit,
        offset,
    }))
}

fn number(field: &str, v: &str, min: i64, max: i64) -> Result<i64, AppError> {
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| AppError::BadRequest(format!("{field}: a whole number from {min} to {max}")))
}

/// The page of matches the actor may see.
#[tracing::instrument(skip_all)]
pub async fn search(
    state: &AppState,
    actor: &Actor,
    req: &SearchRequest,
) -> Result<SearchPage, AppError> {
    Ok(state.store.search(req, actor.viewer()).await?)
}

/// Where a result is shown in the web UI.
pub fn link(kind: SearchKind, incident_id: i64) -> String {
    match kind {
        SearchKind::Incident => format!("/incidents/INC-{incident_id}"),
        SearchKind::Timeline => format!("/incidents/INC-{incident_id}#timeline"),
        SearchKind::Postmortem => format!("/incidents/INC-{incident_id}/postmortem"),
        SearchKind::ActionItem => format!("/incidents/INC-{incident_id}/postmortem#action-items"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kinds_are_repeatable_or_comma_separated() {
        let r = parse(&pairs(&[
            ("q", "disk"),
            ("kind", "incident,timeline"),
            ("kind", "action_item"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            r.kinds,
            [
                SearchKind::Incident,
                SearchKind::Timeline,
                SearchKind::ActionItem
            ]
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (list, field) in [
            (vec![], "q:"),
            (vec![("q", "")], "q:"),
            (vec![("q", "x".repeat(MAX_Q_CHARS + 1).as_str())], "q:"),
            (vec![("q", "x"), ("kind", "people")], "kind:"),
            (vec![("q", "x"), ("limit", "0")], "limit:"),
            (vec![("q", "x"), ("offset", "-1")], "offset:"),
        ] {
            let e = parse(&pairs(&list)).unwrap_err().to_string();
            assert!(e.starts_with(field), "{e}");
        }
    }

    #[test]
    fn text_without_words_finds_nothing() {
        assert!(parse(&pairs(&[("q", " *\"- ")])).unwrap().is_none());
        assert!(
            parse(&pairs(&[("q", "x".repeat(MAX_Q_CHARS).as_str())]))
                .unwrap()
                .is_some()
        );
    }
}
