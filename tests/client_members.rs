//! The support desk's API calls against the embedded sandbox over real HTTP:
//! member search (exact e-mail, ilike on name and e-mail, `+` in an e-mail,
//! no match, paging), memberships with `include=account` giving account
//! names, and the inspector's record of each call (redacted, curl-able).

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onboard::api::*;
use onboard::sandbox::{self, SandboxConfig, SandboxHandle};
use onboard::secret::Secret;

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
    fn all(&self) -> Vec<RequestRecord> {
        self.0.lock().unwrap().clone()
    }
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

struct Env {
    sb: SandboxHandle,
    client: Client,
    seen: Seen,
    realm: String,
    profile: String,
}

async fn start() -> Env {
    let sb = sandbox::spawn(SandboxConfig::local()).await.unwrap();
    let seen = Seen::default();
    let mut cfg = ClientConfig::new(
        sb.base_url(),
        sb.client_id(),
        Some(Secret::new(sb.client_secret().to_owned())),
    );
    cfg.rate_limit = 0.0;
    cfg.retry_base = Duration::from_millis(1);
    cfg.observer = Some(seen.observer());
    let client = Client::new(cfg).unwrap();
    let realm = client.realm_id().await.unwrap();
    let profile = client
        .create_password_profile(
            &realm,
            &PasswordProfileInput {
                name: "Email".into(),
                username_format: UsernameFormat::Email,
                enable_one_time_password_token: true,
            },
        )
        .await
        .unwrap()
        .id;
    Env { sb, client, seen, realm, profile }
}

impl Env {
    async fn user(&self, name: &str, email: &str) -> String {
        let input = UserAuthInfoInput {
            name: name.to_owned(),
            email: email.to_owned(),
            ..Default::default()
        };
        let id = self.client.create_user_auth_info(&self.realm, &input).await.unwrap().id;
        let cred = PasswordProfileInfoInput {
            password_profile_id: self.profile.clone(),
            username: email.to_owned(),
            password: Secret::new("password-1"),
        };
        self.client.create_password_profile_info(&self.realm, &id, &cred).await.unwrap();
        id
    }
}

fn ids(s: &MemberSearch) -> Vec<&str> {
    let mut v: Vec<&str> = s.members.iter().map(|m| m.id.as_str()).collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn member_search_exact_ilike_plus_no_match_and_paging() {
    let env = start().await;
    let c = &env.client;
    let ada = env.user("Ada Lovelace", "ada@example.com").await;
    let ada2 = env.user("Ada Byron", "byron@example.com").await;
    let plus = env.user("Wile Coyote", "wile+acme@acme.io").await;
    let _other = env.user("Grace Hopper", "grace@navy.mil").await;

    // Exact e-mail: one `eq(email,…)` call, nothing else.
    env.seen.clear();
    let s = c.search_members("ada@example.com", None, 25).await.unwrap();
    assert_eq!(s.how, SearchHow::ExactEmail);
    assert_eq!(ids(&s), vec![ada.as_str()]);
    assert!(s.next.is_none());
    let calls = env.seen.all();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].path.contains("filter=eq%28email%2Cada%40example.com%29"),
        "{}",
        calls[0].path
    );

    // `+` goes out as %2B and matches exactly.
    env.seen.clear();
    let s = c.search_members("wile+acme@acme.io", None, 25).await.unwrap();
    assert_eq!(s.how, SearchHow::ExactEmail);
    assert_eq!(ids(&s), vec![plus.as_str()]);
    assert!(env.seen.all()[0].path.contains("wile%2Bacme%40acme.io"));

    // Name, case-insensitive substring: ilike on e-mail and on name.
    env.seen.clear();
    let s = c.search_members("ADA", None, 25).await.unwrap();
    assert_eq!(s.how, SearchHow::Ilike);
    let mut want = vec![ada.as_str(), ada2.as_str()];
    want.sort_unstable();
    assert_eq!(ids(&s), want);
    let paths: Vec<String> = env.seen.all().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p.contains("ilike%28name%2C%27%2AADA%2A%27%29")), "{paths:?}");
    assert!(paths.iter().any(|p| p.contains("ilike%28email%2C%27%2AADA%2A%27%29")), "{paths:?}");

    // A part of an e-mail with `+`: substring on e-mail only.
    let s = c.search_members("wile+acme", None, 25).await.unwrap();
    assert_eq!(ids(&s), vec![plus.as_str()]);
    // An e-mail that does not exist exactly falls back to a substring search, then nothing.
    let s = c.search_members("nobody@example.com", None, 25).await.unwrap();
    assert!(s.members.is_empty());
    assert!(s.next.is_none());
    let s = c.search_members("zzz", None, 25).await.unwrap();
    assert!(s.members.is_empty() && s.next.is_none());
    // A quote in the query does not break the filter.
    let s = c.search_members("o'brien", None, 25).await.unwrap();
    assert!(s.members.is_empty());

    // Paging: 7 members matching "page", 3 per field per page.
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(env.user(&format!("Page Member {i}"), &format!("m{i}@pages.test")).await);
    }
    let mut got: Vec<String> = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let s = c.search_members("page", cursor.as_ref(), 3).await.unwrap();
        pages += 1;
        assert!(s.members.len() <= 6, "three per field");
        assert_eq!(s.total_hint, Some(7), "seven by name, seven by e-mail domain");
        for m in s.members {
            if !got.contains(&m.id) {
                got.push(m.id);
            }
        }
        match s.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    got.sort_unstable();
    made.sort_unstable();
    assert_eq!(got, made);

    // No query: everyone, newest first, paged.
    let s = c.search_members("", None, 5).await.unwrap();
    assert_eq!(s.how, SearchHow::All);
    assert_eq!(s.members.len(), 5);
    assert_eq!(s.total_hint, Some(11));
    assert!(s.next.is_some());
    env.sb.shutdown().await;
}

/// Beyond Identity calls are recorded the same way; the host (and the
/// `/v1/` path) tells them apart, and the API token is masked.
#[tokio::test]
async fn beyond_identity_calls_are_recorded_and_masked() {
    let env = start().await;
    let bi = BiClient::new(
        env.sb.base_url(),
        Secret::new(env.sb.bi_token().to_owned()),
        Some(env.seen.observer()),
    )
    .unwrap();
    env.seen.clear();
    bi.create_user(&BiUserInput {
        external_id: "m-1".into(),
        email: "ada@example.com".into(),
        user_name: "ada@example.com".into(),
        display_name: "Ada".into(),
    })
    .await
    .unwrap();
    let records = env.seen.all();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.path, "/v1/manage/users");
    assert_eq!(r.detail.host, env.sb.base_url());
    assert_eq!(r.detail.auth, onboard::api::inspect::AuthKind::Static);
    let auth = r.detail.request_headers.iter().find(|(k, _)| k == "authorization").unwrap();
    assert_eq!(auth.1, "Bearer «$BI_API_TOKEN»");
    let all = format!("{r:?}{}", r.curl());
    assert!(!all.contains(env.sb.bi_token()));
    assert!(r.curl().contains("\"$BI_API_TOKEN\""));
    assert!(r.detail.response_body.as_ref().unwrap().text.contains("ada@example.com"));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn memberships_with_include_account_give_names_and_remove_one() {
    let env = start().await;
    let c = &env.client;
    let m = env.user("Ada Lovelace", "ada@example.com").await;
    assert!(c.member_accounts(&m).await.unwrap().is_empty(), "pending: no account");
    let a = c
        .create_account(&AccountInput { name: "Analytical Engines".into(), ..Default::default() })
        .await
        .unwrap();
    let b = c
        .create_account(&AccountInput { name: "Wrong Account Ltd".into(), ..Default::default() })
        .await
        .unwrap();
    c.create_membership(&a.id, &m).await.unwrap();
    c.create_membership(&b.id, &m).await.unwrap();
    env.seen.clear();
    let accounts = c.member_accounts(&m).await.unwrap();
    let mut names: Vec<&str> = accounts.iter().map(|x| x.account_name()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Analytical Engines", "Wrong Account Ltd"]);
    // One call: the names came from `included.accounts`, not one GET per account.
    let calls = env.seen.all();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].path.contains("include=account"));

    let wrong = accounts.iter().find(|x| x.account_id == b.id).unwrap();
    c.delete_membership(&b.id, &wrong.membership.id).await.unwrap();
    let after = c.member_accounts(&m).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].account_name(), "Analytical Engines");
    env.sb.shutdown().await;
}

/// Secrets never reach a record, and each record's curl copy, run by bash
/// with curl against the sandbox, gets the same answer.
#[tokio::test]
async fn records_are_redacted_and_their_curl_reproduces_the_call() {
    let env = start().await;
    let c = &env.client;
    let email = "wile+acme@acme.io";
    env.user("Wile Coyote", email).await;
    // A log-in with a wrong password (401), a search with `+`, a 404.
    let bad = c
        .account_member_tokens(&TokenRequest::Password {
            profile_id: env.profile.clone(),
            username: email.into(),
            password: Secret::new("wrong-password-9"),
        })
        .await;
    assert!(bad.is_err());
    c.search_members(email, None, 25).await.unwrap();
    assert!(c.get_account("no-such-account").await.is_err());

    let records = env.seen.all();
    let secrets =
        [env.sb.client_secret().to_owned(), "wrong-password-9".into(), "password-1".into()];
    for r in &records {
        let text = format!("{r:?}\n{}", r.curl());
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret {s:?} in {text}");
        }
        assert!(!r.detail.host.is_empty() && r.detail.url.starts_with(&r.detail.host));
    }
    let token = records.iter().find(|r| r.path == "/oauth/access_token").unwrap();
    let body = token.detail.response_body.as_ref().unwrap().text.clone();
    assert!(body.contains("«$ACCESS_TOKEN»"), "{body}");
    let req = token.detail.request_body.as_ref().unwrap().text.clone();
    assert!(req.contains("client_secret=«$EPCC_CLIENT_SECRET»"), "{req}");

    let have_curl =
        Command::new("curl").arg("--version").output().is_ok_and(|o| o.status.success());
    let wanted = [
        ("POST", "/v2/account-members/tokens", 401),
        ("GET", "/v2/account-members", 200),
        ("GET", "/v2/accounts/no-such-account", 404),
    ];
    for (method, path, status) in wanted {
        let r = records
            .iter()
            .find(|r| r.method == method && r.path_only() == path)
            .unwrap_or_else(|| panic!("no record of {method} {path}"));
        assert_eq!(r.status, Some(status));
        let cmd = r.curl();
        assert!(cmd.contains("curl -sS"), "{cmd}");
        if !have_curl {
            continue;
        }
        let cmd = cmd.clone();
        let secret = env.sb.client_secret().to_owned();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .arg("-c")
                .arg(&cmd)
                .env("EPCC_CLIENT_SECRET", secret)
                .env("MEMBER_PASSWORD", "wrong-password-9")
                .env_remove("EPCC_TOKEN")
                .env_remove("EPCC_IMPLICIT_TOKEN")
                .env("no_proxy", "*")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            stdout.trim_end().ends_with(&format!("HTTP {status}")),
            "{method} {path}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Same answer: the body the client saw (volatile fields aside).
        let answer = stdout.trim_end().rsplit_once('\n').map(|(b, _)| b).unwrap_or("");
        let recorded = r.detail.response_body.as_ref().map(|b| b.text.clone()).unwrap_or_default();
        let a: serde_json::Value = serde_json::from_str(answer).unwrap();
        let b: serde_json::Value = serde_json::from_str(&recorded).unwrap();
        if status != 200 {
            assert_eq!(a, b, "{method} {path}");
        } else {
            assert_eq!(a["data"], b["data"], "{method} {path}");
        }
    }
    env.sb.shutdown().await;
}
