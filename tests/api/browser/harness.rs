//! One person's browser session, with the few gestures the flows need: typing, choosing,
//! clicking, attaching a file, and waiting (with a deadline) for what the page should show.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::driver::{Artefacts, Driver, PATIENCE, POLL};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Desktop,
    /// A 390 × 844 phone (an iPhone 12-14), with touch and the meta viewport honoured.
    Phone,
}

/// One person's browser: a fresh profile, so no cookie is shared with anyone else.
pub struct Browser {
    client: Client,
    base: String,
    who: &'static str,
    pub device: Device,
    artefacts: Arc<Artefacts>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts the browser; `at` then points it at the app (both take a while, so they overlap).
    pub async fn open(driver: &Driver, who: &'static str, device: Device) -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("plan-portal-browser-")
            .tempdir()
            .expect("profile folder");
        // Without these, Chromium keeps dialling Google's services, which this closed network
        // refuses, and a fresh profile would show first-run pages.
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut options = json!({ "binary": driver.chromium });
        match device {
            Device::Desktop => args.push("--window-size=1280,900".into()),
            Device::Phone => {
                args.push("--window-size=390,844".into());
                options["mobileEmulation"] =
                    json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0 } });
            }
        }
        options["args"] = json!(args);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("browser session for {who}: {e}"));
        Browser {
            client,
            base: String::new(),
            who,
            device,
            artefacts: driver.artefacts.clone(),
            _profile: profile,
        }
    }

    pub fn at(mut self, base: &str) -> Self {
        self.base = base.to_string();
        self
    }

    /// Ends the session, so Chromium quits before its profile folder is removed.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Types an address, as a person would for a page no link leads to.
    pub async fn goto(&self, path: &str) {
        if let Err(e) = self.client.goto(&format!("{}{path}", self.base)).await {
            self.fail(&format!("open {path}: {e}")).await;
        }
    }

    /// The first element `xpath` finds, waiting for it to appear (the page may still be loading).
    pub async fn find(&self, xpath: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(e) = self.client.find(Locator::XPath(xpath)).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("nothing matches {xpath}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the element `xpath` finds reads `expected` (whitespace trimmed).
    pub async fn expect_text(&self, xpath: &str, expected: &str) {
        self.expect(xpath, expected, |t| t == expected).await;
    }

    /// Waits until the element `xpath` finds contains `part`.
    pub async fn expect_contains(&self, xpath: &str, part: &str) {
        self.expect(xpath, part, |t| t.contains(part)).await;
    }

    async fn expect(&self, xpath: &str, wanted: &str, ok: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::from("(no such element)");
        loop {
            if let Ok(e) = self.client.find(Locator::XPath(xpath)).await
                && let Ok(t) = e.text().await
            {
                if ok(t.trim()) {
                    return;
                }
                last = t;
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "{xpath} should show {wanted:?}, shows {:?}",
                    last.trim()
                ))
                .await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until nothing matches `xpath` any more.
    pub async fn expect_absent(&self, xpath: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self
            .client
            .find_all(Locator::XPath(xpath))
            .await
            .map_or(true, |v| !v.is_empty())
        {
            if Instant::now() > deadline {
                self.fail(&format!("{xpath} should be gone")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Replaces the text of a field by typing into it.
    pub async fn type_into(&self, xpath: &str, text: &str) {
        let field = self.find(xpath).await;
        if let Err(e) = field.clear().await {
            self.fail(&format!("clear {xpath}: {e}")).await;
        }
        if let Err(e) = field.send_keys(text).await {
            self.fail(&format!("type into {xpath}: {e}")).await;
        }
    }

    pub async fn choose(&self, select_xpath: &str, label: &str) {
        let select = self.find(select_xpath).await;
        if let Err(e) = select.select_by_label(label).await {
            self.fail(&format!("choose {label:?} in {select_xpath}: {e}"))
                .await;
        }
    }

    pub async fn click(&self, xpath: &str) {
        let target = self.find(xpath).await;
        if let Err(e) = target.click().await {
            self.fail(&format!("click {xpath}: {e}")).await;
        }
    }

    /// Clicks the button labelled `label`.
    pub async fn press(&self, label: &str) {
        self.click(&format!("//button[normalize-space()='{label}']"))
            .await;
    }

    /// Chooses `file` in the file input `xpath`, as the file dialog would.
    pub async fn attach(&self, xpath: &str, file: &Path) {
        let input = self.find(xpath).await;
        let path = file.to_str().expect("UTF-8 path");
        if let Err(e) = input.send_keys(path).await {
            self.fail(&format!("attach {path}: {e}")).await;
        }
    }

    /// How many elements `xpath` finds now.
    pub async fn count(&self, xpath: &str) -> usize {
        self.find(xpath).await;
        match self.client.find_all(Locator::XPath(xpath)).await {
            Ok(all) => all.len(),
            Err(e) => self.fail(&format!("count {xpath}: {e}")).await,
        }
    }

    /// The text of what `xpath` finds, as shown (trimmed).
    pub async fn text(&self, xpath: &str) -> String {
        let e = self.find(xpath).await;
        match e.text().await {
            Ok(t) => t.trim().to_string(),
            Err(err) => self.fail(&format!("text of {xpath}: {err}")).await,
        }
    }

    /// The current value of the field `xpath` finds, as the browser holds it.
    pub async fn value(&self, xpath: &str) -> String {
        let e = self.find(xpath).await;
        match e.prop("value").await {
            Ok(v) => v.unwrap_or_default(),
            Err(err) => self.fail(&format!("value of {xpath}: {err}")).await,
        }
    }

    /// The rendered height of what `xpath` finds, in CSS pixels.
    pub async fn height(&self, xpath: &str) -> f64 {
        let e = self.find(xpath).await;
        match e.rectangle().await {
            Ok((_, _, _, h)) => h,
            Err(err) => self.fail(&format!("size of {xpath}: {err}")).await,
        }
    }

    /// Scrolls `xpath` into the middle of the screen and keeps a screenshot of the step; on a
    /// phone, also checks the page fits the screen (only wide matrices scroll, inside their box).
    pub async fn shot(&self, step: &str, xpath: &str) {
        let e = self.find(xpath).await;
        let args = vec![serde_json::to_value(&e).expect("element reference")];
        let script = "arguments[0].scrollIntoView({block: 'center'});";
        if let Err(err) = self.client.execute(script, args).await {
            self.fail(&format!("scroll to {xpath}: {err}")).await;
        }
        self.save_png(&format!("{}-{step}", self.who)).await;
        if self.device == Device::Phone {
            let widths = self
                .client
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .unwrap_or_default();
            let (page, screen) = (widths[0].as_i64(), widths[1].as_i64());
            if page.is_none() || page > screen {
                self.fail(&format!(
                    "{step}: the page is wider than the phone ({page:?} > {screen:?})"
                ))
                .await;
            }
        }
    }

    async fn save_png(&self, name: &str) -> PathBuf {
        let path = self.artefacts.png(name);
        match self.client.screenshot().await {
            Ok(png) => std::fs::write(&path, png).expect("write screenshot"),
            Err(e) => eprintln!("{}: no screenshot {name}: {e}", self.who),
        }
        path
    }

    /// Keeps a screenshot and the page's HTML of what went wrong, then fails the test.
    pub async fn fail(&self, why: &str) -> ! {
        let png = self.save_png(&format!("{}-FAILED", self.who)).await;
        let html = self.client.source().await.unwrap_or_default();
        let _ = std::fs::write(png.with_extension("html"), html);
        let at = self.client.current_url().await.map(|u| u.to_string());
        panic!("{} at {at:?}: {why} (see {})", self.who, png.display());
    }
}
