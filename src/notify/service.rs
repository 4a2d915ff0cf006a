//! The notifications' background tasks in `serve`: the outbox worker, and the digest clock
//! that prepares each day's digests at start-up (for the day not yet notified) and then at the
//! digest hour. Both stop gracefully: the worker finishes the message in hand.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{digest, webhook, worker};
use crate::settings::NotifySettings;

pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts the worker and the digest clock.
pub fn spawn(pool: PgPool, settings: &NotifySettings) -> Running {
    let (stop, stopped) = watch::channel(false);
    let senders = worker::Senders::new(settings.smtp_url.as_deref(), &settings.mail_from)
        .linking_to(&settings.public_url);
    let sending = tokio::spawn(worker::run(
        pool.clone(),
        senders,
        stopped.clone(),
        Duration::from_secs(2),
    ));
    let (hour, portal, robot) = (
        settings.digest_hour.min(23),
        settings.public_url.trim_end_matches('/').to_string(),
        settings.webhook_url.clone(),
    );
    let clock = tokio::spawn(async move {
        if let Some(url) = robot
            && let Err(e) = register_portal_robot(&pool, &url).await
        {
            tracing::warn!(error = %e, "cannot register the --webhook-url robot");
        }
        let mut stopped = stopped;
        while !*stopped.borrow() {
            let now = chrono::Utc::now();
            let day = digest::day_of(now, hour);
            match digest::prepare(&pool, day, crate::clock::today(), &portal).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(%day, messages = n, "daily digests prepared"),
                Err(e) => tracing::warn!(error = %e, "daily digests not prepared"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = stopped.changed() => {}
            }
        }
    });
    Running {
        stop,
        tasks: vec![sending, clock],
    }
}

impl Running {
    /// Asks the tasks to stop and waits up to `grace` for them.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(grace, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

/// The robot of `serve --webhook-url` hears about every plan; an admin removes it on the
/// notifications page.
pub async fn register_portal_robot(pool: &PgPool, url: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO webhooks (kind, url, created_by) VALUES ($1, $2, 'serve --webhook-url')
           ON CONFLICT (url) WHERE plan_id IS NULL AND unit_id IS NULL DO NOTHING"#,
        webhook::kind_of_url(url),
        url
    )
    .execute(pool)
    .await?;
    Ok(())
}
