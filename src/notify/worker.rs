//! The outbox worker: takes the oldest message due, sends it, records the outcome, in one
//! transaction that holds the row's lock (`FOR UPDATE SKIP LOCKED`), so two instances never
//! send the same row and a stopped instance leaves nothing half-recorded. A graceful stop
//! finishes the message in hand; a crash between the server's acceptance and the commit would
//! send that one message again, with the same Message-ID.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

use super::email::Mailer;
use super::webhook;

/// Tries at most this many times, then gives up and leaves the row for the admin's list.
pub const MAX_ATTEMPTS: i32 = 6;

/// Seconds to wait before the next try: 30 s, 1, 2, 4, 8 min.
fn backoff(attempts: i32) -> i64 {
    30 * (1i64 << attempts.clamp(1, 5) as u32) / 2
}

/// What the worker sends with.
pub struct Senders {
    mailer: Result<Mailer, String>,
    http: reqwest::Client,
    /// The portal's public address, put where a message says `super::PORTAL`.
    portal: String,
}

impl Senders {
    pub fn new(smtp_url: Option<&str>, mail_from: &str) -> Self {
        Senders {
            mailer: match smtp_url {
                Some(url) => Mailer::new(url, mail_from),
                None => Err("未配置邮件服务器（serve --smtp-url）".into()),
            },
            http: webhook::client(),
            portal: String::new(),
        }
    }

    /// Links in messages lead to the portal at `public_url`.
    pub fn linking_to(mut self, public_url: &str) -> Self {
        self.portal = public_url.trim_end_matches('/').to_string();
        self
    }

    async fn send(&self, m: &Pending) -> Result<(), String> {
        let text = m.body.replace(super::PORTAL, &self.portal);
        match m.channel.as_str() {
            "email" => {
                let mailer = self.mailer.as_ref().map_err(Clone::clone)?;
                mailer.send(m.id, &m.recipient, &m.subject, &text).await
            }
            channel => {
                let body = webhook::payload(channel, &m.subject, &text, &m.mention);
                webhook::post(&self.http, &m.recipient, &body).await
            }
        }
    }
}

struct Pending {
    id: i64,
    channel: String,
    recipient: String,
    subject: String,
    body: String,
    mention: Vec<String>,
    attempts: i32,
}

/// Sends the next message due, if any; `Ok(false)` when none is waiting.
pub async fn deliver_next(pool: &PgPool, senders: &Senders) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let Some(m) = sqlx::query_as!(
        Pending,
        r#"SELECT id, channel, recipient, subject, body, mention, attempts FROM outbox
           WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"#
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let outcome = senders.send(&m).await;
    let attempts = m.attempts + 1;
    match &outcome {
        Ok(()) => tracing::info!(id = m.id, channel = %m.channel, "message sent"),
        Err(e) => {
            tracing::warn!(id = m.id, channel = %m.channel, attempts, error = %e, "message not sent")
        }
    }
    let error = outcome.err();
    sqlx::query!(
        r#"UPDATE outbox SET attempts = $2::int, last_error = $3::text,
               sent_at = CASE WHEN $3::text IS NULL THEN now() END,
               failed_at = CASE WHEN $3::text IS NOT NULL AND $2::int >= $4::int THEN now() END,
               next_attempt_at = now() + make_interval(secs => $5::float8)
           WHERE id = $1"#,
        m.id,
        attempts,
        error,
        MAX_ATTEMPTS,
        backoff(attempts) as f64
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Sends until `stop` turns true, checking for new messages every `idle`.
pub async fn run(pool: PgPool, senders: Senders, mut stop: watch::Receiver<bool>, idle: Duration) {
    while !*stop.borrow() {
        let pause = match deliver_next(&pool, &senders).await {
            Ok(true) => continue,
            Ok(false) => idle,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read");
                idle * 3
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_then_stops_growing() {
        let waits: Vec<i64> = (1..=6).map(super::backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 480]);
    }
}
