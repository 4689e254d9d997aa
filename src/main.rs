use clap::{CommandFactory, FromArgMatches};
use color_eyre::eyre::{Result, eyre};

use onboard::cli::{Cli, Command, ListenArgs};
use onboard::config::{Config, DEFAULT_LISTEN};
use onboard::secret::Secret;
use onboard::webhook::{EVENTS_FILE, ListenSettings};
use onboard::{app, check, config, logging, sandbox, secret, webhook};

fn main() {
    // Panics get color-eyre's report; ordinary errors a one-line message.
    let _ = color_eyre::install();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Before any UI: a secret given as a flag is visible to every local user.
    for flag in secret_flags_on_argv(&matches) {
        eprintln!(
            "onboard: warning: --{flag} on the command line is visible to other local users \
             (ps); use --{flag}-file or the environment variable instead"
        );
    }
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("onboard: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

/// The secret-bearing flags that were given on the command line itself (not
/// through their environment variable).
fn secret_flags_on_argv(matches: &clap::ArgMatches) -> Vec<&'static str> {
    use clap::parser::ValueSource;
    let on_argv = |m: &clap::ArgMatches, id: &str| {
        m.try_get_raw(id).ok().flatten().is_some()
            && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    let mut out = Vec::new();
    for (id, flag) in [("client_secret", "client-secret"), ("bi_api_token", "bi-api-token")] {
        if on_argv(matches, id) || sub.is_some_and(|m| on_argv(m, id)) {
            out.push(flag);
        }
    }
    if let Some(("listen", m)) = matches.subcommand()
        && on_argv(m, "secret")
    {
        out.push("secret");
    }
    out
}

fn run(cli: Cli) -> Result<i32> {
    let cfg = config::load(&cli.global)?;
    let log_guard = logging::init_file_logging(&cfg.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let code = runtime.block_on(async move {
        match cli.command {
            Some(Command::Sandbox(args)) => sandbox::run(args.into_config()).await.map(|_| 0),
            Some(Command::Listen(args)) => {
                let settings = listen_settings(&cfg, &args)?;
                webhook::run_listen(settings).await.map(|_| 0)
            }
            Some(Command::Check(args)) => check::run(cfg, args).await,
            None => app::run::run(cfg).await.map(|_| 0),
        }
    });
    drop(runtime);
    drop(log_guard); // flush the log before the process exits
    code
}

/// Translates `onboard listen`'s flags and the config into the listener's
/// own settings.
fn listen_settings(cfg: &Config, args: &ListenArgs) -> Result<ListenSettings> {
    // The secret: --secret-file / ONBOARD_WEBHOOK_SECRET_FILE, then --secret /
    // ONBOARD_WEBHOOK_SECRET, then the config. Required; an explicitly empty
    // secret disables the check.
    let given = match (&args.secret_file, &args.secret) {
        (Some(path), _) => Some(secret::read_secret_file(path)?),
        (None, Some(s)) => Some(Secret::from(s.clone())),
        (None, None) => cfg.webhook_secret.clone(),
    };
    let secret = match given {
        Some(s) if s.is_empty() => None,
        Some(s) => Some(s),
        None => {
            return Err(eyre!(
                "a webhook secret is required: pass --secret-file FILE, set \
                 ONBOARD_WEBHOOK_SECRET or webhook_secret in the config (--secret '' accepts \
                 deliveries without a check)"
            ));
        }
    };
    // `--bind` has a default; a `listen` address from the config or the global
    // `--listen` flag applies when `--bind` was left at it.
    let default: std::net::SocketAddr = DEFAULT_LISTEN.parse().map_err(|e| eyre!("{e}"))?;
    let bind = if args.bind == default { cfg.listen } else { args.bind };
    let mut limits = cfg.listener.limits;
    if let Some(t) = args.header_timeout {
        limits.header_timeout = t;
    }
    if let Some(t) = args.body_timeout {
        limits.body_timeout = t;
    }
    if let Some(t) = args.idle_timeout {
        limits.idle_timeout = t;
    }
    if let Some(n) = args.max_connections {
        limits.max_connections = n;
    }
    Ok(ListenSettings {
        bind,
        secret,
        json: args.json,
        events_file: args.events_file.clone().unwrap_or_else(|| cfg.data_dir.join(EVENTS_FILE)),
        public_url: cfg.public_url.clone(),
        max_body: cfg.listener.max_body,
        limits,
        journal: cfg.listener.journal,
    })
}
