//! What the OTP panel asks the executor to do and what comes back.

use crate::api::{AmTokens, Integration, IntegrationLog, OtpPurpose, OtpRequestOutcome};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub enum OtpCall {
    /// Create, or repair (`existing`), the webhook integration pointing at `url`
    /// with a fresh secret.
    SetupIntegration {
        url: String,
        existing: Option<String>,
    },
    LoadLogs {
        integration_id: String,
    },
    Request {
        profile_id: String,
        username: String,
        purpose: OtpPurpose,
    },
    Exchange {
        profile_id: String,
        username: String,
        code: Secret,
    },
    Reset(ResetRequest),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResetRequest {
    pub realm: String,
    pub user_id: String,
    pub profile_info_id: Option<String>,
    pub profile_id: String,
    pub username: String,
    pub new_password: Secret,
    pub am_token: Secret,
}

#[derive(Debug, Clone)]
pub enum OtpReply {
    Integration(Box<Integration>),
    Logs(Vec<IntegrationLog>),
    Requested(OtpRequestOutcome),
    Exchanged(AmTokens),
    /// The password was changed and the log-in with it returned these tokens.
    Reset(AmTokens),
}
