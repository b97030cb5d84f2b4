//! SQLite: declarations that arrive together commit together.
//!
//! A declaration writes seven rows under the one write lock, and most of its cost is the commit
//! writing every page it touched to the WAL (the incident's B-tree leaf, its indexes, the
//! events', …). Declarations are handed to one task that writes all those waiting, up to
//! [`MOST`], in one transaction, each in its own savepoint (one that fails undoes only itself),
//! so consecutive declarations share their pages' writes. Each is answered only after that
//! transaction commits: an acknowledged declaration is committed and survives `kill -9`. A
//! declaration that arrives alone is written at once, in a transaction of its own.

use crate::incident::{NewIncident, declare_in};
use crate::timeline::EventDraft;
use crate::write::{LiteWriter, WriteTx};
use crate::{StoreError, StoreResult};
use debrief_core::Timestamp;
use debrief_core::incident::RoleAssignment;
use debrief_core::timeline::TimelineEvent;
use tokio::sync::{mpsc, oneshot};

/// The most declarations written in one transaction.
pub(crate) const MOST: usize = 64;

/// One declaration to write (see [`crate::Store::declare_incident`]), with its services as
/// stored (JSON) and its search text.
pub(crate) struct Declaration {
    pub(crate) new: NewIncident,
    pub(crate) declared_event: EventDraft,
    pub(crate) commander: Option<(RoleAssignment, EventDraft)>,
    pub(crate) now: Timestamp,
    pub(crate) services: String,
    pub(crate) search: String,
}

type Answer = StoreResult<(i64, Vec<TimelineEvent>)>;

/// The queue of declarations to the task that writes them.
#[derive(Debug, Clone)]
pub(crate) struct Declarations(mpsc::UnboundedSender<(Declaration, oneshot::Sender<Answer>)>);

impl Declarations {
    /// Starts the task that writes declarations through `writer`; it ends when the last clone
    /// of the queue is dropped (with the store).
    pub(crate) fn start(writer: LiteWriter) -> Self {
        let (queue, declarations) = mpsc::unbounded_channel();
        tokio::spawn(run(writer, declarations));
        Self(queue)
    }

    /// Writes a declaration; answers once it is committed.
    pub(crate) async fn declare(&self, d: Declaration) -> Answer {
        let (done, answer) = oneshot::channel();
        self.0
            .send((d, done))
            .map_err(|_| StoreError::Other("the SQLite writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Other("the SQLite writer stopped before answering".into()))?
    }
}

async fn run(
    writer: LiteWriter,
    mut declarations: mpsc::UnboundedReceiver<(Declaration, oneshot::Sender<Answer>)>,
) {
    while let Some(first) = declarations.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST {
            match declarations.try_recv() {
                Ok(d) => batch.push(d),
                Err(_) => break,
            }
        }
        write(&writer, batch).await;
    }
}

/// Writes a batch in one transaction and answers each declaration after the commit.
async fn write(writer: &LiteWriter, batch: Vec<(Declaration, oneshot::Sender<Answer>)>) {
    let failed = |batch: Vec<(Declaration, oneshot::Sender<Answer>)>, e: &StoreError| {
        for (_, done) in batch {
            let _ = done.send(Err(StoreError::Other(
                format!("the declaration was not written: {e}").into(),
            )));
        }
    };
    let mut tx = match WriteTx::begin_lite(writer).await {
        Ok(tx) => tx,
        Err(e) => return failed(batch, &e),
    };
    let mut answers = Vec::with_capacity(batch.len());
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
