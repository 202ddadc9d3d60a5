//! argon2id password hashes and HS256 JWT access tokens.

use std::sync::Arc;

use crate::service::{AccessClaims, AuthError, AuthService, IssuedToken};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use chrono::Duration;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Access tokens live this long (docs/http-api.md: at most 15 minutes).
const ACCESS_TTL_SECS: i64 = 15 * 60;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    sid: Uuid,
    exp: i64,
    iat: i64,
}

/// The production [`AuthService`]: argon2id with OWASP's parameters (19 MiB,
/// 2 passes, 1 lane), run on the blocking pool behind a semaphore so a flood
/// of logins queues instead of exhausting memory; HS256 JWTs.
pub struct RealAuthService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    hashing: Arc<Semaphore>,
}

impl std::fmt::Debug for RealAuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealAuthService").finish_non_exhaustive()
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn backend(e: impl std::fmt::Display) -> AuthError {
    AuthError::Backend(e.to_string())
}

impl RealAuthService {
    /// A service signing with `secret`, hashing at most `concurrency` passwords at once.
    pub fn new(secret: &[u8], concurrency: usize) -> Self {
        RealAuthService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            hashing: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let _permit = self.hashing.acquire().await.map_err(backend)?;
        tokio::task::spawn_blocking(work).await.map_err(backend)
    }
}

#[async_trait]
impl AuthService for RealAuthService {
    async fn hash_password(&self, password: &str) -> Result<String, AuthError> {
        let password = password.to_owned();
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            hasher()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(backend)
        })
        .await?
    }

    async fn verify_password(&self, password: &str, hash: &str) -> Result<bool, AuthError> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.blocking(move || {
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .await
    }

    fn issue_access_token(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<IssuedToken, AuthError> {
        let now = chrono::Utc::now();
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iat: now.timestamp(),
            exp: (now + Duration::seconds(ACCESS_TTL_SECS)).timestamp(),
        };
        let token =
            jsonwebtoken::encode(&Header::default(), &claims, &self.encoding).map_err(backend)?;
        Ok(IssuedToken {
            token,
            expires_in: ACCESS_TTL_SECS as u64,
        })
    }

    fn verify_access_token(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| AuthError::InvalidToken)?;
        let expires_at =
            chrono::DateTime::from_timestamp(data.claims.exp, 0).ok_or(AuthError::InvalidToken)?;
        Ok(AccessClaims {
            user_id: data.claims.sub,
            session_id: data.claims.sid,
            expires_at,
        })
    }

    fn is_mock(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_hashes_verify_only_the_right_password() {
        let auth = RealAuthService::new(b"k", 2);
        let h = auth.hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(auth.verify_password("correct horse", &h).await.unwrap());
        assert!(!auth.verify_password("wrong horse", &h).await.unwrap());
        assert!(!auth.verify_password("x", "mock$salt$digest").await.unwrap());
    }

    #[test]
    fn tokens_are_signed_and_carry_the_session() {
        let auth = RealAuthService::new(b"secret one", 1);
        let (user, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let t = auth.issue_access_token(user, sid).unwrap();
        assert_eq!(t.expires_in, 900);
        let claims = auth.verify_access_token(&t.token).unwrap();
        assert_eq!((claims.user_id, claims.session_id), (user, sid));
        let other = RealAuthService::new(b"secret two", 1);
        assert!(
            other.verify_access_token(&t.token).is_err(),
            "another key rejects it"
        );
        assert!(auth.verify_access_token("not.a.jwt").is_err());
    }
}
