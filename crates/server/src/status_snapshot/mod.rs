//! What public status pages serve: in-memory snapshots of each page's rendered files.
//!
//! Status pages are read hardest exactly when things are on fire, so no public request renders
//! anything or (usually) touches the database. Each page's files (its HTML pages and JSON
//! documents) are rendered together into a [`PageSnapshot`]: every file compressed once, with its
//! `ETag`. A change made through this server re-renders the page's snapshot and swaps it in
//! ([`Snapshots::refresh`]) and, on PostgreSQL, is announced to the other servers sharing the
//! database (`NOTIFY`): they mark their snapshot of the page stale, so their next request for it
//! (the others keep being served) reads the page's `updated_at` and rebuilds. As a safety net for
//! notices lost while a listener reconnects, every snapshot is also rechecked that way once it is
//! older than the configured recheck interval (`ServerConfig::status_recheck`, 1 s by default).
//!
//! A page also changes as time passes (issue 9, part 10): a snapshot is rebuilt, even with no
//! change, once the moment [`debrief_core::statuspage::expiry::valid_until`] names has come
//! (the next minute while a component is not operational, the next midnight in the page's
//! zone, the next start or end of a maintenance window). Rebuilds stay single-flight: one
//! request rebuilds while the others keep being served the previous snapshot. "Now" comes from
//! the server's [`crate::clock::Clock`] (the system clock, or a clock a test moves).
//!
//! Incidents, maintenance and their updates are called by opaque public ids in everything
//! public ([`debrief_core::statuspage::public_id`]), under a secret key kept in the database's
//! settings ([`Snapshots::ids`]), so every server sharing the database names them alike.
//!
//! This module reads the store and renders; it knows nothing of requests, sign-ins or jobs
//! (the HTTP handlers and subscribers are in `crate::status`, which uses it), so the state
//! every handler reaches can hold the snapshots without a circle between modules.
//!
//! # Layout
//! - this module: the snapshot cache.
//! - [`documents`]: the Statuspage v2 documents and the Atom feed.
//! - [`render`]: building a snapshot's files from the store.

pub mod documents;
pub mod render;

use crate::AppError;
use axum::body::Bytes;
use debrief_core::Timestamp;
use debrief_core::statuspage::public_id::PublicIds;
use debrief_store::Store;
use debrief_store::postgres::PageNotice;
use debrief_store::status_page::StatusPage;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

/// The settings key of the secret behind public ids (hex); never shown anywhere.
const PUBLIC_ID_KEY: &str = "status_public_id_key";

/// One rendered file of a page.
#[derive(Debug)]
pub struct File {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The bytes.
    pub body: Bytes,
    /// The bytes, gzip-compressed.
    pub gzip: Bytes,
    /// Strong validator of `body` (the gzip variant appends `-gzip`).
    pub etag: String,
}

impl File {
    /// A file from its rendered bytes: compressed once, hashed once.
    pub fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(&body);
        let etag: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&body).expect("gzip into memory");
        let gzip = gz.finish().expect("gzip into memory");
        Self {
            content_type,
            body: Bytes::from(body),
            gzip: Bytes::from(gzip),
            etag,
        }
    }
}

/// Everything a page serves, rendered at one moment.
#[derive(Debug)]
pub struct PageSnapshot {
    /// The page's `updated_at` when rendered.
    pub updated_at: Timestamp,
    /// When, with no change written, what it shows stops being true (see the module docs).
    pub valid_until: Timestamp,
    /// Whether anyone may read it.
    pub public: bool,
    /// Files by path under the page (`index.html`, `api/v2/summary.json`, …).
    pub files: HashMap<String, Arc<File>>,
    /// The incidents' pages are rendered on their first request (a change re-renders only the
    /// page and its documents, not every incident's page): what they are made from…
    pub incidents: HashMap<String, render::IncidentView>,
    /// …the page…
    pub page: debrief_store::status_page::StatusPage,
    /// …and those rendered so far.
    pub rendered: Mutex<HashMap<String, Arc<File>>>,
}

impl PageSnapshot {
    /// The file at `path`, rendering an incident's page on its first request.
    pub fn file(&self, path: &str) -> Result<Option<Arc<File>>, AppError> {
        if let Some(f) = self.files.get(path) {
            return Ok(Some(f.clone()));
        }
        let Some(incident) = self.incidents.get(path) else {
            return Ok(None);
        };
        let mut rendered = self.rendered.lock().expect("not poisoned");
        if let Some(f) = rendered.get(path) {
            return Ok(Some(f.clone()));
        }
        let f = Arc::new(render::incident_file(&self.page, incident)?);
        rendered.insert(path.to_string(), f.clone());
        Ok(Some(f))
    }
}

struct Entry {
    snapshot: Arc<PageSnapshot>,
    checked: Instant,
    /// Another server announced a change of the page.
    stale: bool,
}

/// The snapshots of every page read so far, and a lock so one request rebuilds.
pub struct Snapshots {
    entries: RwLock<HashMap<String, Entry>>,
    rebuilding: tokio::sync::Mutex<()>,
    recheck: Duration,
    clock: crate::clock::Clock,
    /// Where pages are read from.
    store: Store,
    /// The URL people reach this server at (`ServerConfig::public_url`), for links in pages.
    public_url: String,
    /// The public ids' key, read (or made) once.
    ids: tokio::sync::OnceCell<PublicIds>,
    /// This server's id in page notices.
    server: u64,
    /// Set on PostgreSQL, where changes are announced to the other servers.
    shared: bool,
    /// Custom domains looked up so far: host → the page's slug (or none), and when; kept as
    /// long as a snapshot is, and dropped at any page change.
    domains: RwLock<HashMap<String, (Option<String>, Instant)>>,
}

/// How many host names are remembered at most (any `Host` header may be sent).
const MAX_DOMAINS: usize = 1024;

impl Snapshots {
    /// Snapshots of the pages in `store`, linking to them under `public_url`, rechecked
    /// against the database once older than `recheck`, and rendered at the time `clock` tells.
    /// On PostgreSQL changes are announced to and heard from other servers by a listener task
    /// that runs as long as the snapshots live (so this must be called inside a Tokio runtime).
    pub fn for_store(
        store: &Store,
        public_url: &str,
        recheck: Duration,
        clock: crate::clock::Clock,
    ) -> Arc<Self> {
        let shared = store.backend() == debrief_store::Backend::Postgres;
        let snapshots = Arc::new(Self {
            entries: RwLock::default(),
            rebuilding: tokio::sync::Mutex::default(),
            recheck,
            clock,
            store: store.clone(),
            public_url: public_url.to_string(),
            ids: tokio::sync::OnceCell::new(),
            server: {
                let mut b = [0u8; 8];
                getrandom::fill(&mut b).expect("the OS random source works");
                u64::from_le_bytes(b)
            },
            shared,
            domains: RwLock::default(),
        });
        if snapshots.shared {
            tokio::spawn(listen(Arc::downgrade(&snapshots), store.clone()));
        }
        snapshots
    }

    /// Now, as status pages see it.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The public ids, under the key kept in the database's settings: made by the first server
    /// that needs it (32 random bytes), then read by every other.
    pub async fn ids(&self) -> Result<&PublicIds, AppError> {
        self.ids
            .get_or_try_init(|| async {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).expect("the OS random source works");
                let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
                let kept = self.store.setting_or_insert(PUBLIC_ID_KEY, &hex).await?;
                Ok::<_, AppError>(PublicIds::new(kept.as_bytes()))
            })
            .await
    }

    /// Drops every snapshot (after a change that may touch several pages) and tells the other
    /// servers.
    pub fn invalidate_all(&self) {
        self.entries.write().expect("not poisoned").clear();
        self.announce(None);
    }

    /// The slug of the page whose custom domain is `host` (lower case, no port), if any:
    /// remembered for the recheck interval, so most requests ask no database.
    pub async fn page_for_host(&self, host: &str) -> Result<Option<String>, AppError> {
        if let Some((slug, at)) = self.domains.read().expect("not poisoned").get(host)
            && at.elapsed() < self.recheck
        {
            return Ok(slug.clone());
        }
        let slug = self.store.page_by_domain(host).await?.map(|p| p.slug);
        let mut domains = self.domains.write().expect("not poisoned");
        if domains.len() >= MAX_DOMAINS {
            domains.clear();
        }
        domains.insert(host.to_string(), (slug.clone(), Instant::now()));
        Ok(slug)
    }

    /// Tells the other servers sharing the database that a page (`None`: any) changed.
    fn announce(&self, slug: Option<&str>) {
        // A page's change may be its domain.
        self.domains.write().expect("not poisoned").clear();
        if !self.shared {
            return;
        }
        let store = self.store.clone();
        let notice = PageNotice {
            server: self.server,
            slug: slug.map(str::to_string),
        };
        tokio::spawn(async move {
            if let Err(e) = store.notify_page(&notice).await {
                tracing::warn!(error = %e, "Could not announce a status page change");
            }
        });
    }

    /// Marks a page's snapshot (or every one) stale after another server announced a change.
    fn heard(&self, notice: &PageNotice) {
        if notice.server == self.server {
            return;
        }
        self.domains.write().expect("not poisoned").clear();
        let mut entries = self.entries.write().expect("not poisoned");
        for (slug, e) in entries.iter_mut() {
            if notice.slug.as_deref().is_none_or(|s| s == slug) {
                e.stale = true;
            }
        }
    }

    /// Renders a changed page now and swaps the new snapshot in (call after committing a change
    /// shown on it): readers keep getting the previous snapshot until the new one is ready, so a
    /// change never makes the public wait. Only pages read since the server started are kept.
    pub async fn refresh(&self, slug: &str) -> Result<(), AppError> {
        self.announce(Some(slug));
        if !self
            .entries
            .read()
            .expect("not poisoned")
            .contains_key(slug)
        {
            return Ok(());
        }
        let _guard = self.rebuilding.lock().await;
        let page = self.store.page_by_slug(slug).await?;
        let snapshot = Arc::new(self.render(&page).await?);
        self.entries.write().expect("not poisoned").insert(
            slug.to_string(),
            Entry {
                snapshot,
                checked: Instant::now(),
                stale: false,
            },
        );
        Ok(())
    }

    /// The page's snapshot, and whether it may be served without asking the database (not
    /// announced stale, checked recently, and still true now).
    fn fresh(&self, slug: &str) -> Option<(Arc<PageSnapshot>, bool)> {
        let entries = self.entries.read().expect("not poisoned");
        entries.get(slug).map(|e| {
            (
                e.snapshot.clone(),
                !e.stale
                    && e.checked.elapsed() < self.recheck
                    && self.now() < e.snapshot.valid_until,
            )
        })
    }

    /// The page's snapshot: the cached one while fresh, else checked and rebuilt if it changed.
    pub async fn get(&self, slug: &str) -> Result<Arc<PageSnapshot>, AppError> {
        if let Some((s, true)) = self.fresh(slug) {
            return Ok(s);
        }
        let stale = self.fresh(slug).map(|(s, _)| s);
        // One request at a time checks and rebuilds; if a snapshot exists, the others keep
        // serving it meanwhile instead of waiting.
        let guard = match (&stale, self.rebuilding.try_lock()) {
            (_, Ok(g)) => g,
            (Some(s), Err(_)) => return Ok(s.clone()),
            (None, Err(_)) => self.rebuilding.lock().await,
        };
        if let Some((s, true)) = self.fresh(slug) {
            return Ok(s);
        }
        let page = self.store.page_by_slug(slug).await?;
        // Unchanged in the database and still true now: keep it; else render it again.
        let now = self.now();
        let snapshot =
            match stale.filter(|s| s.updated_at == page.updated_at && now < s.valid_until) {
                Some(s) => s,
                None => Arc::new(self.render(&page).await?),
            };
        self.entries.write().expect("not poisoned").insert(
            slug.to_string(),
            Entry {
                snapshot: snapshot.clone(),
                checked: Instant::now(),
                stale: false,
            },
        );
        drop(guard);
        Ok(snapshot)
    }

    /// Renders every file of `page` now.
    async fn render(&self, page: &StatusPage) -> Result<PageSnapshot, AppError> {
        let ids = self.ids().await?;
        render::snapshot(&self.store, ids, &self.public_url, page, self.now()).await
    }
}

/// Marks snapshots stale as other servers announce changes, until the snapshots are dropped.
/// Changes announced while the listener reconnects are caught by the recheck.
async fn listen(snapshots: Weak<Snapshots>, store: Store) {
    crate::live::relay(
        snapshots,
        "status page changes",
        || store.listen_pages(),
        |s: Arc<Snapshots>, n: PageNotice| async move { s.heard(&n) },
    )
    .await;
}
