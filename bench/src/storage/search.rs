//! The storage baseline's search: the statement Debrief's `Store::search` sends for a first
//! page of 20 over every kind, the newest 1,001 matches ranked (`crates/store/src/search.rs`), copied as text, with the query
//! built from the words as Debrief builds it (`debrief_core::search::Terms`).

use super::VISIBLE;
use crate::database::Backend;
use debrief_core::search::Terms;

/// SQLite: rank and count, then the page's snippets.
const SQLITE_PAGE: &str = "WITH hits AS (\
     SELECT search_docs.rowid AS doc, bm25(search_docs, 10.0, 1.0) AS rank \
     FROM search_docs JOIN incidents i ON i.id = search_docs.incident_id \
     WHERE search_docs MATCH $3 AND {VISIBLE} \
     ORDER BY search_docs.rowid DESC LIMIT 1001), \
     page AS (SELECT doc, rank, COUNT(*) OVER () AS total FROM hits \
     ORDER BY rank, doc DESC LIMIT 20 OFFSET 0) \
     SELECT search_docs.kind AS kind, search_docs.incident_id AS incident_id, search_docs.item_id AS item_id, \
     i.title AS incident_title, i.status AS status, i.severity AS severity, i.private AS private, \
     snippet(search_docs, -1, char(57344), char(57345), '…', 20) AS snippet, \
     CAST(-page.rank * 1000000000 AS INTEGER) AS score, page.total AS total \
     FROM search_docs CROSS JOIN page JOIN incidents i ON i.id = search_docs.incident_id \
     WHERE search_docs MATCH $3 AND search_docs.rowid = page.doc \
     AND search_docs.rowid >= (SELECT MIN(doc) FROM page) AND search_docs.rowid <= (SELECT MAX(doc) FROM page) \
     ORDER BY page.rank, page.doc DESC";

/// PostgreSQL: the same; `ts_headline` only for the page. The matches are filtered on the
/// documents' own copy of the private flag, not joined to their incidents.
const POSTGRES_PAGE: &str = "WITH q AS (SELECT to_tsquery('english', $3) AS q), \
     cand AS (\
     SELECT d.doc_id FROM search_docs d \
     WHERE d.tsv @@ to_tsquery('english', $3) AND {DOC_VISIBLE} \
     ORDER BY d.doc_id DESC LIMIT 1001), \
     hits AS (SELECT d.doc_id, ts_rank_cd(d.tsv, q.q) AS rank \
     FROM cand JOIN search_docs d ON d.doc_id = cand.doc_id CROSS JOIN q), \
     page AS (SELECT doc_id, rank, COUNT(*) OVER () AS total FROM hits \
     ORDER BY rank DESC, doc_id DESC LIMIT 20 OFFSET 0) \
     SELECT d.kind AS kind, d.incident_id AS incident_id, d.item_id AS item_id, \
     i.title AS incident_title, i.status AS status, i.severity AS severity, i.private AS private, \
     ts_headline('english', CASE WHEN d.title = '' THEN d.body WHEN d.body = '' THEN d.title \
     ELSE d.title || E'\\n' || d.body END, q.q, \
     'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) \
     || ', MaxWords=24, MinWords=10, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet, \
     (page.rank * 1000000000)::bigint AS score, page.total AS total \
     FROM page JOIN search_docs d ON d.doc_id = page.doc_id JOIN incidents i ON i.id = d.incident_id \
     CROSS JOIN q ORDER BY page.rank DESC, page.doc_id DESC";

/// The statement, with `$1` the user, `$2` 0 (not an admin) and `$3` the query.
pub(super) fn sql(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => SQLITE_PAGE.replace("{VISIBLE}", VISIBLE),
        Backend::Postgres => POSTGRES_PAGE.replace(
            "{DOC_VISIBLE}",
            &VISIBLE
                .replace("i.private", "d.private")
                .replace("i.id", "d.incident_id"),
        ),
    }
}

/// The query text for `words` as Debrief builds it.
pub(super) fn query(backend: Backend, words: &str) -> String {
    let terms = Terms::parse(words);
    match backend {
        Backend::Sqlite => terms.map(|t| t.fts5()).unwrap_or_default(),
        Backend::Postgres => terms.map(|t| t.tsquery()).unwrap_or_default(),
    }
}
