//! Issue 12 item 5: the sandbox in a real store's shape — many members per account,
//! correct totals and pages for the scan planner, and a development store's limits.

mod sandbox_common;

use std::collections::HashMap;

use onboard::sandbox::{SandboxConfig, StoreShape};
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn many_members_per_account_shape() {
    let cfg = SandboxConfig { seed: Some(200), seed_accounts: Some(4), ..SandboxConfig::local() };
    let sb = start_with(cfg).await;
    // the two totals the scan planner reads first
    let (_, v) = sb.get("/v2/account-members?page[limit]=1").await;
    assert_eq!(v["meta"]["results"]["total"], 200);
    assert_eq!(v["meta"]["page"], json!({"limit":1,"offset":0,"current":1,"total":200}));
    let (_, v) = sb.get("/v2/accounts?page[limit]=1").await;
    assert_eq!(v["meta"]["results"]["total"], 4);
    // every account's memberships, 100 a page: 180 approved members, 45 each
    let (_, v) = sb.get("/v2/accounts?page[limit]=100").await;
    let accounts = ids(&v);
    assert_eq!(accounts.len(), 4);
    let mut member_of: HashMap<String, String> = HashMap::new();
    for acc in &accounts {
        let (s, v) =
            sb.get(&format!("/v2/accounts/{acc}/account-memberships?page[limit]=100")).await;
        assert_eq!(s, 200);
        assert_eq!(v["meta"]["results"]["total"], 45, "{acc}");
        assert_eq!(v["meta"]["page"], json!({"limit":100,"offset":0,"current":1,"total":1}));
        assert!(v["links"]["next"].is_null());
        for m in v["data"].as_array().unwrap() {
            let member = m["relationships"]["account_member"]["data"]["id"].as_str().unwrap();
            assert_eq!(m["relationships"]["account"]["data"]["id"], json!(acc));
            assert!(member_of.insert(member.to_owned(), acc.clone()).is_none(), "one account each");
        }
    }
    assert_eq!(member_of.len(), 180);
    // the per-member check agrees: exactly the 20 others are pending
    let mut pending = 0;
    for page in 0..2 {
        let (_, v) = sb
            .get(&format!("/v2/account-members?page[limit]=100&page[offset]={}", page * 100))
            .await;
        for id in ids(&v) {
            let (_, m) = sb
                .get(&format!("/v2/account-members/{id}/account-memberships?page[limit]=1"))
                .await;
            let total = m["meta"]["results"]["total"].as_u64().unwrap();
            assert_eq!(total == 0, !member_of.contains_key(&id), "{id}");
            pending += usize::from(total == 0);
        }
    }
    assert_eq!(pending, 20, "about 10 % pending");
    // members of a company account log in to it
    let (_, v) = sb.get("/v2/account-members?sort=created_at&page[limit]=1").await;
    let first = &v["data"][0];
    let realm = sb.realm().await;
    let (_, profiles) =
        sb.get(&format!("/v2/authentication-realms/{realm}/password-profiles")).await;
    let imp = sb.token("implicit").await;
    let (s, t) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"password",
                "password_profile_id":profiles["data"][0]["id"],
                "username":first["email"],"password":onboard::sandbox::DEMO_PASSWORD}})),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let id = first["id"].as_str().unwrap();
    assert_eq!(t["data"][0]["account_id"], json!(member_of[id]));
    sb.h.shutdown().await;
}

#[tokio::test]
async fn account_memberships_page_by_hundred() {
    // 1000 members, 900 approved over 2 accounts: 450 memberships each, 5 pages of 100
    let cfg = SandboxConfig { seed: Some(1000), seed_accounts: Some(2), ..SandboxConfig::local() };
    let sb = start_with(cfg).await;
    let (_, v) = sb.get("/v2/accounts").await;
    let acc = ids(&v)[0].clone();
    let mut seen = Vec::new();
    let mut next = Some(format!("/v2/accounts/{acc}/account-memberships?page[limit]=100"));
    let mut pages = 0;
    while let Some(path) = next {
        let (s, v) = sb.get(&path).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["meta"]["results"]["total"], 450);
        assert_eq!(v["meta"]["page"]["total"], 5);
        assert_eq!(v["meta"]["page"]["current"], pages + 1);
        assert_eq!(v["meta"]["page"]["offset"], pages * 100);
        seen.extend(ids(&v));
        pages += 1;
        // follow the link the way a client would
        next = v["links"]["next"].as_str().map(|l| l.trim_start_matches(&sb.base).to_owned());
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 450);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 450, "no membership twice across pages");
    let (_, v) = sb.get("/v2/account-members?page[limit]=100&page[offset]=900").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 100);
    assert_eq!(v["meta"]["page"], json!({"limit":100,"offset":900,"current":10,"total":10}));
    assert!(v["links"]["next"].is_null());
    sb.h.shutdown().await;
}

#[tokio::test]
async fn an_impossible_shape_is_refused_at_start() {
    let cfg = SandboxConfig { seed: Some(3000), seed_accounts: Some(2), ..SandboxConfig::local() };
    let e = onboard::sandbox::spawn(cfg).await.err().expect("refused");
    assert!(e.to_string().contains("at most 1000"), "{e}");
}

#[tokio::test]
async fn development_store_limits_answer_429_above_25_per_second() {
    let cfg = SandboxConfig { faults: StoreShape::Dev.faults(), ..SandboxConfig::local() };
    let sb = start_with(cfg).await;
    let f = sb.h.faults();
    assert_eq!(f.rate_limit, Some(25));
    assert_eq!((f.latency_ms, f.latency_max_ms), (30, 80));
    // a burst of 60 at once: the window lets 25 through, the rest get 429
    let burst = (0..60).map(|_| sb.get("/v2/account-members?page[limit]=1"));
    let answers = futures::future::join_all(burst).await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    let limited: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 429).map(|(_, v)| v).collect();
    assert_eq!(ok + limited.len(), 60, "only 200 or 429");
    assert!(ok >= 25, "{ok} let through");
    assert!(!limited.is_empty(), "no 429 in a burst of 60");
    for v in limited {
        let e = first_error(v, 429);
        assert!(e["detail"].as_str().unwrap().contains("25 requests per second"), "{e}");
    }
    // tokens and the admin paths are never limited
    let (s, _) = sb.req(Method::GET, "/__sandbox/health", None, None, None).await;
    assert_eq!(s, 200);
    sb.token("client_credentials").await;
    sb.h.shutdown().await;
}
