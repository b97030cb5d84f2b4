//! The job queue across restarts and servers: jobs due later are delivered once across a
//! `kill -9` of the real binary, and two servers sharing one PostgreSQL database deliver each job
//! once.

use crate::harness::{
    Backend, ServerProcess, SmtpSink, TEST_TIMEOUT, TestDb, WebhookReceiver, header, http_client,
    open_store, prepare_admin, spawn_app_with,
};
use crate::jobs::{assert_signed, fast_jobs, message, wait_for_done};
use debrief_core::Timestamp;
use debrief_server::jobs;
use debrief_server::{AppState, ServerConfig};
use debrief_store::jobs::NewJob;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// Jobs due in a few seconds are enqueued (as the postmortem scheduler will, through the
/// store), the real server is killed with SIGKILL before they are due, the scheduler enqueues
/// them again, and a new server on the same database delivers each exactly once.
async fn jobs_due_later_are_delivered_once_across_a_kill_9(backend: Backend) {
    // Arrange: the SMTP sink, the receiver, and the real binary on a fresh database.
    let sink = SmtpSink::start(None).await;
    let receiver = WebhookReceiver::start().await;
    let db = TestDb::create(backend).await;
    let token = prepare_admin(db.url()).await;
    let smtp = sink.url(None);
    let args = [
        "--smtp-url",
        smtp.as_str(),
        "--smtp-from",
        "Debrief <debrief@example.com>",
    ];
    let server = ServerProcess::start_with(db.url(), &args).await;
    let endpoint: Value = http_client()
        .post(format!("{}/api/v1/webhooks", server.address))
        .bearer_auth(&token)
        .json(&json!({"url": format!("{}/hook", receiver.address)}))
        .send()
        .await
        .expect("create a webhook")
        .json()
        .await
        .expect("JSON");
    receiver.set_secret(endpoint["secret"].as_str().expect("a secret"));
    let store = open_store(db.url()).await;
    // Only to build the jobs: a state that is not served runs no worker.
    let builder = AppState::new(store.clone(), ServerConfig::default());
    let due = Timestamp::now() + jiff::SignedDuration::from_secs(3);
    let batch: Vec<NewJob> = (0..5)
        .flat_map(|i| {
            [
                jobs::email_job(
                    &builder,
                    &format!("restart-mail-{i}"),
                    &message(&format!("Reminder {i}")),
                    due,
                )
                .expect("an e-mail job"),
                jobs::webhook_event_job(
                    &builder,
                    "postmortem.reminder",
                    &format!("restart-hook-{i}"),
                    json!({"n": i}),
                    due,
                )
                .expect("a webhook job"),
            ]
        })
        .collect();
    let ids = store
        .enqueue_jobs(&batch, Timestamp::now())
        .await
        .expect("enqueue");
    assert!(ids.iter().all(Option::is_some));

    // Act: kill -9 before they are due; the scheduler enqueues them again; start again.
    server.kill_9().await;
    let again = store
        .enqueue_jobs(&batch, Timestamp::now())
        .await
        .expect("enqueue again");
    assert!(again.iter().all(Option::is_none), "nothing enqueued twice");
    let server = ServerProcess::start_with(db.url(), &args).await;

    // Assert: 5 e-mails, 5 events fanned out into 5 webhook deliveries, each exactly once.
    wait_for_done(&store, 15, Duration::from_secs(20)).await;
    let mails = sink.wait_for(6, Duration::from_millis(1500)).await;
    let subjects: BTreeSet<_> = mails.iter().filter_map(|m| header(m, "Subject")).collect();
    assert_eq!(mails.len(), 5, "{mails:#?}");
    assert_eq!(subjects.len(), 5, "{subjects:?}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 5, "{hits:#?}");
    hits.iter().for_each(assert_signed);
    let numbers: BTreeSet<_> = hits.iter().map(|h| h.body["data"]["n"].as_i64()).collect();
    assert_eq!(numbers.len(), 5);
    server.kill_9().await;
    drop(builder);
    store.close().await;
    db.remove().await;
}

crate::e2e_test!(jobs_due_later_are_delivered_once_across_a_kill_9, backend);

/// Two servers on one PostgreSQL database, both polling hard in small batches, deliver a batch
/// of 30 webhook events, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_deliver_30_jobs_once() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        // Arrange: server A from the harness, server B on the same database; both contend.
        let contend = |c: &mut ServerConfig| {
            fast_jobs(c);
            c.jobs.poll_interval = Duration::from_millis(20);
            c.jobs.batch = 2;
        };
        let receiver = WebhookReceiver::start().await;
        let a = spawn_app_with(Backend::Postgres, contend).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut config = crate::harness::server_config(&format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        contend(&mut config);
        let b = AppState::new(open_store(a.database_url()).await, config);
        let (stop_b, stopped_b) = tokio::sync::oneshot::channel::<()>();
        let server_b = tokio::spawn(debrief_server::run(listener, b.clone(), async move {
            let _ = stopped_b.await;
        }));
        let (status, _, endpoint) = a
            .post(
                "/api/v1/webhooks",
                &a.admin_token,
                &json!({"url": format!("{}/hook", receiver.address)}),
            )
            .await;
        assert_eq!(status, 201);
        receiver.set_secret(endpoint["secret"].as_str().expect("a secret"));

        // Act: 30 events in one transaction; wake both workers.
        let now = Timestamp::now();
        let batch: Vec<NewJob> = (0..30)
            .map(|i| {
                jobs::webhook_event_job(
                    &a.state,
                    "postmortem.reminder",
                    &format!("batch-{i}"),
                    json!({"n": i}),
                    now,
                )
                .expect("a job")
            })
            .collect();
        a.state
            .store
            .enqueue_jobs(&batch, now)
            .await
            .expect("enqueue");
        a.state.jobs.wake();
        b.jobs.wake();

        // Assert: 30 events and 30 deliveries done, each delivery received once.
        wait_for_done(&a.state.store, 60, Duration::from_secs(20)).await;
        // Nothing more is sent: both servers' queues are drained to empty.
        for state in [&a.state, &b] {
            debrief_server::jobs::drain(state).await.expect("drain");
        }
        let hits = receiver.hits();
        assert_eq!(hits.len(), 30, "{hits:#?}");
        hits.iter().for_each(assert_signed);
        let deliveries: BTreeSet<_> = hits.iter().map(|h| h.delivery.clone()).collect();
        let numbers: BTreeSet<_> = hits.iter().map(|h| h.body["data"]["n"].as_i64()).collect();
        assert_eq!((deliveries.len(), numbers.len()), (30, 30));
        let _ = stop_b.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), server_b).await;
        b.store.close().await;
        a.close().await;
    })
    .await
    .expect("the test timed out");
}
