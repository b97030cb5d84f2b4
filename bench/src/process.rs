//! Server processes under test: spawning one, timing its first answer, reading its resident set
//! size from `/proc`, sampling that size while load runs, and stopping it.
//!
//! Debrief and the baseline are both separate processes started and measured by this one code
//! path, so their start-up times and memory figures compare like with like.

use anyhow::{Context, Result, bail};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long a server may take to answer its first `/healthz` before the run fails.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server process.
pub struct Server {
    /// What it is, for messages ("debrief on SQLite", "baseline").
    pub label: String,
    /// Where it listens (always loopback).
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    /// Milliseconds from spawn to the first `200 OK` from `/healthz`.
    pub startup_ms: f64,
    child: Child,
    log: PathBuf,
}

/// A free loopback port, found by binding port 0 and letting it go.
pub fn free_port() -> Result<SocketAddr> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("Failed to find a free loopback port")?;
    l.local_addr().context("Failed to read the free port")
}

impl Server {
    /// Spawns `program args…` (which must listen on `addr`) with its stderr in `log`, and waits
    /// for its first answered `/healthz`.
    pub async fn start(
        label: &str,
        program: &Path,
        args: &[String],
        addr: SocketAddr,
        log: &Path,
    ) -> Result<Self> {
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("Failed to create {}", log.display()))?;
        let started = Instant::now();
        let child = Command::new(program)
            .args(args)
            // The default log level and format, whatever the caller's shell says.
            .env_remove("DEBRIEF_LOG")
            .env_remove("DEBRIEF_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("Failed to start {}", program.display()))?;
        let pid = child
            .id()
            .context("Failed to read the server's process id")?;
        let mut server = Self {
            label: label.to_string(),
            addr,
            pid,
            startup_ms: 0.0,
            child,
            log: log.to_path_buf(),
        };
        loop {
            if crate::client::healthz(addr).await {
                break;
            }
            if let Some(status) = server
                .child
                .try_wait()
                .context("Failed to check on the server")?
            {
                bail!(
                    "{label} exited with {status} before answering; its log:\n{}",
                    server.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "{label} did not answer /healthz within {START_TIMEOUT:?}; its log:\n{}",
                    server.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.startup_ms = started.elapsed().as_secs_f64() * 1e3;
        Ok(server)
    }

    /// Starts the server `starts` times (at least once), stopping all but the last; returns the
    /// running one and every start-up time in ms, so one lucky or unlucky start does not decide.
    pub async fn start_repeatedly(
        starts: usize,
        label: &str,
        program: &Path,
        args: &[String],
        addr: SocketAddr,
        log: &Path,
    ) -> Result<(Self, Vec<f64>)> {
        let mut times = Vec::new();
        for _ in 1..starts.max(1) {
            let s = Self::start(label, program, args, addr, log).await?;
            times.push(s.startup_ms);
            s.stop().await?;
        }
        let s = Self::start(label, program, args, addr, log).await?;
        times.push(s.startup_ms);
        Ok((s, times))
    }

    /// The resident set size now, in kB.
    pub fn rss_kb(&self) -> Result<u64> {
        rss_kb(self.pid)
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Asks the server to stop (SIGTERM) and waits for it; kills it after ten seconds.
    pub async fn stop(mut self) -> Result<()> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if sent
            && tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
        {
            return Ok(());
        }
        self.child
            .kill()
            .await
            .with_context(|| format!("Failed to stop {}", self.label))
    }
}

/// The resident set size of a process, in kB, from `/proc/PID/status` (`VmRSS`).
pub fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| {
        format!("Failed to read /proc/{pid}/status (is this Linux, and is the server running?)")
    })?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("Failed to find VmRSS in /proc/PID/status")
}

/// The CPU time a process's threads have spent running so far, in milliseconds: the sum of
/// `/proc/PID/task/*/schedstat` (nanosecond counters; the server's threads live as long as it
/// does, so none of its time is lost to an exited thread during a run).
pub fn cpu_ms(pid: u32) -> Result<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .with_context(|| format!("Failed to list /proc/{pid}/task"))?;
    let mut ns: u64 = 0;
    for task in tasks {
        let path = task
            .context("Failed to read a task entry")?
            .path()
            .join("schedstat");
        // A thread may end between listing and reading it.
        if let Ok(text) = std::fs::read_to_string(&path) {
            ns += text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Ok(ns as f64 / 1e6)
}

/// Samples a process's RSS every 10 ms on its own thread (so a busy load generator does not
/// delay it) until stopped, keeping the highest value.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kb(pid).unwrap_or(0)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Ok(kb) = rss_kb(pid) {
                    p.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// Stops sampling and returns the highest RSS seen, in kB.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}
