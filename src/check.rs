//! `onboard check`: the readiness check without a UI. Exit code 0 only when
//! every item is ready; `--json` for scripts.

use color_eyre::eyre::Result;
use serde_json::json;

use crate::api::{ApiError, Client};
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::readiness::{Facts, Readiness};

/// The URL this console's listener is expected at.
pub fn listener_url(cfg: &Config) -> String {
    match &cfg.public_url {
        Some(u) => u.clone(),
        None => format!("http://{}/webhooks/otp", cfg.listen),
    }
}

/// Reads settings, profiles and integrations and computes the facts.
pub async fn gather(client: &Client, listener_url: Option<String>) -> Result<Facts, ApiError> {
    let settings = client.get_account_auth_settings().await?;
    let realm = client.realm_id().await?;
    let profiles = client.list_password_profiles(&realm).await?;
    let integrations = client.list_integrations().await?;
    Ok(Facts::from_store(Some(&settings), &profiles, &integrations, listener_url))
}

/// Human-readable report.
pub fn render_text(r: &Readiness, target: &str) -> String {
    let mut out = format!("Readiness of {target}\n");
    for item in &r.items {
        out.push_str(&format!("{} {}\n", if item.ready { "✓" } else { "✗" }, item.title));
        for m in &item.missing {
            out.push_str(&format!("    {m}\n"));
        }
    }
    out.push_str(if r.all_ready() { "ready\n" } else { "not ready\n" });
    out
}

/// Runs the check; returns the process exit code.
pub async fn run(cfg: Config, args: CheckArgs) -> Result<i32> {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let backend = match crate::app::run::connect(&cfg, tx).await {
        Ok(b) => b,
        Err(e) => {
            if args.json {
                println!("{}", json!({"ready": false, "error": e}));
            } else {
                eprintln!("cannot check: {e}");
            }
            return Ok(2);
        }
    };
    let target = if backend.info.sandbox {
        "the embedded sandbox (no credentials configured)".to_owned()
    } else {
        backend.info.base_url.clone()
    };
    let facts = gather(&backend.client, Some(listener_url(&cfg))).await;
    if let Some(sb) = backend.sandbox {
        sb.shutdown().await;
    }
    match facts {
        Ok(facts) => {
            let r = facts.readiness();
            if args.json {
                println!("{}", json!({"target": target, "ready": r.all_ready(), "items": r.items}));
            } else {
                print!("{}", render_text(&r, &target));
            }
            Ok(if r.all_ready() { 0 } else { 1 })
        }
        Err(e) => {
            if args.json {
                println!("{}", json!({"target": target, "ready": false, "error": e.summary()}));
            } else {
                eprintln!("cannot check {target}: {}", e.summary());
            }
            Ok(2)
        }
    }
}
