//! Deadlines on tokio's clock from durations the caller chose, which may be
//! too large to add to an instant (`Duration::MAX` as "never").

use std::time::Duration;

use tokio::time::Instant;

/// About thirty years: as far as "never" needs to go, and far from the end
/// of any platform's instant.
const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `at + span`, or far in the future when that overflows.
pub(crate) fn add(at: Instant, span: Duration) -> Instant {
    at.checked_add(span).unwrap_or_else(|| at + FAR)
}

/// `span` from now, or far in the future when that overflows.
pub(crate) fn after(span: Duration) -> Instant {
    add(Instant::now(), span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_span_is_far_in_the_future() {
        let now = Instant::now();
        assert_eq!(add(now, Duration::MAX), now + FAR);
        assert_eq!(
            add(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
        assert!(after(Duration::MAX) > now + Duration::from_secs(86_400 * 365));
    }
}
