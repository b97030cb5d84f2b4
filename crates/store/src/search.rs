//! Full-text search over incidents, timeline events, postmortems and action items.
//!
//! The index is the `search_docs` table (migration `20261212100000_create_search`): FTS5 on
//! SQLite, a weighted `tsvector` under a GIN index on PostgreSQL, kept in step with its sources
//! by triggers, so a write and its index entry commit together. A search is one statement: the
//! matching documents of incidents the viewer may see (the same `incident::VISIBLE` clause as every
//! read, so a private incident is never counted nor shown to someone who may not see it), the
//! newest [`RANKED`] of them (a word that common is found everywhere; ranking them all would
//! cost more than a search may),
//! ranked (bm25 / `ts_rank_cd`, a title weighing more than a body), counted with a window over
//! the same rows, and cut to the page; only the page's rows get a snippet (`snippet()` /
//! `ts_headline`, which is slow over many rows).

use crate::incident::{VISIBLE, visible_on};
use crate::write::Arg;
use crate::{Backend, Store, StoreResult};
use debrief_core::access::Viewer;
use debrief_core::search::{SearchKind, Snippet, Terms};
use debrief_core::status::Status;
use std::sync::LazyLock;

/// What to search for and which page of the results.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The words.
    pub terms: Terms,
    /// Only these kinds (every kind when empty).
    pub kinds: Vec<SearchKind>,
    /// Page size (1 to 100).
    pub limit: i64,
    /// Results skipped.
    pub offset: i64,
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// What was found.
    pub kind: SearchKind,
    /// The incident it belongs to (its number).
    pub incident_id: i64,
    /// That incident's title.
    pub incident_title: String,
    /// That incident's status.
    pub status: Status,
    /// That incident's severity.
    pub severity: String,
    /// Whether that incident is private.
    pub private: bool,
    /// The thing's id: the incident's or the postmortem's incident number, the event's or the
    /// action item's id.
    pub item_id: i64,
    /// The matching text, highlighted.
    pub snippet: Snippet,
    /// Relevance: higher is better (comparable within one search only).
    pub score: i64,
}

/// How many matches are ranked and counted at most: the newest ones. Past this, a word is so
/// common that ranking every match would cost more than a search may (a word in two thirds of
/// 100,000 incidents takes PostgreSQL 60 ms just to count); the best of the newest
/// [`RANKED`] are shown and the count says "at least".
pub const RANKED: i64 = 1000;

/// A page of results and how many there are in all.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// Every match the viewer may see, counted up to [`RANKED`].
    pub total: i64,
    /// Whether there are more matches than [`RANKED`] (then `total` is [`RANKED`] and only
    /// the newest [`RANKED`] matches were ranked).
    pub capped: bool,
    /// This page, best first.
    pub hits: Vec<SearchHit>,
}

/// SQLite: the newest matches (one more than [`RANKED`], to tell whether there are more),
/// ranked and counted in one pass, then the page's snippets (the highlight marks are U+E000
/// and U+E001, see [`Snippet::from_marked`]). FTS5 refuses `bm25()` beside a window function
/// in one `SELECT`, hence `hits` apart from `page`. The snippets come from one more pass of
/// the query over the page's range of rowids (the newest matches), not from a lookup per row:
/// FTS5 would evaluate the query again for each (with a prefix, merging every matching term).
const SQLITE_PAGE: &str = "WITH hits AS (\
     SELECT search_docs.rowid AS doc, bm25(search_docs, 10.0, 1.0) AS rank \
     FROM search_docs JOIN incidents i ON i.id = search_docs.incident_id \
     WHERE search_docs MATCH $3 AND {VISIBLE}{KINDS} \
     ORDER BY search_docs.rowid DESC LIMIT {CANDIDATES}), \
     page AS (SELECT doc, rank, COUNT(*) OVER () AS total FROM hits \
     ORDER BY rank, doc DESC LIMIT {LIMIT} OFFSET {OFFSET}) \
     SELECT search_docs.kind AS kind, search_docs.incident_id AS incident_id, search_docs.item_id AS item_id, \
     i.title AS incident_title, i.status AS status, i.severity AS severity, i.private AS private, \
     snippet(search_docs, -1, char(57344), char(57345), '…', 20) AS snippet, \
     CAST(-page.rank * 1000000000 AS INTEGER) AS score, page.total AS total \
     FROM search_docs CROSS JOIN page JOIN incidents i ON i.id = search_docs.incident_id \
     WHERE search_docs MATCH $3 AND search_docs.rowid = page.doc \
     AND search_docs.rowid >= (SELECT MIN(doc) FROM page) AND search_docs.rowid <= (SELECT MAX(doc) FROM page) \
     ORDER BY page.rank, page.doc DESC";

/// The count alone, for a page past the last.
const SQLITE_COUNT: &str = "SELECT COUNT(*) AS total FROM (SELECT 1 FROM search_docs \
     JOIN incidents i ON i.id = search_docs.incident_id \
     WHERE search_docs MATCH $3 AND {VISIBLE}{KINDS} LIMIT {CANDIDATES}) c";

/// PostgreSQL: as on SQLite; `ts_headline` only for the page. The query is written inline,
/// not through a CTE, so the planner (custom plans) sees it and estimates the matches: for a
/// common word it walks the documents newest first and stops at the cap, for a rare one it
/// reads the GIN index. The rank is computed for the candidates alone (`cand`, then `hits`):
/// computed beside the match, it ran for every match before the sort. The visibility rule reads
/// the document's own copy of its incident's private flag (migration
/// `20261213100000_add_search_private`), so the matches are not joined to their incidents: that
/// join cost 30 ms for the 12,000 matches of two common words at 100,000 incidents.
const POSTGRES_PAGE: &str = "WITH q AS (SELECT to_tsquery('english', $3) AS q), \
     cand AS (\
     SELECT d.doc_id FROM search_docs d \
     WHERE d.tsv @@ to_tsquery('english', $3) AND {VISIBLE}{KINDS} \
     ORDER BY d.doc_id DESC LIMIT {CANDIDATES}), \
     hits AS (SELECT d.doc_id, ts_rank_cd(d.tsv, q.q) AS rank \
     FROM cand JOIN search_docs d ON d.doc_id = cand.doc_id CROSS JOIN q), \
     page AS (SELECT doc_id, rank, COUNT(*) OVER () AS total FROM hits \
     ORDER BY rank DESC, doc_id DESC LIMIT {LIMIT} OFFSET {OFFSET}) \
     SELECT d.kind AS kind, d.incident_id AS incident_id, d.item_id AS item_id, \
     i.title AS incident_title, i.status AS status, i.severity AS severity, i.private AS private, \
     ts_headline('english', CASE WHEN d.title = '' THEN d.body WHEN d.body = '' THEN d.title \
     ELSE d.title || E'\\n' || d.body END, q.q, \
     'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) \
     || ', MaxWords=24, MinWords=10, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet, \
     (page.rank * 1000000000)::bigint AS score, page.total AS total \
     FROM page JOIN search_docs d ON d.doc_id = page.doc_id JOIN incidents i ON i.id = d.incident_id \
     CROSS JOIN q ORDER BY page.rank DESC, page.doc_id DESC";

/// PostgreSQL's visibility rule on the documents' own columns, built once.
static DOC_VISIBLE: LazyLock<String> = LazyLock::new(|| visible_on("d.private", "d.incident_id"));

/// The count alone, for a page past the last.
const POSTGRES_COUNT: &str = "SELECT COUNT(*) AS total FROM (SELECT 1 FROM search_docs d \
     WHERE d.tsv @@ to_tsquery('english', $3) AND {VISIBLE}{KINDS} LIMIT {CANDIDATES}) c";

impl Store {
    /// The page of `req`'s matches the viewer may see, best first, with the count of them all.
    #[tracing::instrument(skip_all, fields(words = req.terms.words().len()))]
    pub async fn search(&self, req: &SearchRequest, viewer: Viewer) -> StoreResult<SearchPage> {
        let (page, count, query, table, visible) = match self.backend() {
            Backend::Sqlite => (
                SQLITE_PAGE,
                SQLITE_COUNT,
                req.terms.fts5(),
                "search_docs",
                VISIBLE,
            ),
            Backend::Postgres => (
                POSTGRES_PAGE,
                POSTGRES_COUNT,
                req.terms.tsquery(),
                "d",
                DOC_VISIBLE.as_str(),
            ),
        };
        let kinds = kinds_clause(&req.kinds, table);
        let fill = |sql: &str| {
            sql.replace("{VISIBLE}", visible)
                .replace("{KINDS}", &kinds)
                .replace("{LIMIT}", &req.limit.clamp(1, 100).to_string())
                .replace("{OFFSET}", &req.offset.max(0).to_string())
                .replace("{CANDIDATES}", &(RANKED + 1).to_string())
        };
        let args = [
            Arg::I(viewer.user_id),
            Arg::I(i64::from(viewer.sees_all)),
            Arg::S(&query),
        ];
        let rows = self.read_rows(&fill(page), &args).await?;
        let hits = rows
            .iter()
            .map(|r| {
                Ok(SearchHit {
                    kind: r.parse("kind")?,
                    incident_id: r.get("incident_id")?,
                    incident_title: r.get("incident_title")?,
                    status: r.parse("status")?,
                    severity: r.get("severity")?,
                    private: r.get("private")?,
                    item_id: r.get("item_id")?,
                    snippet: Snippet::from_marked(&r.opt::<String>("snippet")?.unwrap_or_default()),
                    score: r.get("score")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let total = match rows.first() {
            Some(r) => r.get("total")?,
            // Past the last page (or nothing at all): count on its own.
            None if req.offset > 0 => self
                .read_rows(&fill(count), &args)
                .await?
                .first()
                .map(|r| r.get("total"))
                .transpose()?
                .unwrap_or(0),
            None => 0,
        };
        Ok(SearchPage {
            total: total.min(RANKED),
            capped: total > RANKED,
            hits,
        })
    }
}

/// ` AND kind IN (…)` for the kinds asked for; nothing when all are (or none is named). The
/// names are the enum's own, never input.
fn kinds_clause(kinds: &[SearchKind], table: &str) -> String {
    if kinds.is_empty() || SearchKind::ALL.iter().all(|k| kinds.contains(k)) {
        return String::new();
    }
    let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    format!(" AND {table}.kind IN ({})", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_visibility_rule_is_the_incidents_own() {
        assert_eq!(visible_on("i.private", "i.id"), VISIBLE);
        let on_docs = visible_on("d.private", "d.incident_id");
        assert!(on_docs.contains("d.private = 0"), "{on_docs}");
        assert!(
            on_docs.contains("p.incident_id = d.incident_id"),
            "{on_docs}"
        );
        assert!(!on_docs.contains("i."), "{on_docs}");
    }
}
