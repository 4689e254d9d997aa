//! Persistence the panels' jobs are handed, so they never reach into the
//! config module themselves (the app decides where things are kept).

use crate::secret::Secret;

/// Keeps the webhook secret the console just set on the store's integration,
/// so the next start's listener accepts deliveries signed with it.
pub trait SecretStore: Send + Sync {
    /// Blocking (file I/O): jobs call it from `spawn_blocking`.
    fn save_webhook_secret(&self, secret: &Secret) -> Result<(), String>;
}
