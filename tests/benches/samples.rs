//! Per-iteration timings for percentiles (criterion reports means), and the name filter.

use std::time::Duration;

/// The benchmark filter given on the command line, if any.
pub struct Filter(Option<String>);

impl Filter {
    /// The first argument that is neither a flag (cargo passes `--bench` itself) nor a
    /// flag's number (`--measurement-time 3`).
    pub fn from_args() -> Self {
        Self(
            std::env::args()
                .skip(1)
                .find(|a| !a.starts_with('-') && a.parse::<f64>().is_err()),
        )
    }

    /// Whether benchmarks named with `part` should run.
    pub fn wants(&self, part: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|f| part.contains(f.as_str()) || f.contains(part))
    }
}

/// Durations of single iterations.
#[derive(Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    /// The `p`-th percentile (0–100), nearest rank.
    pub fn percentile(&mut self, p: usize) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        self.0.sort_unstable();
        let rank = (p * self.0.len()).div_ceil(100);
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Prints a measured figure beside its budget.
pub fn report(what: &str, figure: &str, budget: &str, met: bool) {
    println!(
        "budget: {what}: {figure} (budget {budget}) — {}",
        if met { "met" } else { "MISSED" }
    );
}
