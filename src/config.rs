//! Configuration: a TOML file (named profiles), then env, then flags, merged
//! into one [`Config`].
//!
//! Precedence, lowest first: the file's top level, the chosen `[profiles.NAME]`
//! table, environment variables (`EPCC_*`, `BI_*`, `ONBOARD_*`), flags.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Context, Result, eyre};
use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;
use crate::secret::Secret;

/// Default client-side rate limit (requests per second).
pub const DEFAULT_RATE_LIMIT: f64 = 20.0;
/// Default bind address of the OTP webhook listener.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// One store's settings as written in the file (top level or a profile table).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileProfile {
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub read_only: Option<bool>,
    pub rate_limit: Option<f64>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub webhook_secret: Option<Secret>,
    pub bi_base_url: Option<String>,
    pub bi_api_token: Option<Secret>,
}

/// The config file: defaults at the top level, `profile = "name"` to pick one,
/// and `[profiles.NAME]` tables.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub profile: Option<String>,
    pub mouse: Option<bool>,
    #[serde(flatten)]
    pub defaults: FileProfile,
    #[serde(default)]
    pub profiles: BTreeMap<String, FileProfile>,
}

impl FileProfile {
    /// Fields of `over` win over fields of `self`.
    fn overlay(self, over: FileProfile) -> FileProfile {
        FileProfile {
            base_url: over.base_url.or(self.base_url),
            client_id: over.client_id.or(self.client_id),
            client_secret: over.client_secret.or(self.client_secret),
            read_only: over.read_only.or(self.read_only),
            rate_limit: over.rate_limit.or(self.rate_limit),
            listen: over.listen.or(self.listen),
            public_url: over.public_url.or(self.public_url),
            webhook_secret: over.webhook_secret.or(self.webhook_secret),
            bi_base_url: over.bi_base_url.or(self.bi_base_url),
            bi_api_token: over.bi_api_token.or(self.bi_api_token),
        }
    }
}

/// Credentials of a real Commerce store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreCredentials {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// Beyond Identity settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BiConfig {
    pub base_url: String,
    pub api_token: Secret,
}

/// Everything the program needs, merged from file, env and flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None` means: no credentials, run on the embedded sandbox.
    pub store: Option<StoreCredentials>,
    pub profile: String,
    pub read_only: bool,
    /// Requests per second; `0` lifts the limit.
    pub rate_limit: f64,
    pub mouse: bool,
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub webhook_secret: Option<Secret>,
    pub bi: Option<BiConfig>,
    /// The config file in use (it may not exist yet).
    pub config_path: Option<PathBuf>,
    /// Where logs, the audit log and the event log live.
    pub data_dir: PathBuf,
    /// Demo members for the embedded sandbox (`--seed N`).
    pub sandbox_seed: Option<usize>,
    /// Accounts the embedded sandbox spreads them over (`--seed-accounts M`).
    pub sandbox_seed_accounts: Option<usize>,
    /// A real store's limits for the embedded sandbox (`--store dev`).
    pub sandbox_store: Option<crate::sandbox::StoreShape>,
}

impl Config {
    pub fn is_sandbox(&self) -> bool {
        self.store.is_none()
    }
}

/// Platform directories for this program.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("com", "onboard", "onboard")
}

/// The default config file path.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The data dir: `ONBOARD_DATA_DIR` when set, else the platform data dir.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ONBOARD_DATA_DIR") {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("onboard"))
}

/// Reads and parses a config file. A missing file is an empty config.
pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(e) => return Err(e).wrap_err_with(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text).map_err(|e| eyre!("{}: {}", path.display(), e.message()))
}

/// Merges file, env (already folded into `args` by clap) and flags.
pub fn load(args: &GlobalArgs) -> Result<Config> {
    let explicit = args.config.is_some();
    let config_path = args.config.clone().or_else(default_config_path);
    let file = match &config_path {
        Some(p) if explicit && !p.exists() => {
            return Err(eyre!("config file {} does not exist", p.display()));
        }
        Some(p) => read_file(p)?,
        None => FileConfig::default(),
    };
    merge(file, args, config_path, default_data_dir())
}

/// The pure part of [`load`], for tests.
pub fn merge(
    file: FileConfig,
    args: &GlobalArgs,
    config_path: Option<PathBuf>,
    data_dir: PathBuf,
) -> Result<Config> {
    let profile_name =
        args.profile.clone().or(file.profile.clone()).unwrap_or_else(|| "default".to_owned());
    let chosen = match file.profiles.get(&profile_name) {
        Some(p) => p.clone(),
        None if args.profile.is_some() || file.profile.is_some() => {
            let known: Vec<_> = file.profiles.keys().cloned().collect();
            if profile_name != "default" || !known.is_empty() {
                return Err(eyre!(
                    "profile {profile_name:?} is not in the config file (known: {})",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ));
            }
            FileProfile::default()
        }
        None => FileProfile::default(),
    };
    let flags = FileProfile {
        base_url: args.base_url.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone().map(Secret::from),
        read_only: args.read_only.then_some(true),
        rate_limit: args.rate_limit,
        listen: args.listen,
        public_url: args.public_url.clone(),
        webhook_secret: std::env::var("ONBOARD_WEBHOOK_SECRET").ok().map(Secret::from),
        bi_base_url: args.bi_base_url.clone(),
        bi_api_token: args.bi_api_token.clone().map(Secret::from),
    };
    let p = file.defaults.clone().overlay(chosen).overlay(flags);

    let store = match (p.client_id.clone(), p.client_secret.clone()) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
            let base_url = p
                .base_url
                .clone()
                .unwrap_or_else(|| "https://useast.api.elasticpath.com".to_owned());
            let base_url = base_url.trim_end_matches('/').to_owned();
            if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                return Err(eyre!("base_url must start with https:// (got {base_url:?})"));
            }
            Some(StoreCredentials { base_url, client_id: id, client_secret: secret })
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(eyre!(
                "incomplete credentials: set both EPCC_CLIENT_ID and EPCC_CLIENT_SECRET \
                 (or client_id and client_secret in the config), or neither to use the sandbox"
            ));
        }
        _ => None,
    };
    let rate_limit = p.rate_limit.unwrap_or(DEFAULT_RATE_LIMIT);
    if !rate_limit.is_finite() || rate_limit < 0.0 {
        return Err(eyre!("rate_limit must be a number >= 0 (0 lifts the limit)"));
    }
    let listen = match p.listen {
        Some(a) => a,
        None => DEFAULT_LISTEN.parse().map_err(|e| eyre!("{e}"))?,
    };
    let bi = match (p.bi_base_url, p.bi_api_token) {
        (url, Some(token)) if !token.is_empty() => Some(BiConfig {
            base_url: url
                .unwrap_or_else(|| "https://api.byndid.com".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            api_token: token,
        }),
        _ => None,
    };
    Ok(Config {
        store,
        profile: profile_name,
        read_only: p.read_only.unwrap_or(false),
        rate_limit,
        mouse: args.mouse || file.mouse.unwrap_or(false),
        listen,
        public_url: p.public_url,
        webhook_secret: p.webhook_secret,
        bi,
        config_path,
        data_dir,
        sandbox_seed: args.sandbox_seed,
        sandbox_seed_accounts: args.sandbox_seed_accounts,
        sandbox_store: args.sandbox_store.map(|s| s.shape()),
    })
}

/// Writes `text` to `path`, creating parent dirs; on Unix the file gets mode 0600
/// because config files may hold secrets.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(path).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Stores the webhook secret in the chosen profile of the config file
/// (created with mode 0600 when missing).
pub fn save_webhook_secret(path: &Path, profile: &str, secret: &Secret) -> Result<()> {
    let mut file = read_file(path)?;
    if file.profiles.contains_key(profile) {
        if let Some(p) = file.profiles.get_mut(profile) {
            p.webhook_secret = Some(secret.clone());
        }
    } else {
        file.defaults.webhook_secret = Some(secret.clone());
    }
    let text = toml::to_string_pretty(&file).map_err(|e| eyre!("{e}"))?;
    write_private(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> GlobalArgs {
        GlobalArgs::default()
    }

    #[test]
    fn no_credentials_means_sandbox() {
        let c = merge(FileConfig::default(), &args(), None, "/tmp/x".into()).unwrap();
        assert!(c.is_sandbox());
        assert_eq!(c.rate_limit, DEFAULT_RATE_LIMIT);
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.profile, "default");
    }

    #[test]
    fn profiles_then_flags() {
        let file: FileConfig = toml::from_str(
            r#"
            profile = "eu"
            rate_limit = 5
            [profiles.eu]
            base_url = "https://euwest.api.elasticpath.com/"
            client_id = "id-eu"
            client_secret = "s-eu"
            [profiles.us]
            client_id = "id-us"
            client_secret = "s-us"
            "#,
        )
        .unwrap();
        let c = merge(file.clone(), &args(), None, "/tmp".into()).unwrap();
        let store = c.store.unwrap();
        assert_eq!(store.base_url, "https://euwest.api.elasticpath.com");
        assert_eq!(store.client_id, "id-eu");
        assert_eq!(c.rate_limit, 5.0);

        let mut a = args();
        a.profile = Some("us".into());
        a.client_id = Some("flag-id".into());
        a.read_only = true;
        let c = merge(file.clone(), &a, None, "/tmp".into()).unwrap();
        assert_eq!(c.store.unwrap().client_id, "flag-id");
        assert!(c.read_only);

        a.profile = Some("nope".into());
        let err = merge(file, &a, None, "/tmp".into()).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn half_credentials_are_an_error() {
        let mut a = args();
        a.client_id = Some("x".into());
        assert!(merge(FileConfig::default(), &a, None, "/tmp".into()).is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("clientid = \"x\"").is_err());
    }

    #[test]
    fn secret_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        save_webhook_secret(&path, "default", &Secret::new("abc")).unwrap();
        let back = read_file(&path).unwrap();
        assert_eq!(back.defaults.webhook_secret.unwrap().expose(), "abc");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

#[cfg(test)]
mod example_tests {
    #[test]
    fn example_config_parses() {
        let file: super::FileConfig =
            toml::from_str(include_str!("../assets/config.example.toml")).unwrap();
        assert_eq!(file.profiles.len(), 2);
        assert_eq!(file.profiles["support"].read_only, Some(true));
    }
}
