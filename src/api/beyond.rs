//! Beyond Identity legacy API (§4): create and recover users.

use reqwest::Method;
use serde_json::json;

use super::decode;
use super::error::ApiError;
use super::http::{Auth, ClientConfig, Core, Observer, Req, Retry};
use super::models::{BiUser, BiUserInput};
use crate::secret::Secret;

/// Client of a Beyond Identity tenant (bearer = the tenant API token).
#[derive(Clone)]
pub struct BiClient {
    inner: std::sync::Arc<(Core, Secret)>,
}

impl BiClient {
    pub fn new(
        base_url: impl Into<String>,
        api_token: Secret,
        observer: Option<Observer>,
    ) -> Result<Self, ApiError> {
        if api_token.is_empty() {
            return Err(ApiError::Config("no Beyond Identity API token configured".into()));
        }
        let mut cfg = ClientConfig::new(base_url, "", None);
        cfg.observer = observer;
        Ok(BiClient { inner: std::sync::Arc::new((Core::new(&cfg)?, api_token)) })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.0.base_url
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<BiUser, ApiError> {
        let (core, token) = &*self.inner;
        let req = Req::new(Method::POST, path, Auth::Static(token.clone()))
            .json(body)
            .retry(Retry::Only429);
        let r = core.execute(req).await?;
        decode::bi_user(r.status, &r.body)
    }

    /// `POST /v1/manage/users`: creates the user and sends the enrolment e-mail.
    /// Errors keep the raw body in `ApiError::Http::body` (undocumented shape).
    pub async fn create_user(&self, input: &BiUserInput) -> Result<BiUser, ApiError> {
        let body = json!({
            "external_id": input.external_id,
            "email": input.email,
            "user_name": input.user_name,
            "display_name": input.display_name,
            "binding_token_delivery_method": "email",
        });
        self.post("/v1/manage/users", body).await
    }

    /// `POST /v1/manage/recover-user`: re-sends the enrolment e-mail.
    pub async fn recover_user(&self, external_id: &str) -> Result<BiUser, ApiError> {
        let body = json!({"external_id": external_id, "binding_token_delivery_method": "email"});
        self.post("/v1/manage/recover-user", body).await
    }
}
