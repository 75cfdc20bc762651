//! `budget.json`: the requests an account spent against its server's limits and the pause
//! the server imposed, so a restart (or a second threadmark on the account) does not start
//! from a full budget.

use super::file::{self, Durability, Loaded};
use super::{AccountDir, Problem, StoreError};
use crate::model::RequestLog;
use serde::{Deserialize, Serialize};

const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
struct BudgetFile {
    schema: u32,
    #[serde(flatten)]
    log: RequestLog,
}

/// The request log on disk; an unreadable file is set aside and counted as empty.
pub fn load_request_log(dir: &AccountDir) -> Result<(RequestLog, Option<Problem>), StoreError> {
    Ok(
        match file::load_versioned::<BudgetFile>(&dir.budget(), SCHEMA)? {
            Loaded::Ok(f) => (f.log, None),
            Loaded::Missing => (RequestLog::default(), None),
            Loaded::Unusable(problem) => (RequestLog::default(), Some(problem)),
        },
    )
}

/// Writes `log` joined with what is on disk (another process may have spent requests
/// meanwhile) and returns the joined log, which the caller should adopt.
pub fn save_request_log(dir: &AccountDir, log: &RequestLog) -> Result<RequestLog, StoreError> {
    let mut merged = log.clone();
    if let (on_disk, None) = load_request_log(dir)? {
        merged.merge(&on_disk);
    }
    std::fs::create_dir_all(dir.root()).map_err(|e| StoreError::io(dir.root(), e))?;
    let file = BudgetFile {
        schema: SCHEMA,
        log: merged,
    };
    file::save_versioned(&dir.budget(), &file, SCHEMA, Durability::Cache)?;
    Ok(file.log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DataDir;

    #[test]
    fn logs_round_trip_and_merge_with_what_another_process_wrote() {
        let data = tempfile::tempdir().unwrap();
        let dir = DataDir::new(data.path()).account("a");
        assert_eq!(load_request_log(&dir).unwrap().0, RequestLog::default());
        let first = RequestLog {
            sent: [10, 20].into(),
            ..RequestLog::default()
        };
        save_request_log(&dir, &first).unwrap();
        let second = RequestLog {
            sent: [15].into(),
            ..RequestLog::default()
        };
        let merged = save_request_log(&dir, &second).unwrap();
        assert_eq!(merged.sent, std::collections::VecDeque::from([10, 15, 20]));
        assert_eq!(load_request_log(&dir).unwrap().0, merged);

        std::fs::write(dir.budget(), b"{not json").unwrap();
        let (log, problem) = load_request_log(&dir).unwrap();
        assert_eq!(log, RequestLog::default());
        assert!(
            problem.is_some(),
            "a damaged file is reported and set aside"
        );
    }
}
