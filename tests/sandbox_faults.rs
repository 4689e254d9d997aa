//! Fault injection: fail_next, rate limit, fail_rate, dropped connections, latency.

mod sandbox_common;

use onboard::sandbox::{FailRule, Faults, SandboxConfig};
use reqwest::Method;
use sandbox_common::*;
use serde_json::json;

#[tokio::test]
async fn fail_next_rules_are_deterministic() {
    let sb = start().await;
    sb.h.set_faults(Faults {
        fail_next: vec![FailRule {
            method: Some("POST".into()),
            path_contains: "/account-memberships".into(),
            status: 500,
            count: 2,
        }],
        ..Faults::default()
    });
    // GETs and other paths are untouched
    let (s, _) = sb.get("/v2/accounts").await;
    assert_eq!(s, 200);
    let acc = sb.account("A").await;
    for _ in 0..2 {
        let (s, v) = sb.membership(&acc, "x").await;
        assert_eq!(s, 500);
        first_error(&v, 500);
    }
    let (s, _) = sb.membership(&acc, "x").await;
    assert_eq!(s, 404, "rule consumed, the real answer comes back");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_and_spares_admin_paths() {
    let sb = start().await;
    sb.h.set_faults(Faults { rate_limit: Some(1), ..Faults::default() });
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(sb.get("/v2/accounts").await);
    }
    let limited: Vec<_> = answers.iter().filter(|(s, _)| *s == 429).collect();
    assert!(!limited.is_empty(), "no 429 in {answers:?}");
    first_error(&limited[0].1, 429);
    // admin and oauth paths are never limited
    for _ in 0..5 {
        let (s, _) = sb.req(Method::GET, "/__sandbox/health", None, None, None).await;
        assert_eq!(s, 200);
    }
    let _ = sb.token("implicit").await;
    sb.h.shutdown().await;
}

#[tokio::test]
async fn fail_rate_and_drop_rate() {
    let sb = start().await;
    // via the admin route
    let r = sb
        .http
        .put(format!("{}/__sandbox/faults", sb.base))
        .json(&json!({"fail_rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, v) = sb.get("/v2/accounts").await;
    assert_eq!(s, 503);
    first_error(&v, 503);

    sb.h.set_faults(Faults { drop_rate: 1.0, ..Faults::default() });
    let err = sb
        .http
        .get(format!("{}/v2/accounts", sb.base))
        .bearer_auth(&sb.admin)
        .send()
        .await
        .expect_err("the connection is dropped without an answer");
    assert!(!err.is_status());
    // the server keeps serving
    sb.h.set_faults(Faults::default());
    let (s, _) = sb.get("/v2/accounts").await;
    assert_eq!(s, 200);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn config_faults_apply_from_start() {
    let cfg = SandboxConfig {
        faults: Faults { latency_ms: 1, fail_rate: 1.0, ..Faults::default() },
        ..SandboxConfig::local()
    };
    let sb = start_with(cfg).await;
    let (s, _) = sb.get("/v2/account-members").await;
    assert_eq!(s, 503);
    let (s, v) = sb.req(Method::GET, "/__sandbox/faults", None, None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["fail_rate"], 1.0);
    sb.h.shutdown().await;
}
