//! Seed 004: OTP request → webhook delivery (shape, secret header, retries, logs) →
//! passwordless exchange, single use.

mod sandbox_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

/// (secret header, body) of each delivery.
type Delivery = (Option<String>, Value);

#[derive(Clone, Default)]
struct Rx {
    got: Arc<Mutex<Vec<Delivery>>>,
    /// Answer 500 to this many deliveries first.
    fail_first: Arc<Mutex<u32>>,
}

async fn hook(State(rx): State<Rx>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let secret =
        headers.get("x-moltin-secret-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    rx.got.lock().unwrap().push((secret, v));
    let mut f = rx.fail_first.lock().unwrap();
    if *f > 0 {
        *f -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn receiver(fail_first: u32) -> (String, Rx) {
    let rx = Rx { fail_first: Arc::new(Mutex::new(fail_first)), ..Rx::default() };
    let app = Router::new().route("/hook", post(hook)).with_state(rx.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, rx)
}

async fn wait_for(rx: &Rx, n: usize) -> Vec<Delivery> {
    for _ in 0..200 {
        let got = rx.got.lock().unwrap().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("expected {n} deliveries, got {}", rx.got.lock().unwrap().len());
}

/// Keys of an object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

async fn setup(sb: &Sb, url: &str, secret: &str) -> (String, String, String, String) {
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, true).await;
    let uid = sb.user(&realm, &profile, "John Doe", "john.doe@banks.com", "password-1").await;
    let (s, v) = sb
        .post(
            "/v2/integrations",
            json!({"data":{"type":"integration","name":"One Time Password notification",
                "description":"Send one time password notification","enabled":true,
                "integration_type":"webhook","observes":["one-time-password-token-request.created"],
                "configuration":{"url":url,"secret_key":secret}}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"]["type"], "integration");
    let integration = v["data"]["id"].as_str().unwrap().to_owned();
    (realm, profile, uid, integration)
}

#[tokio::test]
async fn otp_is_delivered_and_exchanged_once() {
    let sb = start().await;
    let (url, rx) = receiver(0).await;
    let (realm, profile, uid, integration) = setup(&sb, &url, "s3cret").await;
    let imp = sb.token("implicit").await;
    let path = format!(
        "/v2/authentication-realms/{realm}/password-profiles/{profile}/one-time-password-token-request"
    );
    let (s, v) = sb
        .req(
            Method::POST,
            &path,
            Some(&imp),
            None,
            Some(json!({"data":{"type":"one_time_password_token_request",
                "username":"john.doe@banks.com","purpose":"passwordless_authentication"}})),
        )
        .await;
    assert_eq!(s, 202);
    assert_eq!(v, Value::Null, "202 has an empty body");

    let got = wait_for(&rx, 1).await;
    let (secret, ev) = &got[0];
    assert_eq!(secret.as_deref(), Some("s3cret"));
    // the shape of seed 004's example, plus `attempt`
    let example: Value = serde_json::from_str(&fixture("seed004_otp_event.json")).unwrap();
    let mut expected = keys(&example);
    expected.push("attempt".into());
    expected.sort();
    assert_eq!(keys(ev), expected);
    assert_eq!(keys(&ev["payload"]), keys(&example["payload"]));
    assert_eq!(keys(&ev["integration"]), keys(&example["integration"]));
    assert_eq!(keys(&ev["configuration"]), keys(&example["configuration"]));
    assert_eq!(
        keys(&ev["payload"]["user_authentication_info"]),
        keys(&example["payload"]["user_authentication_info"])
    );
    assert_eq!(
        keys(&ev["payload"]["user_authentication_password_profile_info"]),
        keys(&example["payload"]["user_authentication_password_profile_info"])
    );
    assert_eq!(ev["triggered_by"], "one-time-password-token-request.created");
    assert_eq!(ev["attempt"], 1);
    assert_eq!(ev["integration"]["id"], json!(integration));
    assert_eq!(ev["configuration"]["secret_key"], "s3cret");
    assert_eq!(ev["payload"]["user_authentication_info"]["id"], json!(uid));
    assert_eq!(ev["payload"]["purpose"], "passwordless_authentication");
    let code = ev["payload"]["one_time_password_token"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));

    // the admin view shows the same code
    let (_, v) = sb.req(Method::GET, "/__sandbox/otp", None, None, None).await;
    assert_eq!(v["data"][0]["one_time_password_token"], json!(code));

    // a pending member (no membership) gets 201 with data: []; approve, then exchange
    let acc = sb.account("John Doe").await;
    sb.membership(&acc, &uid).await;
    let exchange = json!({"data":{"type":"account_management_authentication_token",
        "authentication_mechanism":"passwordless","password_profile_id":profile,
        "username":"john.doe@banks.com","one_time_password_token":code}});
    let (s, v) = sb
        .req(Method::POST, "/v2/account-members/tokens", Some(&imp), None, Some(exchange.clone()))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["meta"]["account_member_id"], json!(uid));
    // second use fails
    let (s, v) =
        sb.req(Method::POST, "/v2/account-members/tokens", Some(&imp), None, Some(exchange)).await;
    assert_eq!(s, 401);
    first_error(&v, 401);

    // logs: one successful attempt, top-level results.total
    let (s, v) = sb.get(&format!("/v2/integrations/{integration}/logs")).await;
    assert_eq!(s, 200);
    assert_eq!(v["results"]["total"], 1);
    assert_eq!(v["data"][0]["type"], "integration-log");
    assert_eq!(v["data"][0]["succeeded"], true);
    assert_eq!(v["data"][0]["status_code"], 200);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn failing_receiver_gets_retries_with_higher_attempt() {
    let sb = start().await;
    let (url, rx) = receiver(1).await;
    let (realm, profile, _uid, integration) = setup(&sb, &url, "").await;
    let path = format!(
        "/v2/authentication-realms/{realm}/password-profiles/{profile}/one-time-password-token-request"
    );
    let (s, _) = sb
        .post(
            &path,
            json!({"data":{"type":"one_time_password_token_request",
                "username":"john.doe@banks.com","purpose":"reset_password"}}),
        )
        .await;
    assert_eq!(s, 202);
    let got = wait_for(&rx, 2).await;
    assert_eq!(got[0].0, None, "no secret header without a secret");
    assert_eq!(got[0].1["attempt"], 1);
    assert_eq!(got[1].1["attempt"], 2);
    assert_eq!(got[0].1["id"], got[1].1["id"], "same event id on retry");
    assert_eq!(got[1].1["configuration"]["secret_key"], "");

    // both attempts logged (newest first), under one job
    let mut logs = Value::Null;
    for _ in 0..100 {
        let (_, v) = sb.get("/v2/integrations/logs").await;
        if v["results"]["total"] == 2 {
            logs = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(logs["results"]["total"], 2, "{logs}");
    let failed = logs["data"].as_array().unwrap().iter().find(|l| l["attempt"] == 1).unwrap();
    assert_eq!(failed["succeeded"], false);
    assert_eq!(failed["status_code"], 500);
    assert!(failed["error_detail"].as_str().unwrap().contains("2xx"));
    let (_, jobs) = sb.get(&format!("/v2/integrations/{integration}/jobs")).await;
    assert_eq!(jobs["data"].as_array().unwrap().len(), 1);
    assert_eq!(jobs["data"][0]["type"], "integration-job");
    let job = jobs["data"][0]["id"].as_str().unwrap();
    let (_, jl) = sb.get(&format!("/v2/integrations/{integration}/jobs/{job}/logs")).await;
    assert_eq!(jl["results"]["total"], 2);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn otp_edge_cases() {
    let sb = start().await;
    let (url, rx) = receiver(0).await;
    let (realm, profile, _uid, _) = setup(&sb, &url, "x").await;
    let path = format!(
        "/v2/authentication-realms/{realm}/password-profiles/{profile}/one-time-password-token-request"
    );
    // unknown username → 202, no event
    let (s, _) = sb
        .post(
            &path,
            json!({"data":{"type":"one_time_password_token_request","username":"nobody@x.com","purpose":"reset_password"}}),
        )
        .await;
    assert_eq!(s, 202);
    // bad purpose → 400 with source
    let (s, v) = sb
        .post(
            &path,
            json!({"data":{"type":"one_time_password_token_request","username":"john.doe@banks.com","purpose":"fun"}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(first_error(&v, 400)["source"], "data.purpose");
    // OTP disabled on the profile → 422
    let off = sb.profile(&realm, false).await;
    let (s, v) = sb
        .post(
            &format!("/v2/authentication-realms/{realm}/password-profiles/{off}/one-time-password-token-request"),
            json!({"data":{"type":"one_time_password_token_request","username":"john.doe@banks.com","purpose":"reset_password"}}),
        )
        .await;
    assert_eq!(s, 422);
    first_error(&v, 422);
    // unknown realm → 404
    let (s, _) = sb
        .post(
            &format!("/v2/authentication-realms/nope/password-profiles/{profile}/one-time-password-token-request"),
            json!({"data":{"type":"one_time_password_token_request","username":"john.doe@banks.com","purpose":"reset_password"}}),
        )
        .await;
    assert_eq!(s, 404);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(rx.got.lock().unwrap().is_empty());
    // a wrong code never works
    let imp = sb.token("implicit").await;
    let (s, _) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"passwordless","password_profile_id":profile,
                "username":"john.doe@banks.com","one_time_password_token":"aaaaaa"}})),
        )
        .await;
    assert_eq!(s, 401);
    // deleting the profile cascades its password profile infos
    let (s, _) =
        sb.delete(&format!("/v2/authentication-realms/{realm}/password-profiles/{profile}")).await;
    assert_eq!(s, 204);
    let (s, _) =
        sb.get(&format!("/v2/authentication-realms/{realm}/password-profiles/{profile}")).await;
    assert_eq!(s, 404);
    sb.h.shutdown().await;
}

/// The events a console watching the queue observes (issue 12, reference §2.12/§2.13):
/// created ones carry the resource under `payload.data`, deleted ones only
/// `{type, id}`; every delivery has the seed 004 envelope and the secret header.
#[tokio::test]
async fn member_and_membership_events_are_delivered() {
    let sb = start().await;
    let (url, rx) = receiver(0).await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let observes = [
        "account-member.created",
        "account-membership.created",
        "account-membership.deleted",
        "user-authentication-info.deleted",
    ];
    let (s, v) = sb
        .post(
            "/v2/integrations",
            json!({"data":{"type":"integration","name":"queue","description":"live queue",
                "enabled":true,"integration_type":"webhook","observes":observes,
                "configuration":{"url":url,"secret_key":"s3cret"}}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let integration = v["data"]["id"].as_str().unwrap().to_owned();
    let uid = sb.user(&realm, &profile, "Ann Lee", "ann@x.com", "password-1").await;
    let acc = sb.account("Ann Lee").await;
    let (_, m) = sb.membership(&acc, &uid).await;
    let mid = m["data"]["id"].as_str().unwrap().to_owned();
    let (s, _) = sb.delete(&format!("/v2/accounts/{acc}/account-memberships/{mid}")).await;
    assert_eq!(s, 204);
    let (s, _) = sb
        .delete(&format!("/v2/authentication-realms/{realm}/user-authentication-info/{uid}"))
        .await;
    assert_eq!(s, 204);
    let got = wait_for(&rx, 4).await;
    assert_eq!(got.len(), 4, "exactly the observed events");
    let event = |key: &str| -> Value {
        let (secret, body) = got
            .iter()
            .find(|(_, v)| v["triggered_by"] == key)
            .unwrap_or_else(|| panic!("no {key} among {got:?}"));
        assert_eq!(secret.as_deref(), Some("s3cret"), "{key}: X-Moltin-Secret-Key");
        assert_eq!(
            keys(body),
            [
                "attempt",
                "configuration",
                "id",
                "integration",
                "payload",
                "store_id",
                "triggered_by"
            ],
            "{key}: envelope"
        );
        assert_eq!(body["attempt"], 1);
        assert_eq!(
            body["integration"],
            json!({"id":integration,"integration_type":"webhook","name":"queue","description":"live queue"})
        );
        assert_eq!(body["configuration"], json!({"url":url,"secret_key":"s3cret"}));
        body["payload"].clone()
    };

    let p = event("account-member.created");
    assert_eq!(keys(&p), ["data"]);
    let d = &p["data"];
    assert_eq!(d["id"], json!(uid));
    assert_eq!(d["type"], "account_member");
    assert_eq!(d["name"], "Ann Lee");
    assert_eq!(d["email"], "ann@x.com");
    assert!(d["meta"]["timestamps"]["created_at"].is_string(), "{p}");
    // the same object GET /v2/account-members/{id} answers (now deleted: compare keys)
    assert_eq!(
        keys(d),
        [
            "email",
            "family_name",
            "given_name",
            "id",
            "links",
            "meta",
            "middle_name",
            "name",
            "type"
        ]
    );

    let p = event("account-membership.created");
    assert_eq!(keys(&p), ["data"]);
    let d = &p["data"];
    assert_eq!(d["id"], json!(mid));
    assert_eq!(d["type"], "account_membership");
    assert_eq!(
        d["relationships"]["account_member"]["data"],
        json!({"id":uid,"type":"account_member"})
    );
    assert_eq!(d["relationships"]["account"]["data"], json!({"id":acc,"type":"account"}));
    assert_eq!(d, &m["data"], "the resource as the create answered it");

    assert_eq!(event("account-membership.deleted"), json!({"type":"account_membership","id":mid}));
    assert_eq!(
        event("user-authentication-info.deleted"),
        json!({"type":"user_authentication_info","id":uid})
    );
    sb.h.shutdown().await;
}

/// §2.12: Commerce Manager allows five events per webhook; the sandbox holds the
/// API to it too, so a console that needs more uses a second integration.
#[tokio::test]
async fn an_integration_observes_at_most_five_events() {
    let sb = start().await;
    let six = [
        "account-member.created",
        "account-member.deleted",
        "account-membership.created",
        "account-membership.deleted",
        "user-authentication-info.created",
        "user-authentication-info.deleted",
    ];
    let body = |observes: &[&str]| {
        json!({"data":{"type":"integration","name":"n","description":"d","enabled":true,
            "integration_type":"webhook","observes":observes,
            "configuration":{"url":"http://127.0.0.1:9/h"}}})
    };
    let (s, v) = sb.post("/v2/integrations", body(&six)).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["errors"][0]["status"], 400);
    assert_eq!(v["errors"][0]["source"], "observes");
    assert_eq!(v["errors"][0]["title"], "invalid");
    let (s, v) = sb.post("/v2/integrations", body(&six[..5])).await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","observes":six}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["errors"][0]["source"], "observes");
    sb.h.shutdown().await;
}
