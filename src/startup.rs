//! Builds the router and runs the server; prepares a database before first use.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderValue, header};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::{db, plan, search, seed, units, web};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `bind` (port 0 picks a free port) and builds the app on `pool`.
    pub async fn build(pool: PgPool, bind: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        Ok(Application {
            listener,
            router: router(AppState { pool }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(plan::routes())
        .merge(units::routes())
        .merge(search::routes())
        .merge(web::routes())
        .fallback(web::not_found)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Applies migrations and, on a database without any plan, loads the bundled Jincheng plan.
pub async fn prepare_database(pool: &PgPool) -> anyhow::Result<()> {
    db::migrate(pool).await?;
    let plans: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM plans"#)
        .fetch_one(pool)
        .await?;
    if plans == 0 {
        let parsed = seed::parse(seed::BUNDLED_NAME, seed::BUNDLED)?;
        let changes = seed::load(pool, &parsed, false).await?;
        tracing::info!(
            changes = changes.len(),
            plan = %parsed.meta.key,
            "empty database: loaded the bundled plan"
        );
    }
    Ok(())
}
