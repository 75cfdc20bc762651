//! The caps that keep a hostile body from costing unbounded time, memory or stack.

use std::time::{Duration, Instant};

/// How much a single conversion may take. The defaults suit every body a forum serves;
/// tests lower them to reach the fallbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Source bytes converted; the rest is cut with a visible note.
    pub max_source_bytes: usize,
    /// Nesting of quotes and list items shown; deeper content is laid out at this depth.
    pub max_depth: usize,
    /// Wall-clock time a conversion may take before it gives up and the body is shown
    /// as plain text.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_source_bytes: 1 << 20,
            max_depth: 24,
            time_budget: Duration::from_secs(1),
        }
    }
}

impl Limits {
    /// The part of `source` within the size cap (cut at a character boundary) and the
    /// number of bytes left out.
    pub(crate) fn cap<'a>(&self, source: &'a str) -> (&'a str, usize) {
        if source.len() <= self.max_source_bytes {
            return (source, 0);
        }
        let mut end = self.max_source_bytes;
        while !source.is_char_boundary(end) {
            end -= 1;
        }
        (&source[..end], source.len() - end)
    }
}

/// The conversion ran past its time budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OverBudget;

/// A time budget checked cheaply from hot loops: the clock is read every few calls.
#[derive(Debug)]
pub(crate) struct Deadline {
    end: Option<Instant>,
    calls: u32,
}

/// Calls between two readings of the clock.
const CHECK_EVERY: u32 = 64;

impl Deadline {
    pub(crate) fn after(budget: Duration) -> Self {
        Self {
            end: Instant::now().checked_add(budget),
            calls: 0,
        }
    }

    /// Fails once the budget is spent.
    pub(crate) fn check(&mut self) -> Result<(), OverBudget> {
        self.calls = self.calls.wrapping_add(1);
        if self.calls.is_multiple_of(CHECK_EVERY) {
            self.check_now()
        } else {
            Ok(())
        }
    }

    /// Reads the clock now.
    pub(crate) fn check_now(&self) -> Result<(), OverBudget> {
        match self.end {
            Some(end) if Instant::now() >= end => Err(OverBudget),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_at_a_character_boundary() {
        let limits = Limits {
            max_source_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(limits.cap("abc"), ("abc", 0));
        // "é" is two bytes: cutting at 4 would split the second one.
        assert_eq!(limits.cap("aéé"), ("aé", 2));
    }

    #[test]
    fn a_zero_budget_is_spent_at_once() {
        let deadline = Deadline::after(Duration::ZERO);
        assert_eq!(deadline.check_now(), Err(OverBudget));
        let generous = Deadline::after(Duration::from_secs(3600));
        assert_eq!(generous.check_now(), Ok(()));
    }
}
