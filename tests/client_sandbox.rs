//! The typed client against the embedded sandbox over real HTTP on 127.0.0.1:0:
//! every method of `api::commerce` and `api::beyond` with its main success and
//! error paths, read-only mode, retries on injected faults, and the seed 000
//! flow (profile → settings → self sign-up → account → membership → log-in).
//!
//! Each test starts its own sandbox, so tokens (cached per base URL) and state
//! never leak between tests. No timed assertions: waits are bounded polls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use onboard::api::http::is_token_path;
use onboard::api::*;
use onboard::sandbox::{self, FailRule, Faults, SandboxConfig, SandboxHandle};
use onboard::secret::Secret;
use serde_json::Value;
use tokio::sync::mpsc;

// ------------------------------------------------------------------ helpers

/// Every request attempt the client reports to its observer.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<RequestRecord>>>);

impl Seen {
    fn observer(&self) -> Observer {
        let log = self.0.clone();
        Arc::new(move |ev| {
            if let ClientEvent::Request(r) = ev {
                log.lock().unwrap().push(r);
            }
        })
    }
    /// Attempts with this method whose path (without the query) is `path`.
    fn attempts(&self, method: &str, path: &str) -> Vec<RequestRecord> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method && r.path.split('?').next() == Some(path))
            .cloned()
            .collect()
    }
    fn statuses(&self, method: &str, path: &str) -> Vec<Option<u16>> {
        self.attempts(method, path).iter().map(|r| r.status).collect()
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

struct Env {
    sb: SandboxHandle,
    client: Client,
    seen: Seen,
    realm: String,
}

fn config(sb: &SandboxHandle) -> ClientConfig {
    let mut cfg = ClientConfig::new(
        sb.base_url(),
        sb.client_id(),
        Some(Secret::new(sb.client_secret().to_owned())),
    );
    cfg.rate_limit = 0.0;
    cfg.retry_base = Duration::from_millis(1);
    cfg
}

async fn start() -> Env {
    let sb = sandbox::spawn(SandboxConfig::local()).await.unwrap();
    let seen = Seen::default();
    let mut cfg = config(&sb);
    cfg.observer = Some(seen.observer());
    let client = Client::new(cfg).unwrap();
    let realm = client.realm_id().await.unwrap();
    Env { sb, client, seen, realm }
}

fn err_status<T: std::fmt::Debug>(r: Result<T, ApiError>) -> u16 {
    match r {
        Err(ApiError::Http { status, .. }) => status,
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

fn profile_input(name: &str, otp: bool) -> PasswordProfileInput {
    PasswordProfileInput {
        name: name.to_owned(),
        username_format: UsernameFormat::Email,
        enable_one_time_password_token: otp,
    }
}

fn uai_input(name: &str, email: &str) -> UserAuthInfoInput {
    UserAuthInfoInput { name: name.to_owned(), email: email.to_owned(), ..Default::default() }
}

fn password_login(profile: &str, username: &str, password: &str) -> TokenRequest {
    TokenRequest::Password {
        profile_id: profile.to_owned(),
        username: username.to_owned(),
        password: Secret::new(password.to_owned()),
    }
}

fn self_signup(profile: &str, name: &str, email: &str, password: &str) -> TokenRequest {
    TokenRequest::SelfSignup {
        profile_id: profile.to_owned(),
        username: email.to_owned(),
        password: Secret::new(password.to_owned()),
        name: name.to_owned(),
        email: email.to_owned(),
    }
}

impl Env {
    async fn profile(&self, otp: bool) -> PasswordProfile {
        self.client
            .create_password_profile(&self.realm, &profile_input("Email", otp))
            .await
            .unwrap()
    }

    /// A user-authentication-info (= account member) with a password on `profile`.
    async fn user(&self, profile: &str, name: &str, email: &str, password: &str) -> String {
        let u = self.client.create_user_auth_info(&self.realm, &uai_input(name, email)).await;
        let id = u.unwrap().id;
        let input = PasswordProfileInfoInput {
            password_profile_id: profile.to_owned(),
            username: email.to_owned(),
            password: Secret::new(password.to_owned()),
        };
        self.client.create_password_profile_info(&self.realm, &id, &input).await.unwrap();
        id
    }

    async fn account(&self, name: &str) -> Account {
        let input = AccountInput { name: name.to_owned(), ..Default::default() };
        self.client.create_account(&input).await.unwrap()
    }

    /// A raw GET on a sandbox admin path.
    async fn admin_get(&self, path: &str) -> Value {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = http.get(format!("{}{path}", self.sb.base_url())).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

// ------------------------------------------------------------------ tokens, settings, realms

#[tokio::test]
async fn tokens_client_credentials_implicit_and_wrong_credentials() {
    let sb = sandbox::spawn(SandboxConfig::local()).await.unwrap();

    // Wrong secret first: the token cache is per (base URL, client id, grant).
    let mut bad = config(&sb);
    bad.client_secret = Some(Secret::new("not-the-secret"));
    let bad = Client::new(bad).unwrap();
    assert_eq!(err_status(bad.client_credentials_token().await), 401);
    let e = bad.get_account_auth_settings().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.summary().contains("credentials or token rejected"), "{}", e.summary());
    assert!(!e.to_string().contains("not-the-secret"));

    let mut unknown = config(&sb);
    unknown.client_id = "no-such-client".into();
    assert_eq!(err_status(Client::new(unknown).unwrap().implicit_token().await), 401);

    let mut no_secret = config(&sb);
    no_secret.client_secret = None;
    let no_secret = Client::new(no_secret).unwrap();
    assert!(matches!(no_secret.client_credentials_token().await, Err(ApiError::Config(_))));

    let client = Client::new(config(&sb)).unwrap();
    let admin = client.client_credentials_token().await.unwrap();
    assert!(!admin.access_token.is_empty());
    assert_eq!(admin.identifier, "client_credentials");
    assert!(admin.expires_at > admin.obtained_at);
    // cached: the same token again
    assert_eq!(client.client_credentials_token().await.unwrap().access_token, admin.access_token);
    let implicit = client.implicit_token().await.unwrap();
    assert_eq!(implicit.identifier, "implicit");
    assert_ne!(implicit.access_token, admin.access_token);
    sb.shutdown().await;
}

#[tokio::test]
async fn settings_get_put_realm_id_and_realms() {
    let env = start().await;
    let c = &env.client;
    let s = c.get_account_auth_settings().await.unwrap();
    assert!(!s.enable_self_signup);
    assert_eq!(s.realm_id(), Some(env.realm.as_str()));
    assert_eq!(s.meta.client_id.as_deref(), Some("account-management"));

    let u = AccountAuthSettingsUpdate {
        enable_self_signup: Some(true),
        account_member_self_management: Some(SelfManagement::UpdateOnly),
        ..Default::default()
    };
    let s2 = c.update_account_auth_settings(&u).await.unwrap();
    assert!(s2.enable_self_signup);
    assert_eq!(s2.account_member_self_management, SelfManagement::UpdateOnly);
    // partial: the field not sent keeps its value
    assert_eq!(
        s2.auto_create_account_for_account_members,
        s.auto_create_account_for_account_members
    );
    assert_eq!(c.get_account_auth_settings().await.unwrap(), s2);
    // realm_id is read once per client
    let gets = env.seen.attempts("GET", "/v2/settings/account-authentication").len();
    assert_eq!(c.realm_id().await.unwrap(), env.realm);
    assert_eq!(env.seen.attempts("GET", "/v2/settings/account-authentication").len(), gets);

    let realms = c.list_realms().await.unwrap();
    let realm = realms.iter().find(|r| r.id == env.realm).expect("the account realm is listed");
    assert_eq!(realm.origin_type(), Some("account_authentication_settings"));
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ password profiles

#[tokio::test]
async fn password_profiles_crud() {
    let env = start().await;
    let (c, realm) = (&env.client, env.realm.as_str());
    assert!(c.list_password_profiles(realm).await.unwrap().is_empty());
    let p = c.create_password_profile(realm, &profile_input("Email", false)).await.unwrap();
    assert_eq!(p.name, "Email");
    assert_eq!(p.username_format, UsernameFormat::Email);
    assert!(p.meta.created().is_some());
    let q = c.create_password_profile(realm, &profile_input("Codes", true)).await.unwrap();
    assert_eq!(c.get_password_profile(realm, &p.id).await.unwrap(), p);
    let listed = c.list_password_profiles(realm).await.unwrap();
    assert_eq!(listed.len(), 2);

    let mut input = profile_input("Email log-in", true);
    input.username_format = UsernameFormat::Any;
    let updated = c.update_password_profile(realm, &p.id, &input).await.unwrap();
    assert_eq!(updated.name, "Email log-in");
    assert_eq!(updated.username_format, UsernameFormat::Any);
    assert!(updated.enable_one_time_password_token);

    c.delete_password_profile(realm, &p.id).await.unwrap();
    let e = c.get_password_profile(realm, &p.id).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(c.get_password_profile(realm, "no-such-profile").await.unwrap_err().is_not_found());
    assert!(c.delete_password_profile(realm, &p.id).await.unwrap_err().is_not_found());
    assert!(
        c.update_password_profile(realm, "no-such-profile", &input)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(c.list_password_profiles("no-such-realm").await.unwrap_err().is_not_found());
    let listed = c.list_password_profiles(realm).await.unwrap();
    assert_eq!(listed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [q.id.as_str()]);
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ OTP

type Delivery = (Option<String>, Value);

async fn hook(
    State(tx): State<mpsc::UnboundedSender<Delivery>>,
    h: HeaderMap,
    b: Bytes,
) -> StatusCode {
    let secret = h.get("x-moltin-secret-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let _ = tx.send((secret, serde_json::from_slice(&b).unwrap_or(Value::Null)));
    StatusCode::OK
}

/// A tiny webhook receiver: its URL and the deliveries it got.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route("/hook", post(hook)).with_state(tx);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, rx)
}

/// Waits (bounded, generous: a hang guard, not a timing check) for the next delivery.
async fn next_delivery(rx: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("a webhook delivery")
        .expect("the receiver is running")
}

fn otp_webhook(url: &str) -> IntegrationInput {
    IntegrationInput {
        name: "One Time Password notification".into(),
        description: "Send one time password notification".into(),
        enabled: true,
        integration_type: "webhook".into(),
        observes: vec!["one-time-password-token-request.created".into()],
        configuration: IntegrationConfiguration {
            url: Some(url.to_owned()),
            secret_key: Some(Secret::new("s3cret")),
        },
    }
}

#[tokio::test]
async fn otp_request_delivery_and_passwordless_log_in() {
    let env = start().await;
    let (c, realm) = (&env.client, env.realm.as_str());
    let (url, mut rx) = receiver().await;
    let hook = c.create_integration(&otp_webhook(&url)).await.unwrap();
    let profile = env.profile(true).await;
    let uid = env.user(&profile.id, "John Doe", "john.doe@banks.com", "password-1").await;
    let account = env.account("Banks").await;
    c.create_membership(&account.id, &uid).await.unwrap();

    let purpose = OtpPurpose::PasswordlessAuthentication;
    let out = c.request_otp(realm, &profile.id, "john.doe@banks.com", purpose).await.unwrap();
    assert_eq!(out, OtpRequestOutcome::Accepted);
    assert_eq!(env.seen.statuses("POST", &format!(
        "/v2/authentication-realms/{realm}/password-profiles/{}/one-time-password-token-request",
        profile.id
    )), [Some(202)]);

    let (secret, ev) = next_delivery(&mut rx).await;
    assert_eq!(secret.as_deref(), Some("s3cret"));
    assert_eq!(ev["triggered_by"], "one-time-password-token-request.created");
    assert_eq!(ev["integration"]["id"], hook.id.as_str());
    assert_eq!(ev["payload"]["purpose"], "passwordless_authentication");
    assert_eq!(ev["payload"]["user_authentication_info"]["id"], uid.as_str());
    let code = ev["payload"]["one_time_password_token"].as_str().unwrap().to_owned();
    // the admin path shows the same code
    let otps = env.admin_get("/__sandbox/otp").await;
    assert_eq!(otps["data"][0]["one_time_password_token"], code.as_str());

    let login = TokenRequest::Passwordless {
        profile_id: profile.id.clone(),
        username: "john.doe@banks.com".into(),
        otp: Secret::new(code),
    };
    let tokens = c.account_member_tokens(&login).await.unwrap();
    assert_eq!(tokens.tokens.len(), 1);
    assert_eq!(tokens.tokens[0].account_id, account.id);
    // single use
    assert_eq!(err_status(c.account_member_tokens(&login).await), 401);

    // the delivery is logged on the integration (the log is written after the answer)
    let mut logs = Page::default();
    for _ in 0..400 {
        logs = c.integration_logs(&hook.id, &ListParams::default()).await.unwrap();
        if !logs.data.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(logs.data.len(), 1);
    assert!(logs.data[0].succeeded);
    assert_eq!(logs.data[0].status_code, Some(200));
    assert_eq!(logs.data[0].integration_id(), Some(hook.id.as_str()));
    let all = c.all_integration_logs(&ListParams::default()).await.unwrap();
    assert!(all.data.iter().any(|l| l.id == logs.data[0].id));

    // unknown username: accepted, nothing delivered, no code issued
    let out = c.request_otp(realm, &profile.id, "nobody@banks.com", purpose).await.unwrap();
    assert_eq!(out, OtpRequestOutcome::Accepted);
    assert_eq!(env.admin_get("/__sandbox/otp").await["data"].as_array().unwrap().len(), 1);

    // a profile without OTP → 422; unknown profile → 404
    let plain = env.profile(false).await;
    let r = c.request_otp(realm, &plain.id, "john.doe@banks.com", OtpPurpose::ResetPassword);
    assert_eq!(err_status(r.await), 422);
    let r = c.request_otp(realm, "no-such-profile", "john.doe@banks.com", purpose);
    assert_eq!(err_status(r.await), 404);
    assert!(rx.try_recv().is_err(), "no other delivery");
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ user-authentication-info

#[tokio::test]
async fn user_auth_info_crud_and_filter() {
    let env = start().await;
    let (c, realm) = (&env.client, env.realm.as_str());
    let a = c.create_user_auth_info(realm, &uai_input("Ann", "ann@x.com")).await.unwrap();
    let mut input = uai_input("Bob", "bob@x.com");
    input.given_name = Some("Bob".into());
    let b = c.create_user_auth_info(realm, &input).await.unwrap();
    assert_eq!(b.given_name.as_deref(), Some("Bob"));
    assert_eq!(b.email.as_deref(), Some("bob@x.com"));
    assert_eq!(c.get_user_auth_info(realm, &a.id).await.unwrap().name.as_deref(), Some("Ann"));

    let all = c.list_user_auth_infos(realm, &ListParams::default()).await.unwrap();
    assert_eq!(all.total_results, Some(2));
    // default sort -created_at: newest first
    assert_eq!(all.data[0].id, b.id);
    let only = ListParams::with_filter("eq(email,ann@x.com)");
    let page = c.list_user_auth_infos(realm, &only).await.unwrap();
    assert_eq!(page.data.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), [a.id.as_str()]);
    let bad = ListParams::with_filter("eq(password,x)");
    assert_eq!(err_status(c.list_user_auth_infos(realm, &bad).await), 400);

    let mut input = uai_input("Ann Smith", "ann@x.com");
    input.family_name = Some("Smith".into());
    let upd = c.update_user_auth_info(realm, &a.id, &input).await.unwrap();
    assert_eq!(upd.name.as_deref(), Some("Ann Smith"));
    assert_eq!(upd.family_name.as_deref(), Some("Smith"));
    // the account member is the same record
    assert_eq!(c.get_account_member(&a.id).await.unwrap().name, "Ann Smith");

    // validation: a missing email → 400 naming the field
    let e = c.create_user_auth_info(realm, &uai_input("No Mail", "")).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.first_source().is_some_and(|s| s.contains("email")), "{e}");

    c.delete_user_auth_info(realm, &a.id).await.unwrap();
    assert!(c.get_user_auth_info(realm, &a.id).await.unwrap_err().is_not_found());
    assert!(c.get_account_member(&a.id).await.unwrap_err().is_not_found());
    assert!(c.delete_user_auth_info(realm, &a.id).await.unwrap_err().is_not_found());
    assert!(c.update_user_auth_info(realm, &a.id, &input).await.unwrap_err().is_not_found());
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ password-profile-info

#[tokio::test]
async fn password_profile_info_crud_and_self_service_update() {
    let env = start().await;
    let (c, realm) = (&env.client, env.realm.as_str());
    let profile = env.profile(false).await;
    let uid = c.create_user_auth_info(realm, &uai_input("Jo", "jo@x.com")).await.unwrap().id;
    let input = PasswordProfileInfoInput {
        password_profile_id: profile.id.clone(),
        username: "jo@x.com".into(),
        password: Secret::new("password-1"),
    };
    let info = c.create_password_profile_info(realm, &uid, &input).await.unwrap();
    assert_eq!(info.username, "jo@x.com");
    assert_eq!(info.password_profile_id, profile.id);
    // a second one on the same profile: conflict
    assert_eq!(err_status(c.create_password_profile_info(realm, &uid, &input).await), 409);
    // too short a password
    let short = PasswordProfileInfoInput { password: Secret::new("short"), ..input.clone() };
    let other = c.create_user_auth_info(realm, &uai_input("Al", "al@x.com")).await.unwrap().id;
    assert_eq!(err_status(c.create_password_profile_info(realm, &other, &short).await), 400);

    assert_eq!(
        c.list_password_profile_infos(realm, &uid).await.unwrap(),
        std::slice::from_ref(&info)
    );
    assert_eq!(c.get_password_profile_info(realm, &uid, &info.id).await.unwrap(), info);
    let r = c.get_password_profile_info(realm, &uid, "no-such-info").await;
    assert!(r.unwrap_err().is_not_found());

    // admin password change
    let change = |pw: &str| PasswordProfileInfoUpdate {
        password_profile_id: profile.id.clone(),
        username: None,
        password: Some(Secret::new(pw.to_owned())),
    };
    c.update_password_profile_info(realm, &uid, &info.id, &change("password-2"), None)
        .await
        .unwrap();
    let account = env.account("Jo").await;
    c.create_membership(&account.id, &uid).await.unwrap();
    let r = c.account_member_tokens(&password_login(&profile.id, "jo@x.com", "password-1")).await;
    assert_eq!(err_status(r), 401);
    let t = c
        .account_member_tokens(&password_login(&profile.id, "jo@x.com", "password-2"))
        .await
        .unwrap();
    let am = t.tokens[0].token.clone();

    // as the member (implicit + AM token): 403 unless self management is update_only
    let r = c
        .update_password_profile_info(realm, &uid, &info.id, &change("password-3"), Some(&am))
        .await;
    assert_eq!(err_status(r), 403);
    let u = AccountAuthSettingsUpdate {
        account_member_self_management: Some(SelfManagement::UpdateOnly),
        ..Default::default()
    };
    c.update_account_auth_settings(&u).await.unwrap();
    let r = c
        .update_password_profile_info(realm, &uid, &info.id, &change("password-3"), Some(&am))
        .await;
    assert_eq!(r.unwrap().id, info.id);
    c.account_member_tokens(&password_login(&profile.id, "jo@x.com", "password-3")).await.unwrap();
    // a bogus AM token is refused
    let bogus = Secret::new("a.b.c");
    let r = c
        .update_password_profile_info(realm, &uid, &info.id, &change("password-4"), Some(&bogus))
        .await;
    assert!(matches!(r.unwrap_err().status(), Some(401 | 403)));

    c.delete_password_profile_info(realm, &uid, &info.id).await.unwrap();
    assert!(c.list_password_profile_infos(realm, &uid).await.unwrap().is_empty());
    let r = c.account_member_tokens(&password_login(&profile.id, "jo@x.com", "password-3")).await;
    assert_eq!(err_status(r), 401);
    let r = c.delete_password_profile_info(realm, &uid, &info.id).await;
    assert!(r.unwrap_err().is_not_found());
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ account members

#[tokio::test]
async fn account_members_pages_get_memberships_and_find_by_email() {
    let env = start().await;
    let c = &env.client;
    let profile = env.profile(false).await;
    let emails = ["a@x.com", "b@x.com", "c+tag@x.com", "d@x.com", "e@x.com"];
    let mut ids = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        ids.push(env.user(&profile.id, &format!("User {i}"), email, "password-1").await);
    }

    let p = ListParams { limit: Some(2), ..Default::default() };
    let first = c.list_account_members(&p).await.unwrap();
    assert_eq!(first.data.len(), 2);
    assert_eq!(first.total_results, Some(5));
    assert_eq!(first.total_pages, Some(3));
    assert!(first.has_next);
    let last = c.list_account_members(&ListParams { offset: Some(4), ..p.clone() }).await.unwrap();
    assert_eq!(last.data.len(), 1);
    assert!(!last.has_next);
    // every page, two at a time
    let all = c.list_all_account_members(&p).await.unwrap();
    let mut got: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    let pages = env.seen.attempts("GET", "/v2/account-members").len();
    assert!(pages >= 3 + 2, "three pages for list_all, two single pages: {pages}");
    // a filter with `+` goes out encoded and matches exactly
    let f = ListParams::with_filter("eq(email,c+tag@x.com)");
    let page = c.list_account_members(&f).await.unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].id, ids[2]);
    let bad = ListParams { limit: Some(101), ..Default::default() };
    assert_eq!(err_status(c.list_account_members(&bad).await), 400);

    let m = c.get_account_member(&ids[2]).await.unwrap();
    assert_eq!(m.email, "c+tag@x.com");
    assert_eq!(m.name, "User 2");
    assert!(c.get_account_member("no-such-member").await.unwrap_err().is_not_found());

    let ms = c.member_memberships(&ids[0], &ListParams::default()).await.unwrap();
    assert_eq!(ms.total_results, Some(0), "pending: no account");
    let acc = env.account("A").await;
    c.create_membership(&acc.id, &ids[0]).await.unwrap();
    let ms = c.member_memberships(&ids[0], &ListParams::default()).await.unwrap();
    assert_eq!(ms.total_results, Some(1));
    assert_eq!(ms.data[0].account(), Some(acc.id.as_str()));

    // find by e-mail: `+` kept, case-insensitive, absent → None
    let found = c.find_member_by_email("c+tag@x.com").await.unwrap().expect("found");
    assert_eq!(found.id, ids[2]);
    let found = c.find_member_by_email(" C+Tag@X.com ").await.unwrap().expect("found");
    assert_eq!(found.id, ids[2]);
    assert_eq!(c.find_member_by_email("ctag@x.com").await.unwrap(), None);
    assert_eq!(c.find_member_by_email("c tag@x.com").await.unwrap(), None);
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ AM tokens

#[tokio::test]
async fn account_member_tokens_mechanisms_and_errors() {
    let env = start().await;
    let c = &env.client;
    let profile = env.profile(false).await;
    let signup = self_signup(&profile.id, "Ron Swanson", "Ron@Swanson.com", "mysecretpassword");

    // self sign-up disabled → 403
    assert_eq!(err_status(c.account_member_tokens(&signup).await), 403);
    let u = AccountAuthSettingsUpdate {
        enable_self_signup: Some(true),
        auto_create_account_for_account_members: Some(false),
        ..Default::default()
    };
    c.update_account_auth_settings(&u).await.unwrap();
    let t = c.account_member_tokens(&signup).await.unwrap();
    assert!(t.tokens.is_empty(), "no account yet");
    let member = t.account_member_id.expect("member id");
    // the username went out lower-cased
    let infos = c.list_password_profile_infos(&env.realm, &member).await.unwrap();
    assert_eq!(infos[0].username, "ron@swanson.com");
    // duplicate → 409
    assert_eq!(err_status(c.account_member_tokens(&signup).await), 409);
    // a POST that is not a checked token request is not retried on a 409
    assert_eq!(env.seen.statuses("POST", "/v2/account-members/tokens").last(), Some(&Some(409)));

    // password log-in: pending member → no token; wrong password / user → 401
    let ok = password_login(&profile.id, "RON@swanson.com", "mysecretpassword");
    let t = c.account_member_tokens(&ok).await.unwrap();
    assert!(t.tokens.is_empty());
    let r =
        c.account_member_tokens(&password_login(&profile.id, "ron@swanson.com", "nope-nope")).await;
    assert_eq!(err_status(r), 401);
    let r =
        c.account_member_tokens(&password_login(&profile.id, "x@swanson.com", "nope-nope")).await;
    assert_eq!(err_status(r), 401);
    let r =
        c.account_member_tokens(&password_login("no-such-profile", "ron@swanson.com", "x")).await;
    assert!(matches!(r.unwrap_err().status(), Some(401 | 404 | 400)));

    // auto-create on: a new sign-up gets an account and one token
    let u = AccountAuthSettingsUpdate {
        auto_create_account_for_account_members: Some(true),
        ..Default::default()
    };
    c.update_account_auth_settings(&u).await.unwrap();
    let t = c
        .account_member_tokens(&self_signup(&profile.id, "Leslie", "leslie@x.com", "password-1"))
        .await
        .unwrap();
    assert_eq!(t.tokens.len(), 1);
    assert_eq!(t.tokens[0].account_name, "Leslie");
    assert_eq!(t.tokens[0].token.expose().split('.').count(), 3);
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ accounts

#[tokio::test]
async fn accounts_crud_and_filter() {
    let env = start().await;
    let c = &env.client;
    let acme = env.account("Acme").await;
    assert_eq!(acme.legal_name.as_deref(), Some("Acme"), "legal_name defaults to name");
    let input = AccountInput {
        name: "Globex".into(),
        legal_name: Some("Globex Corporation".into()),
        registration_id: Some("REG-1".into()),
        external_ref: Some("ext-1".into()),
        parent_id: None,
    };
    let globex = c.create_account(&input).await.unwrap();
    assert_eq!(globex.registration_id.as_deref(), Some("REG-1"));
    let dup = AccountInput { name: "Globex 2".into(), ..input.clone() };
    let e = c.create_account(&dup).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.first_source(), Some("data.registration_id"));
    let e = c.create_account(&AccountInput::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(400));

    assert_eq!(c.get_account(&globex.id).await.unwrap(), globex);
    assert!(c.get_account("no-such-account").await.unwrap_err().is_not_found());
    let page = c.list_accounts(&ListParams::with_filter("eq(name,Globex)")).await.unwrap();
    assert_eq!(page.data.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), [globex.id.as_str()]);
    let p = ListParams { limit: Some(1), ..Default::default() };
    let all = c.list_all_accounts(&p).await.unwrap();
    assert_eq!(all.len(), 2);

    let upd = AccountInput { name: "Acme Inc".into(), ..Default::default() };
    let acme2 = c.update_account(&acme.id, &upd).await.unwrap();
    assert_eq!(acme2.name, "Acme Inc");
    assert!(c.update_account("no-such-account", &upd).await.unwrap_err().is_not_found());

    c.delete_account(&acme.id).await.unwrap();
    assert!(c.get_account(&acme.id).await.unwrap_err().is_not_found());
    assert!(c.delete_account(&acme.id).await.unwrap_err().is_not_found());
    assert_eq!(c.list_accounts(&ListParams::default()).await.unwrap().total_results, Some(1));
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ memberships

#[tokio::test]
async fn memberships_create_conflict_list_unassigned_delete() {
    let env = start().await;
    let c = &env.client;
    let profile = env.profile(false).await;
    let ann = env.user(&profile.id, "Ann", "ann@x.com", "password-1").await;
    let bob = env.user(&profile.id, "Bob", "bob@x.com", "password-1").await;
    let acc = env.account("Acme").await;

    let m = match c.create_membership(&acc.id, &ann).await.unwrap() {
        MembershipOutcome::Created(m) => m,
        other => panic!("expected Created, got {other:?}"),
    };
    assert_eq!(m.member_id(), Some(ann.as_str()));
    assert_eq!(c.create_membership(&acc.id, &ann).await.unwrap(), MembershipOutcome::AlreadyExists);
    // the 409 is one attempt, not retried
    let path = format!("/v2/accounts/{}/account-memberships", acc.id);
    assert_eq!(env.seen.statuses("POST", &path), [Some(201), Some(409)]);
    assert!(c.create_membership("no-such-account", &ann).await.unwrap_err().is_not_found());
    let r = c.create_membership(&acc.id, "no-such-member").await;
    assert!(matches!(r.unwrap_err().status(), Some(400 | 404 | 422)));

    let list = c.list_memberships(&acc.id, &ListParams::default()).await.unwrap();
    assert_eq!(list.total_results, Some(1));
    assert_eq!(list.data[0].id, m.id);
    let un = c.unassigned_members(&acc.id, &ListParams::default()).await.unwrap();
    assert_eq!(un.data.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [bob.as_str()]);
    let un = c.unassigned_members(&acc.id, &ListParams::with_filter("eq(email,ann@x.com)")).await;
    assert!(un.unwrap().data.is_empty());

    c.delete_membership(&acc.id, &m.id).await.unwrap();
    assert_eq!(
        c.list_memberships(&acc.id, &ListParams::default()).await.unwrap().total_results,
        Some(0)
    );
    assert!(c.delete_membership(&acc.id, &m.id).await.unwrap_err().is_not_found());
    let un = c.unassigned_members(&acc.id, &ListParams::default()).await.unwrap();
    assert_eq!(un.total_results, Some(2));
    // created again after the delete
    assert!(matches!(
        c.create_membership(&acc.id, &ann).await.unwrap(),
        MembershipOutcome::Created(_)
    ));
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ integrations

#[tokio::test]
async fn integrations_crud_and_logs() {
    let env = start().await;
    let c = &env.client;
    assert!(c.list_integrations().await.unwrap().is_empty());
    let input = otp_webhook("http://127.0.0.1:9/hook");
    let i = c.create_integration(&input).await.unwrap();
    assert!(i.enabled);
    assert_eq!(i.observes, ["one-time-password-token-request.created"]);
    assert_eq!(i.configuration.url.as_deref(), Some("http://127.0.0.1:9/hook"));
    assert_eq!(c.get_integration(&i.id).await.unwrap().id, i.id);
    assert_eq!(c.list_integrations().await.unwrap().len(), 1);

    let upd = IntegrationUpdate { enabled: Some(false), ..Default::default() };
    let i2 = c.update_integration(&i.id, &upd).await.unwrap();
    assert!(!i2.enabled);
    assert_eq!(i2.name, i.name, "partial update keeps the rest");
    assert_eq!(i2.configuration.url, i.configuration.url);

    let logs = c.integration_logs(&i.id, &ListParams::default()).await.unwrap();
    assert!(logs.data.is_empty());
    assert_eq!(logs.total_results, Some(0));
    assert!(c.all_integration_logs(&ListParams::default()).await.unwrap().data.is_empty());

    // validation: observes required, URL must be http(s)
    let mut bad = input.clone();
    bad.observes.clear();
    let e = c.create_integration(&bad).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.first_source(), Some("observes"));
    let mut bad = input.clone();
    bad.configuration.url = Some("ftp://example.com".into());
    assert_eq!(err_status(c.create_integration(&bad).await), 400);

    c.delete_integration(&i.id).await.unwrap();
    assert!(c.get_integration(&i.id).await.unwrap_err().is_not_found());
    assert!(c.update_integration(&i.id, &upd).await.unwrap_err().is_not_found());
    assert!(c.delete_integration(&i.id).await.unwrap_err().is_not_found());
    assert!(c.list_integrations().await.unwrap().is_empty());
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ Beyond Identity

#[tokio::test]
async fn beyond_identity_create_duplicate_auth_validation_recover() {
    let env = start().await;
    let base = env.sb.base_url();
    assert!(matches!(BiClient::new(&base, Secret::new(""), None), Err(ApiError::Config(_))));
    let bi = BiClient::new(&base, Secret::new(env.sb.bi_token().to_owned()), None).unwrap();
    let input = BiUserInput {
        external_id: "member-1".into(),
        email: "ann@x.com".into(),
        user_name: "ann".into(),
        display_name: "Ann".into(),
    };
    let u = bi.create_user(&input).await.unwrap();
    assert_eq!(u.external_id, "member-1");
    assert_eq!(u.email, "ann@x.com");
    assert_eq!(u.status, "USER_STATUS_ACTIVE");
    assert!(!u.internal_id.is_empty());

    let e = bi.create_user(&input).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert!(e.to_string().contains("already exists"), "{e}");

    let wrong = BiClient::new(&base, Secret::new("wrong-token"), None).unwrap();
    assert_eq!(err_status(wrong.create_user(&input).await), 401);
    assert_eq!(err_status(wrong.recover_user("member-1").await), 401);

    let missing = BiUserInput { user_name: String::new(), ..input.clone() };
    let e = bi.create_user(&BiUserInput { external_id: "member-2".into(), ..missing }).await;
    let e = e.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.to_string().contains("user_name"), "{e}");
    let bad_mail = BiUserInput { external_id: "member-3".into(), email: "nope".into(), ..input };
    assert_eq!(err_status(bi.create_user(&bad_mail).await), 400);

    let r = bi.recover_user("member-1").await.unwrap();
    assert_eq!(r.internal_id, u.internal_id);
    assert!(bi.recover_user("member-9").await.unwrap_err().is_not_found());

    let users = env.admin_get("/__sandbox/bi/users").await;
    assert_eq!(users["data"].as_array().unwrap().len(), 1);
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ read-only mode

#[tokio::test]
async fn read_only_refuses_writes_before_sending() {
    let env = start().await;
    let profile = env.profile(false).await;
    let uid = env.user(&profile.id, "Ann", "ann@x.com", "password-1").await;
    let acc = env.account("Acme").await;
    let realm = env.realm.clone();

    let seen = Seen::default();
    let mut cfg = config(&env.sb);
    cfg.read_only = true;
    cfg.observer = Some(seen.observer());
    let ro = Client::new(cfg).unwrap();
    assert!(ro.is_read_only());

    let mut refused: Vec<ApiError> = Vec::new();
    let settings =
        AccountAuthSettingsUpdate { enable_self_signup: Some(true), ..Default::default() };
    refused.extend(ro.update_account_auth_settings(&settings).await.err());
    refused.extend(ro.create_password_profile(&realm, &profile_input("X", false)).await.err());
    refused.extend(
        ro.update_password_profile(&realm, &profile.id, &profile_input("X", false)).await.err(),
    );
    refused.extend(ro.delete_password_profile(&realm, &profile.id).await.err());
    let purpose = OtpPurpose::ResetPassword;
    refused.extend(ro.request_otp(&realm, &profile.id, "ann@x.com", purpose).await.err());
    refused.extend(ro.create_user_auth_info(&realm, &uai_input("B", "b@x.com")).await.err());
    refused.extend(ro.update_user_auth_info(&realm, &uid, &uai_input("B", "b@x.com")).await.err());
    refused.extend(ro.delete_user_auth_info(&realm, &uid).await.err());
    let ppi = PasswordProfileInfoInput {
        password_profile_id: profile.id.clone(),
        username: "b@x.com".into(),
        password: Secret::new("password-1"),
    };
    refused.extend(ro.create_password_profile_info(&realm, &uid, &ppi).await.err());
    let upd =
        PasswordProfileInfoUpdate { password_profile_id: profile.id.clone(), ..Default::default() };
    refused.extend(ro.update_password_profile_info(&realm, &uid, "x", &upd, None).await.err());
    refused.extend(ro.delete_password_profile_info(&realm, &uid, "x").await.err());
    refused.extend(
        ro.create_account(&AccountInput { name: "New".into(), ..Default::default() }).await.err(),
    );
    refused.extend(
        ro.update_account(&acc.id, &AccountInput { name: "N".into(), ..Default::default() })
            .await
            .err(),
    );
    refused.extend(ro.delete_account(&acc.id).await.err());
    refused.extend(ro.create_membership(&acc.id, &uid).await.err());
    refused.extend(ro.delete_membership(&acc.id, "x").await.err());
    refused.extend(ro.create_integration(&otp_webhook("http://127.0.0.1:9/h")).await.err());
    refused.extend(ro.update_integration("x", &IntegrationUpdate::default()).await.err());
    refused.extend(ro.delete_integration("x").await.err());
    assert_eq!(refused.len(), 19, "every write is refused: {refused:?}");
    for e in &refused {
        assert!(matches!(e, ApiError::ReadOnly { .. }), "{e:?}");
    }
    assert_eq!(seen.len(), 0, "nothing was sent");

    // reads and token requests still go through
    assert_eq!(ro.list_accounts(&ListParams::default()).await.unwrap().total_results, Some(1));
    let t = ro.account_member_tokens(&password_login(&profile.id, "ann@x.com", "password-1")).await;
    assert!(t.unwrap().tokens.is_empty());
    assert!(seen.len() >= 2);
    assert!(seen.0.lock().unwrap().iter().all(|r| r.method == "GET" || is_token_path(&r.path)));

    // and the store is unchanged
    let c = &env.client;
    assert!(c.list_memberships(&acc.id, &ListParams::default()).await.unwrap().data.is_empty());
    assert_eq!(c.list_all_accounts(&ListParams::default()).await.unwrap(), [acc]);
    assert_eq!(c.list_password_profiles(&realm).await.unwrap(), [profile]);
    assert_eq!(c.list_all_account_members(&ListParams::default()).await.unwrap().len(), 1);
    assert!(c.list_integrations().await.unwrap().is_empty());
    assert!(!c.get_account_auth_settings().await.unwrap().enable_self_signup);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn read_only_refuses_a_self_signup_before_sending_but_not_a_log_in() {
    let env = start().await;
    let profile = env.profile(false).await;
    env.user(&profile.id, "Ann", "ann@x.com", "password-1").await;
    // The store would take the sign-up: only the client's guard refuses it.
    let on = AccountAuthSettingsUpdate { enable_self_signup: Some(true), ..Default::default() };
    env.client.update_account_auth_settings(&on).await.unwrap();

    let seen = Seen::default();
    let mut cfg = config(&env.sb);
    cfg.read_only = true;
    cfg.observer = Some(seen.observer());
    let ro = Client::new(cfg).unwrap();
    let signup = self_signup(&profile.id, "Bob", "bob@x.com", "password-2");
    match ro.account_member_tokens(&signup).await {
        Err(ApiError::ReadOnly { method, path }) => {
            assert_eq!((method.as_str(), path.as_str()), ("POST", "/v2/account-members/tokens"));
        }
        other => panic!("expected a read-only refusal, got {other:?}"),
    }
    assert_eq!(seen.len(), 0, "nothing was sent, not even a token request");
    let all = ListParams::default();
    let members = env.client.list_all_account_members(&all).await.unwrap();
    assert_eq!(members.len(), 1, "no member was created");

    // The log-in check is a token request that changes nothing: it goes through.
    let t = ro.account_member_tokens(&password_login(&profile.id, "ann@x.com", "password-1")).await;
    assert!(t.unwrap().tokens.is_empty());
    assert_eq!(seen.statuses("POST", "/v2/account-members/tokens"), [Some(201)]);
    // A writable client signs up with the same request.
    env.client.account_member_tokens(&signup).await.unwrap();
    assert_eq!(env.client.list_all_account_members(&all).await.unwrap().len(), 2);
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ 401s on log-ins

#[tokio::test]
async fn a_wrong_password_is_one_request_in_the_log() {
    let env = start().await;
    let c = &env.client;
    let profile = env.profile(false).await;
    env.user(&profile.id, "Ann", "ann@x.com", "password-1").await;
    // A good log-in first: the implicit token is cached (not fetched for the next call).
    c.account_member_tokens(&password_login(&profile.id, "ann@x.com", "password-1")).await.unwrap();
    let before = env.seen.len();
    let r =
        c.account_member_tokens(&password_login(&profile.id, "ann@x.com", "wrong-password")).await;
    let e = r.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("Invalid username or password"), "{e}");
    let after: Vec<(String, String, Option<u16>)> = env.seen.0.lock().unwrap()[before..]
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    assert_eq!(
        after,
        [("POST".to_owned(), "/v2/account-members/tokens".to_owned(), Some(401))],
        "one attempt, no token renewal, no replay"
    );
    env.sb.shutdown().await;
}

// ------------------------------------------------------------------ retries on faults

fn fail(method: &str, path: &str, status: u16, count: u32) -> Faults {
    Faults {
        fail_next: vec![FailRule {
            method: Some(method.to_owned()),
            path_contains: path.to_owned(),
            status,
            count,
        }],
        ..Faults::default()
    }
}

#[tokio::test]
async fn retries_on_injected_503_only_for_idempotent_requests() {
    let env = start().await;
    let c = &env.client;
    env.sb.set_faults(fail("GET", "/v2/accounts", 503, 2));
    let page = c.list_accounts(&ListParams::default()).await.unwrap();
    assert!(page.data.is_empty());
    assert_eq!(env.seen.statuses("GET", "/v2/accounts"), [Some(503), Some(503), Some(200)]);

    // PUT is idempotent too
    env.sb.set_faults(fail("PUT", "/v2/settings", 503, 1));
    let u = AccountAuthSettingsUpdate { enable_self_signup: Some(true), ..Default::default() };
    assert!(c.update_account_auth_settings(&u).await.unwrap().enable_self_signup);
    assert_eq!(
        env.seen.statuses("PUT", "/v2/settings/account-authentication"),
        [Some(503), Some(200)]
    );

    // more failures than attempts: the last 503 comes back
    env.sb.set_faults(fail("GET", "/v2/accounts", 503, 10));
    let e = c.list_accounts(&ListParams::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(env.seen.statuses("GET", "/v2/accounts").len(), 3 + 4);

    // POST account create: not retried on a 5xx, and nothing was created
    env.sb.set_faults(fail("POST", "/v2/accounts", 503, 1));
    let input = AccountInput { name: "Acme".into(), ..Default::default() };
    let e = c.create_account(&input).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(env.seen.statuses("POST", "/v2/accounts"), [Some(503)]);
    env.sb.set_faults(Faults::default());
    assert!(c.list_all_accounts(&ListParams::default()).await.unwrap().is_empty());
    env.sb.shutdown().await;
}

#[tokio::test]
async fn rate_limit_429_then_success() {
    let env = start().await;
    let c = &env.client;
    // a 429 is sent before processing: even account create is retried
    env.sb.set_faults(fail("POST", "/v2/accounts", 429, 2));
    let input = AccountInput { name: "Acme".into(), ..Default::default() };
    let acc = c.create_account(&input).await.unwrap();
    assert_eq!(env.seen.statuses("POST", "/v2/accounts"), [Some(429), Some(429), Some(201)]);
    assert_eq!(c.list_all_accounts(&ListParams::default()).await.unwrap(), [acc]);

    // the sandbox's own rate limit (0 per second: every request refused)
    env.sb.set_faults(Faults { rate_limit: Some(0), ..Faults::default() });
    let e = c.get_account_auth_settings().await.unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert!(e.summary().contains("rate limited"), "{}", e.summary());
    let path = "/v2/settings/account-authentication";
    let statuses = env.seen.statuses("GET", path);
    // after the one GET of `realm_id` at start
    assert_eq!(statuses[1..], [Some(429); 4]);
    // lifted: the next call succeeds
    env.sb.set_faults(Faults::default());
    c.get_account_auth_settings().await.unwrap();
    assert_eq!(env.seen.statuses("GET", path).last(), Some(&Some(200)));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_retried_for_get_not_for_account_create() {
    let sb = Arc::new(sandbox::spawn(SandboxConfig::local()).await.unwrap());
    let seen = Seen::default();
    let mut cfg = config(&sb);
    // The observer runs synchronously after each attempt and before any retry:
    // it lifts the faults once a GET attempt got no answer.
    let record = seen.observer();
    let handle = sb.clone();
    cfg.observer = Some(Arc::new(move |ev| {
        if let ClientEvent::Request(r) = &ev
            && r.method == "GET"
            && r.status.is_none()
        {
            handle.set_faults(Faults::default());
        }
        record(ev);
    }));
    let c = Client::new(cfg).unwrap();
    c.client_credentials_token().await.unwrap();

    sb.set_faults(Faults { drop_rate: 1.0, ..Faults::default() });
    assert!(c.list_accounts(&ListParams::default()).await.unwrap().data.is_empty());
    let tries = seen.attempts("GET", "/v2/accounts");
    assert_eq!(tries.len(), 2);
    assert_eq!(tries[0].status, None);
    assert!(tries[0].error.is_some());
    assert_eq!(tries[1].status, Some(200));

    // POST account create: a dropped connection is not retried (outcome unknown)
    sb.set_faults(Faults { drop_rate: 1.0, ..Faults::default() });
    let input = AccountInput { name: "Acme".into(), ..Default::default() };
    let e = c.create_account(&input).await.unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");
    assert_eq!(seen.statuses("POST", "/v2/accounts"), [None]);
    sb.set_faults(Faults::default());
    assert!(c.list_all_accounts(&ListParams::default()).await.unwrap().is_empty());
}

// ------------------------------------------------------------------ seed 000

/// Seed 000 through the client: password profile (email) → settings (self
/// sign-up on, auto-create off) → self sign-up (implicit) gives `data: []` and
/// the member id → account → membership → password log-in returns exactly one
/// token, for that account.
#[tokio::test]
async fn seed_000_flow_through_the_client() {
    let env = start().await;
    let (c, realm) = (&env.client, env.realm.as_str());

    // 1. password profile
    let profile = c.create_password_profile(realm, &profile_input("Email", false)).await.unwrap();
    assert_eq!(profile.username_format, UsernameFormat::Email);

    // 2. settings
    let u = AccountAuthSettingsUpdate {
        enable_self_signup: Some(true),
        auto_create_account_for_account_members: Some(false),
        ..Default::default()
    };
    let s = c.update_account_auth_settings(&u).await.unwrap();
    assert!(s.enable_self_signup && !s.auto_create_account_for_account_members);

    // 3. self sign-up (seed 001's values)
    let signup = self_signup(&profile.id, "totallylegit", "totallylegit@gmail.com", "pa$$word");
    let t = c.account_member_tokens(&signup).await.unwrap();
    assert!(t.tokens.is_empty(), "data: [] while no account");
    let member = t.account_member_id.expect("meta.account_member_id");
    let m = c.find_member_by_email("totallylegit@gmail.com").await.unwrap().expect("member");
    assert_eq!(m.id, member);
    let ms =
        c.member_memberships(&member, &ListParams { limit: Some(1), ..Default::default() }).await;
    assert_eq!(ms.unwrap().total_results, Some(0), "pending");

    // 4. account + membership (the approval)
    let account = env.account("totallylegit").await;
    assert!(matches!(
        c.create_membership(&account.id, &member).await.unwrap(),
        MembershipOutcome::Created(_)
    ));

    // 5. password log-in: exactly one token, for that account
    let login = password_login(&profile.id, "totallylegit@gmail.com", "pa$$word");
    let t = c.account_member_tokens(&login).await.unwrap();
    assert_eq!(t.tokens.len(), 1);
    assert_eq!(t.tokens[0].account_id, account.id);
    assert_eq!(t.tokens[0].account_name, "totallylegit");
    assert!(!t.tokens[0].token.is_empty());
    assert_eq!(t.account_member_id.as_deref(), Some(member.as_str()));
    env.sb.shutdown().await;
}
