//! Password hashing (argon2id) off the async runtime, and random secrets.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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
}

/// Hashes on a blocking thread: argon2 takes tens of milliseconds of CPU by design.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(random_hex(16)?.as_bytes())
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// Checks a password against a stored hash; `None` (no such account) is checked against a
/// dummy hash so that the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let exists = stored.is_some();
        let text = stored.unwrap_or_else(|| dummy_hash().to_string());
        let ok = PasswordHash::new(&text)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        Ok(ok && exists)
    })
    .await?
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
        let h = hash("Correct-Horse-7".into()).await?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-7".into(), Some(h.clone())).await?);
        assert!(!verify("wrong".into(), Some(h)).await?);
        assert!(!verify("x".into(), None).await?);
        Ok(())
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
