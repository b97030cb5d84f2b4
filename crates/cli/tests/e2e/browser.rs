//! A real browser for the web UI tests: Debian's headless Chromium driven through chromedriver.
//!
//! Each [`Browser`] starts its own chromedriver on a free loopback port and one Chromium session;
//! both stop when it is closed or dropped. The browser runs in the Europe/Berlin zone so that
//! pages show a local time different from UTC.

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A chromedriver process and a browser session on it.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("an address")
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; fails the test with advice when missing.
    pub async fn start() -> Browser {
        Self::start_with(&[]).await
    }

    /// [`Browser::start`] with extra Chromium flags (`--blink-settings=preferredColorScheme=0`
    /// for a dark colour scheme).
    pub async fn start_with(extra: &[&str]) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("TZ", "Europe/Berlin")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromedriver ({e}); run scripts/install-test-deps (Debian chromium and chromium-driver)"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--window-size=1400,1000",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("start a Chromium session");
        Browser { client, driver }
    }

    /// Waits (at most 10 s) for an element matching a CSS selector.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element '{css}' appeared: {e}"))
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("a current URL")
            .path()
            .to_string()
    }

    /// Saves a screenshot under `target/ui-screenshots/` for a person to look at.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/ui-screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Polls (at most 10 s) until `css` matches on the page and `read` succeeds on it. Unlike
/// [`Browser::wait_for`], a page that is still navigating after a form was sent ("aborted by
/// navigation", a stale element) is waited out rather than failing the test; at the deadline
/// the page's source is saved in the temp dir for a look.
pub(crate) async fn when_found<T, F, Fut>(b: &Browser, css: &str, read: F) -> T
where
    F: Fn(fantoccini::elements::Element) -> Fut,
    Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let last = match b.client.find(Locator::Css(css)).await {
            Ok(e) => match read(e).await {
                Ok(t) => return t,
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            let source = b.client.source().await.unwrap_or_default();
            let _ = std::fs::write(
                std::env::temp_dir().join("debrief-ui-failure.html"),
                &source,
            );
            panic!(
                "'{css}' did not appear: {last} (page saved as debrief-ui-failure.html in the temp dir)"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (bounded) until `css` is on the page.
pub(crate) async fn wait(b: &Browser, css: &str) {
    when_found(b, css, |_| async { Ok(()) }).await;
}

/// Clicks `css` once it is on the page.
pub(crate) async fn click(b: &Browser, css: &str) {
    when_found(b, css, |e| async move { e.click().await }).await;
}

/// The text of `css` once it is on the page.
pub(crate) async fn text_of(b: &Browser, css: &str) -> String {
    when_found(b, css, |e| async move { e.text().await }).await
}

/// An attribute of `css` once it is on the page (empty when it has none).
pub(crate) async fn attr_of(b: &Browser, css: &str, name: &'static str) -> String {
    when_found(b, css, |e| async move { e.attr(name).await })
        .await
        .unwrap_or_default()
}

/// Polls (at most 10 s) until `check` gives a value; fails saying `what` never happened.
pub(crate) async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (bounded) until the browser's path is `path` (a form's 303 was followed).
pub(crate) async fn at_path(b: &Browser, path: &str) {
    until(&format!("never reached {path}"), || async move {
        (b.path().await == path).then_some(())
    })
    .await;
}

/// Waits (bounded) until `css` is no longer on the page (the page it was on was left).
pub(crate) async fn gone(b: &Browser, css: &str) {
    until(&format!("'{css}' never went away"), || async move {
        b.client
            .find(Locator::Css(css))
            .await
            .is_err()
            .then_some(())
    })
    .await;
}

/// The text of `css` once it holds `needle` (bounded): for a page that reloads onto one with
/// the same elements, where waiting for the element alone would read the old page.
pub(crate) async fn text_holding(b: &Browser, css: &str, needle: &str) -> String {
    until(&format!("'{css}' never held '{needle}'"), || async move {
        let text = b
            .client
            .find(Locator::Css(css))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains(needle).then_some(text)
    })
    .await
}

/// The page's width against the window's, and the innermost elements that stick out on the
/// right (tag, id, classes), for checking a page fits a phone's screen.
pub(crate) async fn overflow(b: &Browser) -> (f64, f64, Vec<String>) {
    let v = b
        .client
        .execute(
            "const w = window.innerWidth; const out = [];
             for (const e of document.body.querySelectorAll('*')) {
               const r = e.getBoundingClientRect();
               if (r.width === 0 || r.right <= w + 1) continue;
               let clipped = false;
               for (let p = e.parentElement; p; p = p.parentElement) {
                 const o = getComputedStyle(p).overflowX;
                 if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
               }
               if (clipped) continue;
               if ([...e.children].some(c => c.getBoundingClientRect().right > w + 1)) continue;
               out.push(`${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} right=${Math.round(r.right)}`);
             }
             return [document.documentElement.scrollWidth, w, out.slice(0, 10)];",
            vec![],
        )
        .await
        .expect("measure the page");
    let n = |i: usize| v[i].as_f64().unwrap_or(f64::MAX);
    let names = v[2]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (n(0), n(1), names)
}

/// Fills the form `#form_id` by field name and submits it.
pub(crate) async fn submit(b: &Browser, form_id: &str, fields: &[(&str, &str)]) {
    let form = b
        .client
        .form(Locator::Id(form_id))
        .await
        .unwrap_or_else(|e| panic!("the form #{form_id}: {e}"));
    for (name, value) in fields {
        form.set_by_name(name, value)
            .await
            .unwrap_or_else(|e| panic!("set {name}: {e}"));
    }
    form.submit().await.expect("submit");
}

/// The `value` of the first element matching `css` (waiting for it, bounded).
pub(crate) async fn value_of(b: &Browser, css: &str) -> String {
    when_found(b, css, |e| async move { e.prop("value").await })
        .await
        .unwrap_or_default()
}
