//! Where `mockbird login` keeps the server and credential: a JSON file
//! readable by its owner alone (0600), overridden by `MOCKBIRD_URL` and
//! `MOCKBIRD_TOKEN`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};

/// The server used when none is configured.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The saved configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The server's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// An API key (`mk_…`) or access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The config file: `$MOCKBIRD_CONFIG`, else `$XDG_CONFIG_HOME/mockbird/config.json`,
/// else `~/.config/mockbird/config.json`.
pub fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("MOCKBIRD_CONFIG") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("mockbird").join("config.json")
}

impl Config {
    /// The saved file (empty when there is none).
    pub fn load(file: &Path) -> CliResult<Config> {
        match std::fs::read(file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CliError::Usage(format!("{} is not a mockbird config: {e}", file.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(CliError::Usage(format!(
                "cannot read {}: {e}",
                file.display()
            ))),
        }
    }

    /// The saved file with `MOCKBIRD_URL` and `MOCKBIRD_TOKEN` laid over it.
    pub fn effective(file: &Path) -> CliResult<Config> {
        let mut config = Config::load(file)?;
        if let Some(url) = std::env::var("MOCKBIRD_URL").ok().filter(|u| !u.is_empty()) {
            config.url = Some(url);
        }
        if let Some(token) = std::env::var("MOCKBIRD_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
        {
            config.token = Some(token);
        }
        Ok(config)
    }

    /// The server, without a trailing `/`.
    pub fn url(&self) -> String {
        self.url
            .as_deref()
            .unwrap_or(DEFAULT_URL)
            .trim_end_matches('/')
            .to_owned()
    }

    /// Writes the file, created (or truncated) readable and writable by its owner only.
    pub fn save(&self, file: &Path) -> CliResult<()> {
        let fail =
            |e: std::io::Error| CliError::Usage(format!("cannot write {}: {e}", file.display()));
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(file).map_err(fail)?;
        // An existing file keeps its mode on open: set it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(fail)?;
        }
        let text = serde_json::to_string_pretty(self).expect("a config serializes");
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(fail)
    }
}
