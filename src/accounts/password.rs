//! Password hashing (argon2id) off the async runtime, bounded in memory, and random secrets.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Memory one check takes: argon2's default cost, which is OWASP's argon2id minimum
/// (m = 19 MiB, t = 2, p = 1). Stored hashes carry their own parameters.
pub const MIB_PER_CHECK: usize = 19;

/// `n` random bytes from the operating system, as lower-case hex.
pub fn random_hex(n: usize) -> Result<String, PasswordError> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| PasswordError::Random(e.to_string()))?;
    Ok(hex(&buf))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password to hand out once: 16 characters, easy to read aloud (no 0/O, 1/l/I).
pub fn generate_password() -> Result<String, PasswordError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 16];
    getrandom::getrandom(&mut buf).map_err(|e| PasswordError::Random(e.to_string()))?;
    let body: String = buf
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    // Groups of four with a digit guaranteed, so it passes the password rule.
    Ok(format!(
        "{}-{}-{}-{}7",
        &body[0..4],
        &body[4..8],
        &body[8..12],
        &body[12..15]
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// Every check slot stayed taken for the whole wait: the caller answers 503.
    #[error("too many password checks at once")]
    Busy,
}

/// At most `limit` hashes or checks run at once, each ~19 MiB: without this, a burst of
/// failed logins took gigabytes. The rest wait up to `wait`, then are turned away.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    limit: usize,
    wait: Duration,
}

impl Hasher {
    /// As many checks at a time as the settings allow.
    pub fn for_settings(settings: &crate::Settings) -> Self {
        match settings.password_checks {
            Some(n) => Hasher::new(n, settings.password_wait),
            None => Hasher::for_machine(settings.password_memory_mib, settings.password_wait),
        }
    }

    pub fn new(limit: usize, wait: Duration) -> Self {
        let limit = limit.max(1);
        Hasher {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            wait,
        }
    }

    /// The number of checks at once that fits both the CPUs and a memory budget.
    pub fn limit_for(cpus: usize, memory_budget_mib: usize) -> usize {
        cpus.min(memory_budget_mib / MIB_PER_CHECK).max(1)
    }

    /// Sized for this machine's CPUs and `memory_budget_mib`.
    pub fn for_machine(memory_budget_mib: usize, wait: Duration) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hasher::new(Hasher::limit_for(cpus, memory_budget_mib), wait)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, PasswordError> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(PasswordError::Busy),
        }
    }

    /// Hashes on a blocking thread: argon2 takes tens of milliseconds of CPU by design. The
    /// slot goes with the thread, so a client that hangs up does not free it early.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_now(&password)
        })
        .await?
    }

    /// Checks a password against a stored hash; `None` (no such account) is checked against
    /// a dummy hash so that the answer takes as long either way.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            Ok(verify_now(&password, stored))
        })
        .await?
    }
}

impl Default for Hasher {
    /// For the command line: one check at a time, and patience.
    fn default() -> Self {
        Hasher::new(1, Duration::from_secs(600))
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(random_hex(16)?.as_bytes())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

fn verify_now(password: &str, stored: Option<String>) -> bool {
    let exists = stored.is_some();
    let text = stored.unwrap_or_else(|| dummy_hash().to_string());
    let ok = PasswordHash::new(&text)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    ok && exists
}

/// A real hash of a random password, made once, to verify against when there is no account.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = random_hex(16)
            .ok()
            .and_then(|r| SaltString::encode_b64(r.as_bytes()).ok());
        salt.and_then(|salt| {
            let secret = random_hex(16).ok()?;
            Argon2::default()
                .hash_password(secret.as_bytes(), &salt)
                .ok()
                .map(|h| h.to_string())
        })
        .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() -> Result<(), Box<dyn std::error::Error>> {
        let hasher = Hasher::default();
        let h = hasher.hash("Correct-Horse-7".into()).await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("Correct-Horse-7".into(), Some(h.clone()))
                .await?
        );
        assert!(!hasher.verify("wrong".into(), Some(h)).await?);
        assert!(!hasher.verify("x".into(), None).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_full_hasher_turns_the_next_check_away() -> Result<(), Box<dyn std::error::Error>> {
        let hasher = Hasher::new(1, Duration::from_millis(20));
        let held = hasher.permit().await?;
        assert!(matches!(
            hasher.verify("x".into(), None).await,
            Err(PasswordError::Busy)
        ));
        drop(held);
        assert!(!hasher.verify("x".into(), None).await?);
        Ok(())
    }

    #[test]
    fn the_limit_fits_cpus_and_memory() {
        assert_eq!(Hasher::limit_for(8, 64), 3);
        assert_eq!(Hasher::limit_for(2, 1024), 2);
        assert_eq!(Hasher::limit_for(4, 1), 1);
    }

    #[test]
    fn generated_passwords_pass_the_rule() -> Result<(), Box<dyn std::error::Error>> {
        for _ in 0..20 {
            let p = generate_password()?;
            assert!(
                crate::accounts::model::NewPassword::parse(&p, "admin").is_ok(),
                "{p}"
            );
        }
        assert_ne!(generate_password()?, generate_password()?);
        Ok(())
    }
}
