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
    /// The views (`V`) other than `activity`, by area id (`*`: the default).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub views: std::collections::BTreeMap<String, String>,
}

impl UiState {
    /// What to write over `disk` — `ui.json` as it is now, perhaps written by another
    /// reader on the same account — given `ours_before` (this reader's view at its last
    /// save) and `written` (what it wrote then). A set (collapsed nodes, dismissed
    /// banners) keeps what either side added and drops what either removed; the
    /// selection and the open thread are this reader's when it moved them, else the file's.
    #[must_use]
    pub fn merged_for_save(
        &self,
        ours_before: &UiState,
        written: &UiState,
        disk: &UiState,
    ) -> Self {
        fn set(
            ours: &BTreeSet<String>,
            ours_before: &BTreeSet<String>,
            disk: &BTreeSet<String>,
            written: &BTreeSet<String>,
        ) -> BTreeSet<String> {
            ours.union(disk)
                .filter(|key| match (ours.contains(*key), disk.contains(*key)) {
                    // On one side only: the other removed it when it was in the file
                    // and in this reader's view at the last save (a removal on either
                    // side wins); otherwise one side added it since (kept).
                    (true, false) | (false, true) => {
                        !written.contains(*key) || !ours_before.contains(*key)
                    }
                    _ => true,
                })
                .cloned()
                .collect()
        }
        fn one<T: Clone + PartialEq>(ours: &T, ours_before: &T, disk: &T) -> T {
            if ours == ours_before {
                disk.clone()
            } else {
                ours.clone()
            }
        }
        Self {
            collapsed: set(
                &self.collapsed,
                &ours_before.collapsed,
                &disk.collapsed,
                &written.collapsed,
            ),
            selected: one(&self.selected, &ours_before.selected, &disk.selected),
            open_thread: one(
                &self.open_thread,
                &ours_before.open_thread,
                &disk.open_thread,
            ),
            dismissed_banners: set(
                &self.dismissed_banners,
                &ours_before.dismissed_banners,
                &disk.dismissed_banners,
                &written.dismissed_banners,
            ),
            views: one(&self.views, &ours_before.views, &disk.views),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UiState;

    fn keys(names: &[&str]) -> std::collections::BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_banner_dismissed_in_one_reader_stays_dismissed_when_the_other_saves_last() {
        let start = UiState {
            collapsed: keys(&["s:a", "s:b"]),
            ..UiState::default()
        };
        // A dismissed a banner and expanded s:a, and saved.
        let a = UiState {
            collapsed: keys(&["s:b"]),
            dismissed_banners: keys(&["gray-out"]),
            ..start.clone()
        };
        let disk = a.merged_for_save(&start, &start, &start);
        // B collapsed s:c and moved the selection, from its stale copy.
        let b = UiState {
            collapsed: keys(&["s:a", "s:b", "s:c"]),
            selected: Some("t:x".into()),
            ..start.clone()
        };
        let written = b.merged_for_save(&start, &start, &disk);
        assert_eq!(written.dismissed_banners, keys(&["gray-out"]));
        assert_eq!(written.collapsed, keys(&["s:b", "s:c"]));
        assert_eq!(written.selected.as_deref(), Some("t:x"));
    }
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
            views: [("gov".to_owned(), "unread".to_owned())].into(),
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
