//! The OTP webhook listener.

use color_eyre::eyre::{Result, eyre};

use crate::cli::ListenArgs;
use crate::config::Config;

/// Runs the listener without the UI (`onboard listen`).
pub async fn run_listen(_config: Config, _args: ListenArgs) -> Result<()> {
    Err(eyre!("the listener is not built yet"))
}
