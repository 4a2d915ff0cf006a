//! Where the portal's messages land in tests: a small SMTP server and a group-robot receiver,
//! both on 127.0.0.1, recording what they were sent.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One e-mail as the SMTP sink received it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        // Unfold continuation lines first.
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The subject, RFC 2047 words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default()
    }

    /// The body, base64 decoded (the portal always sends it so).
    pub fn body(&self) -> String {
        let raw = self.data.split("\r\n\r\n").nth(1).unwrap_or_default();
        let joined: String = raw.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// RFC 2047: whitespace between two encoded words is dropped, any other is kept.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut last_encoded = false;
    for (i, w) in s.split_whitespace().enumerate() {
        let inner = w
            .strip_prefix("=?utf-8?b?")
            .or_else(|| w.strip_prefix("=?UTF-8?B?"))
            .and_then(|r| r.strip_suffix("?="));
        let decoded = inner.and_then(|b64| {
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            String::from_utf8(bytes).ok()
        });
        if i > 0 && !(last_encoded && decoded.is_some()) {
            out.push(' ');
        }
        last_encoded = decoded.is_some();
        out.push_str(decoded.as_deref().unwrap_or(w));
    }
    out
}

#[derive(Clone)]
pub struct Sink<T> {
    pub got: Arc<Mutex<Vec<T>>>,
    pub arrived: Arc<Notify>,
}

impl<T> Default for Sink<T> {
    fn default() -> Self {
        Sink {
            got: Arc::default(),
            arrived: Arc::default(),
        }
    }
}

impl<T: Clone> Sink<T> {
    pub fn all(&self) -> Vec<T> {
        self.got.lock().expect("sink").clone()
    }

    fn push(&self, t: T) {
        self.got.lock().expect("sink").push(t);
        self.arrived.notify_waiters();
    }

    /// Waits until at least `n` have arrived (at most 30 s).
    pub async fn wait_for(&self, n: usize) -> Vec<T> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let notified = self.arrived.notified();
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("only {} of {n} arrived", self.all().len());
            }
        }
    }
}

/// Starts an SMTP server that accepts every message; returns its URL and what it received.
pub async fn smtp_sink() -> (String, Sink<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let sink: Sink<Mail> = Sink::default();
    let s = sink.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r);
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let (mut to, mut line) = (Vec::new(), String::new());
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        break;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("RCPT TO:") {
                        to.push(
                            line.trim_end()[8..]
                                .trim_matches(['<', '>', ' '])
                                .to_string(),
                        );
                        b"250 ok\r\n"
                    } else if cmd == "DATA" {
                        let _ = w.write_all(b"354 go on\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        s.push(Mail {
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (format!("smtp://127.0.0.1:{port}"), sink)
}

/// Starts a group-robot receiver answering `{"errcode":0}`; returns its URL and the JSON
/// bodies it received, each with the query string it was posted to under `_query`.
pub async fn robot_receiver() -> (String, Sink<serde_json::Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind robot");
    let port = listener.local_addr().expect("addr").port();
    let sink: Sink<serde_json::Value> = Sink::default();
    let s = sink.clone();
    let app = axum::Router::new().route(
        "/robot/send",
        axum::routing::post(
            move |axum::extract::RawQuery(q): axum::extract::RawQuery,
                  axum::Json(mut v): axum::Json<serde_json::Value>| {
                let s = s.clone();
                async move {
                    v["_query"] = serde_json::json!(q);
                    s.push(v);
                    axum::Json(serde_json::json!({ "errcode": 0, "errmsg": "ok" }))
                }
            },
        ),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}/robot/send?key=test"), sink)
}
