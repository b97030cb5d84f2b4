//! The storage baseline on SQLite: one rusqlite writer behind a mutex, one reader per worker,
//! and the grouped-commit variant (see the parent module for what it sends).

use super::*;

impl Storage {
    pub(super) fn run_lite(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let path = self
            .url
            .strip_prefix("sqlite://")
            .unwrap_or(&self.url)
            .to_string();
        let open = || -> Result<rusqlite::Connection> {
            let c = rusqlite::Connection::open(&path).context("Failed to open the SQLite file")?;
            c.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
                 PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0;",
            )?;
            c.set_prepared_statement_cache_capacity(128);
            Ok(c)
        };
        let writer = Mutex::new(open()?);
        let checkpointer = open()?;
        let mut readers = Vec::with_capacity(plan.concurrency);
        for _ in 0..plan.concurrency {
            readers.push(open()?);
        }
        let started = Instant::now();
        let budget = Budget {
            sent: AtomicU64::new(0),
            requests: plan.requests,
            deadline: started + plan.max,
        };
        let done = AtomicBool::new(false);
        let sql = read_sql(scenario, Backend::Sqlite);
        let parts = std::thread::scope(|s| {
            let done = &done;
            s.spawn(move || {
                // Debrief's writer checkpoints every 500 ms off the committing path.
                let mut last = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                    if last.elapsed() >= Duration::from_millis(500) {
                        let _ = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                            r.get::<_, i64>(0)
                        });
                        last = Instant::now();
                    }
                }
            });
            let handles: Vec<_> = readers
                .into_iter()
                .enumerate()
                .map(|(worker, reader)| {
                    let (budget, writer, sql) = (&budget, &writer, &sql);
                    s.spawn(move || {
                        let mut rng = Rng::new(worker as u64 + 1);
                        let mut part = Part::default();
                        while let Some(n) = budget.next() {
                            let t0 = Instant::now();
                            let outcome = self.lite_once(
                                (&reader, writer),
                                sql,
                                scenario,
                                &mut rng,
                                (worker, n),
                                plan.incidents,
                            );
                            part.record(t0, outcome);
                        }
                        part
                    })
                })
                .collect();
            let parts: Vec<Part> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect();
            done.store(true, Ordering::Relaxed);
            parts
        });
        let elapsed = started.elapsed();
        Ok(Part::figures(parts, elapsed))
    }

    /// One declaration's statements on the writer, inside the caller's transaction.
    fn lite_declare(&self, w: &rusqlite::Connection, title: &str, now: i64) -> Result<()> {
        let (uid, name) = (self.user_id, &self.user_name);
        let id: i64 = w.prepare_cached(LITE_NEXT)?.query_row([], |r| r.get(0))?;
        w.prepare_cached(LITE_INCIDENT)?.execute(rusqlite::params![
            id,
            title,
            now,
            uid,
            format!("{title}\n").to_lowercase(),
            self.roles_json()
        ])?;
        w.prepare_cached(LITE_PARTICIPANT)?
            .execute(rusqlite::params![id, uid])?;
        let body = format!("{name} declared the incident as SEV2: {title}");
        w.prepare_cached(LITE_EVENT)?.query_row(
            rusqlite::params![id, "declared", now, uid, body, self.declared_json(title)],
            |r| r.get::<_, i64>(0),
        )?;
        w.prepare_cached(LITE_ROLE)?
            .execute(rusqlite::params![id, "commander", uid, now])?;
        w.prepare_cached(LITE_EVENT)?.query_row(
            rusqlite::params![
                id,
                "role_change",
                now,
                uid,
                format!("{name} is the commander"),
                self.commander_json()
            ],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(())
    }

    /// SQLite declarations with group commit: workers hand their declarations to one writer
    /// thread, which writes all those waiting in one transaction (each in a savepoint, so one
    /// failing would not undo the others) and answers them after its commit. What Debrief could
    /// reach if its writer grouped concurrent declarations.
    pub async fn run_lite_grouped(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.lite_grouped(scenario, plan))
            .await
            .context("The storage baseline panicked")?
    }

    /// One alert event's statements on the writer, inside the caller's transaction.
    fn lite_alert(&self, w: &rusqlite::Connection, key: &str, now: i64) -> Result<()> {
        let (summary, details, payload) = alert_parts(key);
        let sql = |s: &str| s.replace('$', "?");
        let (id, count): (i64, i64) = w.prepare_cached(&sql(ALERT_UPSERT))?.query_row(
            rusqlite::params![self.integration_id(), key, summary, details, payload, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if count == 1 {
            let mut job = w.prepare_cached(&sql(ALERT_JOB))?;
            let mut rows = job.query(rusqlite::params![
                format!("alert.route:{id}:opened:{now}"),
                format!(r#"{{"alert_id":{id},"change":"opened"}}"#),
                now
            ])?;
            while rows.next()?.is_some() {}
        }
        Ok(())
    }

    fn lite_grouped(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        use std::sync::mpsc;
        type Job = (String, mpsc::Sender<Result<(), String>>);
        let path = self
            .url
            .strip_prefix("sqlite://")
            .unwrap_or(&self.url)
            .to_string();
        let w = rusqlite::Connection::open(&path).context("Failed to open the SQLite file")?;
        w.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
             PRAGMA busy_timeout=10000; PRAGMA cache_size=-4000; PRAGMA wal_autocheckpoint=0;",
        )?;
        w.set_prepared_statement_cache_capacity(128);
        let (send, recv) = mpsc::channel::<Job>();
        let started = Instant::now();
        let budget = Budget {
            sent: AtomicU64::new(0),
            requests: plan.requests,
            deadline: started + plan.max,
        };
        let parts = std::thread::scope(|s| {
            s.spawn(move || {
                while let Ok(first) = recv.recv() {
                    let mut batch = vec![first];
                    while let Ok(more) = recv.try_recv() {
                        batch.push(more);
                    }
                    let now = now_ms();
                    let mut results = Vec::with_capacity(batch.len());
                    let tx = Tx::begin(&w);
                    for (title, _) in &batch {
                        let one = w
                            .execute_batch("SAVEPOINT d")
                            .map_err(anyhow::Error::from)
                            .and_then(|()| match scenario {
                                Scenario::Alert => self.lite_alert(&w, title, now),
                                _ => self.lite_declare(&w, title, now),
                            })
                            .and_then(|()| Ok(w.execute_batch("RELEASE d")?));
                        if one.is_err() {
                            let _ = w.execute_batch("ROLLBACK TO d; RELEASE d");
                        }
                        results.push(one.map_err(|e| format!("{e:#}")));
                    }
                    let committed = tx.and_then(Tx::commit).map_err(|e| format!("{e:#}"));
                    for ((_, reply), r) in batch.into_iter().zip(results) {
                        let _ = reply.send(committed.clone().and(r));
                    }
                }
            });
            let handles: Vec<_> = (0..plan.concurrency)
                .map(|worker| {
                    let (budget, send) = (&budget, send.clone());
                    s.spawn(move || {
                        let mut part = Part::default();
                        let mut rng = Rng::new(worker as u64 + 1);
                        while let Some(n) = budget.next() {
                            let t0 = Instant::now();
                            let (reply, answer) = mpsc::channel();
                            let title = match scenario {
                                Scenario::Alert => crate::load::alert_key(&mut rng, worker, n),
                                _ => format!(
                                    "Checkout errors above 2% (grouped worker {worker}, request {n})"
                                ),
                            };
                            let outcome = send
                                .send((title, reply))
                                .map_err(|_| anyhow::anyhow!("the writer stopped"))
                                .and_then(|()| {
                                    answer
                                        .recv()
                                        .map_err(|_| anyhow::anyhow!("the writer stopped"))?
                                        .map_err(|e| anyhow::anyhow!(e))
                                });
                            part.record(t0, outcome);
                        }
                        part
                    })
                })
                .collect();
            drop(send);
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect::<Vec<Part>>()
        });
        let elapsed = started.elapsed();
        // Checkpoint after the run, outside its time (Debrief's writer does it every 500 ms).
        rusqlite::Connection::open(&path)?.query_row(
            "PRAGMA wal_checkpoint(PASSIVE)",
            [],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(Part::figures(parts, elapsed))
    }

    fn lite_once(
        &self,
        (reader, writer): (&rusqlite::Connection, &Mutex<rusqlite::Connection>),
        sql: &Arc<str>,
        scenario: Scenario,
        rng: &mut Rng,
        (worker, n): (usize, u64),
        incidents: u64,
    ) -> Result<()> {
        let uid = self.user_id;
        let now = now_ms();
        match scenario {
            Scenario::Declare => {
                let title =
                    format!("Checkout errors above 2% (storage worker {worker}, request {n})");
                let w = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = Tx::begin(&w)?;
                self.lite_declare(&w, &title, now)?;
                tx.commit()?;
            }
            Scenario::Timeline => {
                let id = (rng.below(incidents) + 1) as i64;
                let private: Option<i64> = reader
                    .prepare_cached(sql)?
                    .query_row(rusqlite::params![uid, 0, id], |r| r.get(0))
                    .ok();
                anyhow::ensure!(private.is_some(), "INC-{id} is not visible");
                let w = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = Tx::begin(&w)?;
                w.prepare_cached("SELECT 1 FROM incidents WHERE id = ?1")?
                    .query_row([id], |r| r.get::<_, i64>(0))?;
                w.prepare_cached(LITE_EVENT)?.query_row(
                    rusqlite::params![
                        id,
                        "note",
                        now,
                        uid,
                        format!("Rolled back the canary (storage {worker}/{n})"),
                        "{}"
                    ],
                    |r| r.get::<_, i64>(0),
                )?;
                w.prepare_cached(LITE_PARTICIPANT)?
                    .execute(rusqlite::params![id, uid])?;
                tx.commit()?;
            }
            Scenario::Alert => {
                let key = crate::load::alert_key(rng, worker, n);
                let w = writer.lock().unwrap_or_else(|e| e.into_inner());
                let tx = Tx::begin(&w)?;
                self.lite_alert(&w, &key, now)?;
                tx.commit()?;
            }
            Scenario::Search => {
                let q = search::query(Backend::Sqlite, &crate::load::search_words(rng));
                let mut stmt = reader.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params![uid, 0, q])?;
                while let Some(r) = rows.next()? {
                    for c in 0..10 {
                        let _: rusqlite::types::Value = r.get(c)?;
                    }
                }
            }
            Scenario::Get | Scenario::List => {
                let mut stmt = reader.prepare_cached(sql)?;
                let mut rows = match scenario {
                    Scenario::List => {
                        stmt.query(rusqlite::params![uid, 0, "investigating", "SEV2"])?
                    }
                    _ => {
                        stmt.query(rusqlite::params![uid, 0, (rng.below(incidents) + 1) as i64])?
                    }
                };
                let mut read = 0;
                while let Some(r) = rows.next()? {
                    // Read every column, as a decoder would; the roles come with the rows.
                    for c in 0..16 {
                        let _: rusqlite::types::Value = r.get(c)?;
                    }
                    read += 1;
                }
                anyhow::ensure!(read > 0, "no incident read");
            }
        }
        Ok(())
    }
}

/// A `BEGIN IMMEDIATE` transaction on the writer, rolled back unless committed.
struct Tx<'c>(&'c rusqlite::Connection, bool);

impl<'c> Tx<'c> {
    fn begin(c: &'c rusqlite::Connection) -> Result<Self> {
        c.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Self(c, false))
    }

    fn commit(mut self) -> Result<()> {
        self.0.execute_batch("COMMIT")?;
        self.1 = true;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.1 {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}
