//! Rules: what the user's `[[rules]]` do to the posts they match (hide, dim, mark read,
//! highlight, score), decided as the cache is read and never written back to it.

use jiff::{SignedDuration, Timestamp};
use regex::Regex;

/// What a rule does to a post it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    /// Left out of what is read and counted; the reader shows a one-line stub.
    Hide,
    /// Shown greyed.
    Dim,
    /// Marked read when it arrives (the mark is an ordinary one: undoable).
    Read,
    /// Shown picked out.
    Highlight,
    /// Adds to the post's score (and so to its thread's).
    Score(i64),
}

impl RuleAction {
    /// The name used in `config.toml`.
    pub fn name(self) -> &'static str {
        match self {
            RuleAction::Hide => "hide",
            RuleAction::Dim => "dim",
            RuleAction::Read => "read",
            RuleAction::Highlight => "highlight",
            RuleAction::Score(_) => "score",
        }
    }
}

/// What a post must be for a rule to apply: every key given must match.
#[derive(Clone, Debug, Default)]
pub struct RuleMatch {
    /// The author's name, lowercased (compared case-insensitively).
    pub author: Option<String>,
    pub title: Option<Regex>,
    pub body: Option<Regex>,
    /// An area's id, or its title compared case-insensitively.
    pub area: Option<String>,
    /// A thread id.
    pub thread: Option<String>,
    /// An account name.
    pub account: Option<String>,
    /// Posts written longer ago than this.
    pub older_than: Option<SignedDuration>,
    /// Posts whose score from the score rules above this one is below this.
    pub score_below: Option<i64>,
}

/// One rule: its place in the config (1-based), the line it starts on, and what it does.
#[derive(Clone, Debug)]
pub struct Rule {
    pub number: usize,
    pub line: usize,
    pub matches: RuleMatch,
    pub action: RuleAction,
}

/// What a rule is asked about a post.
#[derive(Clone, Copy, Debug)]
pub struct PostFacts<'a> {
    pub account: &'a str,
    pub area_id: &'a str,
    pub area_title: &'a str,
    pub thread_id: &'a str,
    pub thread_title: &'a str,
    pub author: &'a str,
    /// The post's text as plain text (what `body` regexes look at).
    pub body: &'a str,
    pub created_at: Timestamp,
}

/// What the rules decided for one post.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The number of the first rule that hides it.
    pub hidden_by: Option<usize>,
    pub dim: bool,
    pub read: bool,
    /// The number of the first `read` rule that matched.
    pub read_by: Option<usize>,
    pub highlight: bool,
    pub score: i64,
    /// Every rule that matched, by number, in config order.
    pub matched: Vec<usize>,
}

impl Verdict {
    pub fn hidden(&self) -> bool {
        self.hidden_by.is_some()
    }
}

/// The user's rules, compiled once, in config order.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// Two sets are equal when they hold the same rules (regexes compared as written).
impl PartialEq for RuleSet {
    fn eq(&self, other: &Self) -> bool {
        let regex = |r: &Option<Regex>| r.as_ref().map(Regex::as_str).map(str::to_owned);
        let key = |r: &Rule| {
            let m = &r.matches;
            (
                r.number,
                r.line,
                r.action,
                (
                    m.author.clone(),
                    regex(&m.title),
                    regex(&m.body),
                    m.area.clone(),
                ),
                (
                    m.thread.clone(),
                    m.account.clone(),
                    m.older_than,
                    m.score_below,
                ),
            )
        };
        self.rules.len() == other.rules.len()
            && self
                .rules
                .iter()
                .zip(&other.rules)
                .all(|(a, b)| key(a) == key(b))
    }
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Self {
        Self { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether any rule looks at a post's body (callers skip rendering it otherwise).
    pub fn needs_body(&self) -> bool {
        self.rules.iter().any(|r| r.matches.body.is_some())
    }

    /// Whether any rule can apply in `account`.
    pub fn any_for(&self, account: &str) -> bool {
        self.rules.iter().any(|r| {
            r.matches
                .account
                .as_deref()
                .is_none_or(|a| a.eq_ignore_ascii_case(account))
        })
    }

    /// Applies every rule to one post, in order (a score rule's points count for the
    /// `score_below` of the rules after it).
    pub fn judge(&self, post: &PostFacts<'_>, now: Timestamp) -> Verdict {
        let mut verdict = Verdict::default();
        for rule in &self.rules {
            if !rule.matches.applies(post, verdict.score, now) {
                continue;
            }
            verdict.matched.push(rule.number);
            match rule.action {
                RuleAction::Hide => {
                    verdict.hidden_by.get_or_insert(rule.number);
                }
                RuleAction::Dim => verdict.dim = true,
                RuleAction::Read => {
                    verdict.read = true;
                    verdict.read_by.get_or_insert(rule.number);
                }
                RuleAction::Highlight => verdict.highlight = true,
                RuleAction::Score(points) => verdict.score = verdict.score.saturating_add(points),
            }
        }
        verdict
    }
}

impl RuleMatch {
    fn applies(&self, post: &PostFacts<'_>, score: i64, now: Timestamp) -> bool {
        let text = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        let regex =
            |want: &Option<Regex>, have: &str| want.as_ref().is_none_or(|r| r.is_match(have));
        text(&self.author, post.author)
            && text(&self.account, post.account)
            && self.thread.as_deref().is_none_or(|t| t == post.thread_id)
            && self
                .area
                .as_deref()
                .is_none_or(|a| a == post.area_id || a.eq_ignore_ascii_case(post.area_title))
            && self
                .older_than
                .is_none_or(|age| now.duration_since(post.created_at) > age)
            && self.score_below.is_none_or(|below| score < below)
            && regex(&self.title, post.thread_title)
            && regex(&self.body, post.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(author: &'a str, title: &'a str, body: &'a str) -> PostFacts<'a> {
        PostFacts {
            account: "work",
            area_id: "gov",
            area_title: "Governance",
            thread_id: "t1",
            thread_title: title,
            author,
            body,
            created_at: Timestamp::from_second(1_000_000).unwrap(),
        }
    }

    fn rule(number: usize, matches: RuleMatch, action: RuleAction) -> Rule {
        Rule {
            number,
            line: number,
            matches,
            action,
        }
    }

    #[test]
    fn every_given_key_must_match_and_actions_add_up() {
        let rules = RuleSet::new(vec![
            rule(
                1,
                RuleMatch {
                    title: Some(Regex::new("(?i)budget").unwrap()),
                    area: Some("governance".into()),
                    ..RuleMatch::default()
                },
                RuleAction::Score(50),
            ),
            rule(
                2,
                RuleMatch {
                    author: Some("spammer42".into()),
                    ..RuleMatch::default()
                },
                RuleAction::Hide,
            ),
            rule(
                3,
                RuleMatch {
                    score_below: Some(10),
                    ..RuleMatch::default()
                },
                RuleAction::Dim,
            ),
        ]);
        let now = Timestamp::from_second(2_000_000).unwrap();
        let v = rules.judge(&facts("SPAMMER42", "The Budget", ""), now);
        assert_eq!(v.hidden_by, Some(2));
        assert_eq!(v.score, 50);
        assert!(!v.dim, "scored 50, not below 10");
        assert_eq!(v.matched, vec![1, 2]);
        let v = rules.judge(&facts("ann", "Lunch", ""), now);
        assert_eq!((v.hidden_by, v.score, v.dim), (None, 0, true));
    }

    #[test]
    fn older_than_compares_the_post_age() {
        let rules = RuleSet::new(vec![rule(
            1,
            RuleMatch {
                older_than: Some(SignedDuration::from_hours(24)),
                ..RuleMatch::default()
            },
            RuleAction::Read,
        )]);
        let post = facts("ann", "x", "");
        let day_after = post.created_at + SignedDuration::from_hours(25);
        let hour_after = post.created_at + SignedDuration::from_hours(1);
        assert!(rules.judge(&post, day_after).read);
        assert!(!rules.judge(&post, hour_after).read);
    }

    #[test]
    fn a_pathological_regex_runs_in_linear_time() {
        // `(a*)*b` against a long run of `a`s takes exponential time in a backtracking
        // engine; the `regex` crate's automata answer in one pass.
        let rules = RuleSet::new(vec![rule(
            1,
            RuleMatch {
                body: Some(Regex::new("(a*)*b").unwrap()),
                ..RuleMatch::default()
            },
            RuleAction::Hide,
        )]);
        let body = "a".repeat(100_000);
        let now = Timestamp::from_second(2_000_000).unwrap();
        assert!(!rules.judge(&facts("ann", "x", &body), now).hidden());
        let body = format!("{body}b");
        assert!(rules.judge(&facts("ann", "x", &body), now).hidden());
    }
}
