//! Helpers shared by the sandbox tests: raw HTTP with reqwest and serde_json::Value.
#![allow(dead_code)]

use onboard::sandbox::{self, SandboxConfig, SandboxHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Sb {
    pub h: SandboxHandle,
    pub http: reqwest::Client,
    pub base: String,
    pub admin: String,
}

pub async fn start() -> Sb {
    start_with(SandboxConfig::local()).await
}

pub async fn start_with(cfg: SandboxConfig) -> Sb {
    let h = sandbox::spawn(cfg).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = h.base_url();
    let mut sb = Sb { h, http, base, admin: String::new() };
    sb.admin = sb.token("client_credentials").await;
    sb
}

impl Sb {
    pub async fn token(&self, grant: &str) -> String {
        let mut form = vec![("grant_type", grant), ("client_id", self.h.client_id())];
        if grant == "client_credentials" {
            form.push(("client_secret", self.h.client_secret()));
        }
        let r = self
            .http
            .post(format!("{}/oauth/access_token", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// Sends a request; `body` is sent as JSON unless it is a string (sent raw).
    pub async fn req(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        am: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(a) = am {
            r = r.header("EP-Account-Management-Authentication-Token", a);
        }
        match body {
            Some(Value::String(raw)) => {
                r = r.header("content-type", "application/json").body(raw);
            }
            Some(b) => r = r.json(&b),
            None => {}
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        (status, v)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.req(Method::GET, path, Some(&self.admin), None, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.req(Method::POST, path, Some(&self.admin), None, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.req(Method::PUT, path, Some(&self.admin), None, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.req(Method::DELETE, path, Some(&self.admin), None, None).await
    }

    pub async fn realm(&self) -> String {
        let (s, v) = self.get("/v2/settings/account-authentication").await;
        assert_eq!(s, 200);
        v["data"]["relationships"]["authentication_realm"]["data"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn profile(&self, realm: &str, otp: bool) -> String {
        let (s, v) = self
            .post(
                &format!("/v2/authentication-realms/{realm}/password-profiles"),
                json!({"data":{"type":"password_profile","name":"Email","username_format":"email",
                    "enable_one_time_password_token": otp}}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["data"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn settings(&self, body: Value) {
        let mut data = body;
        data["type"] = json!("account_authentication_settings");
        let (s, v) = self.put("/v2/settings/account-authentication", json!({ "data": data })).await;
        assert_eq!(s, 200, "{v}");
    }

    /// Creates a user-authentication-info with a password profile info; returns the uai id.
    pub async fn user(
        &self,
        realm: &str,
        profile: &str,
        name: &str,
        email: &str,
        pw: &str,
    ) -> String {
        let (s, v) = self
            .post(
                &format!("/v2/authentication-realms/{realm}/user-authentication-info"),
                json!({"data":{"type":"user_authentication_info","name":name,"email":email}}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let id = v["data"]["id"].as_str().unwrap().to_owned();
        let (s, v) = self
            .post(
                &format!("/v2/authentication-realms/{realm}/user-authentication-info/{id}/user-authentication-password-profile-info"),
                json!({"data":{"type":"user_authentication_password_profile_info",
                    "password_profile_id":profile,"username":email,"password":pw}}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        id
    }

    pub async fn account(&self, name: &str) -> String {
        let (s, v) = self
            .post("/v2/accounts", json!({"data":{"type":"account","name":name,"legal_name":name}}))
            .await;
        assert_eq!(s, 201, "{v}");
        v["data"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn membership(&self, account: &str, member: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/v2/accounts/{account}/account-memberships"),
            json!({"data":{"type":"account_membership","account_member_id":member}}),
        )
        .await
    }
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/sandbox/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// Asserts the Commerce error envelope and returns the first error.
pub fn first_error(v: &Value, status: u16) -> Value {
    let e = &v["errors"][0];
    assert_eq!(e["status"], json!(status.to_string()), "{v}");
    assert!(e["title"].is_string(), "{v}");
    e.clone()
}
