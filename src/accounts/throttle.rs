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

/// Counts this attempt as a failure before the password is checked, then judges the counts
/// with it included: parallel guesses cannot all pass a check made before any of them failed.
/// A refused attempt's row is taken back; a failed one's stays; a successful login clears the
/// account's rows.
pub async fn reserve(pool: &PgPool, username: &str, ip: &str) -> sqlx::Result<Verdict> {
    // One account's attempts take their turn here (a short transaction, no password hashing
    // inside), so its count is exact rather than merely never too high.
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('login:' || $1::text))",
        username
    )
    .execute(&mut *tx)
    .await?;
    let attempt = sqlx::query_scalar!(
        "INSERT INTO login_failures (username, ip) VALUES ($1, $2) RETURNING id",
        username,
        ip
    )
    .fetch_one(&mut *tx)
    .await?;
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE username = $1) AS "account!",
                  count(*) FILTER (WHERE ip = $2) AS "address!"
           FROM login_failures
           WHERE at > now() - make_interval(mins => $3) AND (username = $1 OR ip = $2)"#,
        username,
        ip,
        WINDOW_MINUTES
    )
    .fetch_one(&mut *tx)
    .await?;
    let verdict = if r.account > PER_ACCOUNT {
        Verdict::AccountLocked
    } else if r.address > PER_ADDRESS {
        Verdict::AddressLocked
    } else {
        tx.commit().await?;
        return Ok(Verdict::Open);
    };
    sqlx::query!("DELETE FROM login_failures WHERE id = $1", attempt)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(verdict)
}

/// The attempt reserved above failed: its row stays. Old failures no longer count; drop them
/// now and then.
pub async fn prune(pool: &PgPool) -> sqlx::Result<()> {
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
