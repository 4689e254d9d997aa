//! The client against a tiny axum mock server on 127.0.0.1:0: tokens, retries,
//! rate limit, read-only mode, observer, pagination, headers.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use onboard::api::*;
use onboard::secret::Secret;

const SECRET: &str = "client-secret-do-not-leak";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    auth: Option<String>,
    am: Option<String>,
    body: String,
}

/// A scripted reply: status, extra headers, body.
type Scripted = (u16, Vec<(&'static str, String)>, String);

#[derive(Default)]
struct MockState {
    seen: Mutex<Vec<Seen>>,
    valid: Mutex<HashSet<String>>,
    issued: Mutex<u32>,
    /// Scripted responses per path: (status, headers, body).
    script: Mutex<HashMap<String, VecDeque<Scripted>>>,
    members: Mutex<Vec<serde_json::Value>>,
}

impl MockState {
    fn push(&self, path: &str, status: u16, headers: Vec<(&'static str, String)>, body: &str) {
        let mut s = self.script.lock().unwrap();
        s.entry(path.to_owned()).or_default().push_back((status, headers, body.to_owned()));
    }
    fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
    }
    fn count(&self, path: &str) -> usize {
        self.seen_path(path).len()
    }
    fn revoke_all(&self) {
        self.valid.lock().unwrap().clear();
    }
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, [("content-type", "application/json")], body).into_response()
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = percent_encoding::percent_decode_str(k).decode_utf8().ok()?;
        (k == key).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

async fn handler(
    State(st): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(ToOwned::to_owned);
    let body = String::from_utf8_lossy(&body).into_owned();
    st.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        auth: header("authorization"),
        am: header("ep-account-management-authentication-token"),
        body: body.clone(),
    });
    let scripted = st.script.lock().unwrap().get_mut(&path).and_then(VecDeque::pop_front);

    if path == "/oauth/access_token" {
        if let Some((status, _, body)) = scripted {
            return json_response(status, body);
        }
        let grant =
            if body.contains("grant_type=implicit") { "implicit" } else { "client_credentials" };
        if grant == "client_credentials" && !body.contains(&format!("client_secret={SECRET}")) {
            return json_response(
                401,
                r#"{"errors":[{"title":"Unauthorized","status":"401"}]}"#.into(),
            );
        }
        let n = {
            let mut i = st.issued.lock().unwrap();
            *i += 1;
            *i
        };
        let token = format!("{grant}-token-{n}");
        st.valid.lock().unwrap().insert(token.clone());
        return json_response(
            200,
            format!(
                r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600,"expires":4102444800,"identifier":"{grant}"}}"#
            ),
        );
    }
    if path.starts_with("/v1/") {
        if let Some((status, _, body)) = scripted {
            return json_response(status, body);
        }
        return json_response(200, include_str!("fixtures/ref_4_bi_user.json").into());
    }
    let bearer = header("authorization").and_then(|a| a.strip_prefix("Bearer ").map(str::to_owned));
    if !bearer.is_some_and(|b| st.valid.lock().unwrap().contains(&b)) {
        return json_response(
            401,
            r#"{"errors":[{"status":"401","title":"Unable to validate access token"}]}"#.into(),
        );
    }
    if path == "/v2/accounts/slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if let Some((status, hdrs, body)) = scripted {
        let mut r = json_response(status, body);
        for (k, v) in hdrs {
            r.headers_mut().insert(k, v.parse().unwrap());
        }
        return r;
    }
    match (method.as_str(), path.as_str()) {
        ("GET", "/v2/settings/account-authentication") => {
            json_response(200, include_str!("fixtures/ref_2_2_settings.json").into())
        }
        ("POST", "/v2/accounts") => {
            json_response(201, include_str!("fixtures/ref_2_10_account.json").into())
        }
        ("POST", "/v2/account-members/tokens") => {
            json_response(201, include_str!("fixtures/ref_2_9_tokens.json").into())
        }
        ("GET", "/v2/account-members") => {
            let members = st.members.lock().unwrap().clone();
            let filter = query_param(&query, "filter");
            let selected: Vec<_> = match filter.as_deref() {
                None => members,
                // This mock's parser only knows `ilike`, like the 2025 spec.
                Some(f) if f.starts_with("ilike(email,'") => {
                    let email = f.trim_start_matches("ilike(email,'").trim_end_matches("')");
                    members
                        .into_iter()
                        .filter(|m| m["email"].as_str().unwrap().eq_ignore_ascii_case(email))
                        .collect()
                }
                Some(_) => Vec::new(),
            };
            let limit: usize = query_param(&query, "page[limit]").map_or(25, |l| l.parse().unwrap());
            let offset: usize = query_param(&query, "page[offset]").map_or(0, |o| o.parse().unwrap());
            let total = selected.len();
            let page: Vec<_> = selected.into_iter().skip(offset).take(limit).collect();
            let next = if offset + limit < total { r#""/v2/account-members?x""# } else { "null" };
            json_response(
                200,
                format!(
                    r#"{{"data":{},"meta":{{"page":{{"limit":{limit},"offset":{offset},"current":1,"total":1}},"results":{{"total":{total}}}}},"links":{{"next":{next}}}}}"#,
                    serde_json::Value::Array(page)
                ),
            )
        }
        _ if path.ends_with("/one-time-password-token-request") => {
            (StatusCode::ACCEPTED, "").into_response()
        }
        _ if path.ends_with("/account-memberships") && method == Method::POST => {
            json_response(201, include_str!("fixtures/ref_2_11_membership.json").into())
        }
        _ if path.contains("/user-authentication-password-profile-info/") => json_response(
            200,
            r#"{"data":{"id":"ppi-1","type":"user_authentication_password_profile_info","username":"ron@swanson.com","password_profile_id":"pp-1"}}"#.into(),
        ),
        _ => json_response(200, r#"{"data":{"id":"generic"}}"#.into()),
    }
}

async fn mock() -> (String, Arc<MockState>) {
    let st = Arc::new(MockState::default());
    let app = Router::new().fallback(handler).with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), st)
}

fn config(base: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(base, "client-id", Some(Secret::new(SECRET)));
    cfg.rate_limit = 0.0;
    cfg.retry_base = Duration::from_millis(1);
    cfg.timeout = Duration::from_secs(5);
    cfg
}

fn recorder() -> (Observer, Arc<Mutex<Vec<ClientEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let obs: Observer = Arc::new(move |e| sink.lock().unwrap().push(e));
    (obs, events)
}

fn records(events: &Mutex<Vec<ClientEvent>>) -> Vec<RequestRecord> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Request(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn token_is_cached_shared_and_renewed_once_on_401() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let settings = client.get_account_auth_settings().await.unwrap();
    assert_eq!(settings.realm_id(), Some("063623f1-9182-4c8f-bb17-91d326e06e69"));
    client.get_account_auth_settings().await.unwrap();
    // A second client of the same store and key shares the process-wide cache.
    let other = Client::new(config(&base)).unwrap();
    other.get_account_auth_settings().await.unwrap();
    assert_eq!(st.count("/oauth/access_token"), 1);
    let form = &st.seen_path("/oauth/access_token")[0].body;
    assert!(form.contains("grant_type=client_credentials") && form.contains("client_id=client-id"));

    // The server forgets the token: one 401, one renewal, the request replayed.
    st.revoke_all();
    client.get_account_auth_settings().await.unwrap();
    assert_eq!(st.count("/oauth/access_token"), 2);
    assert_eq!(st.count("/v2/settings/account-authentication"), 5);
    let last = st.seen_path("/v2/settings/account-authentication").pop().unwrap();
    assert_eq!(last.auth.as_deref(), Some("Bearer client_credentials-token-2"));

    // realm_id is read once and cached.
    assert_eq!(client.realm_id().await.unwrap(), "063623f1-9182-4c8f-bb17-91d326e06e69");
    client.realm_id().await.unwrap();
    assert_eq!(st.count("/v2/settings/account-authentication"), 6);
}

#[tokio::test]
async fn a_401_with_a_fresh_token_is_not_retried() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    st.push(
        "/v2/accounts/a1",
        401,
        vec![],
        r#"{"errors":[{"status":"401","title":"Unable to validate access token"}]}"#,
    );
    let err = client.get_account("a1").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(st.count("/v2/accounts/a1"), 1);
    assert_eq!(st.count("/oauth/access_token"), 1);
}

#[tokio::test]
async fn a_wrong_password_is_not_replayed_but_a_revoked_token_is_renewed_once() {
    const TOKENS: &str = "/v2/account-members/tokens";
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let login = TokenRequest::Password {
        profile_id: "pp-1".into(),
        username: "ron@swanson.com".into(),
        password: Secret::new("mysecretpassword"),
    };
    client.account_member_tokens(&login).await.unwrap();
    assert_eq!(st.count("/oauth/access_token"), 1, "the implicit token is cached now");

    // Wrong credentials with a valid token: one request, no renewal.
    st.push(
        TOKENS,
        401,
        vec![],
        r#"{"errors":[{"status":"401","title":"Unauthorized","detail":"Invalid username or password"}]}"#,
    );
    let err = client.account_member_tokens(&login).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(st.count(TOKENS), 2, "the wrong password was sent once");
    assert_eq!(st.count("/oauth/access_token"), 1, "the token was not renewed");
    // An unknown 401 body on a log-in is the credentials' too.
    st.push(TOKENS, 401, vec![], "");
    assert_eq!(client.account_member_tokens(&login).await.unwrap_err().status(), Some(401));
    assert_eq!((st.count(TOKENS), st.count("/oauth/access_token")), (3, 1));

    // The store forgets the token ("Unable to validate access token"): one
    // renewal, the log-in replayed once with the new token.
    st.revoke_all();
    client.account_member_tokens(&login).await.unwrap();
    assert_eq!(st.count("/oauth/access_token"), 2);
    let sent = st.seen_path(TOKENS);
    assert_eq!(sent.len(), 5);
    assert_eq!(sent[3].auth.as_deref(), Some("Bearer implicit-token-1"));
    assert_eq!(sent[4].auth.as_deref(), Some("Bearer implicit-token-2"));
}

#[tokio::test]
async fn bad_credentials_fail_with_token_state_failed() {
    let (base, st) = mock().await;
    let (obs, events) = recorder();
    let mut cfg = config(&base);
    cfg.client_secret = Some(Secret::new("wrong"));
    cfg.client_id = "other-client".into();
    cfg.observer = Some(obs);
    let client = Client::new(cfg).unwrap();
    let err = client.get_account_auth_settings().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(st.count("/v2/settings/account-authentication"), 0);
    {
        let ev = events.lock().unwrap();
        assert!(ev.contains(&ClientEvent::Token(TokenState::Renewing)));
        assert!(ev.iter().any(|e| matches!(e, ClientEvent::Token(TokenState::Failed(_)))));
    }

    let mut cfg = config(&base);
    cfg.client_secret = None;
    cfg.client_id = "no-secret".into();
    let err = Client::new(cfg).unwrap().get_account("x").await.unwrap_err();
    assert!(matches!(err, ApiError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn retry_on_429_honours_retry_after() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    client.client_credentials_token().await.unwrap();
    st.push(
        "/v2/accounts/a1",
        429,
        vec![("retry-after", "1".into())],
        r#"{"errors":[{"status":"429","title":"Too Many Requests"}]}"#,
    );
    let started = Instant::now();
    let account = client.get_account("a1").await.unwrap();
    assert_eq!(account.id, "generic");
    assert_eq!(st.count("/v2/accounts/a1"), 2);
    // retry_base is 1 ms, so only Retry-After explains a wait this long.
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn retry_on_503_then_success_with_observer_attempts() {
    let (base, st) = mock().await;
    let (obs, events) = recorder();
    let mut cfg = config(&base);
    cfg.observer = Some(obs);
    let client = Client::new(cfg).unwrap();
    st.push("/v2/accounts/a1", 503, vec![], "<html>unavailable</html>");
    st.push("/v2/accounts/a1", 502, vec![], "");
    client.get_account("a1").await.unwrap();
    assert_eq!(st.count("/v2/accounts/a1"), 3);
    let recs: Vec<_> =
        records(&events).into_iter().filter(|r| r.path == "/v2/accounts/a1").collect();
    assert_eq!(recs.iter().map(|r| r.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        recs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(503), Some(502), Some(200)]
    );
    assert!(recs[0].error.is_some() && recs[2].error.is_none());
}

#[tokio::test]
async fn attempts_are_bounded() {
    let (base, st) = mock().await;
    let mut cfg = config(&base);
    cfg.max_attempts = 3;
    let client = Client::new(cfg).unwrap();
    for _ in 0..5 {
        st.push("/v2/accounts/a1", 503, vec![], r#"{"errors":[{"status":503,"title":"down"}]}"#);
    }
    let err = client.get_account("a1").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(st.count("/v2/accounts/a1"), 3);
}

#[tokio::test]
async fn account_create_is_not_retried_after_5xx_but_is_after_429() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let input = AccountInput { name: "Ron Swanson".into(), ..Default::default() };
    st.push("/v2/accounts", 503, vec![], "");
    let err = client.create_account(&input).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(st.count("/v2/accounts"), 1);

    st.push("/v2/accounts", 429, vec![], "");
    let account = client.create_account(&input).await.unwrap();
    assert_eq!(account.name, "Ron Swanson");
    assert_eq!(st.count("/v2/accounts"), 3);
    let body: serde_json::Value =
        serde_json::from_str(&st.seen_path("/v2/accounts").pop().unwrap().body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data":{"type":"account","name":"Ron Swanson","legal_name":"Ron Swanson"}})
    );
}

#[tokio::test]
async fn membership_409_is_already_exists_also_after_a_retry() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let path = "/v2/accounts/acc-1/account-memberships";
    match client.create_membership("acc-1", "mem-1").await.unwrap() {
        MembershipOutcome::Created(m) => {
            assert_eq!(m.member_id(), Some("908f7849-60da-4e4a-a3b1-51d4cbe3b953"))
        }
        other => panic!("{other:?}"),
    }
    let body: serde_json::Value = serde_json::from_str(&st.seen_path(path)[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data":{"type":"account_membership","account_member_id":"mem-1"}})
    );

    let conflict = include_str!("fixtures/error_409_membership.json");
    st.push(path, 409, vec![], conflict);
    assert_eq!(
        client.create_membership("acc-1", "mem-1").await.unwrap(),
        MembershipOutcome::AlreadyExists
    );
    // The first attempt "failed" with a 500 after creating it; the retry sees 409.
    st.push(path, 500, vec![], "");
    st.push(path, 409, vec![], conflict);
    assert_eq!(
        client.create_membership("acc-1", "mem-1").await.unwrap(),
        MembershipOutcome::AlreadyExists
    );
    assert_eq!(st.count(path), 4);
}

#[tokio::test]
async fn read_only_refuses_writes_before_sending_anything() {
    let (base, st) = mock().await;
    let mut cfg = config(&base);
    cfg.read_only = true;
    let client = Client::new(cfg).unwrap();
    assert!(client.is_read_only());
    let input = AccountInput { name: "x".into(), ..Default::default() };
    let err = client.create_account(&input).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::ReadOnly { method, path } if method == "POST" && path == "/v2/accounts"),
        "{err:?}"
    );
    assert!(client.delete_account("a").await.is_err());
    assert!(client.create_membership("a", "m").await.is_err());
    let upd = AccountAuthSettingsUpdate { enable_self_signup: Some(true), ..Default::default() };
    assert!(matches!(
        client.update_account_auth_settings(&upd).await,
        Err(ApiError::ReadOnly { .. })
    ));
    assert!(matches!(
        client.request_otp("r", "p", "u", OtpPurpose::ResetPassword).await,
        Err(ApiError::ReadOnly { .. })
    ));
    assert!(st.seen.lock().unwrap().is_empty(), "nothing may reach the server");

    // Reads and token requests still work.
    client.get_account_auth_settings().await.unwrap();
    let req = TokenRequest::Password {
        profile_id: "p".into(),
        username: "u".into(),
        password: Secret::new("pw"),
    };
    assert_eq!(client.account_member_tokens(&req).await.unwrap().tokens.len(), 1);
}

#[tokio::test]
async fn rate_limiter_spaces_requests() {
    let (base, st) = mock().await;
    let mut cfg = config(&base);
    cfg.rate_limit = 20.0;
    cfg.burst = 1;
    let client = Client::new(cfg).unwrap();
    client.client_credentials_token().await.unwrap();
    let started = Instant::now();
    let calls = (0..10).map(|i| {
        let c = client.clone();
        async move { c.get_account(&format!("a{i}")).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    // 10 requests after the token one, one slot every 50 ms: at least 450 ms.
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
    let seen = st.seen.lock().unwrap();
    assert_eq!(seen.iter().filter(|s| s.path.starts_with("/v2/accounts/")).count(), 10);
}

#[tokio::test]
async fn observer_never_sees_secrets() {
    let (base, st) = mock().await;
    let (obs, events) = recorder();
    let mut cfg = config(&base);
    cfg.observer = Some(obs);
    let client = Client::new(cfg).unwrap();
    client.get_account_auth_settings().await.unwrap();
    let req = TokenRequest::Password {
        profile_id: "pp-1".into(),
        username: "ron@swanson.com".into(),
        password: Secret::new("hunter2-password"),
    };
    let tokens = client.account_member_tokens(&req).await.unwrap();
    let am = tokens.tokens[0].token.clone();
    let update = PasswordProfileInfoUpdate {
        password_profile_id: "pp-1".into(),
        password: Some(Secret::new("new-password-42")),
        ..Default::default()
    };
    let ppi = client
        .update_password_profile_info("realm", "uai-1", "ppi-1", &update, Some(&am))
        .await
        .unwrap();
    assert_eq!(ppi.username, "ron@swanson.com");

    // The AM call used an implicit bearer plus the AM header.
    let put = st.seen.lock().unwrap().iter().rfind(|s| s.method == "PUT").cloned().unwrap();
    assert!(put.auth.as_deref().unwrap().starts_with("Bearer implicit-token-"));
    assert_eq!(put.am.as_deref(), Some(am.expose()));
    assert!(put.body.contains("new-password-42"));

    let recorded = format!("{:?}", events.lock().unwrap());
    for secret in [SECRET, "hunter2-password", "new-password-42", am.expose(), "-token-"] {
        assert!(!recorded.contains(secret), "observer saw {secret}");
    }
    let recs = records(&events);
    assert!(recs.iter().any(|r| r.path == "/oauth/access_token" && r.method == "POST"));
    assert!(recs.iter().any(|r| r.path == "/v2/account-members/tokens"));
    let ev = events.lock().unwrap();
    let renewing = ev.iter().position(|e| *e == ClientEvent::Token(TokenState::Renewing));
    let valid = ev.iter().position(|e| matches!(e, ClientEvent::Token(TokenState::Valid { .. })));
    assert!(renewing.unwrap() < valid.unwrap());
}

#[tokio::test]
async fn list_all_follows_pages_and_find_by_email_falls_back_to_ilike() {
    let (base, st) = mock().await;
    {
        let mut m = st.members.lock().unwrap();
        for i in 0..7 {
            m.push(serde_json::json!({"id": format!("m{i}"), "type": "account_member",
                "name": format!("Member {i}"), "email": format!("m{i}@x.com")}));
        }
        m.push(serde_json::json!({"id": "plus", "type": "account_member",
            "name": "Plus", "email": "A+1@X.com"}));
    }
    let client = Client::new(config(&base)).unwrap();
    let all = client
        .list_all_account_members(&ListParams { limit: Some(3), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all.iter().map(|m| m.id.as_str()).collect::<Vec<_>>()[..3], ["m0", "m1", "m2"]);
    assert_eq!(st.count("/v2/account-members"), 3);

    let page = client
        .list_account_members(&ListParams { limit: Some(3), offset: Some(6), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(page.total_results, Some(8));
    assert!(!page.has_next);

    let found = client.find_member_by_email("a+1@x.com").await.unwrap().unwrap();
    assert_eq!(found.id, "plus");
    let seen = st.seen_path("/v2/account-members");
    let eq = &seen[seen.len() - 2];
    let ilike = &seen[seen.len() - 1];
    // The `+` went out as %2B and arrived as a plus, not a space.
    assert!(eq.query.contains("a%2B1%40x.com"), "{}", eq.query);
    assert_eq!(query_param(&eq.query, "filter").as_deref(), Some("eq(email,a+1@x.com)"));
    assert_eq!(query_param(&ilike.query, "filter").as_deref(), Some("ilike(email,'a+1@x.com')"));
    assert!(client.find_member_by_email("nobody@x.com").await.unwrap().is_none());
}

#[tokio::test]
async fn otp_request_202_and_201() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let out = client
        .request_otp("realm-1", "pp-1", "ron@swanson.com", OtpPurpose::PasswordlessAuthentication)
        .await
        .unwrap();
    assert_eq!(out, OtpRequestOutcome::Accepted);
    let path =
        "/v2/authentication-realms/realm-1/password-profiles/pp-1/one-time-password-token-request";
    let sent = st.seen_path(path).pop().unwrap();
    assert!(sent.auth.unwrap().starts_with("Bearer implicit-token-"));
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data":{"type":"one_time_password_token_request",
            "username":"ron@swanson.com","purpose":"passwordless_authentication"}})
    );
    st.push(
        path,
        201,
        vec![],
        r#"{"data":{"id":"o1","token":"lprvj4","expires_at":"2030-01-01T00:00:00Z"}}"#,
    );
    match client.request_otp("realm-1", "pp-1", "u", OtpPurpose::ResetPassword).await.unwrap() {
        OtpRequestOutcome::Issued { token, .. } => assert_eq!(token.expose(), "lprvj4"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn timeouts_and_connection_errors() {
    let (base, st) = mock().await;
    let mut cfg = config(&base);
    cfg.timeout = Duration::from_millis(200);
    cfg.max_attempts = 2;
    let client = Client::new(cfg).unwrap();
    client.client_credentials_token().await.unwrap();
    let err = client.get_account("slow").await;
    assert!(matches!(err, Err(ApiError::Timeout)), "{err:?}");
    assert_eq!(st.count("/v2/accounts/slow"), 2);

    // Nothing listens on this port (bound, then dropped).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = client.get_account_auth_settings().await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert!(Client::new(config("not a url")).is_err());
}

#[tokio::test]
async fn beyond_identity_create_and_recover() {
    let (base, st) = mock().await;
    let bi = BiClient::new(&base, Secret::new("bi-api-token"), None).unwrap();
    let input = BiUserInput {
        external_id: "m1".into(),
        email: "ron@swanson.com".into(),
        user_name: "ron@swanson.com".into(),
        display_name: "Ron Swanson".into(),
    };
    let user = bi.create_user(&input).await.unwrap();
    assert_eq!(user.status, "USER_STATUS_ACTIVE");
    let sent = st.seen_path("/v1/manage/users").pop().unwrap();
    assert_eq!(sent.auth.as_deref(), Some("Bearer bi-api-token"));
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["binding_token_delivery_method"], "email");
    assert_eq!(body["external_id"], "m1");

    st.push(
        "/v1/manage/recover-user",
        200,
        vec![],
        include_str!("fixtures/ref_4_bi_user_wrapped.json"),
    );
    assert_eq!(bi.recover_user("m1").await.unwrap(), user);

    let raw = include_str!("fixtures/error_bi_grpc.json");
    st.push("/v1/manage/users", 409, vec![], raw);
    match bi.create_user(&input).await.unwrap_err() {
        ApiError::Http { status: 409, body, .. } => assert_eq!(body, raw),
        other => panic!("{other:?}"),
    }
    // Create is not retried after a 5xx (it may have sent the enrolment e-mail).
    st.push("/v1/manage/users", 500, vec![], "");
    assert!(bi.create_user(&input).await.is_err());
    assert_eq!(st.count("/v1/manage/users"), 3);
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn futures_are_send_and_tokens_are_fetched_once_under_concurrency() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    fn assert_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
    assert_sync(&client);
    let p = ListParams::default();
    assert_send(&client.realm_id());
    assert_send(&client.find_member_by_email("a@x.com"));
    assert_send(&client.create_membership("a", "m"));
    assert_send(&client.list_all_account_members(&p));
    assert_send(&client.request_otp("r", "p", "u", OtpPurpose::ResetPassword));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.get_account(&format!("c{i}")).await })
        })
        .collect();
    for h in handles {
        h.await.unwrap().unwrap();
    }
    assert_eq!(st.count("/oauth/access_token"), 1);
}

#[tokio::test]
async fn integrations_bodies_and_status_codes() {
    let (base, st) = mock().await;
    let client = Client::new(config(&base)).unwrap();
    let integration = include_str!("fixtures/ref_2_12_integration.json");
    st.push("/v2/integrations", 200, vec![], integration);
    let input = IntegrationInput {
        name: "OTP notifier".into(),
        description: "console".into(),
        enabled: true,
        integration_type: "webhook".into(),
        observes: vec!["one-time-password-token-request.created".into()],
        configuration: IntegrationConfiguration {
            url: Some("https://hooks.example.com/hook".into()),
            secret_key: Some(Secret::new("s3cr3t-webhook-key")),
        },
    };
    let created = client.create_integration(&input).await.unwrap();
    assert_eq!(created.id, "145d7084-7b00-4f10-9d55-0ecd49c1a2bb");
    let body: serde_json::Value =
        serde_json::from_str(&st.seen_path("/v2/integrations")[0].body).unwrap();
    assert_eq!(body["data"]["type"], "integration");
    assert_eq!(body["data"]["enabled"], true);
    assert_eq!(body["data"]["configuration"]["secret_key"], "s3cr3t-webhook-key");

    let path = "/v2/integrations/i1";
    st.push(path, 200, vec![], integration);
    let update = IntegrationUpdate { enabled: Some(false), ..Default::default() };
    client.update_integration("i1", &update).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&st.seen_path(path)[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"data":{"type":"integration","enabled":false}}));
    // Delete answers 200 with a body in the spec, 204 elsewhere: both fine.
    st.push(path, 200, vec![], integration);
    client.delete_integration("i1").await.unwrap();
    st.push(path, 204, vec![], "");
    client.delete_integration("i1").await.unwrap();

    st.push("/v2/integrations/i1/logs", 200, vec![], include_str!("fixtures/ref_2_12_logs.json"));
    let logs = client
        .integration_logs("i1", &ListParams { limit: Some(25), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(logs.total_results, Some(2));
    let sent = st.seen_path("/v2/integrations/i1/logs").pop().unwrap();
    assert_eq!(sent.query, "page%5Blimit%5D=25");
}

/// A raw HTTP/1.1 server: answers each connection per `plan` (None = drop it
/// after reading the request), one request per connection.
async fn raw_server(plan: Vec<Option<&'static str>>) -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for step in plan {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head and the body (by content-length).
            loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0usize);
                    if buf.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
            let request_line =
                String::from_utf8_lossy(&buf).lines().next().unwrap_or("").to_owned();
            log.lock().unwrap().push(request_line);
            if let Some(body) = step {
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
            drop(sock);
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn dropped_connections_retry_reads_but_not_creates() {
    let token = r#"{"access_token":"raw-token","token_type":"Bearer","expires_in":3600}"#;
    let settings = include_str!("fixtures/ref_2_2_settings.json");
    let (base, seen) = raw_server(vec![Some(token), None, Some(settings)]).await;
    let client = Client::new(config(&base)).unwrap();
    let s = client.get_account_auth_settings().await.unwrap();
    assert!(s.realm_id().is_some());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "POST /oauth/access_token HTTP/1.1",
            "GET /v2/settings/account-authentication HTTP/1.1",
            "GET /v2/settings/account-authentication HTTP/1.1"
        ]
    );

    let (base, seen) = raw_server(vec![Some(token), None, Some("{}")]).await;
    let client = Client::new(config(&base)).unwrap();
    let input = AccountInput { name: "x".into(), ..Default::default() };
    let err = client.create_account(&input).await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 2, "the create was sent once");
}
