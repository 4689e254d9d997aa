//! The OTP panel's listener line shows the listener's refusals by cause.

use onboard::app::{App, view};
use onboard::ui::{ConnInfo, Msg};
use onboard::webhook::{ListenerEvent, Refusals};
use onboard::widgets::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

#[test]
fn refusals_by_cause_are_on_the_listener_line() {
    let mut app = App::new(chrono::Utc::now(), Theme { color: false }, false, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:41234".into(),
        host: "127.0.0.1:41234".into(),
        profile: "sandbox".into(),
        bi: true,
    }));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    app.update(Msg::key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::NONE)));
    let before = render(&mut app, 200, 60);
    assert!(!before.contains("refused"), "{before}");

    app.update(Msg::Listener(Box::new(ListenerEvent::Rejected {
        status: 401,
        reason: "wrong X-Moltin-Secret-Key".into(),
    })));
    let r = Refusals { timeout: 3, bad_secret: 1, cut_off: 2, ..Refusals::default() };
    app.update(Msg::Listener(Box::new(ListenerEvent::Refusals(r))));
    let after = render(&mut app, 200, 60);
    assert!(
        after.contains(
            "refused: 3 timeout · 2 cut off · 1 bad secret (last 401: wrong X-Moltin-Secret-Key)"
        ),
        "{after}"
    );
}
