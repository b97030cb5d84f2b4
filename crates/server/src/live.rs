//! The live hub: committed timeline events, pushed to server-sent-event streams.
//!
//! Actions publish each committed event here; every stream subscribes and filters what its
//! viewer may see. On SQLite (one server) the hub is an in-process broadcast channel. On
//! PostgreSQL several servers may share the database, so publishing announces the event with
//! `NOTIFY`, and every server (the publishing one
//! included) listens and, when it has streams open, loads the event and broadcasts it to them. A slow stream that falls behind is told to reload.
//!
//! Announcing costs a statement, so it is not sent per request: publishing hands the notices
//! to one announcer task per server, which sends everything handed to it meanwhile in one
//! statement, in order ([`debrief_store::Store::notify_events`]). Under load, many requests'
//! events share a statement; alone, an event is announced at once.

use debrief_core::timeline::TimelineEvent;
use debrief_store::Store;
use debrief_store::postgres::{EventNotice, Listener};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// A committed event and the facts a stream needs to filter it.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// The incident's number.
    pub incident_id: i64,
    /// Whether the incident was private when the event was written.
    pub private: bool,
    /// The event.
    pub event: TimelineEvent,
}

#[derive(Debug)]
struct Inner {
    sender: broadcast::Sender<LiveEvent>,
    /// Set when events travel through PostgreSQL `NOTIFY`: where the announcer takes them.
    shared: Option<mpsc::UnboundedSender<Vec<EventNotice>>>,
}

/// A broadcast channel of committed events, shared across servers on PostgreSQL.
#[derive(Debug, Clone)]
pub struct LiveHub(Arc<Inner>);

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    /// An in-process hub with room for a burst of 1024 events per slow subscriber.
    pub fn new() -> Self {
        Self(Arc::new(Inner {
            sender: broadcast::channel(1024).0,
            shared: None,
        }))
    }

    /// A hub for `store`: in-process on SQLite; on PostgreSQL, fed by a listener task that runs
    /// as long as the hub lives. Must be called inside a Tokio runtime.
    pub fn for_store(store: &Store) -> Self {
        if store.backend() != debrief_store::Backend::Postgres {
            return Self::new();
        }
        let (notices, queued) = mpsc::unbounded_channel();
        let hub = Self(Arc::new(Inner {
            sender: broadcast::channel(1024).0,
            shared: Some(notices),
        }));
        tokio::spawn(listen(Arc::downgrade(&hub.0), store.clone()));
        tokio::spawn(announce(queued, store.clone()));
        hub
    }

    /// Publishes committed events (nobody listening is fine).
    pub fn publish(&self, incident_id: i64, private: bool, events: &[TimelineEvent]) {
        match &self.0.shared {
            None => {
                for e in events {
                    let _ = self.0.sender.send(LiveEvent {
                        incident_id,
                        private,
                        event: e.clone(),
                    });
                }
            }
            Some(announcer) => {
                let notices: Vec<EventNotice> = events
                    .iter()
                    .map(|e| EventNotice {
                        incident_id,
                        event_id: e.id,
                        private,
                    })
                    .collect();
                // The announcer lives as long as the hub.
                let _ = announcer.send(notices);
            }
        }
    }

    /// A new subscription.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.0.sender.subscribe()
    }
}

/// Announces the notices handed to it: each time, everything queued since the last statement,
/// in one statement and in order. Ends when the hub is dropped.
async fn announce(mut queued: mpsc::UnboundedReceiver<Vec<EventNotice>>, store: Store) {
    while let Some(mut notices) = queued.recv().await {
        while let Ok(more) = queued.try_recv() {
            notices.extend(more);
        }
        if let Err(e) = store.notify_events(&notices).await {
            tracing::warn!(error = %e, events = notices.len(), "Could not announce timeline events");
        }
    }
}

/// Relays announced events to this server's streams until the hub is dropped.
async fn listen(hub: Weak<Inner>, store: Store) {
    let loader = store.clone();
    relay(
        hub,
        "timeline events",
        || store.listen_events(),
        move |inner: Arc<Inner>, n: EventNotice| {
            let store = loader.clone();
            async move {
                // Nobody streams from this server: nothing to load the event for. (A stream
                // that connects later catches up from the database.)
                if inner.sender.receiver_count() == 0 {
                    return;
                }
                match store.event(n.incident_id, n.event_id).await {
                    Ok(event) => {
                        let _ = inner.sender.send(LiveEvent {
                            incident_id: n.incident_id,
                            private: n.private,
                            event,
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, event.id = n.event_id, "Could not load an announced event")
                    }
                }
            }
        },
    )
    .await;
}

/// Hands each notice a PostgreSQL listener receives to `on_notice` for as long as `owner`
/// lives, reconnecting (with back-off) when the connection drops. `what` names the notices in
/// logs.
pub(crate) async fn relay<O, T, C, CF, H, HF>(
    owner: Weak<O>,
    what: &str,
    connect: C,
    mut on_notice: H,
) where
    T: serde::de::DeserializeOwned,
    C: Fn() -> CF,
    CF: Future<Output = debrief_store::StoreResult<Option<Listener<T>>>>,
    H: FnMut(Arc<O>, T) -> HF,
    HF: Future<Output = ()>,
{
    let mut backoff = Duration::from_millis(200);
    loop {
        if owner.strong_count() == 0 {
            return;
        }
        let mut listener = match connect().await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "Could not listen for {what}; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        loop {
            // Not raced against a timer: `recv` is not documented as cancel-safe. A dropped
            // owner is noticed at the next notice or connection error.
            let notice = listener.recv().await;
            let Some(o) = owner.upgrade() else { return };
            match notice {
                Ok(n) => on_notice(o, n).await,
                Err(e) => {
                    tracing::warn!(error = %e, "Lost the listener for {what}; reconnecting");
                    tokio::time::sleep(backoff).await;
                    break;
                }
            }
        }
    }
}
