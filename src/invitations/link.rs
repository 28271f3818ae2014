//! Invitation links: `/i/{token}`, the token 128 random bits in hex. Only its SHA-256 is
//! stored, so the database cannot give anyone a working link.

use sha2::{Digest, Sha256};

/// A new random link token and the hash to store for it.
pub fn new_token() -> (String, String) {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token. Anything that is not a token we issued hashes to something
/// no link has.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether text can be a token (32 lower-case hex digits), before any database lookup.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert_eq!(hash_a, hash_token(&a));
        assert!(!hash_a.contains(&a));
        assert!(!looks_like_token("../../etc/passwd"));
        assert!(!looks_like_token(&a.to_uppercase()));
    }
}
