//! Session cookies: signed, not stored. The value names the account, its session epoch and an
//! expiry, with an HMAC-SHA256 under a server key kept in the database (`storage::server_key`),
//! so any Minyi process on the same database accepts a cookie another issued. Signing out
//! raises the account's epoch, which refuses every cookie issued before, everywhere.
//!
//! Format: `<account id>.<epoch>.<expires unix seconds>.<mac hex>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The cookie's name.
pub const SESSION_COOKIE: &str = "minyi_session";
/// How long a session lasts: a working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// The cookie a browser keeps after an account has signed in with it: sign-ins from that
/// browser to that account are throttled on their own, so that someone guessing the password
/// elsewhere cannot lock the account's owner out (OWASP's "device cookies"). It proves only
/// that the browser once signed in, never who is using it now: it opens no session. Its
/// signature covers the account's password hash, so a new password (a reset after a
/// password was stolen) leaves no browser known that knew only the old one.
pub const KNOWN_BROWSER_COOKIE: &str = "minyi_known";
/// How long a browser stays known after its last sign-in: half a year.
pub const KNOWN_BROWSER_SECONDS: i64 = 183 * 24 * 3600;

/// What a valid cookie says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClaim {
    pub account_id: String,
    pub epoch: i32,
    pub expires: i64,
}

#[derive(Clone)]
pub struct SessionKeys {
    key: Vec<u8>,
}

impl SessionKeys {
    pub fn new(key: &[u8]) -> SessionKeys {
        SessionKeys { key: key.to_vec() }
    }

    pub fn issue(&self, account_id: &str, epoch: i32, now: i64) -> String {
        let expires = now + SESSION_SECONDS;
        let mac = hex::encode(self.mac(account_id, epoch, expires).finalize().into_bytes());
        format!("{account_id}.{epoch}.{expires}.{mac}")
    }

    /// The claim of a cookie signed with this key and not yet expired; `None` otherwise.
    pub fn check(&self, value: &str, now: i64) -> Option<SessionClaim> {
        let mut parts = value.split('.');
        let (Some(id), Some(epoch), Some(expires), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let epoch: i32 = epoch.parse().ok()?;
        let expires: i64 = expires.parse().ok()?;
        let mac = hex::decode(mac).ok()?;
        self.mac(id, epoch, expires).verify_slice(&mac).ok()?;
        (now < expires).then(|| SessionClaim {
            account_id: id.to_owned(),
            epoch,
            expires,
        })
    }

    /// A known-browser cookie value for an account that has just signed in with the password
    /// whose stored hash is `password_hash`: `<account id>.<expires unix seconds>.<mac hex>`.
    pub fn issue_known_browser(&self, account_id: &str, password_hash: &str, now: i64) -> String {
        let expires = now + KNOWN_BROWSER_SECONDS;
        let mac = self.known_browser_mac(account_id, password_hash, expires);
        format!(
            "{account_id}.{expires}.{}",
            hex::encode(mac.finalize().into_bytes())
        )
    }

    /// The account a known-browser cookie was issued for, if it is signed with this key for the
    /// password whose stored hash is `password_hash` and not yet expired.
    pub fn known_browser(&self, value: &str, password_hash: &str, now: i64) -> Option<String> {
        let mut parts = value.split('.');
        let (Some(id), Some(expires), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expires: i64 = expires.parse().ok()?;
        let mac = hex::decode(mac).ok()?;
        self.known_browser_mac(id, password_hash, expires)
            .verify_slice(&mac)
            .ok()?;
        (now < expires).then(|| id.to_owned())
    }

    fn mac(&self, account_id: &str, epoch: i32, expires: i64) -> HmacSha256 {
        self.keyed(&[
            b"session",
            account_id.as_bytes(),
            epoch.to_string().as_bytes(),
            expires.to_string().as_bytes(),
        ])
    }

    fn known_browser_mac(&self, account_id: &str, password_hash: &str, expires: i64) -> HmacSha256 {
        self.keyed(&[
            b"known browser",
            account_id.as_bytes(),
            expires.to_string().as_bytes(),
            password_hash.as_bytes(),
        ])
    }

    /// An HMAC over the parts, each ended by a newline (no part contains one).
    fn keyed(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(b"\n");
            }
            mac.update(part);
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    /// A stored password hash, as the known-browser cookie is signed for one.
    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

    #[test]
    fn a_cookie_checks_until_it_expires() {
        let keys = SessionKeys::new(b"server key");
        let cookie = keys.issue("abc123", 4, NOW);

        let claim = keys.check(&cookie, NOW + 60).expect("valid");

        assert_eq!(claim.account_id, "abc123");
        assert_eq!(claim.epoch, 4);
        assert_eq!(keys.check(&cookie, NOW + SESSION_SECONDS), None, "expired");
    }

    #[test]
    fn forged_or_edited_cookies_are_refused() {
        let keys = SessionKeys::new(b"server key");
        let good = keys.issue("abc123", 0, NOW);
        let parts: Vec<&str> = good.split('.').collect();
        let cases = [
            (
                "another key",
                SessionKeys::new(b"other").issue("abc123", 0, NOW),
            ),
            (
                "another account",
                format!("admin1.{}.{}.{}", parts[1], parts[2], parts[3]),
            ),
            (
                "an older epoch",
                format!("{}.{}.{}.{}", parts[0], -1, parts[2], parts[3]),
            ),
            (
                "a later expiry",
                format!("{}.{}.{}.{}", parts[0], parts[1], NOW * 2, parts[3]),
            ),
            ("garbage", "x".to_owned()),
            ("an extra part", format!("{good}.x")),
            (
                "a known-browser cookie",
                keys.issue_known_browser("abc123", HASH, NOW),
            ),
        ];
        for (what, cookie) in cases {
            assert_eq!(keys.check(&cookie, NOW), None, "{what}");
        }
    }

    #[test]
    fn a_known_browser_cookie_names_its_account_until_it_expires_or_the_password_changes() {
        let keys = SessionKeys::new(b"server key");
        let cookie = keys.issue_known_browser("abc123", HASH, NOW);
        let parts: Vec<&str> = cookie.split('.').collect();

        assert_eq!(
            keys.known_browser(&cookie, HASH, NOW + 60).as_deref(),
            Some("abc123")
        );
        assert_eq!(
            keys.known_browser(&cookie, HASH, NOW + KNOWN_BROWSER_SECONDS),
            None,
            "expired"
        );
        assert_eq!(
            keys.known_browser(&cookie, "$argon2id$v=19$m=19456,t=2,p=1$new$hash", NOW),
            None,
            "the password changed since"
        );
        let forged = [
            SessionKeys::new(b"other").issue_known_browser("abc123", HASH, NOW),
            format!("admin1.{}.{}", parts[1], parts[2]),
            format!("{}.{}.{}", parts[0], NOW * 2, parts[2]),
            keys.issue("abc123", 0, NOW),
            "x".to_owned(),
        ];
        for cookie in forged {
            assert_eq!(keys.known_browser(&cookie, HASH, NOW), None, "{cookie}");
        }
        assert_eq!(keys.check(&cookie, NOW), None, "not a session");
    }
}
