//! On PostgreSQL, declaring an incident, adding a timeline event and reading a page of the
//! incident list each take one round trip.
//!
//! The store talks to PostgreSQL through a counting proxy: every round trip of the protocol ends
//! with a `Sync` (extended protocol) or is one `Query` (simple protocol, such as `BEGIN`), so
//! counting those messages from the client counts the round trips. Not counted: a round trip
//! that only prepares a statement (once per pooled connection: sqlx caches it, and a warm server
//! has prepared it on every connection), and the bare `Sync` sqlx sends to check a connection
//! released to the pool, after the caller has its answer. Runs when
//! `DEBRIEF_TEST_DATABASE_URL` names a PostgreSQL role that may `CREATE DATABASE`; the test
//! fails without it (scripts/test sets it).

use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::incident::RoleAssignment;
use debrief_core::status::Status;
use debrief_core::timeline::{EventKind, Source};
use debrief_store::incident::NewIncident;
use debrief_store::timeline::EventDraft;
use debrief_store::{DatabaseUrl, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards one client's bytes to the server, counting its `Sync` and `Query` messages.
async fn count_client(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    (trips, prepares): (Arc<AtomicU64>, Arc<AtomicU64>),
) {
    let mut pending: Vec<u8> = Vec::new();
    let mut typed = false;
    let (mut executed, mut parsed) = (false, false);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if to.write_all(&chunk[..n]).await.is_err() {
            return;
        }
        pending.extend_from_slice(&chunk[..n]);
        loop {
            // Before start-up, messages have no type byte (SSLRequest, then StartupMessage).
            let head = usize::from(typed);
            let Some(len) = pending
                .get(head..head + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            else {
                break;
            };
            if pending.len() < head + len {
                break;
            }
            if typed {
                match pending[0] {
                    // A simple query is a round trip of its own (`BEGIN`, `COMMIT`), except the
                    // `SET`s of a connection the pool has just opened.
                    b'Q' if !pending.get(5..).is_some_and(|q| q.starts_with(b"SET ")) => {
                        trips.fetch_add(1, Ordering::SeqCst);
                    }
                    b'Q' => {}
                    // A Sync ends a round trip. Counted when it executed something; not when
                    // it only prepared a statement (once per pooled connection, then cached) or
                    // was bare (the pool's check of a released connection, sent after the caller
                    // has its answer).
                    b'S' => {
                        if executed {
                            trips.fetch_add(1, Ordering::SeqCst);
                        } else if parsed {
                            prepares.fetch_add(1, Ordering::SeqCst);
                        }
                        (executed, parsed) = (false, false);
                    }
                    b'E' => executed = true,
                    b'P' => parsed = true,
                    _ => {}
                }
            } else {
                let code = pending
                    .get(4..8)
                    .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                // SSLRequest and GSSENCRequest come before the StartupMessage.
                typed = !matches!(code, 80_877_103 | 80_877_104);
            }
            pending.drain(..head + len);
        }
    }
}

/// A proxy in front of `upstream` (host:port); returns its address and the counters of round
/// trips and of statements prepared.
async fn proxy(upstream: String) -> (String, Arc<AtomicU64>, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let (trips, prepares) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let counters = (trips.clone(), prepares.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (mut sr, sw) = server.into_split();
            tokio::spawn(count_client(cr, sw, counters.clone()));
            tokio::spawn(async move {
                let mut cw = cw;
                let _ = tokio::io::copy(&mut sr, &mut cw).await;
            });
        }
    });
    (addr, trips, prepares)
}

fn draft(kind: EventKind, author: i64, body: &str, now: Timestamp) -> EventDraft {
    EventDraft {
        kind,
        at: now,
        source: Source::Api,
        author_id: Some(author),
        author_name: Some("Round Trip".into()),
        body: body.into(),
        links: Vec::new(),
        data: serde_json::json!({"k": "v"}),
        starred: false,
        created_at: now,
    }
}

#[tokio::test]
async fn declaring_adding_an_event_and_listing_take_one_round_trip_each_on_postgres() {
    // Never skipped: without PostgreSQL the test fails (scripts/test finds one and sets this).
    let admin_url = std::env::var("DEBRIEF_TEST_DATABASE_URL").expect(
        "DEBRIEF_TEST_DATABASE_URL names a PostgreSQL role that may CREATE DATABASE (scripts/test sets it)",
    );
    // postgres://user@host:port/db → its parts.
    let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
    let (scheme_user, hostport) = base.rsplit_once('@').expect("user@host:port in the URL");
    let name = format!("debrief_round_trips_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("create the database");
    }

    let (addr, trips, prepares) = proxy(hostport.to_string()).await;
    let url = DatabaseUrl::parse(&format!("{scheme_user}@{addr}/{name}")).expect("a URL");
    let store = Store::connect(&url)
        .await
        .expect("connect through the proxy");
    store.migrate().await.expect("migrate");
    store.seed_defaults().await.expect("seed");
    let now = Timestamp::now();
    let user = store
        .create_user(
            "rt@example.com",
            "Round Trip",
            AccountRole::Admin,
            None,
            now,
        )
        .await
        .expect("a user");
    let new = NewIncident {
        title: "Checkout errors".into(),
        summary: Some("Customers see 500s".into()),
        severity: "SEV2".into(),
        status: Status::Triage,
        incident_type: "default".into(),
        services: Vec::new(),
        customer_impact: true,
        private: false,
        started_at: None,
        declared_by: Some(user.id),
    };
    let commander = || {
        Some((
            RoleAssignment {
                role: "commander".into(),
                user_id: user.id,
                user_name: user.name.clone(),
                user_email: user.email.clone(),
            },
            draft(
                EventKind::RoleChange,
                user.id,
                "Round Trip is the commander",
                now,
            ),
        ))
    };
    let declare = || {
        store.declare_incident(
            &new,
            draft(EventKind::Declared, user.id, "declared", now),
            commander(),
            None,
            now,
        )
    };
    // The first call on a connection prepares its statement (a round trip of its own).
    let (first, _) = declare().await.expect("declare");
    store
        .add_events(first.id, &[draft(EventKind::Note, user.id, "a note", now)])
        .await
        .expect("add an event");

    trips.store(0, Ordering::SeqCst);
    let (incident, events) = declare().await.expect("declare");
    assert_eq!(
        trips.load(Ordering::SeqCst),
        1,
        "round trips of a declaration"
    );
    assert_eq!(incident.id, first.id + 1);
    assert_eq!(events.len(), 2);
    assert!(events[0].id < events[1].id);
    assert_eq!(events[0].kind, EventKind::Declared);
    assert_eq!(events[1].kind, EventKind::RoleChange);

    trips.store(0, Ordering::SeqCst);
    let added = store
        .add_events(
            incident.id,
            &[draft(EventKind::Note, user.id, "rolled back", now)],
        )
        .await
        .expect("add an event");
    assert_eq!(trips.load(Ordering::SeqCst), 1, "round trips of an event");

    // sqlx keeps the statements prepared: ten more declarations take ten round trips and
    // prepare the statement again only on a connection the pool opens meanwhile (under load,
    // when the last one is still being checked), never once per call.
    trips.store(0, Ordering::SeqCst);
    prepares.store(0, Ordering::SeqCst);
    for _ in 0..10 {
        declare().await.expect("declare");
    }
    assert_eq!(
        trips.load(Ordering::SeqCst),
        10,
        "round trips of ten declarations"
    );
    assert!(
        prepares.load(Ordering::SeqCst) <= 3,
        "statements prepared again: {}",
        prepares.load(Ordering::SeqCst)
    );

    // A page of the list brings its incidents' roles with it: one round trip.
    let viewer = debrief_core::access::Viewer::of(user.id, AccountRole::Responder);
    let filter = debrief_store::incident::IncidentFilter {
        limit: 10,
        ..Default::default()
    };
    let page = || store.list_incidents(&filter, viewer);
    page().await.expect("a page");
    trips.store(0, Ordering::SeqCst);
    let listed = page().await.expect("a page");
    assert_eq!(
        trips.load(Ordering::SeqCst),
        1,
        "round trips of a list page"
    );
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|i| i.roles.len() == 1));
    assert_eq!(listed[0].id, incident.id + 10);
    assert_eq!(listed[0].roles.len(), 1);
    assert_eq!(listed[0].roles[0].role, "commander");
    assert_eq!(listed[0].roles[0].user_email, "rt@example.com");

    // What the statements wrote reads back as written.
    let timeline = store.list_events(incident.id).await.expect("the timeline");
    let ids: Vec<i64> = timeline.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![events[0].id, events[1].id, added[0].id]);
    assert_eq!(timeline[0].data, serde_json::json!({"k": "v"}));
    assert_eq!(
        store.participants(incident.id).await.expect("participants"),
        vec![user.id]
    );
    let read = store
        .incident(
            incident.id,
            debrief_core::access::Viewer::of(user.id, AccountRole::Admin),
        )
        .await
        .expect("the incident");
    assert_eq!(read.roles.len(), 1);
    assert_eq!(read.summary.as_deref(), Some("Customers see 500s"));
    assert!(matches!(
        store
            .add_events(
                incident.id + 100,
                &[draft(EventKind::Note, user.id, "x", now)]
            )
            .await,
        Err(debrief_store::StoreError::NotFound(_))
    ));

    store.close().await;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop the database");
}
