//! While the database is down, answer 503 at once instead of letting every request wait for
//! the pool's timeout; probe it at most once a second and resume as soon as it answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::error::error_page_now;

/// Put on a response whose handler found the database unreachable.
#[derive(Clone, Copy)]
pub struct DatabaseUnavailable;

const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_LIMIT: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Outage {
    down: AtomicBool,
    last_probe: Mutex<Option<Instant>>,
}

impl Outage {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    fn mark_down(&self) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::error!("the database is unreachable; answering 503 until it is back");
        }
    }

    fn mark_up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the database answers again");
        }
    }

    /// Whether this request should be the one to probe (the first in each second).
    fn claim_probe(&self) -> bool {
        let mut last = match self.last_probe.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        let due = last.is_none_or(|t| t.elapsed() >= PROBE_EVERY);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

/// Whether the database answers a trivial query within [`PROBE_LIMIT`].
pub async fn database_answers(pool: &sqlx::PgPool) -> bool {
    let probe = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    matches!(tokio::time::timeout(PROBE_LIMIT, probe).await, Ok(Ok(1)))
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let outage = &state.outage;
    // The health check probes for itself; the stylesheet dresses the 503 page.
    let exempt = matches!(req.uri().path(), "/healthz" | "/static/style.css");
    if outage.is_down() && !exempt {
        if !outage.claim_probe() || !database_answers(&state.pool).await {
            let mut resp = error_page_now(StatusCode::SERVICE_UNAVAILABLE, None);
            resp.extensions_mut().insert(DatabaseUnavailable);
            return resp;
        }
        outage.mark_up();
    }
    let resp = next.run(req).await;
    if resp.extensions().get::<DatabaseUnavailable>().is_some() {
        outage.mark_down();
    }
    resp
}
