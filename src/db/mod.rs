//! Where the data lives: an external server named by `DATABASE_URL`, or the portal's own.

pub mod backup;
mod pg_paths;
pub mod private_pg;
mod watchdog;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

pub use private_pg::{PrivatePgError, PrivatePgOptions, PrivatePostgres};
pub use watchdog::Watchdog;

/// The database the portal uses on its private server.
pub const PRIVATE_DB_NAME: &str = "plan_portal";

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool on `options`, retrying for a while: a managed server may still be starting.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> sqlx::Result<PgPool> {
    // The portal's queries are short; JIT compiling them costs more than it saves. Its day is
    // Beijing's: `current_date` (the demo, the tests) must agree with `clock::today()`, also
    // between 16:00 and 24:00 UTC when the two calendars differ.
    let options = options.options([("jit", "off")]);
    let mut attempt = 0;
    loop {
        let result = PgPoolOptions::new()
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // sqlx asks for UTC at startup; the session's day is set after it.
                    sqlx::query("SET TIME ZONE 'Asia/Shanghai'")
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await;
        match result {
            Ok(pool) => return Ok(pool),
            Err(e) if attempt < 20 && is_transient(&e) => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
        || e.as_database_error().and_then(|d| d.code()).as_deref() == Some("57P03")
}

/// Creates database `name` on the server that `admin` (a connection to another database on
/// it) points to, unless it exists.
pub async fn ensure_database(admin: &PgConnectOptions, name: &str) -> sqlx::Result<()> {
    let mut conn = sqlx::PgConnection::connect_with(admin).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // Identifiers cannot be bound; the name is ours, quoted anyway.
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        sqlx::query(&sql).execute(&mut conn).await?;
    }
    conn.close().await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
