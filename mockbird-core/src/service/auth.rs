//! Authentication primitives: password hashing and access tokens.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::token;

/// Why an auth call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token is malformed, forged, expired or revoked.
    #[error("invalid or expired token")]
    InvalidToken,
    /// Hashing or signing failed.
    #[error("auth backend failed: {0}")]
    Backend(String),
}

/// Who an access token speaks for, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user.
    pub user_id: Uuid,
    /// The login session (refresh-token family) the token was issued in.
    pub session_id: Uuid,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// A freshly issued access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub token: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

/// Password hashing and access tokens. Refresh tokens, API keys and sessions
/// are random secrets kept hashed in the store (see [`crate::token`]).
#[async_trait]
pub trait AuthService: Send + Sync + std::fmt::Debug {
    /// Hashes a password for storage.
    async fn hash_password(&self, password: &str) -> Result<String, AuthError>;
    /// Checks a password against a stored hash (false on mismatch or malformed hash).
    async fn verify_password(&self, password: &str, hash: &str) -> Result<bool, AuthError>;
    /// Issues an access token for a user within a login session.
    fn issue_access_token(&self, user_id: Uuid, session_id: Uuid)
    -> Result<IssuedToken, AuthError>;
    /// Verifies an access token.
    fn verify_access_token(&self, token: &str) -> Result<AccessClaims, AuthError>;
    /// Whether this is the mock implementation.
    fn is_mock(&self) -> bool;
}

/// Mock authentication: fast salted SHA-256 password hashes (marked `mock$`, never
/// accepted by the real service) and opaque random access tokens held in memory
/// (gone on restart). Same behaviour as the real one otherwise: wrong passwords
/// fail, tokens expire.
#[derive(Debug)]
pub struct MockAuthService {
    ttl: Duration,
    tokens: Mutex<HashMap<String, AccessClaims>>,
}

impl Default for MockAuthService {
    fn default() -> Self {
        Self::new(Duration::minutes(15))
    }
}

impl MockAuthService {
    /// A mock issuing tokens valid for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        MockAuthService {
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl AuthService for MockAuthService {
    async fn hash_password(&self, password: &str) -> Result<String, AuthError> {
        let salt = token::random_hex(8);
        Ok(format!(
            "mock${salt}${}",
            token::hash_token(&format!("{salt}{password}"))
        ))
    }

    async fn verify_password(&self, password: &str, hash: &str) -> Result<bool, AuthError> {
        let mut parts = hash.split('$');
        let (Some("mock"), Some(salt), Some(digest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(false);
        };
        let computed = token::hash_token(&format!("{salt}{password}"));
        Ok(token::constant_time_eq(
            computed.as_bytes(),
            digest.as_bytes(),
        ))
    }

    fn issue_access_token(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<IssuedToken, AuthError> {
        let token = format!("mock_{}", token::random_hex(24));
        let claims = AccessClaims {
            user_id,
            session_id,
            expires_at: crate::clock::now() + self.ttl,
        };
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Utc::now();
        tokens.retain(|_, c| c.expires_at > now);
        tokens.insert(token.clone(), claims);
        Ok(IssuedToken {
            token,
            expires_in: self.ttl.num_seconds().max(0) as u64,
        })
    }

    fn verify_access_token(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match tokens.get(token) {
            Some(c) if c.expires_at > Utc::now() => Ok(c.clone()),
            _ => Err(AuthError::InvalidToken),
        }
    }

    fn is_mock(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_password() {
        let auth = MockAuthService::default();
        let h = auth.hash_password("correct horse").await.unwrap();
        assert!(auth.verify_password("correct horse", &h).await.unwrap());
        assert!(!auth.verify_password("wrong horse", &h).await.unwrap());
        assert!(
            !auth
                .verify_password("correct horse", "$argon2id$garbage")
                .await
                .unwrap()
        );
        assert_ne!(
            h,
            auth.hash_password("correct horse").await.unwrap(),
            "salted"
        );
    }

    #[test]
    fn tokens_verify_until_they_expire() {
        let auth = MockAuthService::default();
        let user = Uuid::new_v4();
        let t = auth.issue_access_token(user, Uuid::new_v4()).unwrap();
        assert_eq!(t.expires_in, 900);
        assert_eq!(auth.verify_access_token(&t.token).unwrap().user_id, user);
        assert!(auth.verify_access_token("mock_forged").is_err());
        let expired = MockAuthService::new(Duration::seconds(-1));
        let t = expired.issue_access_token(user, Uuid::new_v4()).unwrap();
        assert!(expired.verify_access_token(&t.token).is_err());
        assert!(auth.is_mock());
    }
}
