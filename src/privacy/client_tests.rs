use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

#[test]
fn a_network_prefix_names_the_slash_24_or_slash_48_never_the_host() {
    let cases = [
        ("IPv4", "203.0.113.77", "203.0.113.0/24"),
        (
            "IPv4, another host on the same network",
            "203.0.113.5",
            "203.0.113.0/24",
        ),
        ("IPv6", "2001:db8:1234:5678::9", "2001:db8:1234::/48"),
        (
            "IPv4 mapped into IPv6",
            "::ffff:198.51.100.23",
            "198.51.100.0/24",
        ),
    ];
    for (description, address, prefix) in cases {
        assert_eq!(network_prefix(ip(address)), prefix, "{description}");
    }
}

#[test]
fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let trusted: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().expect("a valid list");
    let nobody = TrustedProxies::default();
    let cases = [
        (
            "no proxy is trusted",
            &nobody,
            "127.0.0.1",
            Some("203.0.113.77"),
            "127.0.0.1",
        ),
        (
            "the peer is not a trusted proxy",
            &trusted,
            "198.51.100.1",
            Some("203.0.113.77"),
            "198.51.100.1",
        ),
        (
            "a trusted proxy forwards",
            &trusted,
            "127.0.0.1",
            Some("203.0.113.77"),
            "203.0.113.77",
        ),
        (
            "a client-written entry left of the proxy's is ignored",
            &trusted,
            "127.0.0.1",
            Some("1.2.3.4, 203.0.113.77"),
            "203.0.113.77",
        ),
        (
            "a chain of trusted proxies is walked from the right",
            &trusted,
            "127.0.0.1",
            Some("203.0.113.77, 10.1.2.3"),
            "203.0.113.77",
        ),
        (
            "a trusted proxy without the header",
            &trusted,
            "127.0.0.1",
            None,
            "127.0.0.1",
        ),
        (
            "garbage in the header stops the walk",
            &trusted,
            "127.0.0.1",
            Some("nonsense"),
            "127.0.0.1",
        ),
    ];
    for (description, proxies, peer, header, expected) in cases {
        assert_eq!(
            proxies.client_address(ip(peer), header),
            ip(expected),
            "{description}"
        );
    }
}

#[test]
fn a_bad_trusted_proxy_list_says_which_entry_is_wrong() {
    let err = "127.0.0.1, 10.0.0.0/33"
        .parse::<TrustedProxies>()
        .expect_err("/33");
    assert!(err.contains("10.0.0.0/33"), "{err}");
    let err = "localhost".parse::<TrustedProxies>().expect_err("a name");
    assert!(err.contains("localhost"), "{err}");
}

#[test]
fn client_hashes_depend_on_the_survey_secret_and_never_contain_the_signal() {
    let one = SurveySecret::generate();
    let other = SurveySecret::generate();
    let cookie = new_cookie_value();
    let address = ip("203.0.113.77");

    let hash = one.client_hash(Some(&cookie), address);

    assert_eq!(hash.len(), 64, "hex HMAC-SHA256");
    assert_eq!(
        hash,
        one.client_hash(Some(&cookie), ip("198.51.100.1")),
        "the cookie decides, not the network"
    );
    assert_ne!(
        hash,
        other.client_hash(Some(&cookie), address),
        "another survey's secret gives an unrelated hash"
    );
    assert!(!hash.contains(&cookie));
    assert_eq!(
        one.client_hash(None, address),
        one.client_hash(None, ip("203.0.113.5")),
        "without a cookie, the same /24 is the same client"
    );
    assert_eq!(
        one.client_hash(Some("forged-value"), address),
        one.client_hash(None, address),
        "a cookie Minyi did not set counts as none"
    );
}
