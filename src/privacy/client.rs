//! Keyed client hashes: how duplicate submissions are recognised without storing who sent them.
//!
//! The signals (a first-party cookie, or the client's network prefix when there is no cookie)
//! go through HMAC-SHA256 with a secret that belongs to one survey. Only the hash is stored.
//! When the survey closes its secret is destroyed, and from then on nobody, Minyi included,
//! can tell which cookie or network a stored hash came from. Pure: the secret is passed in.

use std::net::IpAddr;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Name of the first-party cookie that recognises a browser within one survey's fieldwork.
pub const CLIENT_COOKIE: &str = "minyi_client";
/// How long the cookie lives, in seconds (about four months: longer than any fieldwork).
pub const CLIENT_COOKIE_MAX_AGE: i64 = 120 * 24 * 3600;

/// A per-survey secret: 32 random bytes.
#[derive(Clone)]
pub struct SurveySecret(Vec<u8>);

impl SurveySecret {
    pub fn generate() -> SurveySecret {
        SurveySecret(rand::random::<[u8; 32]>().to_vec())
    }

    pub fn from_hex(hex_text: &str) -> Option<SurveySecret> {
        hex::decode(hex_text)
            .ok()
            .filter(|b| b.len() >= 16)
            .map(SurveySecret)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// The stored hash of a client: keyed by this survey's secret, of the cookie when the
    /// browser has a valid one, else of the network prefix. One HMAC.
    pub fn client_hash(&self, cookie: Option<&str>, address: IpAddr) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable_key_length(),
        };
        match cookie.filter(|c| valid_cookie(c)) {
            Some(cookie) => {
                mac.update(b"cookie:");
                mac.update(cookie.as_bytes());
            }
            None => {
                mac.update(b"network:");
                mac.update(network_prefix(address).as_bytes());
            }
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

// HMAC accepts keys of any length; this is never reached.
#[cold]
fn unreachable_key_length() -> ! {
    panic!("HMAC-SHA256 accepts keys of any length")
}

impl std::fmt::Debug for SurveySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveySecret(…)")
    }
}

/// A fresh value for the client cookie: 128 random bits, hex.
pub fn new_cookie_value() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Only values Minyi itself could have set are used (32 hex digits); anything else is ignored.
pub fn valid_cookie(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The network a client address belongs to: the /24 of an IPv4 address, the /48 of an IPv6
/// one. A household, office or mobile carrier's NAT shares it; a person's device is not named.
pub fn network_prefix(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_prefix(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

/// The proxies whose `X-Forwarded-For` header is believed (`MINYI_TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses or CIDR ranges: `127.0.0.1, 10.0.0.0/8, ::1`.
    fn from_str(list: &str) -> Result<TrustedProxies, String> {
        let mut ranges = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (address, bits) = entry.split_once('/').unwrap_or((entry, ""));
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() {
                max
            } else {
                bits.parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{entry:?} has a prefix length outside 0..={max}"))?
            };
            ranges.push((address, bits));
        }
        Ok(TrustedProxies(ranges))
    }
}

impl TrustedProxies {
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0
            .iter()
            .any(|(range, bits)| in_range(address, *range, *bits))
    }

    /// The client's address: the connection's peer, unless the peer is a trusted proxy, in
    /// which case the right-most address of `X-Forwarded-For` that is not itself a trusted
    /// proxy (entries further left could have been written by the client).
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let Some(header) = forwarded_for else {
            return peer;
        };
        let mut client = peer;
        for entry in header.rsplit(',').map(str::trim) {
            match entry.parse::<IpAddr>() {
                Ok(address) => {
                    client = address;
                    if !self.contains(address) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

fn in_range(address: IpAddr, range: IpAddr, bits: u8) -> bool {
    match (address, range) {
        (IpAddr::V4(a), IpAddr::V4(r)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(r) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(r)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(r) & mask
        }
        (IpAddr::V6(a), IpAddr::V4(_)) => a
            .to_ipv4_mapped()
            .is_some_and(|v4| in_range(IpAddr::V4(v4), range, bits)),
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
