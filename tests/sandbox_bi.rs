//! Beyond Identity legacy API (`/v1/manage`), raw JSON.

mod sandbox_common;

use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

fn user(ext: &str) -> Value {
    json!({"external_id": ext, "email": "ron@swanson.com", "user_name": "ron",
        "display_name": "Ron Swanson", "binding_token_delivery_method": "email"})
}

#[tokio::test]
async fn create_duplicate_and_recover() {
    let sb = start().await;
    let tok = sb.h.bi_token().to_owned();
    let (s, v) =
        sb.req(Method::POST, "/v1/manage/users", Some(&tok), None, Some(user("m-1"))).await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("user").is_none(), "bare user object");
    assert_eq!(v["external_id"], "m-1");
    assert_eq!(v["status"], "USER_STATUS_ACTIVE");
    assert!(v["internal_id"].is_string());
    assert!(v["date_created"].as_str().unwrap().ends_with('Z'));
    assert!(v["date_modified"].is_string());

    let (s, v) =
        sb.req(Method::POST, "/v1/manage/users", Some(&tok), None, Some(user("m-1"))).await;
    assert_eq!(s, 409);
    assert!(v["code"].is_number() && v["message"].is_string() && v["details"].is_array(), "{v}");

    let (s, v) = sb
        .req(
            Method::POST,
            "/v1/manage/recover-user",
            Some(&tok),
            None,
            Some(json!({"external_id":"m-1","binding_token_delivery_method":"email"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["external_id"], "m-1");
    let (s, v) = sb
        .req(
            Method::POST,
            "/v1/manage/recover-user",
            Some(&tok),
            None,
            Some(json!({"external_id":"nobody","binding_token_delivery_method":"email"})),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], 5);

    let (s, v) = sb.req(Method::GET, "/__sandbox/bi/users", None, None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn token_and_field_checks() {
    let sb = start().await;
    let tok = sb.h.bi_token().to_owned();
    let (s, v) = sb.req(Method::POST, "/v1/manage/users", None, None, Some(user("a"))).await;
    assert_eq!(s, 401);
    assert_eq!(v["code"], 16);
    let (s, _) =
        sb.req(Method::POST, "/v1/manage/users", Some("wrong"), None, Some(user("a"))).await;
    assert_eq!(s, 401);
    // a Commerce token is not a BI token
    let (s, _) =
        sb.req(Method::POST, "/v1/manage/users", Some(&sb.admin), None, Some(user("a"))).await;
    assert_eq!(s, 401);
    for field in
        ["external_id", "email", "user_name", "display_name", "binding_token_delivery_method"]
    {
        let mut body = user("b");
        body.as_object_mut().unwrap().remove(field);
        let (s, v) = sb.req(Method::POST, "/v1/manage/users", Some(&tok), None, Some(body)).await;
        assert_eq!(s, 400, "{field}");
        assert_eq!(v["code"], 3);
        assert!(v["message"].as_str().unwrap().contains(field));
    }
    let mut body = user("c");
    body["binding_token_delivery_method"] = json!("sms");
    let (s, _) = sb.req(Method::POST, "/v1/manage/users", Some(&tok), None, Some(body)).await;
    assert_eq!(s, 400);
    let (s, v) = sb
        .req(Method::POST, "/v1/manage/users", Some(&tok), None, Some(Value::String("{".into())))
        .await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().contains("not valid JSON"));
    sb.h.shutdown().await;
}
