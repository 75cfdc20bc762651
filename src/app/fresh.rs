//! Fresh ids for what the user creates (drafts, outbox entries): version 7 UUIDs made from the
//! message's time and a seed the runner draws at start, so `update` never reads a clock or
//! a random source and the same messages always give the same state.

use jiff::Timestamp;
use uuid::Builder;

/// Makes ids, one after another, from a seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreshIds {
    seed: u64,
    made: u64,
}

impl FreshIds {
    /// The runner seeds it from the system's random source; tests pass a fixed seed.
    pub fn new(seed: u64) -> Self {
        Self { seed, made: 0 }
    }

    /// A new version 7 UUID stamped `now`. Ids of one generator never repeat: the random part is a
    /// one-to-one mix of the seed and a counter.
    pub fn next(&mut self, now: Timestamp) -> String {
        self.made += 1;
        let mixed = self
            .seed
            .wrapping_add(self.made)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut bytes = [0_u8; 10];
        bytes[..8].copy_from_slice(&mixed.to_le_bytes());
        bytes[8..].copy_from_slice(&self.seed.to_le_bytes()[..2]);
        let millis = u64::try_from(now.as_millisecond()).unwrap_or(0);
        Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_v7_distinct_and_repeatable() {
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let mut a = FreshIds::new(42);
        let first: Vec<String> = (0..100).map(|_| a.next(at)).collect();
        let distinct: std::collections::BTreeSet<&String> = first.iter().collect();
        assert_eq!(distinct.len(), 100);
        let parsed = uuid::Uuid::parse_str(&first[0]).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        let mut again = FreshIds::new(42);
        assert_eq!(again.next(at), first[0], "same seed, same ids");
        assert_ne!(FreshIds::new(43).next(at), first[0]);
    }
}
