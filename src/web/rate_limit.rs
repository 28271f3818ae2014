//! A per-network limit on submissions, kept in memory.
//!
//! The key is a keyed hash (HMAC-SHA256 with a random per-process secret, truncated) of the
//! client's network prefix (`privacy::client::network_prefix`: IPv4 /24, IPv6 /48; behind a
//! trusted proxy, of the address it reports). No address, prefix or reversible hash is ever
//! stored or logged, and the secret dies with the process. Each network has a token bucket
//! holding `per_minute` submissions that refills continuously.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::client::client_address;
use super::{AppError, AppState};
use crate::privacy::client::network_prefix;

impl AppState {
    /// Lets a submission through, or refuses it with `RateLimited` when its network has used up
    /// its allowance.
    pub fn admit(&self, req: &HttpRequest) -> Result<(), AppError> {
        let client = client_address(req, &self.trusted_proxies);
        self.limiter
            .check(client, Instant::now())
            .map_err(|wait| AppError::RateLimited {
                retry_after: wait.as_secs().max(1),
            })
    }
}

/// Above this many tracked networks, full buckets (networks quiet long enough) are forgotten.
const PRUNE_ABOVE: usize = 50_000;

pub struct RateLimiter {
    secret: [u8; 32],
    /// Submissions per minute per network (the bucket size too); `0` turns the limit off.
    per_minute: u32,
    buckets: Mutex<HashMap<u64, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            secret: rand::random(),
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one submission from the network's allowance, or says how long until one is free.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let key = self.network_key(client);
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(()); // A poisoned limiter must not take the survey down.
        };
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| refilled(b, now, per_second, capacity) < capacity);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        bucket.tokens = refilled(bucket, now, per_second, capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    fn network_key(&self, client: IpAddr) -> u64 {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts keys of any length");
        mac.update(network_prefix(client).as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

fn refilled(bucket: &Bucket, now: Instant, per_second: f64, capacity: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_network_gets_its_allowance_then_waits_while_others_are_unaffected() {
        let limiter = RateLimiter::new(3);
        let start = Instant::now();
        for n in 0..3 {
            assert!(
                limiter.check(ip("198.51.100.1"), start).is_ok(),
                "submission {n}"
            );
        }
        let wait = limiter
            .check(ip("198.51.100.200"), start)
            .expect_err("fourth from the same /24");
        assert!(
            wait <= Duration::from_secs(20),
            "one token refills in 20 s: {wait:?}"
        );
        assert!(
            limiter.check(ip("198.51.101.1"), start).is_ok(),
            "another network"
        );
        assert!(
            limiter
                .check(ip("198.51.100.1"), start + Duration::from_secs(20))
                .is_ok(),
            "a token is back after 20 s"
        );
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        let now = Instant::now();
        assert!((0..1000).all(|_| limiter.check(ip("192.0.2.1"), now).is_ok()));
    }

    #[test]
    fn no_address_is_kept_only_keyed_hashes() {
        let limiter = RateLimiter::new(5);
        let now = Instant::now();
        let _ = limiter.check(ip("192.0.2.1"), now);
        let a = limiter.network_key(ip("192.0.2.1"));
        assert_eq!(a, limiter.network_key(ip("192.0.2.99")), "same network");
        assert_ne!(
            a,
            RateLimiter::new(5).network_key(ip("192.0.2.1")),
            "another process's secret gives another key"
        );
        let keys: Vec<u64> = limiter.buckets.lock().unwrap().keys().copied().collect();
        assert_eq!(keys, [a]);
    }
}
