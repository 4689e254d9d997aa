use clap::Parser;
use color_eyre::eyre::Result;

use onboard::cli::{Cli, Command};
use onboard::{app, check, config, logging, sandbox, webhook};

fn main() {
    // Panics get color-eyre's report; ordinary errors a one-line message.
    let _ = color_eyre::install();
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("onboard: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    let cfg = config::load(&cli.global)?;
    let log_guard = logging::init_file_logging(&cfg.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let code = runtime.block_on(async move {
        match cli.command {
            Some(Command::Sandbox(args)) => sandbox::run(args.into_config()).await.map(|_| 0),
            Some(Command::Listen(args)) => webhook::run_listen(cfg, args).await.map(|_| 0),
            Some(Command::Check(args)) => check::run(cfg, args).await,
            None => app::run::run(cfg).await.map(|_| 0),
        }
    });
    drop(runtime);
    drop(log_guard); // flush the log before the process exits
    code
}
