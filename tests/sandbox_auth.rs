//! Auth rules of the sandbox, asserted on raw JSON.

mod sandbox_common;

use std::time::Duration;

use onboard::sandbox::SandboxConfig;
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn token_response_is_a_bare_object() {
    let sb = start().await;
    let r = sb
        .http
        .post(format!("{}/oauth/access_token", sb.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.h.client_id()),
            ("client_secret", sb.h.client_secret()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["identifier"], "client_credentials");
    assert_eq!(v["expires_in"], 3600);
    assert!(v["expires"].is_i64());
    assert!(v["access_token"].is_string());
    assert!(v.get("data").is_none());

    // JSON bodies are accepted too.
    let r = sb
        .http
        .post(format!("{}/oauth/access_token", sb.base))
        .json(&json!({"grant_type":"implicit","client_id": sb.h.client_id()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["identifier"], "implicit");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn wrong_secret_is_401_with_error_body() {
    let sb = start().await;
    let r = sb
        .http
        .post(format!("{}/oauth/access_token", sb.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.h.client_id()),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    first_error(&v, 401);
    // wrong client id for implicit
    let r = sb
        .http
        .post(format!("{}/oauth/access_token", sb.base))
        .form(&[("grant_type", "implicit"), ("client_id", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn missing_or_bad_bearer_is_401() {
    let sb = start().await;
    let (s, v) = sb.req(Method::GET, "/v2/accounts", None, None, None).await;
    assert_eq!(s, 401);
    let e = first_error(&v, 401);
    assert_eq!(e["title"], "Unable to validate access token");
    let (s, v) = sb.req(Method::GET, "/v2/accounts", Some("garbage"), None, None).await;
    assert_eq!(s, 401);
    assert_eq!(first_error(&v, 401)["title"], "Unable to validate access token");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn implicit_token_cannot_use_admin_routes() {
    let sb = start().await;
    let imp = sb.token("implicit").await;
    for path in [
        "/v2/accounts",
        "/v2/account-members",
        "/v2/settings/account-authentication",
        "/v2/integrations",
    ] {
        let (s, v) = sb.req(Method::GET, path, Some(&imp), None, None).await;
        assert_eq!(s, 403, "{path}");
        first_error(&v, 403);
    }
    let (s, _) = sb
        .req(
            Method::POST,
            "/v2/accounts",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account","name":"x"}})),
        )
        .await;
    assert_eq!(s, 403);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_401() {
    let cfg = SandboxConfig { token_ttl: Duration::from_secs(0), ..SandboxConfig::local() };
    let sb = start_with(cfg).await;
    let (s, v) = sb.get("/v2/accounts").await;
    assert_eq!(s, 401);
    assert_eq!(first_error(&v, 401)["title"], "Unable to validate access token");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_json() {
    let sb = start().await;
    let (s, v) = sb.get("/v2/nothing-here").await;
    assert_eq!(s, 404);
    first_error(&v, 404);
    let (s, v) = sb.req(Method::PATCH, "/v2/accounts", Some(&sb.admin), None, None).await;
    assert_eq!(s, 405);
    first_error(&v, 405);
    let (s, v) = sb.req(Method::GET, "/__sandbox/health", None, None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
    sb.h.shutdown().await;
}
