//! The token each rendered survey form carries.
//!
//! It does three jobs without storing anything at render time:
//! - **idempotency**: a submission is keyed by a hash of the token's random part, so a double
//!   tap, a browser retry or ten concurrent copies of one form store exactly one response;
//! - **cross-site protection**: the token is signed with a server key (HMAC-SHA256) and bound to
//!   the survey, so another site cannot forge one;
//! - **completion time** for quality checks: it carries when the form was rendered, so the
//!   duration is measured by the server, not reported by the client.
//!
//! Format: `<nonce hex>.<issued unix seconds>.<mac hex>`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// How long a rendered form stays valid (a resident may leave a tab open for days).
pub const MAX_AGE_SECONDS: i64 = 14 * 24 * 3600;

/// How long ago a form may have been begun: a form lasts [`MAX_AGE_SECONDS`], and a phone
/// keeps its answers [`crate::web::survey_form::DRAFT_DAYS`] days after the first.
pub const STARTED_MAX_AGE_SECONDS: i64 =
    MAX_AGE_SECONDS + crate::web::survey_form::DRAFT_DAYS as i64 * 24 * 3600;

#[derive(Clone)]
pub struct FormTokens {
    key: Vec<u8>,
}

/// A token that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedToken {
    /// The response's id: hex of the first 128 bits of SHA-256(survey id, nonce), the same
    /// for every copy of one rendered form (so a second copy is not stored again).
    pub response_id: String,
    /// Seconds between rendering and submitting.
    pub elapsed_seconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    /// Not signed by this server for this survey: a forged or cross-site post.
    Forged,
    Expired,
}

impl FormTokens {
    pub fn new(key: &[u8]) -> FormTokens {
        FormTokens { key: key.to_vec() }
    }

    pub fn issue(&self, survey_id: &str, now: i64) -> String {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let mac = self.mac(survey_id, &nonce, now);
        format!("{nonce}.{now}.{mac}")
    }

    /// Whether a staff page's button was pressed: `token` is this page's, signed for `scope`,
    /// and issued at most `max_seconds` before now.
    pub fn pressed_within(&self, scope: &str, token: Option<&str>, max_seconds: i64) -> bool {
        self.check(scope, token, chrono::Utc::now().timestamp())
            .is_ok_and(|checked| checked.elapsed_seconds <= max_seconds)
    }

    pub fn check(
        &self,
        survey_id: &str,
        token: Option<&str>,
        now: i64,
    ) -> Result<CheckedToken, TokenProblem> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(TokenProblem::Missing)?;
        let (nonce, issued) = self.signed(survey_id, token)?;
        let elapsed_seconds = now - issued;
        if !(-300..=MAX_AGE_SECONDS).contains(&elapsed_seconds) {
            return Err(TokenProblem::Expired);
        }
        let digest = Sha256::new()
            .chain_update(survey_id.as_bytes())
            .chain_update(b":")
            .chain_update(nonce.as_bytes())
            .finalize();
        Ok(CheckedToken {
            response_id: hex::encode(&digest[..16]),
            elapsed_seconds: elapsed_seconds.max(0),
        })
    }

    /// Seconds since `token` was issued for survey `id`, if this server signed it at most
    /// [`STARTED_MAX_AGE_SECONDS`] ago: the token of the page on which a resident began a form
    /// (`_started`) that their phone kept and brought back on a later page, or whose own token
    /// expired. It measures the time taken only; it identifies no response and lets nothing
    /// through. A client can only make its time longer with it, as it could by waiting: the
    /// `too_fast` flag is for answers given without reading, not a guard against robots (the
    /// rate limit and the honeypot are).
    pub fn seconds_since_issued(&self, survey_id: &str, token: &str, now: i64) -> Option<i64> {
        let (_, issued) = self.signed(survey_id, token).ok()?;
        Some(now - issued).filter(|seconds| (0..=STARTED_MAX_AGE_SECONDS).contains(seconds))
    }

    /// The nonce and issue time of a token this server signed for `survey_id`.
    fn signed<'t>(&self, survey_id: &str, token: &'t str) -> Result<(&'t str, i64), TokenProblem> {
        let mut parts = token.splitn(3, '.');
        let (Some(nonce), Some(issued), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Forged);
        };
        let issued: i64 = issued.parse().map_err(|_| TokenProblem::Forged)?;
        let mac = hex::decode(mac).map_err(|_| TokenProblem::Forged)?;
        self.mac_state(survey_id, nonce, issued)
            .verify_slice(&mac)
            .map_err(|_| TokenProblem::Forged)?;
        Ok((nonce, issued))
    }

    fn mac_state(&self, survey_id: &str, nonce: &str, issued: i64) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(survey_id.as_bytes());
        mac.update(b"\n");
        mac.update(nonce.as_bytes());
        mac.update(b"\n");
        mac.update(issued.to_string().as_bytes());
        mac
    }

    fn mac(&self, survey_id: &str, nonce: &str, issued: i64) -> String {
        hex::encode(
            self.mac_state(survey_id, nonce, issued)
                .finalize()
                .into_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_480_000_000;

    #[test]
    fn a_token_checks_for_its_own_survey_and_measures_the_time_taken() {
        let tokens = FormTokens::new(b"server key");
        let token = tokens.issue("jiaxing", NOW);
        let checked = tokens
            .check("jiaxing", Some(&token), NOW + 95)
            .expect("valid");
        assert_eq!(checked.elapsed_seconds, 95);
        assert_eq!(
            checked,
            tokens.check("jiaxing", Some(&token), NOW + 95).unwrap(),
            "same key twice"
        );
    }

    #[test]
    fn a_started_token_tells_the_time_since_it_was_issued_however_old_if_signed_for_the_survey() {
        let tokens = FormTokens::new(b"server key");
        let started = tokens.issue("jiaxing", NOW);
        let (fortnight_and_a_day, month) = (15 * 24 * 3600, 30 * 24 * 3600);

        assert_eq!(
            tokens.seconds_since_issued("jiaxing", &started, NOW + 600),
            Some(600)
        );
        assert_eq!(
            tokens.seconds_since_issued("jiaxing", &started, NOW + fortnight_and_a_day),
            Some(fortnight_and_a_day),
            "expired as a form's token, still a start"
        );
        assert_eq!(
            tokens.seconds_since_issued("jiaxing", &started, NOW + month),
            None,
            "older than any form and the answers a phone keeps: no one's start"
        );
        assert_eq!(
            tokens.seconds_since_issued("other", &started, NOW + 600),
            None
        );
        let forged = started.replacen(&NOW.to_string(), &(NOW - 600).to_string(), 1);
        assert_eq!(
            tokens.seconds_since_issued("jiaxing", &forged, NOW + 600),
            None
        );
        assert_eq!(
            tokens.seconds_since_issued("jiaxing", &started, NOW - 1),
            None,
            "not from the future"
        );
    }

    #[test]
    fn two_renders_get_different_response_ids() {
        let tokens = FormTokens::new(b"server key");
        let a = tokens
            .check("s", Some(&tokens.issue("s", NOW)), NOW)
            .unwrap();
        let b = tokens
            .check("s", Some(&tokens.issue("s", NOW)), NOW)
            .unwrap();
        assert_ne!(a.response_id, b.response_id);
    }

    #[test]
    fn bad_tokens_are_refused_for_the_right_reason() {
        let tokens = FormTokens::new(b"server key");
        let good = tokens.issue("s", NOW);
        let other_key = FormTokens::new(b"another server").issue("s", NOW);
        let tampered_time = {
            let parts: Vec<&str> = good.split('.').collect();
            format!("{}.{}.{}", parts[0], NOW - 1000, parts[2])
        };
        let cases: [(&str, Option<&str>, &str, i64, TokenProblem); 7] = [
            ("no token", None, "s", NOW, TokenProblem::Missing),
            ("empty token", Some(""), "s", NOW, TokenProblem::Missing),
            ("garbage", Some("abc"), "s", NOW, TokenProblem::Forged),
            (
                "another survey",
                Some(&good),
                "t",
                NOW,
                TokenProblem::Forged,
            ),
            (
                "another server's key",
                Some(&other_key),
                "s",
                NOW,
                TokenProblem::Forged,
            ),
            (
                "edited issue time",
                Some(&tampered_time),
                "s",
                NOW,
                TokenProblem::Forged,
            ),
            (
                "too old",
                Some(&good),
                "s",
                NOW + MAX_AGE_SECONDS + 1,
                TokenProblem::Expired,
            ),
        ];
        for (what, token, survey, now, expected) in cases {
            assert_eq!(tokens.check(survey, token, now), Err(expected), "{what}");
        }
    }
}
