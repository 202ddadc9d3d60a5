//! Secrets handed to users (API keys, refresh, reset and invitation tokens):
//! made from the OS RNG, stored only as SHA-256 hashes, compared in constant time.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A new random secret: `bytes` random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// A new API key: `mk_` + 64 hex.
pub fn new_api_key() -> String {
    format!("mk_{}", random_hex(32))
}

/// The `prefix` shown for a key: its first 8 characters.
pub fn key_prefix(key: &str) -> String {
    key.chars().take(8).collect()
}

/// Whether a string has the shape of an API key.
pub fn looks_like_api_key(key: &str) -> bool {
    key.len() == 67 && key.starts_with("mk_") && key[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// SHA-256 of a secret, lower-case hex: what stores keep.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_the_documented_shape() {
        let k = new_api_key();
        assert!(looks_like_api_key(&k), "{k}");
        assert_eq!(key_prefix(&k).len(), 8);
        assert_ne!(k, new_api_key());
        assert!(!looks_like_api_key("mk_xyz"));
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

/// A time-ordered UUIDv7 (current millisecond, then 74 random bits from the
/// thread-local generator): like `Uuid::now_v7()` without a system call for
/// randomness on every id, which matters at one id per served request.
pub fn uuid_v7() -> uuid::Uuid {
    let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

#[cfg(test)]
mod uuid_v7_tests {
    #[test]
    fn ids_are_version_7_unique_and_time_ordered() {
        let a = super::uuid_v7();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::uuid_v7();
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b, "{a} {b}");
        assert_ne!(super::uuid_v7(), super::uuid_v7());
    }
}
