//! Drawing the OTP panel. Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{FormKind, Otp, OtpForm, Status, View};
use crate::ui::Shared;
use crate::widgets::list::fit_email;
use crate::widgets::wrap::wrap_lines;
use crate::widgets::{Dialog, ellipsize};

fn countdown(secs: i64) -> String {
    if secs <= 0 { "0:00".to_owned() } else { format!("{}:{:02}", secs / 60, secs % 60) }
}

/// The event as received, pretty-printed, with the code masked unless revealed.
pub fn pretty_payload(raw: &crate::webhook::RawJson, reveal: bool) -> String {
    let mut v = raw.value();
    if !reveal && let Some(code) = v.pointer_mut("/payload/one_time_password_token") {
        *code = serde_json::Value::String("••••••".into());
    }
    if let Some(s) = v.pointer_mut("/configuration/secret_key")
        && s.as_str().is_some_and(|s| !s.is_empty())
    {
        *s = serde_json::Value::String("••••••".into());
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// The listener, integration and delivery lines (unwrapped).
fn status_lines(p: &Otp, sh: &Shared) -> Vec<Line<'static>> {
    let t = &sh.theme;
    // Listener and integration status.
    let mut lines = Vec::new();
    let mut l1 = vec![Span::styled("listener ", t.dim())];
    match (&sh.listener_url, &p.listener.error) {
        (_, Some(e)) => l1.push(Span::styled(format!("not running: {e}"), t.error())),
        (Some(u), None) => l1.push(Span::raw(u.clone())),
        (None, None) => l1.push(Span::styled("starting…", t.dim())),
    }
    let n = p.events.len();
    l1.push(Span::styled(format!("   {n} event{}", if n == 1 { "" } else { "s" }), t.dim()));
    let real_store = matches!(&sh.connection, crate::ui::Connection::Connected(c) if !c.sandbox);
    let loopback = sh.listener_url.as_deref().is_some_and(|u| {
        u.contains("://127.") || u.contains("://localhost") || u.contains("://[::1]")
    });
    if real_store && loopback {
        l1.push(Span::styled(
            "   Commerce cannot reach a loopback URL: start with --public-url",
            t.warn(),
        ));
    }
    let by_cause = p.listener.refusals.summary();
    if p.listener.rejected > 0 || !by_cause.is_empty() {
        let counts = if by_cause.is_empty() {
            format!("{} refused", p.listener.rejected)
        } else {
            format!("refused: {by_cause}")
        };
        let last = p.listener.last_rejection.as_deref().map(|l| format!(" (last {l})"));
        l1.push(Span::styled(format!("   {counts}{}", last.unwrap_or_default()), t.warn()));
    }
    lines.push(Line::from(l1));
    let mut l2 = vec![Span::styled("integration ", t.dim())];
    match p.integration(sh) {
        Some(i) if i.enabled && i.observes.iter().any(|o| o == crate::readiness::OTP_EVENT) => {
            l2.push(Span::styled(format!("✓ {} ({})", i.name, i.id), t.ok()));
        }
        // Read-only: say what is wrong, not which key would change it (none does).
        Some(i) if sh.read_only => l2.push(Span::styled(
            format!("✗ {} is disabled or does not observe OTP events", i.id),
            t.warn(),
        )),
        Some(i) => l2.push(Span::styled(
            format!("✗ {} is disabled or does not observe OTP events: press i to repair", i.id),
            t.warn(),
        )),
        None if sh.data.integrations.is_none() => match &sh.data.integrations_error {
            Some(e) => l2.push(Span::styled(format!("✗ {e}  (l retries)"), t.error())),
            None => l2.push(Span::styled("loading…", t.dim())),
        },
        None if sh.read_only => {
            l2.push(Span::styled("✗ none points at this listener (read-only mode)", t.warn()))
        }
        None => {
            l2.push(Span::styled("✗ none points at this listener: press i to create it", t.warn()))
        }
    }
    lines.push(Line::from(l2));
    let mut l3 = vec![];
    match (&p.logs, p.last_delivery()) {
        (None, _) => l3.push(Span::styled("deliveries: not loaded (l loads them)", t.dim())),
        (Some(_), None) => l3.push(Span::styled("no delivery logged yet (l reloads)", t.dim())),
        (Some(logs), Some(line)) => {
            let ok = logs
                .iter()
                .max_by(|a, b| a.meta.created_at.cmp(&b.meta.created_at))
                .is_some_and(|l| l.succeeded);
            l3.push(Span::styled(
                format!("last delivery {line}"),
                if ok { t.ok() } else { t.error() },
            ));

            let failed = logs.iter().filter(|l| !l.succeeded).count();
            if failed > 0 {
                l3.push(Span::styled(
                    format!("   {failed} of the last {} failed", logs.len()),
                    t.error(),
                ));
            }
        }
    }
    // Deliveries count every event (member events too); this counts the OTP
    // events that came from this integration.
    if let Some(i) = p.integration(sh) {
        let n = p.from_integration(&i.id);
        let s = if n == 1 { "" } else { "s" };
        l3.push(Span::styled(format!(" · {n} OTP event{s} received"), t.dim()));
    }
    lines.push(Line::from(l3));
    lines
}

pub fn draw(p: &Otp, f: &mut Frame, area: Rect, sh: &Shared) {
    let t = &sh.theme;
    let notice = p.no_event_notice(sh);
    let result_lines = p.result.len() + notice.as_ref().map_or(0, Vec::len);
    let result_h = if result_lines == 0 { 0 } else { (result_lines as u16 + 2).min(9) };
    // The status lines wrap (never cut): they take what they need, up to 6 rows.
    let status_lines = wrap_lines(status_lines(p, sh), area.width as usize);
    let status_h = (status_lines.len() as u16).clamp(3, 6);
    let [status, list, result] = Layout::vertical([
        Constraint::Length(status_h),
        Constraint::Min(3),
        Constraint::Length(result_h),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(status_lines), status);

    // Events: header and only the visible rows.
    let h = list.height.saturating_sub(1) as usize;
    let w = list.width as usize;
    // Fixed columns take 52; the username (e-mail, domain kept) gets the rest.
    let user_w = w.saturating_sub(53).clamp(12, 40);
    let mut rows = vec![Line::styled(
        format!(
            "  {:<8} {:<12} {:<user_w$} {:<8} {:>5} {:>3} {}",
            "time", "purpose", "username", "code", "left", "try", "status"
        ),
        t.dim(),
    )];
    if p.list.is_empty() {
        rows.push(Line::styled(
            if p.events.is_empty() && sh.read_only {
                // Read-only refuses the request (a POST on the realm's profile).
                "  waiting for events… (codes appear here when members request them)"
            } else if p.events.is_empty() {
                "  waiting for events… (o requests an OTP for a member)"
            } else {
                "  no event matches the filter"
            },
            t.dim(),
        ));
    }
    for vi in p.list.window(h) {
        let Some(e) = p.list.visible().get(vi).and_then(|i| p.events.get(*i)) else { continue };
        let sel = vi == p.list.cursor() && matches!(p.view, View::List) && !p.list.is_filtering();
        let status = p.status(e, sh.now);
        let left = (e.expires_at() - sh.now).num_seconds();
        let code = if p.revealed.contains(&e.id) {
            e.payload.code.expose().to_owned()
        } else {
            "••••••".to_owned()
        };
        let purpose = match e.payload.purpose.as_str() {
            "reset_password" => "reset",
            "passwordless_authentication" => "passwordless",
            other => other,
        };
        let (st, style) = match status {
            Status::New => ("new", t.ok()),
            Status::Used => ("used", t.dim()),
            Status::Expired => ("expired", t.dim()),
        };
        let text = format!(
            "{} {:<8} {:<12} {:<user_w$} {:<8} {:>5} {:>3} {}",
            if sel { "▸" } else { " " },
            e.payload.created_at.format("%H:%M:%S"),
            ellipsize(purpose, 12),
            fit_email(&e.payload.username, user_w),
            ellipsize(&code, 8),
            if status == Status::New { countdown(left) } else { "–".into() },
            e.attempt,
            st
        );
        rows.push(Line::styled(ellipsize(&text, w), if sel { t.selected() } else { style }));
    }
    let mut title = " Events ".to_owned();
    if !p.following() {
        title = " Events (auto-scroll paused: End resumes) ".into();
    }
    if p.list.is_filtering() || !p.list.filter_text().is_empty() {
        title = format!("{title}/{} ", p.list.filter_text());
    }
    let block = Block::default().borders(Borders::TOP).title(title);
    f.render_widget(Paragraph::new(rows).block(block), list);

    if result_lines > 0 {
        let mut lines: Vec<Line> = p.result.iter().map(|l| Line::from(l.clone())).collect();
        for (i, l) in notice.iter().flatten().enumerate() {
            lines.push(Line::styled(l.clone(), if i == 0 { t.warn() } else { t.base() }));
        }
        let block = Block::default().borders(Borders::TOP).title(" Result ");
        let width = block.inner(result).width as usize;
        f.render_widget(Paragraph::new(wrap_lines(lines, width)).block(block), result);
    }

    match &p.view {
        View::List => {}
        View::Details(_) => {
            let layout = detail_dialog(p).render(f, area, t);
            p.detail_max.set(layout.max_scroll);
        }
        View::Form(of) => {
            let dialog = form_dialog(p, of, sh, area.width);
            let layout = dialog.render(f, area, t);
            if let Some((_, r)) = layout.slots.first() {
                of.form.render(f, *r, t);
            }
        }
    }
}

/// The payload view: a dialog (scroll hint, PgUp/PgDn/g/G like every
/// dialog); `r` says what it does now (the code shown or masked).
pub fn detail_dialog(p: &Otp) -> Dialog {
    let revealed = p.detail_revealed();
    let title = if revealed {
        "Event payload (code shown: r hides it)"
    } else {
        "Event payload (code masked: r reveals it)"
    };
    let mut d = Dialog::confirm(title);
    for line in p.detail_text.lines() {
        d = d.pre(line);
    }
    d.scroll = p.detail_scroll;
    d.keys(vec![
        ("r".into(), if revealed { "hide the code" } else { "reveal the code" }.into()),
        ("Esc/Enter".into(), "back".into()),
    ])
}

/// The dialog around a follow-up form: what it does first, the form, the call, the keys.
pub fn form_dialog(_p: &Otp, of: &OtpForm, sh: &Shared, width: u16) -> Dialog {
    let t = &sh.theme;
    let (title, consequence, request) = match &of.kind {
        FormKind::Request => (
            "Request a one-time password".to_owned(),
            "Asks Commerce to issue a one-time password for the member: the store sends it \
             to its webhook (this console's listener), not to the screen here.",
            "POST /v2/authentication-realms/{realm}/password-profiles/{profile}\
             /one-time-password-token-request",
        ),
        FormKind::Exchange { purpose } => (
            match purpose.as_str() {
                "reset_password" => "Exchange a code (password reset)".to_owned(),
                "passwordless_authentication" => "Exchange a code (passwordless)".to_owned(),
                "" => "Exchange a code".to_owned(),
                other => format!("Exchange a code ({other})"),
            },
            "Logs the member in with the code (single use): the code is spent.",
            "POST /v2/account-members/tokens (authentication_mechanism: passwordless)",
        ),
        FormKind::Reset { .. } => (
            "New password (reset_password)".to_owned(),
            "Sets the member's new password with the account management token of the exchanged \
             code, then logs in with it to check.",
            "PUT /v2/authentication-realms/{realm}/user-authentication-info/{user}\
             /user-authentication-password-profile-info/{info}",
        ),
    };
    let mut keys: Vec<(String, String)> =
        of.form.keys().into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect();
    if !of.form.is_typing() {
        keys.push(("Esc".into(), "cancel".into()));
    }
    let d = Dialog::confirm(title).consequence(consequence);
    let inner = d.width_for(width).saturating_sub(4);
    let h = of.form.height(inner, t);
    d.slot(1, h).gap().request(request).keys(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_masks_the_code_and_secret() {
        let raw = crate::webhook::RawJson::from_value(&serde_json::json!({
            "payload": {"one_time_password_token": "lprvj4"},
            "configuration": {"secret_key": "s3cret"}
        }));
        let masked = pretty_payload(&raw, false);
        assert!(!masked.contains("lprvj4") && !masked.contains("s3cret"));
        assert!(pretty_payload(&raw, true).contains("lprvj4"));
        assert_eq!(countdown(61), "1:01");
        assert_eq!(countdown(-5), "0:00");
    }
}
