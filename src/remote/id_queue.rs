//! A queue of opaque ids kept as one packed string, for cursors that carry thousands of
//! them: a snapshot's threads still to fetch ride in the sync cursor, which is cloned,
//! compared and re-encoded once a batch, so as a JSON array of 50,000 strings it cost an
//! eighth of the client's time in a million-post sync; as one string it is one copy.
//!
//! Each id is written as its length in bytes, a colon, then the id (`3:abc10:t-00000042`),
//! so an id may hold any character, the separator included. A cursor written before the
//! packing (an array of strings) still reads.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Ids in order, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdQueue {
    packed: String,
    len: usize,
}

impl IdQueue {
    pub fn push_back(&mut self, id: &str) {
        self.packed.push_str(&id.len().to_string());
        self.packed.push(':');
        self.packed.push_str(id);
        self.len += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes and returns up to `n` ids from the front.
    pub fn take_front(&mut self, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n.min(self.len));
        let mut at = 0;
        while ids.len() < n {
            let Some((id, next)) = entry(&self.packed, at) else {
                break;
            };
            ids.push(id.to_owned());
            at = next;
        }
        self.packed.drain(..at);
        self.len -= ids.len();
        ids
    }
}

/// The id at byte `at` of `packed` and where the next entry starts; `None` at the end or
/// where the packing is broken.
fn entry(packed: &str, at: usize) -> Option<(&str, usize)> {
    let rest = packed.get(at..)?;
    let (len, tail) = rest.split_once(':')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: usize = len.parse().ok()?;
    let id = tail.get(..len)?;
    let start = packed.len() - tail.len();
    Some((id, start + len))
}

impl Serialize for IdQueue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.packed)
    }
}

impl<'de> Deserialize<'de> for IdQueue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QueueVisitor)
    }
}

struct QueueVisitor;

impl<'de> Visitor<'de> for QueueVisitor {
    type Value = IdQueue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a packed id queue or a list of ids")
    }

    fn visit_str<E: de::Error>(self, packed: &str) -> Result<IdQueue, E> {
        let mut len = 0;
        let mut at = 0;
        while at < packed.len() {
            let (_, next) = entry(packed, at)
                .ok_or_else(|| E::custom(format!("a broken id queue at byte {at}")))?;
            at = next;
            len += 1;
        }
        Ok(IdQueue {
            packed: packed.to_owned(),
            len,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IdQueue, A::Error> {
        let mut queue = IdQueue::default();
        while let Some(id) = seq.next_element::<String>()? {
            queue.push_back(&id);
        }
        Ok(queue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_out_in_order_whatever_they_hold() {
        let mut queue = IdQueue::default();
        for id in ["t-1", "", "12:34", "a\nb", "ünï"] {
            queue.push_back(id);
        }
        assert_eq!(queue.take_front(2), vec!["t-1".to_owned(), String::new()]);
        assert_eq!(
            queue.take_front(10),
            vec!["12:34".to_owned(), "a\nb".to_owned(), "ünï".to_owned()]
        );
        assert!(queue.is_empty());
        assert!(queue.take_front(1).is_empty());
    }

    #[test]
    fn a_queue_survives_json_and_an_older_cursors_list_still_reads() {
        let mut queue = IdQueue::default();
        queue.push_back("t:1");
        queue.push_back("x");
        let json = serde_json::to_value(&queue).unwrap();
        assert_eq!(json, serde_json::json!("3:t:11:x"));
        let back: IdQueue = serde_json::from_value(json).unwrap();
        assert_eq!(back, queue);
        let old: IdQueue = serde_json::from_value(serde_json::json!(["t:1", "x"])).unwrap();
        assert_eq!(old, queue);
    }

    #[test]
    fn a_broken_packing_is_refused_not_misread() {
        for broken in ["3:ab", "x:abc", "3abc", ":", "1:é", "+1:a"] {
            assert!(
                serde_json::from_value::<IdQueue>(serde_json::json!(broken)).is_err(),
                "{broken:?} was accepted"
            );
        }
    }
}
