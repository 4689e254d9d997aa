//! Seed 000 end to end with raw JSON: profile → settings → self sign-up (seed 001 body)
//! → pending (`data: []`) → account → membership → seed 002 password log-in.

mod sandbox_common;

use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn seed_000_self_signup_and_approval() {
    let sb = start().await;
    let realm = sb.realm().await;
    let (_, settings) = sb.get("/v2/settings/account-authentication").await;
    assert_eq!(settings["data"]["type"], "account_authentication_settings");
    assert_eq!(settings["data"]["meta"]["client_id"], "account-management");
    assert_eq!(settings["data"]["enable_self_signup"], false);
    assert_eq!(
        settings["data"]["relationships"]["authentication_realm"]["data"]["type"],
        "authentication_realm"
    );

    // 1. password profile with username_format email
    let profile = sb.profile(&realm, false).await;
    let (s, v) =
        sb.get(&format!("/v2/authentication-realms/{realm}/password-profiles/{profile}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["type"], "password_profile");
    assert_eq!(v["data"]["username_format"], "email");
    assert!(v["data"]["meta"]["created_at"].is_string());

    // self sign-up while disabled → 403
    let body = fixture("seed001_self_signup_body.json")
        .replace("c5687352-d102-46fd-b85e-256f10574019", &profile);
    let imp = sb.token("implicit").await;
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(body.clone())),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    first_error(&v, 403);

    // 2. settings: partial PUT (three of four fields)
    let (s, v) = sb
        .put(
            "/v2/settings/account-authentication",
            json!({"data":{"type":"account_authentication_settings","enable_self_signup":true,
                "auto_create_account_for_account_members":false,
                "account_member_self_management":"update_only"}}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["enable_self_signup"], true);
    assert_eq!(v["data"]["account_management_authentication_token_timeout_secs"], 86400);

    // 3. self sign-up with the seed 001 body verbatim → 201, data: [], member id
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(body.clone())),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"], json!([]));
    let member = v["meta"]["account_member_id"].as_str().unwrap().to_owned();
    assert_eq!(v["meta"]["results"]["total"], 0);
    assert!(v["links"]["next"].is_null());
    assert!(v["links"]["prev"].is_null());

    // the same sign-up again → 409
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(body)),
        )
        .await;
    assert_eq!(s, 409, "{v}");

    // the member exists, is pending (no membership), and equals its uai
    let (s, v) = sb.get(&format!("/v2/account-members/{member}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["type"], "account_member");
    assert_eq!(v["data"]["email"], "totallylegit@gmail.com");
    assert!(v["data"]["meta"]["timestamps"]["created_at"].is_string());
    let (s, v) = sb
        .get(&format!("/v2/authentication-realms/{realm}/user-authentication-info/{member}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["meta"]["creation_status"], "COMPLETE");
    let (_, v) =
        sb.get(&format!("/v2/account-members/{member}/account-memberships?page[limit]=1")).await;
    assert_eq!(v["meta"]["results"]["total"], 0);
    assert_eq!(v["data"], json!([]));

    // 4. approve: account + membership
    let account = sb.account("totallylegit").await;
    let (s, v) = sb.membership(&account, &member).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"]["type"], "account_membership");
    assert_eq!(v["data"]["relationships"]["account_member"]["data"]["id"], json!(member));
    let (_, v) =
        sb.get(&format!("/v2/account-members/{member}/account-memberships?page[limit]=1")).await;
    assert_eq!(v["meta"]["results"]["total"], 1);
    assert_eq!(v["data"][0]["relationships"]["account"]["data"]["id"], json!(account));

    // seed 002 body as printed (trailing comma) → 400 with a clear detail
    let printed = fixture("seed002_password_body_as_printed.txt")
        .replace("c5687352-d102-46fd-b85e-256f10574019", &profile);
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(printed.clone())),
        )
        .await;
    assert_eq!(s, 400);
    let e = first_error(&v, 400);
    let detail = e["detail"].as_str().unwrap();
    assert!(detail.contains("not valid JSON") && detail.contains("trailing comma"), "{detail}");

    // corrected body (comma removed, the signed-up username) → 201 with one token
    let fixed = printed
        .replace("\"pa$$word\",", "\"pa$$word\"")
        .replace("\"username\",", "\"USERNAME@gmail.com\",");
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(fixed.clone())),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let tokens = v["data"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["type"], "account_management_authentication_token");
    assert_eq!(tokens[0]["account_id"], json!(account));
    assert_eq!(tokens[0]["account_name"], "totallylegit");
    assert_eq!(tokens[0]["token"].as_str().unwrap().split('.').count(), 3);
    assert!(tokens[0]["expires"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["meta"]["account_member_id"], json!(member));
    assert_eq!(v["meta"]["results"]["total"], 1);
    assert!(v["links"]["next"].is_null());

    // wrong password → 401
    let wrong = fixed.replace("pa$$word", "pa$$word-wrong");
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(Value::String(wrong)),
        )
        .await;
    assert_eq!(s, 401);
    first_error(&v, 401);

    // the AM token (with an implicit bearer) reads the member's own data
    let am = tokens[0]["token"].as_str().unwrap().to_owned();
    let (s, v) = sb.req(Method::GET, "/v2/account-members", Some(&imp), Some(&am), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["id"], json!(member));
    let (s, v) = sb.req(Method::GET, "/v2/accounts", Some(&imp), Some(&am), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"][0]["id"], json!(account));
    let (s, _) = sb.req(Method::GET, "/v2/integrations", Some(&imp), Some(&am), None).await;
    assert_eq!(s, 403);
    let (s, _) = sb
        .req(
            Method::GET,
            &format!("/v2/account-members/{member}/account-memberships"),
            Some(&imp),
            Some(&am),
            None,
        )
        .await;
    assert_eq!(s, 200);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn auto_create_makes_account_and_membership() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    sb.settings(
        json!({"enable_self_signup": true, "auto_create_account_for_account_members": true}),
    )
    .await;
    let imp = sb.token("implicit").await;
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"self_signup","password_profile_id":profile,
                "username":"Ron@Swanson.com","password":"mysecretpassword","name":"Ron Swanson",
                "email":"ron@swanson.com"}})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["account_name"], "Ron Swanson");
    // username lower-cased
    let member = v["meta"]["account_member_id"].as_str().unwrap();
    let (_, v) = sb
        .get(&format!(
            "/v2/authentication-realms/{realm}/user-authentication-info/{member}/user-authentication-password-profile-info"
        ))
        .await;
    assert_eq!(v["data"][0]["username"], "ron@swanson.com");
    assert!(v["data"][0].get("password").is_none());
    sb.h.shutdown().await;
}

#[tokio::test]
async fn settings_validation_and_self_management() {
    let sb = start().await;
    let (s, v) = sb
        .put(
            "/v2/settings/account-authentication",
            json!({"data":{"type":"account_authentication_settings","account_member_self_management":"sometimes"}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(first_error(&v, 400)["source"], "data.account_member_self_management");
    let (s, v) = sb
        .put("/v2/settings/account-authentication", json!({"data":{"type":"account_settings"}}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(first_error(&v, 400)["source"], "data.type");

    // self-service password change only with update_only
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Jo", "jo@x.com", "password-1").await;
    let acc = sb.account("Jo").await;
    sb.membership(&acc, &uid).await;
    let imp = sb.token("implicit").await;
    let (_, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"password","password_profile_id":profile,
                "username":"jo@x.com","password":"password-1"}})),
        )
        .await;
    let am = v["data"][0]["token"].as_str().unwrap().to_owned();
    let (_, v) = sb
        .req(
            Method::GET,
            &format!("/v2/authentication-realms/{realm}/user-authentication-info/{uid}/user-authentication-password-profile-info"),
            Some(&imp),
            Some(&am),
            None,
        )
        .await;
    let cid = v["data"][0]["id"].as_str().unwrap().to_owned();
    let path = format!(
        "/v2/authentication-realms/{realm}/user-authentication-info/{uid}/user-authentication-password-profile-info/{cid}"
    );
    let change = json!({"data":{"type":"user_authentication_password_profile_info",
        "password_profile_id":profile,"password":"password-2"}});
    let (s, _) = sb.req(Method::PUT, &path, Some(&imp), Some(&am), Some(change.clone())).await;
    assert_eq!(s, 403);
    sb.settings(json!({"account_member_self_management":"update_only"})).await;
    let (s, v) = sb.req(Method::PUT, &path, Some(&imp), Some(&am), Some(change)).await;
    assert_eq!(s, 200, "{v}");
    // implicit without an AM token → 403
    let (s, _) = sb.req(Method::GET, &path, Some(&imp), None, None).await;
    assert_eq!(s, 403);
    // the new password works; the AM token refreshes itself
    let (s, _) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"password","password_profile_id":profile,
                "username":"jo@x.com","password":"password-2"}})),
        )
        .await;
    assert_eq!(s, 201);
    let refresh = json!({"data":{"type":"account_management_authentication_token",
        "authentication_mechanism":"account_management_authentication_token"}});
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            Some(&am),
            Some(refresh.clone()),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["meta"]["account_member_id"], json!(uid));
    let (s, _) = sb
        .req(Method::POST, "/v2/account-members/tokens", Some(&imp), Some("bogus"), Some(refresh))
        .await;
    assert_eq!(s, 401);
    sb.h.shutdown().await;
}
