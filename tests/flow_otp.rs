//! Issue 5 end to end: the real webhook listener, the OTP panel driven with
//! keys, and the sandbox delivering `one-time-password-token-request.created`
//! events over HTTP.

mod flows_common;

use flows_common::{Console, eventually, toasted};
use onboard::api::{ListParams, OtpPurpose, TokenRequest};
use onboard::app::App;
use onboard::readiness::{ItemId, OTP_EVENT};
use onboard::secret::Secret;
use onboard::ui::Msg;
use ratatui::crossterm::event::KeyCode;

const NAME: &str = "Olive Tanaka";
const EMAIL: &str = "olive.tanaka@example.org";
const OLD_PASSWORD: &str = "first-password-1";
const NEW_PASSWORD: &str = "second-password-2";

fn otp_ready(app: &App) -> bool {
    app.sh.readiness().and_then(|r| r.get(ItemId::Otp)).is_some_and(|i| i.ready)
}

fn has_event(app: &App, username: &str, purpose: &str) -> bool {
    app.otp.events.iter().any(|e| e.payload.username == username && e.payload.purpose == purpose)
}

fn result_text(app: &App) -> String {
    app.otp.result.join("\n")
}

/// The integration the sandbox holds, checked against the listener URL.
async fn assert_integration(con: &Console, url: &str) -> String {
    let all = con.truth.list_integrations().await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    let i = &all[0];
    assert!(i.enabled);
    assert_eq!(i.integration_type, "webhook");
    // OTP codes and the live queue's member events: one integration, five events.
    assert_eq!(i.observes, onboard::readiness::console_events());
    assert_eq!(i.observes[0], OTP_EVENT);
    assert_eq!(i.configuration.url.as_deref(), Some(url));
    i.id.clone()
}

async fn login(con: &Console, profile: &str, password: &str) -> Result<usize, u16> {
    con.truth
        .account_member_tokens(&TokenRequest::Password {
            profile_id: profile.into(),
            username: EMAIL.into(),
            password: Secret::new(password),
        })
        .await
        .map(|t| t.tokens.len())
        .map_err(|e| e.status().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_panel_integration_passwordless_reset_and_restart() {
    // Seed 0: the "Email" profile with OTP on, self sign-up, update_only.
    let mut con = Console::start(Some(0)).await;
    let url = con.start_listener().await;
    con.connect().await;
    assert!(!otp_ready(&con.app), "no integration yet");

    // OTP panel: i + y creates the integration pointing at the listener.
    con.ch('4').await;
    con.ch('i').await;
    con.confirm().await;
    assert_eq!(con.app.sh.error, None);
    let integration = assert_integration(&con, &url).await;
    assert!(toasted(&con.app, &format!("integration {integration} points at the listener")));
    assert!(otp_ready(&con.app));
    // The fresh secret is kept in the config file.
    let config = std::fs::read_to_string(con.config_path()).unwrap();
    assert!(config.contains("webhook_secret"), "{config}");

    // A member signs up on the Sign-up panel (pending), then gets an account.
    con.ch('2').await;
    con.enter().await; // start typing
    con.type_text(NAME).await;
    con.enter().await;
    con.type_text(EMAIL).await;
    con.enter().await; // username mirrors the e-mail
    con.enter().await;
    con.type_text(OLD_PASSWORD).await;
    con.ctrl('s').await;
    let member = con.app.signup.last_ok().and_then(|r| r.member_id.clone()).unwrap();
    assert!(con.app.signup.last_ok().unwrap().tokens.is_empty(), "pending");
    let account = con
        .truth
        .create_account(&onboard::api::AccountInput { name: NAME.into(), ..Default::default() })
        .await
        .unwrap();
    con.truth.create_membership(&account.id, &member).await.unwrap();

    // Back to OTP events: o → username → passwordless.
    con.esc().await; // stop typing on the form
    con.ch('4').await;
    con.ch('o').await; // the member picker, passwordless by default
    con.ch('i').await; // type in the member field
    con.type_text(EMAIL).await;
    con.enter().await; // takes the highlighted member (as typed) and sends
    assert!(result_text(&con.app).contains("OTP requested (202)"), "{}", result_text(&con.app));
    con.wait_listener(|a| has_event(a, EMAIL, "passwordless_authentication")).await;
    let first = con.app.otp.selected_event().unwrap().clone();
    assert_eq!(first.payload.purpose, "passwordless_authentication");
    assert_eq!(first.payload.user_id, member);
    assert_eq!(first.integration_id.as_deref(), Some(integration.as_str()));

    // x: the code (prefilled) is exchanged for a token of the member's account.
    con.ch('x').await;
    con.enter().await;
    let text = result_text(&con.app);
    assert!(text.contains(&format!("code exchanged: member {member}")), "{text}");
    assert!(text.contains(&format!("token for {NAME} ({})", account.id)), "{text}");
    assert!(!text.contains(first.payload.code.expose()), "the code is never shown");
    assert!(con.app.otp.used.contains(&first.id));
    assert!(con.app.otp.am_tokens.contains_key(&first.id));

    // reset_password: o (username prefilled from the event) → toggle → send.
    con.ch('o').await;
    con.press(KeyCode::Up).await; // → purpose (the profile is shown, not focused)
    con.press(KeyCode::Right).await; // reset_password
    con.ctrl('s').await;
    con.wait_listener(|a| has_event(a, EMAIL, "reset_password")).await;
    let reset = con.app.otp.selected_event().unwrap().clone();
    assert_eq!(reset.payload.purpose, "reset_password");
    assert_ne!(reset.id, first.id);
    con.ch('x').await;
    con.enter().await;
    assert!(result_text(&con.app).contains("press p to set a new password"));
    con.ch('p').await;
    con.enter().await; // start typing
    con.type_text(NEW_PASSWORD).await;
    con.enter().await;
    let text = result_text(&con.app);
    assert!(
        text.contains(&format!("password changed; log-in with it succeeded: member {member}")),
        "{text}"
    );
    assert!(text.contains(&format!("token for {NAME}")), "{text}");
    assert!(toasted(&con.app, "password reset and verified"));
    assert_eq!(con.app.sh.error, None);

    // The store agrees: the old password is refused, the new one works.
    let profile = first.payload.password_profile_id.clone();
    assert_eq!(login(&con, &profile, OLD_PASSWORD).await, Err(401));
    assert_eq!(login(&con, &profile, NEW_PASSWORD).await, Ok(1));

    // The sandbox logged the deliveries as succeeded.
    let truth = con.truth.clone();
    let logs = eventually(|| {
        let (truth, integration) = (truth.clone(), integration.clone());
        async move {
            let logs =
                truth.integration_logs(&integration, &ListParams::default()).await.unwrap().data;
            (logs.len() >= 2).then_some(logs)
        }
    })
    .await;
    assert!(logs.iter().all(|l| l.succeeded), "{logs:?}");

    // Audit: the writes, never a code, password or token.
    let entries = con.audit_entries();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for a in ["integration.create", "member.self_signup", "otp.request", "password.reset"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(entries.iter().all(|e| e.result == "ok"), "{entries:?}");
    let audit = con.audit_text();
    for secret in
        [OLD_PASSWORD, NEW_PASSWORD, first.payload.code.expose(), reset.payload.code.expose()]
    {
        assert!(!audit.contains(secret));
    }
    assert!(!audit.contains("eyJ"));
    let secret_line = config.lines().find(|l| l.contains("webhook_secret")).unwrap();
    let webhook_secret = secret_line.split('"').nth(1).unwrap();
    assert!(webhook_secret.len() >= 20, "{secret_line}");
    assert!(!audit.contains(webhook_secret));

    // Restart: after the listener shuts down, the event log lists the events again.
    let ids: Vec<String> = con.app.otp.events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), 2);
    con.stop_listener().await;
    let (events, warnings) = onboard::webhook::load_events(&con.events_file());
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut again: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let mut ids_sorted = ids.clone();
    again.sort();
    ids_sorted.sort();
    assert_eq!(again, ids_sorted);
    // A fresh console shows them on its OTP panel.
    let mut fresh =
        App::new(chrono::Utc::now(), onboard::widgets::Theme { color: false }, false, true);
    fresh.update(Msg::EventsLoaded(events, warnings));
    assert_eq!(fresh.otp.events.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
    assert!(has_event(&fresh, EMAIL, "reset_password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_readiness_fix_sets_up_otp() {
    // An empty store: no profile, self management disabled, no integration.
    let mut con = Console::start(None).await;
    let url = con.start_listener().await;
    con.connect().await;
    let missing = con.app.sh.readiness().unwrap().get(ItemId::Otp).unwrap().missing.clone();
    assert_eq!(missing.len(), 3, "{missing:?}");

    // Settings (the first panel): o asks, y fixes everything at once.
    con.ch('o').await;
    let dialog = con.app.sh.confirm.as_ref().unwrap().dialog.clone();
    assert_eq!(dialog.requests().len(), 3, "{dialog:?}");
    con.confirm().await;
    assert_eq!(con.app.sh.error, None);
    assert!(otp_ready(&con.app), "{:?}", con.app.sh.readiness());

    // The sandbox agrees.
    let s = con.truth.get_account_auth_settings().await.unwrap();
    assert_eq!(s.account_member_self_management, onboard::api::SelfManagement::UpdateOnly);
    let realm = con.truth.realm_id().await.unwrap();
    let profiles = con.truth.list_password_profiles(&realm).await.unwrap();
    assert_eq!(profiles.len(), 1);
    assert!(profiles[0].enable_one_time_password_token);
    assert_integration(&con, &url).await;

    // And the secret it set works: an OTP requested for a member reaches the panel.
    let profile = profiles[0].id.clone();
    con.truth
        .update_account_auth_settings(&onboard::api::AccountAuthSettingsUpdate {
            enable_self_signup: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    con.truth
        .account_member_tokens(&TokenRequest::SelfSignup {
            profile_id: profile.clone(),
            username: EMAIL.into(),
            password: Secret::new(OLD_PASSWORD),
            name: NAME.into(),
            email: EMAIL.into(),
        })
        .await
        .unwrap();
    con.truth
        .request_otp(&realm, &profile, EMAIL, OtpPurpose::PasswordlessAuthentication)
        .await
        .unwrap();
    con.wait_listener(|a| has_event(a, EMAIL, "passwordless_authentication")).await;
    assert_eq!(con.app.otp.listener.rejected, 0);
}
