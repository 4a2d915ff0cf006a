//! Builds the router and runs the server; prepares a database before first use.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::{Router, middleware};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::audit::Actor;
pub use crate::settings::Settings;
use crate::{db, reports, seed, web};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    /// Computed dashboards, checked against the plan's data version on every use.
    pub dashboards: Arc<crate::web::body_cache::Cache>,
    /// Rendered public pages (plan, items, units), checked against the catalog version.
    pub pages: Arc<crate::web::body_cache::Cache>,
    /// Search results, apart from the pages so that odd searches never push those out.
    pub searches: Arc<crate::web::body_cache::Cache>,
    /// Each unit's duties in its open rounds, checked against the plans' data versions.
    pub duties: Arc<crate::web::body_cache::Cache<Vec<crate::reports::queries::DutyRow>>>,
    /// What each unit's to-do page shows, checked against its plans' versions.
    pub todos: Arc<crate::web::body_cache::Cache<crate::reports::todo::UnitWork>>,
    /// What each report's page shows, checked against its plan's data version.
    pub reports: Arc<crate::web::body_cache::Cache<crate::reports::page::ReportData>>,
    /// Request counts and latencies for `/metrics`.
    pub metrics: Arc<crate::ops::Metrics>,
    /// Whether the database was last seen unreachable.
    pub outage: Arc<crate::ops::Outage>,
    /// The bounded pool of password checks.
    pub hasher: crate::accounts::password::Hasher,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: web::serve::Limits,
    /// The periodic 督办 sweep, stopped when shutdown begins.
    sweep: Option<tokio::task::AbortHandle>,
    /// The outbox worker and digest clock, stopped gracefully after the requests.
    notify: Option<crate::notify::service::Running>,
}

impl Application {
    /// Binds `bind` (port 0 picks a free port) and builds the app on `pool`.
    pub async fn build(pool: PgPool, bind: &str, settings: Settings) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let sweep = settings.sweep_minutes.map(|minutes| {
            let pool = pool.clone();
            tokio::spawn(async move {
                // Checked every minute, from the start: a plan is swept when its data or the
                // day changed, and at least every `minutes`. Page views only read the flags.
                let every_minutes = i32::try_from(minutes.max(1)).unwrap_or(i32::MAX);
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    crate::supervision::sweep::sweep_due(
                        &pool,
                        crate::clock::today(),
                        every_minutes,
                    )
                    .await;
                }
            })
            .abort_handle()
        });
        let notify = settings
            .notify
            .worker
            .then(|| crate::notify::service::spawn(pool.clone(), &settings.notify));
        let limits = settings.limits();
        let hasher = crate::accounts::password::Hasher::for_settings(&settings);
        tracing::info!(at_once = hasher.limit(), "password checks bounded");
        let state = AppState {
            hasher,
            pool,
            settings: Arc::new(settings),
            dashboards: Arc::default(),
            pages: Arc::default(),
            searches: Arc::default(),
            duties: Arc::default(),
            todos: Arc::default(),
            reports: Arc::default(),
            metrics: Arc::default(),
            outage: Arc::default(),
        };
        Ok(Application {
            listener,
            router: router(state),
            limits,
            sweep,
            notify,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets requests in flight finish
    /// for the grace period and cancels the rest.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sweep = self.sweep;
        // A sweep under way runs in its own transactions: cancelling it loses nothing, and
        // waiting for it could outlast the grace period.
        let shutdown = async move {
            shutdown.await;
            if let Some(sweep) = sweep {
                sweep.abort();
            }
        };
        let grace = self.limits.shutdown_grace;
        web::serve::serve(self.listener, self.router, self.limits, shutdown).await;
        if let Some(notify) = self.notify {
            notify.stop(grace).await;
        }
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    crate::routes::table(&state)
        .route_layer(middleware::from_fn(crate::ops::tag_route))
        .method_not_allowed_fallback(web::method_not_allowed)
        .fallback(web::not_found)
        // Inside error_pages, so a refused address still shows who is signed in.
        .layer(middleware::from_fn(web::no_nul_in_uri))
        .layer(middleware::from_fn(web::short_uri_only))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::error_pages,
        ))
        .layer(middleware::from_fn(web::same_origin_only))
        .layer(middleware::from_fn(web::no_store_when_signed_in))
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
        // Pages are large tables of text (a dashboard is over 200 KB): gzip when the browser
        // accepts it. Downloads (PDF, xlsx, docx) are compressed already.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/")),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ops::outage::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ops::observe,
        ))
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
        let changes = seed::load(pool, &parsed, false, &Actor::system("system")).await?;
        tracing::info!(
            changes = changes.len(),
            plan = %parsed.meta.key,
            "empty database: loaded the bundled plan"
        );
    }
    reports::rounds::ensure_schedules(pool).await?;
    Ok(())
}
