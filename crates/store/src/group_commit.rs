//! SQLite: writes that arrive together commit together.
//!
//! A declaration writes seven rows under the one write lock, an alert signal one or two, and
//! most of their cost is the commit writing every page it touched to the WAL (the row's B-tree
//! leaf, its indexes, …). So such a write is first queued, then its task waits for the writer
//! connection; whichever task gets the writer writes every write of that kind queued by then, up
//! to [`MOST`] a transaction, each in its own savepoint (one that fails undoes only itself), and
//! answers each after the commit. A task that finds its write already done when it gets the
//! writer lets the writer go at once. Consecutive writes then share their pages' writes; a write
//! alone is written by its own task with no hand-off. Only committed writes are answered, so an
//! acknowledged one survives `kill -9`.
//!
//! A kind of write implements [`GroupWrite`]; the store keeps one [`Group`] per kind
//! (declarations, alert signals).

use crate::incident::NewIncident;
use crate::timeline::EventDraft;
use crate::write::{LiteWriter, WriteTx};
use crate::{StoreError, StoreResult};
use debrief_core::Timestamp;
use debrief_core::custom_field::FieldValues;
use debrief_core::incident::RoleAssignment;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

/// The most writes in one transaction.
pub(crate) const MOST: usize = 64;

/// A write that may share its transaction with others of its kind.
pub(crate) trait GroupWrite: Send + 'static {
    /// What the write answers once committed.
    type Out: Send + 'static;

    /// Writes it in the open transaction `tx` (inside its own savepoint).
    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
    ) -> impl Future<Output = StoreResult<Self::Out>> + Send + 'a;
}

/// One declaration to write (see [`crate::Store::declare_incident`]), with its services as
/// stored (JSON), its search text and its roles as its row keeps them.
pub(crate) struct Declaration {
    pub(crate) new: NewIncident,
    pub(crate) declared_event: EventDraft,
    pub(crate) commander: Option<(RoleAssignment, EventDraft)>,
    /// Its custom field values, with the event naming them.
    pub(crate) custom: Option<(FieldValues, EventDraft)>,
    pub(crate) now: Timestamp,
    pub(crate) services: String,
    pub(crate) search: String,
    /// The roles' copy kept on the incident's row (see [`crate::incident::roles_json`]).
    pub(crate) roles: String,
}

impl GroupWrite for Declaration {
    type Out = (i64, Vec<debrief_core::timeline::TimelineEvent>);

    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
    ) -> impl Future<Output = StoreResult<Self::Out>> + Send + 'a {
        crate::incident::declare_in(tx, self)
    }
}

type Queued<W> = (W, oneshot::Sender<StoreResult<<W as GroupWrite>::Out>>);

/// Writes of one kind waiting to be written.
pub(crate) struct Group<W: GroupWrite>(Arc<Mutex<Vec<Queued<W>>>>);

impl<W: GroupWrite> Clone for Group<W> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<W: GroupWrite> Default for Group<W> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<W: GroupWrite> std::fmt::Debug for Group<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Group")
    }
}

impl<W: GroupWrite> Group<W> {
    /// Writes `w` through `writer`, with those of its kind queued meanwhile; answers once it is
    /// committed.
    pub(crate) async fn write(&self, writer: &LiteWriter, w: W) -> StoreResult<W::Out> {
        let (done, mut answer) = oneshot::channel();
        self.queue().push((w, done));
        loop {
            let conn = writer.lock().await;
            match answer.try_recv() {
                // Written by the task that had the writer before.
                Ok(a) => return a,
                Err(TryRecvError::Closed) => {
                    return Err(StoreError::Other(
                        "the write's group was abandoned before it committed".into(),
                    ));
                }
                Err(TryRecvError::Empty) => {}
            }
            let batch: Vec<Queued<W>> = {
                let mut q = self.queue();
                let n = q.len().min(MOST);
                q.drain(..n).collect()
            };
            // Ours is queued, so the batch is not empty; when the queue was long it may be a
            // later one, hence the loop.
            write(conn, batch).await;
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Queued<W>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Writes a batch in one transaction on the writer connection `conn` and answers each write
/// after the commit. It never waits (the writer is held, and SQLite's statements run in place,
/// see [`WriteTx::begin_lite`]), so it is never abandoned half-way.
async fn write<W: GroupWrite>(
    conn: tokio::sync::OwnedMutexGuard<rusqlite::Connection>,
    batch: Vec<Queued<W>>,
) {
    let failed = |batch: Vec<Queued<W>>, e: &StoreError| {
        for (_, done) in batch {
            let _ = done.send(Err(StoreError::Other(
                format!("the write was not committed: {e}").into(),
            )));
        }
    };
    let mut tx = match WriteTx::begin_on(conn) {
        Ok(tx) => tx,
        Err(e) => return failed(batch, &e),
    };
    let mut answers: Vec<StoreResult<W::Out>> = Vec::with_capacity(batch.len());
    for (w, _) in &batch {
        answers.push(one(&mut tx, w).await);
    }
    match tx.commit().await {
        Ok(()) => {
            for ((_, done), answer) in batch.into_iter().zip(answers) {
                let _ = done.send(answer);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "A group of {} writes did not commit", batch.len());
            failed(batch, &e)
        }
    }
}

/// One write in its own savepoint: a failure undoes it and nothing else.
async fn one<W: GroupWrite>(tx: &mut WriteTx, w: &W) -> StoreResult<W::Out> {
    tx.exec("SAVEPOINT grouped", &[]).await?;
    let written = w.write(tx).await;
    if written.is_err() {
        tx.exec("ROLLBACK TO grouped", &[]).await?;
    }
    tx.exec("RELEASE grouped", &[]).await?;
    written
}

#[cfg(test)]
mod tests {
    use crate::incident::NewIncident;
    use crate::timeline::EventDraft;
    use crate::{DatabaseUrl, Store, StoreError};
    use debrief_core::access::{AccountRole, Viewer};
    use debrief_core::status::Status;
    use debrief_core::timeline::{EventKind, Source};

    fn declaration(title: &str, severity: &str) -> (NewIncident, EventDraft) {
        let now: debrief_core::Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
        let new = NewIncident {
            title: title.into(),
            summary: None,
            severity: severity.into(),
            status: Status::Investigating,
            incident_type: "default".into(),
            services: Vec::new(),
            customer_impact: false,
            private: false,
            started_at: None,
            declared_by: None,
        };
        let event = EventDraft {
            kind: EventKind::Declared,
            at: now,
            source: Source::Api,
            author_id: None,
            author_name: None,
            body: format!("declared {title}"),
            links: Vec::new(),
            data: serde_json::Value::Null,
            starred: false,
            created_at: now,
        };
        (new, event)
    }

    /// Declarations that arrive together commit together, each numbered in turn without gaps;
    /// one that fails (an unknown severity) undoes itself only; every answered one is on disk.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_declarations_commit_in_groups_and_a_failure_undoes_only_itself() {
        let dir = std::env::temp_dir().join(format!("debrief-group-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("g.db").display())).unwrap();
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        store.seed_defaults().await.unwrap();

        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let severity = if n % 10 == 7 { "SEV9" } else { "SEV2" };
                    let (new, event) = declaration(&format!("n{n}"), severity);
                    let now = event.at;
                    (
                        n,
                        store.declare_incident(&new, event, None, None, now).await,
                    )
                })
            })
            .collect();
        let mut ok = Vec::new();
        for t in tasks {
            let (n, answer) = t.await.unwrap();
            match answer {
                Ok((incident, events)) => {
                    assert_ne!(n % 10, 7, "an unknown severity is refused");
                    assert_eq!(events.len(), 1);
                    ok.push(incident.id);
                }
                Err(e) => {
                    assert_eq!(n % 10, 7, "{e}");
                    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
                }
            }
        }
        ok.sort_unstable();
        assert_eq!(ok, (1..=180).collect::<Vec<_>>(), "numbered without gaps");
        drop(store);

        // Every answered declaration is in the file, read by a new store.
        let again = Store::connect(&url).await.unwrap();
        let admin = Viewer::of(0, AccountRole::Admin);
        for id in [1, 90, 180] {
            let i = again.incident(id, admin).await.unwrap();
            assert_eq!(i.severity, "SEV2");
        }
        assert!(again.incident(181, admin).await.is_err());
        drop(again);
        std::fs::remove_dir_all(dir).ok();
    }
}
