//! Command-line interface: the console (default) and its subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

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
    /// Keep state in this JSON file across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
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
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
