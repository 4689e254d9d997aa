//! Issue 14: where the vendor CLI and schemas disagreed with the sandbox. Raw JSON.

mod sandbox_common;

use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

// ---- 1. implicit tokens read the authentication realms (and their password profiles)

#[tokio::test]
async fn implicit_token_reads_realms_and_password_profiles() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let imp = sb.token("implicit").await;

    let (s, v) = sb.req(Method::GET, "/v2/authentication-realms", Some(&imp), None, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["meta"]["results"]["total"], 3);
    let types: Vec<&str> =
        v["data"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["authentication-realm"; 3]);
    let path = format!("/v2/authentication-realms/{realm}");
    let (s, v) = sb.req(Method::GET, &path, Some(&imp), None, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["id"], json!(realm));
    assert_eq!(
        v["data"]["relationships"]["origin"]["data"]["type"],
        "account_authentication_settings"
    );

    // password profiles: readable (lower confidence, see the fidelity table)
    let path = format!("/v2/authentication-realms/{realm}/password-profiles");
    let (s, v) = sb.req(Method::GET, &path, Some(&imp), None, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"][0]["id"], json!(profile));
    let (s, v) = sb.req(Method::GET, &format!("{path}/{profile}"), Some(&imp), None, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["username_format"], "email");

    // ... but never written, and the identities under the realm stay closed
    let (s, v) = sb
        .req(
            Method::POST,
            &path,
            Some(&imp),
            None,
            Some(json!({"data":{"type":"password_profile","name":"x","username_format":"any"}})),
        )
        .await;
    assert_eq!(s, 403);
    first_error(&v, 403);
    let (s, v) = sb
        .req(
            Method::PUT,
            &format!("{path}/{profile}"),
            Some(&imp),
            None,
            Some(json!({"data":{"type":"password_profile","name":"y"}})),
        )
        .await;
    assert_eq!(s, 403);
    first_error(&v, 403);
    let (s, v) = sb.req(Method::DELETE, &format!("{path}/{profile}"), Some(&imp), None, None).await;
    assert_eq!(s, 403);
    first_error(&v, 403);
    let uai = format!("/v2/authentication-realms/{realm}/user-authentication-info");
    let (s, v) = sb.req(Method::GET, &uai, Some(&imp), None, None).await;
    assert_eq!(s, 403);
    first_error(&v, 403);
    // unknown realm: 404, as for an admin
    let (s, v) = sb
        .req(Method::GET, "/v2/authentication-realms/no-such-realm", Some(&imp), None, None)
        .await;
    assert_eq!(s, 404);
    first_error(&v, 404);
    // no bearer at all: still 401
    let (s, _) = sb.req(Method::GET, "/v2/authentication-realms", None, None, None).await;
    assert_eq!(s, 401);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn implicit_plus_am_token_reads_realms() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let acc = sb.account("Ann").await;
    sb.membership(&acc, &uid).await;
    let imp = sb.token("implicit").await;
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"password","password_profile_id":profile,
                "username":"ann@x.com","password":"password-1"}})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let am = v["data"][0]["token"].as_str().unwrap().to_owned();
    let (s, v) =
        sb.req(Method::GET, "/v2/authentication-realms", Some(&imp), Some(&am), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["meta"]["results"]["total"], 3);
    sb.h.shutdown().await;
}

// ---- 2. a trailing slash on the account-management paths

#[tokio::test]
async fn trailing_slash_is_tolerated_on_account_management_paths() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let acc = sb.account("Acme").await;
    // exactly what the vendor CLI sends
    let path = format!("/v2/accounts/{acc}/account-memberships/unassigned-account-members/");
    let (s, with) = sb.get(&path).await;
    assert_eq!(s, 200, "{with}");
    let (_, without) = sb.get(path.trim_end_matches('/')).await;
    assert_eq!(with["data"], without["data"]);
    assert_eq!(with["data"][0]["id"], json!(uid));
    assert_eq!(with["meta"]["results"]["total"], 1);
    // the other account-management paths take it too, for every method
    let (s, v) = sb
        .post(
            "/v2/accounts/",
            json!({"data":{"type":"account","name":"Slash","legal_name":"Slash"}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let slash = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, _) = sb.get(&format!("/v2/accounts/{slash}/")).await;
    assert_eq!(s, 200);
    let (s, v) = sb
        .post(
            &format!("/v2/accounts/{slash}/account-memberships/"),
            json!({"data":{"type":"account_membership","account_member_id":uid}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    for p in [
        "/v2/account-members/".to_owned(),
        format!("/v2/account-members/{uid}/"),
        format!("/v2/account-members/{uid}/account-memberships/"),
        "/v2/settings/account-authentication/".to_owned(),
        "/v2/accounts/".to_owned(),
    ] {
        let (s, v) = sb.get(&p).await;
        assert_eq!(s, 200, "{p}: {v}");
    }
    let (s, _) = sb.delete(&format!("/v2/accounts/{slash}/")).await;
    assert_eq!(s, 204);
    // elsewhere the path stays exact: 404 in the error envelope
    for p in [
        "/v2/integrations/".to_owned(),
        "/v2/authentication-realms/".to_owned(),
        format!("/v2/authentication-realms/{realm}/password-profiles/"),
    ] {
        let (s, v) = sb.get(&p).await;
        assert_eq!(s, 404, "{p}");
        first_error(&v, 404);
    }
    sb.h.shutdown().await;
}

// ---- 3. credentials PUT needs password_profile_id, which cannot change

#[tokio::test]
async fn credentials_put_requires_the_unchanged_password_profile_id() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let other = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let base = format!(
        "/v2/authentication-realms/{realm}/user-authentication-info/{uid}/user-authentication-password-profile-info"
    );
    let (_, v) = sb.get(&base).await;
    let cid = v["data"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("{base}/{cid}");
    let kind = "user_authentication_password_profile_info";

    let (s, v) = sb.put(&path, json!({"data":{"type":kind,"password":"password-2"}})).await;
    assert_eq!(s, 400, "{v}");
    let e = first_error(&v, 400);
    assert_eq!(e["source"], "data.password_profile_id");
    assert!(e["detail"].as_str().unwrap().contains("required"), "{e}");

    let (s, v) = sb
        .put(
            &path,
            json!({"data":{"type":kind,"password_profile_id":other,"password":"password-2"}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let e = first_error(&v, 400);
    assert_eq!(e["source"], "data.password_profile_id");
    assert!(e["detail"].as_str().unwrap().contains("cannot be changed"), "{e}");

    let (s, v) = sb
        .put(&path, json!({"data":{"type":kind,"password_profile_id":profile,"username":null}}))
        .await;
    assert_eq!(s, 400, "null username: {v}");
    assert_eq!(first_error(&v, 400)["source"], "data.username");

    // the password did not change on any refused attempt
    let login = |pw: &str| {
        json!({"data":{"type":"account_management_authentication_token",
            "authentication_mechanism":"password","password_profile_id":profile,
            "username":"ann@x.com","password":pw}})
    };
    let imp = sb.token("implicit").await;
    let (s, _) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(login("password-1")),
        )
        .await;
    assert_eq!(s, 201);

    let (s, v) = sb
        .put(
            &path,
            json!({"data":{"type":kind,"password_profile_id":profile,"password":"password-2"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["password_profile_id"], json!(profile));
    assert_eq!(v["data"]["username"], "ann@x.com");
    assert!(v["data"].get("password").is_none());
    let (s, _) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(login("password-2")),
        )
        .await;
    assert_eq!(s, 201);
    sb.h.shutdown().await;
}

// ---- 4. aws_sqs and stomp configurations are validated like webhooks

async fn integration(sb: &Sb, kind: &str, configuration: Value) -> (reqwest::StatusCode, Value) {
    sb.post(
        "/v2/integrations",
        json!({"data":{"type":"integration","name":"n","description":"d","enabled":false,
            "integration_type":kind,"observes":["account-member.created"],
            "configuration":configuration}}),
    )
    .await
}

/// The integrations error envelope: integer status, title as a code, a source.
fn int_error(v: &Value, title: &str, source: &str) {
    let e = &v["errors"][0];
    assert_eq!(e["status"], 400, "{v}");
    assert_eq!(e["title"], title, "{v}");
    assert_eq!(e["source"], source, "{v}");
    assert!(e["detail"].is_string(), "{v}");
}

#[tokio::test]
async fn aws_sqs_configuration_is_validated() {
    let sb = start().await;
    let (s, v) = integration(&sb, "aws_sqs", json!({"url":5})).await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.url");
    let (s, v) = integration(&sb, "aws_sqs", json!({})).await;
    assert_eq!(s, 400);
    int_error(&v, "required", "configuration.url");
    let (s, v) =
        integration(&sb, "aws_sqs", json!({"url":"https://sqs.eu-west-1.amazonaws.com/1/q"})).await;
    assert_eq!(s, 400);
    int_error(&v, "required", "configuration.aws_access_key_id");
    let good = json!({"url":"https://sqs.eu-west-1.amazonaws.com/1/q","aws_access_key_id":"AKIA",
        "aws_secret_access_key":"s3cr3t","region":"eu-west-1"});
    let mut no_region = good.clone();
    no_region["region"] = json!("");
    let (s, v) = integration(&sb, "aws_sqs", no_region).await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.region");
    let (s, v) = integration(&sb, "aws_sqs", good).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["data"]["integration_type"], "aws_sqs");
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    // a PUT cannot make url an object (the merged configuration is validated)
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","configuration":{"url":{"a":1}}}}),
        )
        .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.url");
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","configuration":{"region":null}}}),
        )
        .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.region");
    // unchanged after the refused PUTs
    let (_, v) = sb.get(&format!("/v2/integrations/{id}")).await;
    assert_eq!(v["data"]["configuration"]["url"], "https://sqs.eu-west-1.amazonaws.com/1/q");
    assert_eq!(v["data"]["configuration"]["region"], "eu-west-1");
    // a valid partial PUT merges
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","configuration":{"region":"us-east-1"}}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["configuration"]["region"], "us-east-1");
    assert_eq!(v["data"]["configuration"]["aws_access_key_id"], "AKIA");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn stomp_configuration_is_validated() {
    let sb = start().await;
    let (s, v) = integration(&sb, "stomp", json!({})).await;
    assert_eq!(s, 400);
    int_error(&v, "required", "configuration.addresses");
    let (s, v) = integration(&sb, "stomp", json!({"addresses":[]})).await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.addresses");
    let (s, v) = integration(&sb, "stomp", json!({"addresses":[5]})).await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.addresses");
    let (s, v) =
        integration(&sb, "stomp", json!({"addresses":["stomp+ssl://mq.example.com:61614"]})).await;
    assert_eq!(s, 400);
    int_error(&v, "required", "configuration.destination");
    let (s, v) = integration(
        &sb,
        "stomp",
        json!({"addresses":["stomp+ssl://mq.example.com:61614"],"destination":"/queue/q","username":7}),
    )
    .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.username");
    let (s, v) = integration(
        &sb,
        "stomp",
        json!({"addresses":["stomp+ssl://mq.example.com:61614"],"destination":"/queue/q",
            "username":"u","password":"p"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","configuration":{"destination":{"q":1}}}}),
        )
        .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.destination");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn changing_the_integration_type_revalidates_the_configuration() {
    let sb = start().await;
    let (s, v) = integration(&sb, "webhook", json!({"url":"http://127.0.0.1:9/h"})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","integration_type":"aws_sqs"}}),
        )
        .await;
    assert_eq!(s, 400);
    int_error(&v, "required", "configuration.aws_access_key_id");
    // null for an attribute: 400, not "not sent"
    let (s, v) = sb
        .put(&format!("/v2/integrations/{id}"), json!({"data":{"type":"integration","name":null}}))
        .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "name");
    let (s, v) = sb
        .put(
            &format!("/v2/integrations/{id}"),
            json!({"data":{"type":"integration","configuration":{"secret_key":null}}}),
        )
        .await;
    assert_eq!(s, 400);
    int_error(&v, "invalid", "configuration.secret_key");
    sb.h.shutdown().await;
}

// ---- 5. root accounts and ancestors

#[tokio::test]
async fn root_accounts_have_no_parent_and_ancestors_run_root_first() {
    let sb = start().await;
    let root = sb.account("Root").await;
    let (s, v) = sb
        .post("/v2/accounts", json!({"data":{"type":"account","name":"Child","parent_id":root}}))
        .await;
    assert_eq!(s, 201, "{v}");
    let child = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb
        .post(
            "/v2/accounts",
            json!({"data":{"type":"account","name":"Grandchild","parent_id":child}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let grand = v["data"]["id"].as_str().unwrap().to_owned();

    let (_, v) = sb.get(&format!("/v2/accounts/{root}")).await;
    let rel = &v["data"]["relationships"];
    assert!(rel.get("parent").is_none(), "a root account has no parent relationship: {v}");
    assert_eq!(rel["ancestors"], json!([]));
    assert_eq!(rel["account_tags"], json!({"data": []}));
    assert!(v["data"]["parent_id"].is_null());

    let (_, v) = sb.get(&format!("/v2/accounts/{child}")).await;
    let rel = &v["data"]["relationships"];
    assert_eq!(v["data"]["parent_id"], json!(root));
    assert_eq!(rel["parent"], json!({"data":{"id":root,"type":"account"}}));
    assert_eq!(rel["ancestors"], json!([{"data":{"id":root,"type":"account"}}]));

    let (_, v) = sb.get(&format!("/v2/accounts/{grand}")).await;
    let rel = &v["data"]["relationships"];
    assert_eq!(rel["parent"]["data"]["id"], json!(child));
    assert_eq!(
        rel["ancestors"],
        json!([{"data":{"id":root,"type":"account"}},{"data":{"id":child,"type":"account"}}]),
        "root first, parent last"
    );
    // the list shows the same shape
    let (_, v) = sb.get("/v2/accounts?sort=created_at").await;
    let data = v["data"].as_array().unwrap();
    assert!(data[0]["relationships"].get("parent").is_none());
    assert_eq!(data[2]["relationships"]["ancestors"].as_array().unwrap().len(), 2);
    // parent_id still cannot change; null on a root account is "no parent", as it is
    let (s, v) = sb
        .put(
            &format!("/v2/accounts/{root}"),
            json!({"data":{"type":"account","name":"Root","parent_id":null}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = sb
        .put(
            &format!("/v2/accounts/{grand}"),
            json!({"data":{"type":"account","name":"G","parent_id":root}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_error(&v, 400)["source"], "data.parent_id");
    sb.h.shutdown().await;
}

// ---- 6. integration logs when the receiver was unreachable

#[tokio::test]
async fn unreachable_receiver_log_has_no_status_code() {
    let sb = start().await;
    // a port that was just free: nothing listens there
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (s, v) = sb
        .post(
            "/v2/integrations",
            json!({"data":{"type":"integration","name":"n","description":"d","enabled":true,
                "integration_type":"webhook","observes":["account.created"],
                "configuration":{"url":format!("http://{closed}/hook")}}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    sb.account("Acme").await;
    let mut logs = Value::Null;
    for _ in 0..200 {
        let (_, v) = sb.get("/v2/integrations/logs").await;
        if v["results"]["total"].as_u64().unwrap_or(0) >= 1 {
            logs = v;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let log = &logs["data"][0];
    assert_eq!(log["type"], "integration-log", "{logs}");
    assert_eq!(log["succeeded"], false);
    assert!(log.get("status_code").is_none(), "no answer, no status code: {log}");
    assert!(log["error_detail"].as_str().unwrap().starts_with("Request failed"), "{log}");
    assert_eq!(log["body"], "");
    sb.h.shutdown().await;
}

// ---- 7. validation edges

#[tokio::test]
async fn page_limit_zero_is_an_empty_page_with_totals() {
    let sb = start_with(onboard::sandbox::SandboxConfig {
        seed: Some(30),
        ..onboard::sandbox::SandboxConfig::local()
    })
    .await;
    for (path, total) in [("/v2/account-members", 30), ("/v2/accounts", 27)] {
        let (s, v) = sb.get(&format!("{path}?page[limit]=0")).await;
        assert_eq!(s, 200, "{path}: {v}");
        assert_eq!(v["data"], json!([]));
        assert_eq!(v["meta"]["results"]["total"], total, "{path}");
        assert_eq!(v["meta"]["page"], json!({"limit":0,"offset":0,"current":1,"total":0}));
        assert!(v["links"]["next"].is_null() && v["links"]["prev"].is_null(), "{v}");
        assert!(v["links"]["first"].as_str().unwrap().contains("page%5Blimit%5D=0"));
    }
    let (s, v) = sb.get("/v2/account-members?page[limit]=0&page[offset]=10").await;
    assert_eq!(s, 200);
    assert_eq!(v["data"], json!([]));
    assert!(v["links"]["prev"].is_null(), "{v}");
    let (s, v) = sb.get("/v2/account-members?page[limit]=-1").await;
    assert_eq!(s, 400);
    assert_eq!(first_error(&v, 400)["source"], "page[limit]");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn empty_sort_is_a_400() {
    let sb = start().await;
    for path in ["/v2/account-members?sort=", "/v2/accounts?sort=", "/v2/integrations?sort="] {
        let (s, v) = sb.get(path).await;
        assert_eq!(s, 400, "{path}: {v}");
        assert_eq!(first_error(&v, 400)["source"], "sort", "{path}");
    }
    // no sort parameter at all is the default order
    let (s, _) = sb.get("/v2/account-members").await;
    assert_eq!(s, 200);
    sb.h.shutdown().await;
}

#[tokio::test]
async fn null_for_a_non_nullable_attribute_is_a_400() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let acc = sb.account("Acme").await;
    let cases = [
        (
            "/v2/settings/account-authentication".to_owned(),
            json!({"data":{"type":"account_authentication_settings","enable_self_signup":null}}),
            "data.enable_self_signup",
        ),
        (
            "/v2/settings/account-authentication".to_owned(),
            json!({"data":{"type":"account_authentication_settings","account_member_self_management":null}}),
            "data.account_member_self_management",
        ),
        (
            format!("/v2/authentication-realms/{realm}/password-profiles/{profile}"),
            json!({"data":{"type":"password_profile","name":null}}),
            "data.name",
        ),
        (
            format!("/v2/authentication-realms/{realm}/password-profiles/{profile}"),
            json!({"data":{"type":"password_profile","enable_one_time_password_token":null}}),
            "data.enable_one_time_password_token",
        ),
        (
            format!("/v2/authentication-realms/{realm}/user-authentication-info/{uid}"),
            json!({"data":{"type":"user_authentication_info","name":"Ann","email":null}}),
            "data.email",
        ),
        (
            format!("/v2/accounts/{acc}"),
            json!({"data":{"type":"account","name":null}}),
            "data.name",
        ),
    ];
    for (path, body, source) in cases {
        let (s, v) = sb.put(&path, body).await;
        assert_eq!(s, 400, "{path}: {v}");
        assert_eq!(first_error(&v, 400)["source"], source, "{path}");
    }
    // nothing changed
    let (_, v) = sb.get("/v2/settings/account-authentication").await;
    assert_eq!(v["data"]["enable_self_signup"], false);
    let (_, v) = sb.get(&format!("/v2/accounts/{acc}")).await;
    assert_eq!(v["data"]["name"], "Acme");
    // the schema's nullable attributes take null
    let (s, v) = sb
        .put(
            &format!("/v2/authentication-realms/{realm}/user-authentication-info/{uid}"),
            json!({"data":{"type":"user_authentication_info","name":"Ann","email":"ann@x.com",
                "given_name":null,"family_name":"Smith"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["data"]["given_name"].is_null());
    assert_eq!(v["data"]["family_name"], "Smith");
    let (s, v) = sb
        .post(
            "/v2/accounts",
            json!({"data":{"type":"account","name":"Nulls","legal_name":null,
                "registration_id":null,"external_ref":null,"parent_id":null}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["data"]["legal_name"].is_null());
    let nulls = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb
        .put(
            &format!("/v2/accounts/{nulls}"),
            json!({"data":{"type":"account","name":"Nulls","legal_name":"Nulls Ltd"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = sb
        .put(
            &format!("/v2/accounts/{nulls}"),
            json!({"data":{"type":"account","name":"Nulls","legal_name":null}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["data"]["legal_name"].is_null(), "null clears a nullable attribute");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn put_without_required_fields_is_a_400_on_users_and_accounts() {
    let sb = start().await;
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let uid = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let acc = sb.account("Acme").await;
    let uai = format!("/v2/authentication-realms/{realm}/user-authentication-info/{uid}");
    let (s, v) =
        sb.put(&uai, json!({"data":{"type":"user_authentication_info","name":"Ann B"}})).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_error(&v, 400)["source"], "data.email");
    let (s, v) =
        sb.put(&uai, json!({"data":{"type":"user_authentication_info","email":"b@x.com"}})).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_error(&v, 400)["source"], "data.name");
    let (s, v) = sb
        .put(&format!("/v2/accounts/{acc}"), json!({"data":{"type":"account","legal_name":"L"}}))
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(first_error(&v, 400)["source"], "data.name");
    // unchanged
    let (_, v) = sb.get(&uai).await;
    assert_eq!(v["data"]["name"], "Ann");
    assert_eq!(v["data"]["email"], "ann@x.com");
    let (_, v) = sb.get(&format!("/v2/accounts/{acc}")).await;
    assert_eq!(v["data"]["legal_name"], "Acme");
    // the whole record is accepted; optional attributes left out keep their values
    let (s, v) = sb
        .put(
            &uai,
            json!({"data":{"type":"user_authentication_info","name":"Ann B","email":"b@x.com"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["email"], "b@x.com");
    let (s, v) = sb
        .put(&format!("/v2/accounts/{acc}"), json!({"data":{"type":"account","name":"Acme 2"}}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["name"], "Acme 2");
    assert_eq!(v["data"]["legal_name"], "Acme");
    // settings, password profiles and integrations keep their partial PUT
    let (s, v) = sb
        .put(
            "/v2/settings/account-authentication",
            json!({"data":{"type":"account_authentication_settings","enable_self_signup":true}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = sb
        .put(
            &format!("/v2/authentication-realms/{realm}/password-profiles/{profile}"),
            json!({"data":{"type":"password_profile","enable_one_time_password_token":true}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["name"], "Email");
    sb.h.shutdown().await;
}

// ---- 8. an account with child accounts is not deleted

#[tokio::test]
async fn an_account_with_children_is_refused_until_they_are_deleted() {
    let sb = start().await;
    let root = sb.account("Root").await;
    let child = |name: &str, parent: &str| json!({"data":{"type":"account","name":name,"parent_id":parent}});
    let (s, v) = sb.post("/v2/accounts", child("Child", &root)).await;
    assert_eq!(s, 201, "{v}");
    let kid = v["data"]["id"].as_str().unwrap().to_owned();
    let (s, v) = sb.post("/v2/accounts", child("Grandchild", &kid)).await;
    assert_eq!(s, 201, "{v}");
    let grand = v["data"]["id"].as_str().unwrap().to_owned();
    let realm = sb.realm().await;
    let profile = sb.profile(&realm, false).await;
    let member = sb.user(&realm, &profile, "Ann", "ann@x.com", "password-1").await;
    let (s, v) = sb.membership(&root, &member).await;
    assert_eq!(s, 201, "{v}");

    // Refused with a conflict that says why; nothing is deleted.
    let (s, v) = sb.delete(&format!("/v2/accounts/{root}")).await;
    assert_eq!(s, 409, "{v}");
    let e = first_error(&v, 409);
    assert_eq!(e["title"], "Conflict");
    assert_eq!(e["detail"], format!("account {root} has 1 child account: delete it first"));
    let (s, _) = sb.delete(&format!("/v2/accounts/{kid}")).await;
    assert_eq!(s, 409, "the middle of the tree is refused too");
    let (_, v) = sb.get("/v2/accounts").await;
    assert_eq!(v["meta"]["results"]["total"], 3);
    let (_, v) = sb.get(&format!("/v2/accounts/{root}/account-memberships")).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1, "the memberships are kept");
    let (_, v) = sb.get(&format!("/v2/accounts/{grand}")).await;
    assert_eq!(v["data"]["relationships"]["ancestors"].as_array().unwrap().len(), 2);

    // Leaves first: then each delete succeeds and no child is left dangling.
    for id in [&grand, &kid, &root] {
        let (s, v) = sb.delete(&format!("/v2/accounts/{id}")).await;
        assert_eq!(s, 204, "{id}: {v}");
    }
    let (_, v) = sb.get("/v2/accounts").await;
    assert_eq!(v["meta"]["results"]["total"], 0);
    let (s, _) = sb.delete(&format!("/v2/accounts/{root}")).await;
    assert_eq!(s, 404);
    sb.h.shutdown().await;
}
