//! Typed identifiers: opaque strings chosen by the server (or the demo), never parsed by the client.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub CompactString);

        impl $name {
            pub fn new(value: impl Into<CompactString>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(CompactString::from(value))
            }
        }
    };
}

id_type!(
    /// A top-level group of areas ("Strategic Initiatives").
    SectionId
);
id_type!(
    /// A group of threads inside a section ("Advocacy").
    AreaId
);
id_type!(
    /// One discussion.
    ThreadId
);
id_type!(
    /// One post inside a thread.
    PostId
);
