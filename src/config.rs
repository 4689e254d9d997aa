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
    /// `[listener]`: the webhook listener's limits and its event log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener: Option<ListenerFile>,
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

/// The `[listener]` table: limits (seconds, counts, bytes) and the event
/// log's rotation and retention. Every field is optional; the defaults are
/// those of [`crate::webhook`].
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListenerFile {
    pub header_timeout: Option<f64>,
    pub body_timeout: Option<f64>,
    pub idle_timeout: Option<f64>,
    pub max_connections: Option<usize>,
    pub max_body: Option<usize>,
    /// A segment of the event log is closed at this size (MiB)…
    pub segment_mib: Option<u64>,
    /// …or this age (minutes).
    pub segment_minutes: Option<u64>,
    /// Closed segments older than this are deleted (days).
    pub retention_days: Option<u64>,
    /// The oldest closed segments are deleted beyond this total (MiB).
    pub retention_mib: Option<u64>,
    /// Event ids remembered for deduplication (hours; Commerce retries within 30 minutes).
    pub dedupe_hours: Option<u64>,
    /// How many recent OTP events the console loads at start.
    pub console_events: Option<usize>,
}

/// The listener settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSettings {
    pub limits: crate::webhook::Limits,
    pub max_body: usize,
    pub journal: crate::webhook::journal::Policy,
    pub console_events: usize,
}

impl ListenerSettings {
    fn from_file(f: Option<&ListenerFile>) -> Result<ListenerSettings> {
        use crate::webhook::{DEFAULT_MAX_BODY, Limits, journal::Policy};
        use std::time::Duration;
        let d = ListenerFile::default();
        let f = f.unwrap_or(&d);
        let secs = |v: Option<f64>, name: &str, default: Duration| -> Result<Duration> {
            match v {
                None => Ok(default),
                Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Duration::from_secs_f64(s)),
                Some(_) => Err(eyre!("[listener] {name} must be a number of seconds > 0")),
            }
        };
        let l = Limits::default();
        let limits = Limits {
            header_timeout: secs(f.header_timeout, "header_timeout", l.header_timeout)?,
            body_timeout: secs(f.body_timeout, "body_timeout", l.body_timeout)?,
            idle_timeout: secs(f.idle_timeout, "idle_timeout", l.idle_timeout)?,
            max_connections: f.max_connections.unwrap_or(l.max_connections),
        };
        let p = Policy::default();
        const MIB: u64 = 1024 * 1024;
        let journal = Policy {
            segment_bytes: f.segment_mib.map_or(p.segment_bytes, |m| m.max(1) * MIB),
            segment_age: f
                .segment_minutes
                .map_or(p.segment_age, |m| Duration::from_secs(m.max(1) * 60)),
            retention_age: f
                .retention_days
                .map_or(p.retention_age, |d| Duration::from_secs(d.max(1) * 86_400)),
            retention_bytes: f.retention_mib.map_or(p.retention_bytes, |m| m.max(1) * MIB),
            dedupe_window: f
                .dedupe_hours
                .map_or(p.dedupe_window, |h| Duration::from_secs(h.max(1) * 3600)),
        };
        Ok(ListenerSettings {
            limits,
            max_body: f.max_body.unwrap_or(DEFAULT_MAX_BODY).max(1024),
            journal,
            console_events: f.console_events.unwrap_or(crate::webhook::DEFAULT_CONSOLE_EVENTS),
        })
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
    /// The webhook listener's limits and event log policy (`[listener]`).
    pub listener: ListenerSettings,
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
    // A secret file wins over the value (flag or EPCC_CLIENT_SECRET).
    let client_secret = match (&args.client_secret_file, &args.client_secret) {
        (Some(path), _) => Some(crate::secret::read_secret_file(path).map_err(|e| eyre!("{e}"))?),
        (None, Some(s)) => Some(Secret::from(s.clone())),
        (None, None) => None,
    };
    let flags = FileProfile {
        base_url: args.base_url.clone(),
        client_id: args.client_id.clone(),
        client_secret,
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
        listener: ListenerSettings::from_file(file.listener.as_ref())?,
    })
}

/// Writes `text` to `path`, creating parent dirs; on Unix the file gets mode 0600
/// because config files may hold secrets.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    // Mode 0600 through a temp file and a rename; missing directories 0700.
    crate::fsutil::write_atomic(path, text.as_bytes())
        .wrap_err_with(|| format!("cannot write {}", path.display()))
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
            assert_eq!(crate::fsutil::mode_of(path.parent().unwrap()), Some(0o700));
        }
    }

    #[test]
    fn listener_table_and_secret_file() {
        let file: FileConfig = toml::from_str(
            "[listener]\nheader_timeout = 2.5\nidle_timeout = 1\nmax_connections = 50\n\
             segment_mib = 4\nretention_days = 7\ndedupe_hours = 24\nconsole_events = 100\n",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("client-secret");
        std::fs::write(&secret, "from-a-file\n").unwrap();
        let a =
            GlobalArgs { client_id: Some("id".into()), client_secret_file: Some(secret), ..args() };
        let c = merge(file, &a, None, PathBuf::from("/tmp/x")).unwrap();
        assert_eq!(c.store.unwrap().client_secret.expose(), "from-a-file");
        let l = &c.listener;
        assert_eq!(l.limits.header_timeout, std::time::Duration::from_millis(2500));
        assert_eq!(l.limits.idle_timeout, std::time::Duration::from_secs(1));
        assert_eq!(l.limits.body_timeout, crate::webhook::DEFAULT_BODY_TIMEOUT);
        assert_eq!(l.limits.max_connections, 50);
        assert_eq!(l.journal.segment_bytes, 4 * 1024 * 1024);
        assert_eq!(l.journal.retention_age, std::time::Duration::from_secs(7 * 86_400));
        assert_eq!(l.journal.dedupe_window, std::time::Duration::from_secs(24 * 3600));
        assert_eq!(l.console_events, 100);
        let bad: FileConfig = toml::from_str("[listener]\nbody_timeout = -1\n").unwrap();
        assert!(merge(bad, &args(), None, PathBuf::from("/tmp/x")).is_err());
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
