use clap::Parser;
use color_eyre::eyre::Result;

use onboard::cli::{Cli, Command};
use onboard::{app, check, config, logging, sandbox, webhook};

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let cfg = config::load(&cli.global)?;
    let _log_guard = logging::init_file_logging(&cfg.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let code = runtime.block_on(async move {
        match cli.command {
            Some(Command::Sandbox(args)) => sandbox::run(args).await.map(|_| 0),
            Some(Command::Listen(args)) => webhook::run_listen(cfg, args).await.map(|_| 0),
            Some(Command::Check(args)) => check::run(cfg, args).await,
            None => app::run::run(cfg).await.map(|_| 0),
        }
    })?;
    drop(runtime);
    drop(_log_guard); // flush the log before exiting with a code
    std::process::exit(code);
}
