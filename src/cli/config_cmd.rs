//! `threadmark config path|keys|theme|defaults`: where things are, and the shipped defaults
//! an installed binary carries inside it (there is no `assets/` folder beside it).

use super::args::{ConfigCommand, PathKind};
use crate::account::Setup;
use crate::app::input::keymap::DEFAULT_KEYMAP;
use crate::config::DEFAULT_CONFIG;
use crate::ui::theme::DEFAULT_THEME;
use std::io::Write;

/// Runs a `config` command, printing to `out`.
pub fn run_config_command(
    setup: &Setup,
    command: &ConfigCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Path { which } => {
            let path = match which {
                PathKind::Config => setup.config_path.clone(),
                PathKind::Data => setup.data.root().to_owned(),
                PathKind::Logs => setup.data.log_dir(),
            };
            writeln!(out, "{}", path.display())?;
        }
        ConfigCommand::Keys => out.write_all(DEFAULT_KEYMAP.as_bytes())?,
        ConfigCommand::Theme => out.write_all(DEFAULT_THEME.as_bytes())?,
        ConfigCommand::Defaults => out.write_all(DEFAULT_CONFIG.as_bytes())?,
    }
    Ok(())
}
