//! `--seed N` and `--state FILE`.

mod sandbox_common;

use onboard::sandbox::{DEMO_PASSWORD, SandboxConfig};
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn seeded_store_is_ready_for_the_console() {
    let sb = start_with(SandboxConfig { seed: Some(100), ..SandboxConfig::local() }).await;
    let (_, s) = sb.get("/v2/settings/account-authentication").await;
    assert_eq!(s["data"]["enable_self_signup"], true);
    assert_eq!(s["data"]["auto_create_account_for_account_members"], false);
    let realm = sb.realm().await;
    let (_, p) = sb.get(&format!("/v2/authentication-realms/{realm}/password-profiles")).await;
    assert_eq!(p["data"][0]["name"], "Email");
    assert_eq!(p["data"][0]["username_format"], "email");
    assert_eq!(p["data"][0]["enable_one_time_password_token"], true);
    let profile = p["data"][0]["id"].as_str().unwrap().to_owned();

    let (_, all) = sb.get("/v2/account-members?page[limit]=100&sort=-created_at").await;
    let members = all["data"].as_array().unwrap();
    assert_eq!(members.len(), 100);
    let created: Vec<&str> =
        members.iter().map(|m| m["meta"]["timestamps"]["created_at"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_ne!(created.first(), created.last(), "spread over time");
    let mut emails: Vec<&str> = members.iter().map(|m| m["email"].as_str().unwrap()).collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 100, "unique emails");

    let mut pending = 0;
    for m in members {
        let id = m["id"].as_str().unwrap();
        let (_, ms) =
            sb.get(&format!("/v2/account-members/{id}/account-memberships?page[limit]=1")).await;
        if ms["meta"]["results"]["total"] == 0 {
            pending += 1;
        }
    }
    assert_eq!(pending, 10);

    // a seeded member logs in with the demo password
    let email = members[0]["email"].as_str().unwrap();
    let imp = sb.token("implicit").await;
    let (s, v) = sb
        .req(
            Method::POST,
            "/v2/account-members/tokens",
            Some(&imp),
            None,
            Some(json!({"data":{"type":"account_management_authentication_token",
                "authentication_mechanism":"password","password_profile_id":profile,
                "username":email,"password":DEMO_PASSWORD}})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    sb.h.shutdown().await;
}

#[tokio::test]
async fn seeding_ten_thousand_pages_through() {
    let sb = start_with(SandboxConfig { seed: Some(10_000), ..SandboxConfig::local() }).await;
    let (_, v) = sb.get("/v2/account-members?page[limit]=100&page[offset]=9900").await;
    assert_eq!(v["meta"]["results"]["total"], 10_000);
    assert_eq!(v["data"].as_array().unwrap().len(), 100);
    assert!(v["links"]["next"].is_null());
    sb.h.shutdown().await;
}

#[tokio::test]
async fn state_file_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let cfg = SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::local() };
    let sb = start_with(cfg.clone()).await;
    let acc = sb.account("Persisted").await;
    sb.h.shutdown().await;
    assert!(path.exists());

    let sb = start_with(cfg).await;
    let (s, v): (_, Value) = sb.get(&format!("/v2/accounts/{acc}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["name"], "Persisted");
    sb.h.shutdown().await;
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn state_file_is_private_and_its_directories_are_created_0700() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/nested/state.json");
    let cfg = SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::local() };
    let sb = start_with(cfg.clone()).await;
    // The directories exist from the start (a path that cannot be written fails
    // at start, not when the state is saved).
    assert_eq!(mode(&dir.path().join("new")), 0o700);
    assert_eq!(mode(&dir.path().join("new/nested")), 0o700);
    sb.account("Persisted").await;
    sb.h.stop().await.unwrap();
    assert_eq!(mode(&path), 0o600, "the state holds members' passwords");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["accounts"][0]["name"], "Persisted");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("new/nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["state.json"], "no temp file is left behind");

    // A state file found readable by others is tightened when loaded, and
    // stays private when saved again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let sb = start_with(cfg).await;
    assert_eq!(mode(&path), 0o600);
    sb.h.stop().await.unwrap();
    assert_eq!(mode(&path), 0o600);

    // A directory that cannot be created is an error at start.
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let cfg =
        SandboxConfig { state_file: Some(blocker.join("state.json")), ..SandboxConfig::local() };
    let err = onboard::sandbox::spawn(cfg).await.err().expect("spawn must fail");
    assert!(format!("{err:#}").contains("state file"), "{err:#}");
}
