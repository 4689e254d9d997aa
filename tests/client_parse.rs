//! Parsing of the example bodies printed in the seeds and the API reference
//! (written out under `tests/fixtures/`), error bodies and broken bodies.

use onboard::api::decode;
use onboard::api::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/", $name))
    };
}

#[test]
fn seed_001_self_signup_tokens_with_string_null_links() {
    let t = decode::am_tokens(201, fixture!("seed001_tokens_self_signup.json")).unwrap();
    assert_eq!(t.tokens.len(), 2);
    assert_eq!(t.tokens[0].account_name, "acc-name-1");
    assert_eq!(t.tokens[0].account_id, "9e227208-b592-49c0-8c8f-043b66c634b0");
    assert_eq!(t.tokens[1].expires, "2021-03-16T18:19:19.070Z");
    assert!(t.tokens[0].token.expose().starts_with("eyJ"));
    assert_eq!(t.account_member_id, None);
    // The token never shows in Debug output.
    assert!(!format!("{t:?}").contains("eyJ"));

    // As a page: `"next": "null"` (a string) means no next page.
    let p: Page<AmToken> = decode::page(201, fixture!("seed001_tokens_self_signup.json")).unwrap();
    assert!(!p.has_next);
    assert_eq!(p.total_results, Some(2));
    assert_eq!(p.total_pages, Some(1));
    assert_eq!(p.limit, Some(20));
}

#[test]
fn seed_002_password_tokens() {
    let t = decode::am_tokens(201, fixture!("seed002_tokens_password.json")).unwrap();
    assert_eq!(t.tokens.len(), 2);
    assert_eq!(t.tokens[1].account_name, "acc-name-2");
}

#[test]
fn ref_2_1_access_token() {
    let r = decode::token_response(200, fixture!("ref_2_1_token.json")).unwrap();
    assert_eq!(r.expires_in, Some(3600));
    assert_eq!(r.expires, Some(1524486008));
    assert_eq!(r.identifier.as_deref(), Some("client_credentials"));
    let now = chrono::Utc::now();
    let t = AccessToken::from_response(r, now, "client_credentials");
    assert_eq!(t.expires_at, now + chrono::Duration::seconds(3600));
    assert!(t.is_fresh(now));
    assert!(t.is_fresh(now + chrono::Duration::seconds(3500)));
    assert!(!t.is_fresh(now + chrono::Duration::seconds(3541)));
    assert!(!format!("{t:?}").contains("xa35"));

    // A short-lived token (e.g. a sandbox) is renewed at half its lifetime.
    let short = decode::token_response(200, br#"{"access_token":"s","expires_in":30}"#).unwrap();
    let t = AccessToken::from_response(short, now, "implicit");
    assert!(t.is_fresh(now + chrono::Duration::seconds(14)));
    assert!(!t.is_fresh(now + chrono::Duration::seconds(16)));

    let r = decode::token_response(200, fixture!("ref_2_1_token_implicit.json")).unwrap();
    assert_eq!(r.identifier.as_deref(), Some("implicit"));
    // One spec wraps the token in `data`: accepted too.
    let wrapped = br#"{"data":{"access_token":"abc","expires_in":60}}"#;
    assert_eq!(decode::token_response(200, wrapped).unwrap().access_token.expose(), "abc");
    // Only the epoch: used as is.
    let r = decode::token_response(200, br#"{"access_token":"abc","expires":4102444800}"#).unwrap();
    let t = AccessToken::from_response(r, now, "implicit");
    assert_eq!(t.expires_at.timestamp(), 4102444800);
}

#[test]
fn ref_2_2_settings_and_realm() {
    let s: AccountAuthSettings = decode::data(200, fixture!("ref_2_2_settings.json")).unwrap();
    assert_eq!(s.realm_id(), Some("063623f1-9182-4c8f-bb17-91d326e06e69"));
    assert!(!s.enable_self_signup);
    assert_eq!(s.account_member_self_management, SelfManagement::Disabled);
    assert_eq!(s.account_management_authentication_token_timeout_secs, Some(86400));
    assert_eq!(s.meta.client_id.as_deref(), Some("account-management"));
    let u = AccountAuthSettingsUpdate {
        account_member_self_management: Some(SelfManagement::UpdateOnly),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        serde_json::json!({"account_member_self_management":"update_only"})
    );
}

#[test]
fn ref_2_4_password_profile_timestamps_under_meta() {
    let p: PasswordProfile = decode::data(200, fixture!("ref_2_4_password_profile.json")).unwrap();
    assert_eq!(p.username_format, UsernameFormat::Email);
    assert!(p.enable_one_time_password_token);
    assert_eq!(p.meta.created_at.as_deref(), Some("2023-09-05T14:50:01.584Z"));
    assert!(p.meta.created().is_some());
    // An unknown format does not break parsing.
    let p: PasswordProfile =
        decode::data(200, br#"{"data":{"id":"x","name":"n","username_format":"phone"}}"#).unwrap();
    assert_eq!(p.username_format, UsernameFormat::Unknown);
}

#[test]
fn ref_2_6_user_auth_info() {
    let u: UserAuthInfo = decode::data(200, fixture!("ref_2_6_user_auth_info.json")).unwrap();
    assert_eq!(u.email.as_deref(), Some("john.doe@banks.com"));
    assert_eq!(u.meta.creation_status.as_deref(), Some("COMPLETE"));
}

#[test]
fn ref_2_8_member_timestamps_nested() {
    let p: Page<AccountMember> = decode::page(200, fixture!("ref_2_8_members.json")).unwrap();
    assert_eq!(p.data.len(), 1);
    let m = &p.data[0];
    assert_eq!(m.email, "ron@swanson.com");
    assert_eq!(m.meta.created_at.as_deref(), Some("2021-02-23T09:40:33.882Z"));
    assert!(m.meta.updated().is_some());
    assert!(!p.has_next);
    assert_eq!(p.total_results, Some(1));

    let pending: Page<MemberMembership> =
        decode::page(200, fixture!("ref_2_8_member_memberships_empty.json")).unwrap();
    assert_eq!(pending.total_results, Some(0));
    assert!(pending.data.is_empty());
}

#[test]
fn ref_2_9_tokens_with_member_id_and_pending() {
    let t = decode::am_tokens(201, fixture!("ref_2_9_tokens.json")).unwrap();
    assert_eq!(t.account_member_id.as_deref(), Some("908f7849-60da-4e4a-a3b1-51d4cbe3b953"));
    assert_eq!(t.tokens.len(), 1);
    assert_eq!(t.tokens[0].account_name, "acc-1");
    let t = decode::am_tokens(201, fixture!("ref_2_9_tokens_pending.json")).unwrap();
    assert!(t.tokens.is_empty());
    assert!(t.account_member_id.is_some());
}

#[test]
fn ref_2_9_request_bodies() {
    let r = TokenRequest::SelfSignup {
        profile_id: "p".into(),
        username: "Ron@Swanson.com".into(),
        password: "pa$$word".into(),
        name: "Ron".into(),
        email: "Ron@Swanson.com".into(),
    };
    let v = r.to_data();
    assert_eq!(v["username"], "ron@swanson.com");
    assert_eq!(v["authentication_mechanism"], "self_signup");
    assert_eq!(v["type"], "account_management_authentication_token");
    assert!(!format!("{r:?}").contains("pa$$word"));
    let r = TokenRequest::Passwordless {
        profile_id: "p".into(),
        username: "u".into(),
        otp: "lprvj4".into(),
    };
    assert_eq!(r.to_data()["one_time_password_token"], "lprvj4");
}

#[test]
fn ref_2_10_account() {
    let a: Account = decode::data(201, fixture!("ref_2_10_account.json")).unwrap();
    assert_eq!(a.legal_name.as_deref(), Some("Ron Swanson"));
    assert_eq!(a.external_ref, None);
    assert!(a.meta.created().is_some());
}

#[test]
fn ref_2_11_membership() {
    let m: Membership = decode::data(201, fixture!("ref_2_11_membership.json")).unwrap();
    assert_eq!(m.member_id(), Some("908f7849-60da-4e4a-a3b1-51d4cbe3b953"));
    assert_eq!(m.account(), None);
    assert_eq!(m.meta.created_at.as_deref(), Some("2021-02-23T09:45:00.000Z"));
}

#[test]
fn ref_2_12_integration_and_logs() {
    let i: Integration = decode::data(201, fixture!("ref_2_12_integration.json")).unwrap();
    assert!(i.enabled);
    assert_eq!(i.observes, ["one-time-password-token-request.created"]);
    assert_eq!(i.configuration.url.as_deref(), Some("https://hooks.example.com/hook"));
    assert!(!format!("{i:?}").contains("s3cr3t"));

    let p: Page<IntegrationLog> = decode::page(200, fixture!("ref_2_12_logs.json")).unwrap();
    assert_eq!(p.total_results, Some(2), "top-level results.total");
    assert_eq!(p.limit, Some(25), "flat meta pagination");
    assert_eq!(p.data.len(), 2);
    let l = &p.data[0];
    assert!(!l.succeeded);
    assert_eq!(l.status_code, Some(404));
    assert_eq!(l.integration_id(), Some("145d7084-7b00-4f10-9d55-0ecd49c1a2bb"));
    assert_eq!(l.job_id(), Some("8848646b-2745-469e-8cc1-ee3b04738f8f"));
    assert!(l.meta.created().is_some());
    assert!(!p.has_next);
}

#[test]
fn ref_4_bi_user_bare_and_wrapped() {
    let a = decode::bi_user(200, fixture!("ref_4_bi_user.json")).unwrap();
    let b = decode::bi_user(200, fixture!("ref_4_bi_user_wrapped.json")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.status, "USER_STATUS_ACTIVE");
    assert_eq!(a.internal_id, "5e6ac0a6-5b9a-4c2e-8d47-5c1f3e3f0a01");
}

#[test]
fn error_bodies_status_string_and_number() {
    let e = decode::data::<Account>(400, fixture!("error_status_string.json")).unwrap_err();
    let ApiError::Http { status, errors, body } = &e else { panic!("{e:?}") };
    assert_eq!(*status, 400);
    assert_eq!(errors[0].status, Some(400));
    assert_eq!(errors[0].title, "Bad Request");
    assert!(body.contains("Validation failed"));
    assert!(e.summary().contains("Validation failed"));

    let e = decode::data::<Integration>(400, fixture!("error_status_number.json")).unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.first_source(), Some("enabled"));
    let ApiError::Http { errors, .. } = &e else { panic!() };
    assert_eq!(errors[0].status, Some(400));

    let e = decode::data::<Account>(500, fixture!("error_500_request_id.json")).unwrap_err();
    assert!(e.summary().contains("5b8d0c4e-8f11-4b8e-9a0e-2c1f6d5a7e33"));
    let e = decode::token_response(401, fixture!("error_401_token.json")).unwrap_err();
    assert_eq!(e.status(), Some(401));
    let e = decode::bi_user(409, fixture!("error_bi_grpc.json")).unwrap_err();
    assert!(e.summary().contains("already exists"));
    let ApiError::Http { body, .. } = &e else { panic!() };
    assert_eq!(body.as_bytes(), fixture!("error_bi_grpc.json"));
}

#[test]
fn broken_bodies_never_panic() {
    let bodies: [&[u8]; 8] = [
        b"",
        b"   ",
        b"<html><body>502 Bad Gateway</body></html>",
        br#"{"data":{"id":"x","name":"#,
        br#"{"data":[{"id":"a"},"#,
        b"\xff\xfe\x00garbage",
        b"null",
        br#"{"data":null}"#,
    ];
    for body in bodies {
        for status in [200u16, 201, 400, 500] {
            let _ = decode::data::<Account>(status, body);
            let _ = decode::page::<AccountMember>(status, body);
            let _ = decode::am_tokens(status, body);
            let _ = decode::token_response(status, body);
            let _ = decode::bi_user(status, body);
            let _ = decode::empty(status, body);
            if status < 300 {
                assert!(matches!(
                    decode::data::<Account>(status, body),
                    Err(ApiError::Decode { .. })
                ));
            } else {
                let e = decode::data::<Account>(status, body).unwrap_err();
                assert_eq!(e.status(), Some(status));
                assert!(!e.summary().is_empty());
            }
        }
    }
    // Empty success body on a call that needs one: Decode, with a clear message.
    let e = decode::data::<Account>(200, b"").unwrap_err();
    assert!(e.summary().contains("empty body"), "{}", e.summary());
}
