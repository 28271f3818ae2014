//! Login throttling rules: at most a few failed sign-ins per account, and somewhat more per
//! network (many staff may share an office's address), in a fixed window. Pure: the counts are
//! stored by the caller, keyed by account id, or by a keyed hash of the network prefix or of an
//! address no account has.

/// How many failures a key may collect in a window before sign-ins under it are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRule {
    pub max_failures: i32,
    pub window_seconds: i64,
}

/// Per account: 5 failures in 15 minutes.
pub const PER_ACCOUNT: ThrottleRule = ThrottleRule {
    max_failures: 5,
    window_seconds: 15 * 60,
};

/// Per network (/24 or /48): 20 failures in 15 minutes.
pub const PER_NETWORK: ThrottleRule = ThrottleRule {
    max_failures: 20,
    window_seconds: 15 * 60,
};

impl ThrottleRule {
    /// Seconds to wait when the attempt just counted, the `attempts`-th of the window that
    /// started at `start`, is one too many; `None` when it may be checked.
    pub fn refuses(&self, (start, attempts): (i64, i32), now: i64) -> Option<i64> {
        (attempts > self.max_failures).then(|| (start + self.window_seconds - now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_in_a_window_is_refused_until_the_window_ends() {
        let rule = PER_ACCOUNT;
        for attempt in 1..=5 {
            assert_eq!(
                rule.refuses((100, attempt), 100),
                None,
                "attempt {attempt} is checked"
            );
        }

        assert_eq!(
            rule.refuses((100, 6), 100),
            Some(15 * 60),
            "the sixth waits for the window"
        );
        assert_eq!(
            rule.refuses((100, 9), 100 + 15 * 60 - 10),
            Some(10),
            "what is left of it"
        );
        assert_eq!(
            rule.refuses((100, 9), 100 + 15 * 60),
            Some(1),
            "at least a second"
        );
    }
}
