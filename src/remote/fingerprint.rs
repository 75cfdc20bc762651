//! Stable fingerprints (FNV-1a) that backends keep in their cursors to tell whether
//! something changed since the last pull, without keeping the thing itself.

use serde::Serialize;

/// The fingerprint of some bytes.
pub fn of_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The fingerprint of a value's JSON, as 16 hex digits.
pub fn of_json(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("{:016x}", of_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_agree_and_different_ones_do_not() {
        assert_eq!(of_json(&("a", 1)), of_json(&("a", 1)));
        assert_ne!(of_json(&("a", 1)), of_json(&("a", 2)));
        assert_eq!(of_json(&"x").len(), 16);
    }
}
