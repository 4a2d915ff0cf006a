//! Failed logins slow an attacker down: per account and per address, counted in PostgreSQL so
//! that every portal instance sees the same counts.

use sqlx::PgPool;

/// Failures within this many minutes count.
pub const WINDOW_MINUTES: i32 = 15;
/// An account is locked after this many failures in the window.
pub const PER_ACCOUNT: i64 = 5;
/// An address is refused after this many failures in the window, whatever the account.
pub const PER_ADDRESS: i64 = 20;

pub enum Verdict {
    Open,
    AccountLocked,
    AddressLocked,
}

pub async fn check(pool: &PgPool, username: &str, ip: &str) -> sqlx::Result<Verdict> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE username = $1) AS "account!",
                  count(*) FILTER (WHERE ip = $2) AS "address!"
           FROM login_failures
           WHERE at > now() - make_interval(mins => $3) AND (username = $1 OR ip = $2)"#,
        username,
        ip,
        WINDOW_MINUTES
    )
    .fetch_one(pool)
    .await?;
    Ok(if r.account >= PER_ACCOUNT {
        Verdict::AccountLocked
    } else if r.address >= PER_ADDRESS {
        Verdict::AddressLocked
    } else {
        Verdict::Open
    })
}

pub async fn record_failure(pool: &PgPool, username: &str, ip: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO login_failures (username, ip) VALUES ($1, $2)",
        username,
        ip
    )
    .execute(pool)
    .await?;
    // Old failures no longer count; drop them now and then.
    sqlx::query!("DELETE FROM login_failures WHERE at < now() - interval '1 day'")
        .execute(pool)
        .await?;
    Ok(())
}

/// A successful login clears the account's failures.
pub async fn clear(pool: &PgPool, username: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failures WHERE username = $1", username)
        .execute(pool)
        .await?;
    Ok(())
}
