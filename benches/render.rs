//! Frame render time of each panel at 200×60 with N rows in its lists
//! (`cargo bench --bench render`). Target: ≤ 1 ms median, flat as rows grow
//! (only the visible rows are built).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use onboard::api::{
    AccountAuthSettings, AccountMember, ClientEvent, PasswordProfile, RequestRecord, ResourceMeta,
    UsernameFormat,
};
use onboard::app::{App, view};
use onboard::panels::approvals::ApProgress;
use onboard::ui::ConnInfo;
use onboard::ui::{Msg, PanelId, Progress};
use onboard::webhook::OtpEvent;
use onboard::widgets::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app_with(rows: usize) -> App {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().unwrap_or_default();
    let mut app = App::new(now, Theme { color: true }, false, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:1".into(),
        host: "127.0.0.1:1".into(),
        profile: "sandbox".into(),
        bi: true,
    }));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    let _ = app.take_effects();
    app.sh.inflight.clear();
    app.sh.data.settings = Some(AccountAuthSettings::default());
    app.sh.data.profiles = Some(
        (0..rows)
            .map(|i| PasswordProfile {
                id: format!("p-{i}"),
                name: format!("Profile {i}"),
                username_format: UsernameFormat::Email,
                enable_one_time_password_token: i % 2 == 0,
                ..Default::default()
            })
            .collect(),
    );
    app.sh.data.integrations = Some(vec![]);
    // Approvals: N pending members.
    app.approvals.scan = Some(Default::default());
    if let Some(s) = &mut app.approvals.scan {
        s.op = Some(1);
    }
    app.sh.inflight.insert(
        1,
        onboard::ui::InFlight {
            label: "scan".into(),
            owner: PanelId::Approvals,
            write: false,
            kind: "Approvals(Scan".into(),
        },
    );
    let pending: Vec<AccountMember> = (0..rows)
        .map(|i| AccountMember {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            name: format!("Member {i}"),
            email: format!("member{i}@example.com"),
            meta: ResourceMeta {
                created_at: Some(format!("2026-11-{:02}T10:00:00Z", 1 + i % 28)),
                ..Default::default()
            },
            ..Default::default()
        })
        .collect();
    app.update(Msg::Progress(
        1,
        Progress::Approvals(ApProgress::Checked {
            pending,
            with_membership: vec![],
            gone: vec![],
            failed: vec![],
        }),
    ));
    app.sh.inflight.clear();
    // OTP: N events.
    let raw = include_str!("../tests/fixtures/otp_event_seed004.json");
    let base: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let events: Vec<OtpEvent> = (0..rows)
        .filter_map(|i| {
            let mut v = base.clone();
            v["id"] = serde_json::Value::String(format!("evt-{i}"));
            OtpEvent::from_raw(v, now).ok()
        })
        .collect();
    app.update(Msg::EventsLoaded(events, vec![]));
    // Request log full.
    for i in 0..onboard::ui::REQUEST_LOG_MAX {
        app.update(Msg::Client(ClientEvent::Request(RequestRecord {
            at: now,
            method: "GET".into(),
            path: format!("/v2/account-members/{i}/account-memberships"),
            status: Some(200),
            duration: Duration::from_millis(3),
            attempt: 1,
            error: None,
            ..RequestRecord::default()
        })));
    }
    app
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let frames = if quick { 50 } else { 300 };
    println!("frame render at 200x60, median of {frames} frames");
    println!("{:<12} {:>10} {:>12} {:>12}", "panel", "rows", "median µs", "p99 µs");
    for rows in [10_000usize, 100_000] {
        let mut app = app_with(rows);
        let mut terminal = match Terminal::new(TestBackend::new(200, 60)) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("terminal: {e}");
                return;
            }
        };
        app.update(Msg::Input(onboard::ui::Input::Resize(200, 60)));
        for &panel in PanelId::ALL {
            app.focus = panel;
            let mut times = Vec::with_capacity(frames);
            for _ in 0..frames {
                let t = Instant::now();
                let _ = terminal.draw(|f| view::draw(&app, f));
                times.push(t.elapsed());
            }
            let p99 = {
                let mut s = times.clone();
                s.sort();
                s[(s.len() * 99 / 100).min(s.len() - 1)]
            };
            println!(
                "{:<12} {:>10} {:>12.1} {:>12.1}",
                panel.title(),
                rows,
                median(times).as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6
            );
        }
    }
}
