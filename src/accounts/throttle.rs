//! Login throttling rules: at most a few failed sign-ins per account, and somewhat more per
//! network (many staff may share an office's address), in a fixed window. Pure: the counts are
//! stored by the caller, keyed by account id or by a keyed hash of the network prefix.

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
    /// Seconds until sign-ins under this key are accepted again, if they are refused now.
    /// `record` is the stored (window start, failures).
    pub fn wait(&self, record: Option<(i64, i32)>, now: i64) -> Option<i64> {
        let (start, failures) = record?;
        let ends = start + self.window_seconds;
        (now < ends && failures >= self.max_failures).then_some(ends - now)
    }

    /// The record after one more failure: counted in the current window, or a new window.
    pub fn after_failure(&self, record: Option<(i64, i32)>, now: i64) -> (i64, i32) {
        match record {
            Some((start, failures)) if now < start + self.window_seconds => {
                (start, failures.saturating_add(1))
            }
            _ => (now, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_in_a_window_is_refused_until_the_window_ends() {
        let rule = PER_ACCOUNT;
        let mut record = None;
        for attempt in 1..=5 {
            assert_eq!(rule.wait(record, 100), None, "attempt {attempt} is allowed");
            record = Some(rule.after_failure(record, 100));
        }

        assert_eq!(
            rule.wait(record, 100),
            Some(15 * 60),
            "the sixth waits for the window"
        );
        assert_eq!(rule.wait(record, 100 + 15 * 60), None, "a new window");
        assert_eq!(
            rule.after_failure(record, 100 + 15 * 60),
            (100 + 15 * 60, 1)
        );
    }
}
