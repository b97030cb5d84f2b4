//! SQLite: declarations that arrive together commit together.
//!
//! A declaration writes seven rows under the one write lock, and most of its cost is the commit
//! writing every page it touched to the WAL (the incident's B-tree leaf, its indexes, the
//! events', …). So a declaration is first queued, then its task waits for the writer connection;
//! whichever task gets the writer writes every declaration queued by then, up to [`MOST`] a
//! transaction, each in its own savepoint (one that fails undoes only itself), and answers each
//! after the commit. A task that finds its declaration already written when it gets the writer
//! lets the writer go at once. Consecutive declarations then share their pages' writes; one
//! declaration alone is written by its own task with no hand-off. Only committed declarations
//! are answered, so an acknowledged one survives `kill -9`.

use crate::incident::{NewIncident, declare_in};
use crate::timeline::EventDraft;
use crate::write::{LiteWriter, WriteTx};
use crate::{StoreError, StoreResult};
use debrief_core::Timestamp;
use debrief_core::incident::RoleAssignment;
use debrief_core::timeline::TimelineEvent;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

/// The most declarations written in one transaction.
pub(crate) const MOST: usize = 64;

/// One declaration to write (see [`crate::Store::declare_incident`]), with its services as
/// stored (JSON), its search text and its roles as its row keeps them.
pub(crate) struct Declaration {
    pub(crate) new: NewIncident,
    pub(crate) declared_event: EventDraft,
    pub(crate) commander: Option<(RoleAssignment, EventDraft)>,
    pub(crate) now: Timestamp,
    pub(crate) services: String,
    pub(crate) search: String,
    /// The roles' copy kept on the incident's row (see [`crate::incident::roles_json`]).
    pub(crate) roles: String,
}

type Answer = StoreResult<(i64, Vec<TimelineEvent>)>;
type Queued = (Declaration, oneshot::Sender<Answer>);

/// Declarations waiting to be written.
#[derive(Clone, Default)]
pub(crate) struct Declarations(Arc<Mutex<Vec<Queued>>>);

impl std::fmt::Debug for Declarations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Declarations")
    }
}

impl Declarations {
    /// Writes a declaration through `writer`, with those queued meanwhile; answers once it is
    /// committed.
    pub(crate) async fn declare(&self, writer: &LiteWriter, d: Declaration) -> Answer {
        let (done, mut answer) = oneshot::channel();
        self.queue().push((d, done));
        loop {
            let conn = writer.lock().await;
            match answer.try_recv() {
                // Written by the task that had the writer before.
                Ok(a) => return a,
                Err(TryRecvError::Closed) => {
                    return Err(StoreError::Other(
                        "the declaration's group was abandoned before it committed".into(),
                    ));
                }
                Err(TryRecvError::Empty) => {}
            }
            let batch: Vec<Queued> = {
                let mut q = self.queue();
                let n = q.len().min(MOST);
                q.drain(..n).collect()
            };
            // Ours is queued, so the batch is not empty; when the queue was long it may be a
            // later one, hence the loop.
            write(conn, batch).await;
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Queued>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Writes a batch in one transaction on the writer connection `conn` and answers each
/// declaration after the commit. It never waits (the writer is held, and SQLite's statements
/// run in place, see [`WriteTx::begin_lite`]), so it is never abandoned half-way.
async fn write(conn: tokio::sync::OwnedMutexGuard<rusqlite::Connection>, batch: Vec<Queued>) {
    let failed = |batch: Vec<Queued>, e: &StoreError| {
        for (_, done) in batch {
            let _ = done.send(Err(StoreError::Other(
                format!("the declaration was not written: {e}").into(),
            )));
        }
    };
    let mut tx = match WriteTx::begin_on(conn) {
        Ok(tx) => tx,
        Err(e) => return failed(batch, &e),
    };
    let mut answers: Vec<Answer> = Vec::with_capacity(batch.len());
    for (d, _) in &batch {
        answers.push(one(&mut tx, d).await);
    }
    match tx.commit().await {
        Ok(()) => {
            for ((_, done), answer) in batch.into_iter().zip(answers) {
                let _ = done.send(answer);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "A group of {} declarations did not commit", batch.len());
            failed(batch, &e)
        }
    }
}

/// One declaration in its own savepoint: a failure undoes it and nothing else.
async fn one(tx: &mut WriteTx, d: &Declaration) -> Answer {
    tx.exec("SAVEPOINT declaration", &[]).await?;
    let written = declare_in(tx, d).await;
    if written.is_err() {
        tx.exec("ROLLBACK TO declaration", &[]).await?;
    }
    tx.exec("RELEASE declaration", &[]).await?;
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
                    (n, store.declare_incident(&new, event, None, now).await)
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
