//! Command-line interface: the console (default) and its subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::sandbox::{SandboxConfig, StoreShape};

/// Terminal console to onboard account members of an Elastic Path Commerce store.
///
/// With no Commerce credentials configured it starts an embedded sandbox on
/// loopback, so the whole flow can be tried without a store.
#[derive(Debug, Parser)]
#[command(name = "onboard", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by the console and the subcommands that talk to a store.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Config file (TOML). Default: the platform config dir, e.g. ~/.config/onboard/config.toml.
    #[arg(long, global = true, env = "ONBOARD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Named store profile from the config file.
    #[arg(long, global = true, env = "ONBOARD_PROFILE")]
    pub profile: Option<String>,

    /// Commerce API base URL, e.g. https://useast.api.elasticpath.com.
    #[arg(long, global = true, env = "EPCC_API_BASE_URL")]
    pub base_url: Option<String>,

    /// Commerce client id.
    #[arg(long, global = true, env = "EPCC_CLIENT_ID")]
    pub client_id: Option<String>,

    /// Commerce client secret. On the command line it is visible to every
    /// local user (`ps`): prefer --client-secret-file, EPCC_CLIENT_SECRET or
    /// the config file.
    #[arg(long, global = true, env = "EPCC_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// File holding the Commerce client secret (first line; surrounding
    /// whitespace is ignored). Wins over --client-secret / EPCC_CLIENT_SECRET.
    #[arg(long, global = true, env = "EPCC_CLIENT_SECRET_FILE")]
    pub client_secret_file: Option<PathBuf>,

    /// Refuse every write (token requests excepted) before it is sent.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Client-side rate limit in requests per second (0 lifts it; default 20).
    /// Give it before the subcommand: `onboard --rate-limit 5 check`.
    #[arg(long)]
    pub rate_limit: Option<f64>,

    /// Seed the console's embedded sandbox with N demo members (about 10 %
    /// pending). Only without credentials; give it before any subcommand.
    #[arg(long = "seed")]
    pub sandbox_seed: Option<usize>,

    /// With --seed: spread the embedded sandbox's members over M accounts (many
    /// members per account) instead of one account per member.
    #[arg(long = "seed-accounts", requires = "sandbox_seed")]
    pub sandbox_seed_accounts: Option<usize>,

    /// Give the embedded sandbox a real store's limits: `dev` (25 req/s, 429
    /// above, 30-80 ms latency) or `prod` (100 req/s). The console then keeps
    /// its own client rate limit instead of lifting it.
    #[arg(long = "store", value_enum)]
    pub sandbox_store: Option<StoreArg>,

    /// Capture the mouse (off by default: it breaks terminal text selection).
    #[arg(long, global = true)]
    pub mouse: bool,

    /// Address the OTP webhook listener binds to (default 127.0.0.1:8787).
    #[arg(long = "listen", global = true)]
    pub listen: Option<SocketAddr>,

    /// Public URL Commerce should deliver webhooks to (for a real store).
    #[arg(long, global = true)]
    pub public_url: Option<String>,

    /// Beyond Identity API base URL (e.g. https://api.byndid.com).
    #[arg(long, global = true, env = "BI_API_BASE_URL")]
    pub bi_base_url: Option<String>,

    /// Beyond Identity API token (prefer BI_API_TOKEN or the config file: a
    /// flag is visible in `ps`).
    #[arg(long, global = true, env = "BI_API_TOKEN", hide_env_values = true)]
    pub bi_api_token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded sandbox alone (for curl, SDKs and other tools).
    Sandbox(SandboxArgs),
    /// Non-interactive readiness check of a store; exit code 0 only when ready.
    Check(CheckArgs),
    /// Run the OTP webhook listener without the UI.
    Listen(ListenArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Client id the sandbox accepts.
    #[arg(long = "sandbox-client-id", default_value = "sandbox-client-id")]
    pub client_id: String,
    /// Client secret the sandbox accepts.
    #[arg(long = "sandbox-client-secret", default_value = "sandbox-client-secret")]
    pub client_secret: String,
    /// Beyond Identity API token the sandbox accepts.
    #[arg(long, default_value = "sandbox-bi-token")]
    pub bi_token: String,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl: u64,
    /// Added latency per request, e.g. 200ms or 2s.
    #[arg(long, value_parser = parse_duration)]
    pub latency: Option<Duration>,
    /// Fraction of requests (0.0-1.0) answered with a 5xx.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Answer 429 above this many requests per second.
    #[arg(long = "rate-limit")]
    pub limit_rps: Option<u32>,
    /// Fraction of requests (0.0-1.0) whose connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Start with N demo members, some of them pending (no membership).
    #[arg(long)]
    pub seed: Option<usize>,
    /// With --seed: spread the members over M accounts (many members per
    /// account, about 10 % still pending) instead of one account per member.
    #[arg(long, requires = "seed")]
    pub seed_accounts: Option<usize>,
    /// A real store's limits: `dev` (25 req/s, 429 above, 30-80 ms latency) or
    /// `prod` (100 req/s, 30-80 ms). --rate-limit and --latency override them.
    #[arg(long, value_enum)]
    pub store: Option<StoreArg>,
    /// Keep state in this JSON file across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// A real store's shape for the sandbox (`--store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreArg {
    /// Development store: 25 req/s, 30-80 ms.
    Dev,
    /// Production store: 100 req/s, 30-80 ms.
    Prod,
}

impl StoreArg {
    pub fn shape(self) -> StoreShape {
        match self {
            StoreArg::Dev => StoreShape::Dev,
            StoreArg::Prod => StoreShape::Prod,
        }
    }
}

impl SandboxArgs {
    /// The sandbox's own settings from the flags: `--store` first, then the
    /// explicit `--rate-limit` and `--latency` over it.
    pub fn into_config(self) -> SandboxConfig {
        let mut faults = self.store.map(|s| s.shape().faults()).unwrap_or_default();
        if let Some(d) = self.latency {
            faults.latency_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            faults.latency_max_ms = 0;
        }
        if self.limit_rps.is_some() {
            faults.rate_limit = self.limit_rps;
        }
        faults.fail_rate = self.fail_rate;
        faults.drop_rate = self.drop_rate;
        SandboxConfig {
            bind: self.bind,
            client_id: self.client_id,
            client_secret: self.client_secret,
            bi_token: self.bi_token,
            token_ttl: Duration::from_secs(self.token_ttl),
            faults,
            seed: self.seed,
            seed_accounts: self.seed_accounts,
            state_file: self.state,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub bind: SocketAddr,
    /// Secret expected in X-Moltin-Secret-Key. On the command line it is
    /// visible to every local user (`ps`): prefer --secret-file,
    /// ONBOARD_WEBHOOK_SECRET or webhook_secret in the config.
    #[arg(long, env = "ONBOARD_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// File holding the webhook secret (first line; surrounding whitespace is
    /// ignored). Wins over --secret / ONBOARD_WEBHOOK_SECRET.
    #[arg(long, env = "ONBOARD_WEBHOOK_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,
    /// Print each accepted event as one JSON line (the event as received).
    #[arg(long)]
    pub json: bool,
    /// Event log file (default: events.jsonl in the data dir).
    #[arg(long)]
    pub events_file: Option<PathBuf>,
    /// Seconds to receive a request head (default 10; `[listener]` in the config).
    #[arg(long, value_parser = parse_seconds)]
    pub header_timeout: Option<Duration>,
    /// Seconds to receive a body once its head is in (default 10).
    #[arg(long, value_parser = parse_seconds)]
    pub body_timeout: Option<Duration>,
    /// Seconds before a connection with no request in flight is closed (default 5).
    #[arg(long, value_parser = parse_seconds)]
    pub idle_timeout: Option<Duration>,
    /// Cap on open connections (default 1024, always kept below the file limit).
    #[arg(long)]
    pub max_connections: Option<usize>,
}

/// Parses a number of seconds (`10`, `0.5`) or a duration with a unit (`250ms`, `2s`, `1m`).
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        parse_duration(&format!("{t}s"))
    } else {
        parse_duration(t)
    }
}

/// Parses `250ms`, `2s`, `1m` or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "ms"),
    };
    let n: f64 = num.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit in {s:?} (use ms, s or m)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("not a duration: {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("100"), Ok(Duration::from_millis(100)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("x").is_err());
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_seconds("200ms"), Ok(Duration::from_millis(200)));
        assert!(parse_seconds("-1").is_err());
    }

    #[test]
    fn sandbox_flags_become_sandbox_settings() {
        let cli = Cli::parse_from([
            "onboard",
            "sandbox",
            "--store",
            "dev",
            "--seed",
            "100",
            "--seed-accounts",
            "5",
        ]);
        let Some(Command::Sandbox(args)) = cli.command else { panic!("not the sandbox") };
        let cfg = args.into_config();
        assert_eq!(cfg.seed, Some(100));
        assert_eq!(cfg.seed_accounts, Some(5));
        assert_eq!(cfg.faults.rate_limit, Some(25));
        assert_eq!((cfg.faults.latency_ms, cfg.faults.latency_max_ms), (30, 80));
        // explicit flags win over the store shape
        let cli = Cli::parse_from([
            "onboard",
            "sandbox",
            "--store",
            "dev",
            "--rate-limit",
            "5",
            "--latency",
            "2ms",
        ]);
        let Some(Command::Sandbox(args)) = cli.command else { panic!("not the sandbox") };
        let cfg = args.into_config();
        assert_eq!(cfg.faults.rate_limit, Some(5));
        assert_eq!((cfg.faults.latency_ms, cfg.faults.latency_max_ms), (2, 0));
        // --seed-accounts needs --seed
        assert!(Cli::try_parse_from(["onboard", "sandbox", "--seed-accounts", "5"]).is_err());
        // the console's embedded sandbox takes the same shape flags
        let cli =
            Cli::parse_from(["onboard", "--seed", "50", "--seed-accounts", "2", "--store", "dev"]);
        assert_eq!(cli.global.sandbox_seed_accounts, Some(2));
        assert_eq!(cli.global.sandbox_store, Some(StoreArg::Dev));
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
