//! Where the app keeps what the panels' jobs hand over for safekeeping.

use std::path::PathBuf;

use crate::secret::Secret;
use crate::ui::SecretStore;

/// The webhook secret goes into the chosen profile of the config file
/// (mode 0600), so the next start's listener expects it.
#[derive(Debug, Clone)]
pub struct ConfigSecretStore {
    pub path: PathBuf,
    pub profile: String,
}

impl SecretStore for ConfigSecretStore {
    fn save_webhook_secret(&self, secret: &Secret) -> Result<(), String> {
        crate::config::save_webhook_secret(&self.path, &self.profile, secret)
            .map_err(|e| format!("{e:#}"))
    }
}
