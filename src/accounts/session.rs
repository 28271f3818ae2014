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

    fn mac(&self, account_id: &str, epoch: i32, expires: i64) -> HmacSha256 {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(b"session\n");
        mac.update(account_id.as_bytes());
        mac.update(b"\n");
        mac.update(epoch.to_string().as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

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
        ];
        for (what, cookie) in cases {
            assert_eq!(keys.check(&cookie, NOW), None, "{what}");
        }
    }
}
