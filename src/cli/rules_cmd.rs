//! `threadmark rules test`: a dry run of the `[[rules]]` over the cached posts — which
//! rule matches which post, with counts per rule — that changes nothing.

use crate::app::judged::Judged;
use crate::model::{ForumData, RuleSet};
use crate::store::{Cache, StoreError};
use crate::text::sanitize::clean_line;
use serde::Serialize;
use std::fmt::Write as _;

/// One post a rule matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchedPost {
    pub thread: String,
    pub title: String,
    pub seq: u32,
    pub author: String,
}

/// What one rule matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleReport {
    pub number: usize,
    pub line: usize,
    pub action: &'static str,
    pub matches: usize,
    pub posts: Vec<MatchedPost>,
}

/// `rules test --json`.
#[derive(Debug, Serialize)]
pub struct RulesJson {
    pub version: u32,
    pub account: String,
    /// Cached posts looked at.
    pub posts: usize,
    pub rules: Vec<RuleReport>,
}

/// Every rule of `rules` with the cached posts of `account` it matches, in config order.
pub fn test(
    cache: &mut Cache,
    account: &str,
    rules: &RuleSet,
    data: &ForumData,
    now: jiff::Timestamp,
) -> Result<RulesJson, StoreError> {
    let mut reports: Vec<RuleReport> = rules
        .rules()
        .iter()
        .map(|r| RuleReport {
            number: r.number,
            line: r.line,
            action: r.action.name(),
            matches: 0,
            posts: Vec::new(),
        })
        .collect();
    let mut looked_at = 0;
    for summary in data.threads.iter().filter(|t| !t.headers_only()) {
        let Some(file) = cache.load_thread(&summary.id)? else {
            continue;
        };
        looked_at += file.posts.len();
        let judged = Judged::thread(rules, account, &data.forum, &file, now);
        for (post, verdict) in file.posts.iter().zip(&judged.verdicts) {
            for &number in &verdict.matched {
                if let Some(report) = reports.get_mut(number.wrapping_sub(1)) {
                    report.matches += 1;
                    report.posts.push(MatchedPost {
                        thread: summary.id.as_str().to_owned(),
                        title: summary.title.to_string(),
                        seq: post.seq,
                        author: post.author.name.to_string(),
                    });
                }
            }
        }
    }
    Ok(RulesJson {
        version: super::json::VERSION,
        account: account.to_owned(),
        posts: looked_at,
        rules: reports,
    })
}

/// The report as text: per rule a heading with its count, then one line per post.
pub fn format(report: &RulesJson) -> String {
    let mut out = String::new();
    if report.rules.is_empty() {
        out.push_str(
            "no [[rules]] in config.toml (the README's \"Rules\" shows how to write them)\n",
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} cached posts of {}; nothing is changed by this test",
        report.posts,
        clean_line(&report.account)
    );
    for rule in &report.rules {
        let posts = if rule.matches == 1 { "post" } else { "posts" };
        let _ = writeln!(
            out,
            "rule {} (line {}, {}): {} {posts}",
            rule.number, rule.line, rule.action, rule.matches
        );
        for post in &rule.posts {
            let _ = writeln!(
                out,
                "  {} #{} {} · {}",
                clean_line(&post.thread),
                post.seq,
                clean_line(&post.author),
                clean_line(&post.title)
            );
        }
    }
    out
}
