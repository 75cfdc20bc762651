//! What the reader remembers between runs (collapsed tree nodes, the selection, the open
//! thread, dismissed announcements). The store keeps it in `ui.json`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The remembered view. Tree nodes are named by stable keys (`s:<id>`, `a:<id>`, `t:<id>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiState {
    /// Tree nodes the user collapsed (everything else is expanded, new nodes included).
    #[serde(default)]
    pub collapsed: BTreeSet<String>,
    #[serde(default)]
    pub selected: Option<String>,
    #[serde(default)]
    pub open_thread: Option<String>,
    /// Announcement ids the user dismissed.
    #[serde(default)]
    pub dismissed_banners: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::UiState;
    use crate::store::{DataDir, Problem, load_ui_state, save_ui_state};

    #[test]
    fn ui_state_round_trips_and_a_corrupt_file_is_kept_aside() {
        let temp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(temp.path()).account("demo");
        std::fs::create_dir_all(dir.root()).unwrap();
        assert_eq!(load_ui_state(&dir).unwrap(), (UiState::default(), None));
        let ui = UiState {
            collapsed: ["s:x".to_owned()].into(),
            selected: Some("t:advocacy-1".into()),
            open_thread: Some("advocacy-1".into()),
            dismissed_banners: ["gray-out".to_owned()].into(),
        };
        save_ui_state(&dir, &ui).unwrap();
        let text = std::fs::read_to_string(dir.ui_state()).unwrap();
        assert!(text.starts_with("{\"schema\":1"), "{text}");
        assert_eq!(load_ui_state(&dir).unwrap(), (ui, None));

        std::fs::write(dir.ui_state(), "{not json").unwrap();
        let (loaded, problem) = load_ui_state::<UiState>(&dir).unwrap();
        assert_eq!(loaded, UiState::default());
        assert!(matches!(problem, Some(Problem::Quarantined { .. })));
    }

    #[test]
    fn a_newer_ui_file_is_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(temp.path()).account("demo");
        std::fs::create_dir_all(dir.root()).unwrap();
        std::fs::write(dir.ui_state(), r#"{"schema":9,"collapsed":[]}"#).unwrap();
        let (_, problem) = load_ui_state::<UiState>(&dir).unwrap();
        assert!(matches!(problem, Some(Problem::NewerSchema { .. })));
        assert!(save_ui_state(&dir, &UiState::default()).is_err());
    }
}
