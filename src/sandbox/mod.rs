//! The embedded sandbox: a stateful in-memory imitation of the Commerce and
//! Beyond Identity APIs. It does not use the client in `crate::api`.

use color_eyre::eyre::{Result, eyre};

use crate::cli::SandboxArgs;

/// Runs the sandbox alone until Ctrl-C (`onboard sandbox`).
pub async fn run(_args: SandboxArgs) -> Result<()> {
    Err(eyre!("the sandbox is not built yet"))
}
