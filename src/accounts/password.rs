//! Passwords: argon2id (the `argon2` crate's defaults, 19 MiB, 2 passes, 1 lane: OWASP's
//! recommendation), a minimum length, and generated passwords that are easy to copy.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

/// Fewer characters than this are refused (a passphrase of a few words passes easily).
pub const MIN_LENGTH: usize = 12;
/// More than this is refused: argon2 would hash it, but no one types it.
pub const MAX_LENGTH: usize = 1024;

/// A password that satisfies the length rules. Never logged: `Debug` hides it.
pub struct Password(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordProblem {
    #[error("the password has {0} characters; use at least {MIN_LENGTH} (a few words make a good one), or leave standard input empty to have one generated")]
    TooShort(usize),
    #[error("the password has {0} characters; use at most {MAX_LENGTH}")]
    TooLong(usize),
}

impl Password {
    /// Checks the length in characters (a Chinese character counts once), after removing one
    /// trailing newline (as `echo` and a terminal add).
    pub fn parse(text: &str) -> Result<Password, PasswordProblem> {
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        let length = text.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordProblem::TooShort(length));
        }
        if length > MAX_LENGTH {
            return Err(PasswordProblem::TooLong(length));
        }
        Ok(Password(text.to_owned()))
    }

    /// A new random password: 20 characters from 32 that cannot be mistaken for each other
    /// (no I, O, 0 or 1), in groups of five: 100 bits.
    pub fn generate() -> Password {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let bytes = rand::random::<[u8; 20]>();
        let mut text = String::with_capacity(23);
        for (i, byte) in bytes.iter().enumerate() {
            if i > 0 && i % 5 == 0 {
                text.push('-');
            }
            // 256 is a multiple of 32, so every character is equally likely.
            text.push(char::from(ALPHABET[usize::from(byte % 32)]));
        }
        Password(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// The argon2id PHC string of a password, with a fresh random salt.
pub fn hash(password: &Password) -> anyhow::Result<String> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.0.as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2 could not hash the password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC string (the string's own parameters are used).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).ok().is_some_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash no password matches, verified when an e-mail address is unknown, so that an unknown
/// address takes as long as a wrong password (no account discovery by timing). Made once, when
/// the server starts (`startup`).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&Password::generate()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let password = Password::parse("correct horse battery").expect("long enough");

        let first = hash(&password).expect("hashes");
        let second = hash(&password).expect("hashes");

        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second, "a fresh salt each time");
        assert!(verify("correct horse battery", &first));
        assert!(!verify("correct horse battery!", &first));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn passwords_are_refused_by_length_with_the_rule_stated() {
        let cases = [
            ("short", Err(PasswordProblem::TooShort(5))),
            ("eleven char", Err(PasswordProblem::TooShort(11))),
            ("twelve chars\n", Ok(())),
            ("食品安全满意度调查评估机构", Ok(())),
        ];
        for (text, expected) in cases {
            assert_eq!(Password::parse(text).map(|_| ()), expected, "{text:?}");
        }
        let message = PasswordProblem::TooShort(5).to_string();
        assert!(message.contains("at least 12"), "{message}");
    }

    #[test]
    fn generated_passwords_are_long_readable_and_different() {
        let a = Password::generate();
        let b = Password::generate();
        assert_eq!(a.expose().len(), 23);
        assert_eq!(a.expose().matches('-').count(), 3);
        assert!(a
            .expose()
            .chars()
            .all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert!(!a.expose().contains(['I', 'O', '0', '1']));
        assert_ne!(a.expose(), b.expose());
        assert!(Password::parse(a.expose()).is_ok());
    }
}
