//! Drawing the OTP panel. Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Form, Otp, Status, View};
use crate::ui::Shared;
use crate::widgets::wrap::wrap_lines;
use crate::widgets::{centered, ellipsize};

fn countdown(secs: i64) -> String {
    if secs <= 0 { "0:00".to_owned() } else { format!("{}:{:02}", secs / 60, secs % 60) }
}

/// The event as received, pretty-printed, with the code masked unless revealed.
pub fn pretty_payload(raw: &serde_json::Value, reveal: bool) -> String {
    let mut v = raw.clone();
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

pub fn draw(p: &Otp, f: &mut Frame, area: Rect, sh: &Shared) {
    let t = &sh.theme;
    let result_h = if p.result.is_empty() { 0 } else { (p.result.len() as u16 + 1).min(6) };
    let [status, list, result] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(3), Constraint::Length(result_h)])
            .areas(area);

    // Listener and integration status.
    let mut lines = Vec::new();
    let mut l1 = vec![Span::styled("listener ", t.dim())];
    match (&sh.listener_url, &p.listener.error) {
        (_, Some(e)) => l1.push(Span::styled(format!("not running: {e}"), t.error())),
        (Some(u), None) => l1.push(Span::raw(u.clone())),
        (None, None) => l1.push(Span::styled("starting…", t.dim())),
    }
    l1.push(Span::styled(format!("   {} events", p.events.len()), t.dim()));
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
            let from_it = p.from_integration(&i.id);
            l2.push(Span::styled(format!("   received {from_it} from it"), t.dim()));
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
    let mut l3 = vec![Span::styled("deliveries  ", t.dim())];
    match &p.logs {
        None => l3.push(Span::styled("–", t.dim())),
        Some(logs) if logs.is_empty() => l3.push(Span::styled("no delivery logged yet", t.dim())),
        Some(logs) => {
            for log in logs.iter().take(8) {
                let code = log.status_code.map_or("err".to_owned(), |c| c.to_string());
                l3.push(Span::styled(
                    format!("{code} "),
                    if log.succeeded { t.ok() } else { t.error() },
                ));
            }
            if let Some(d) =
                logs.iter().filter_map(|l| l.error_detail.as_deref()).find(|d| !d.trim().is_empty())
            {
                l3.push(Span::styled(format!(" last error: {}", ellipsize(d, 50)), t.error()));
            }
        }
    }
    lines.push(Line::from(l3));
    f.render_widget(Paragraph::new(lines), status);

    // Events: header and only the visible rows.
    let h = list.height.saturating_sub(1) as usize;
    let w = list.width as usize;
    let user_w = w.saturating_sub(70).clamp(12, 36);
    let mut rows = vec![Line::styled(
        format!(
            "  {:<8} {:<12} {:<user_w$} {:<8} {:>5} {:>3} {}",
            "time", "purpose", "username", "code", "left", "try", "status"
        ),
        t.dim(),
    )];
    if p.visible.is_empty() {
        rows.push(Line::styled(
            if p.events.is_empty() {
                "  waiting for events… (o requests an OTP for a member)"
            } else {
                "  no event matches the filter"
            },
            t.dim(),
        ));
    }
    let start = if p.selected >= h { p.selected + 1 - h } else { 0 };
    for (vi, ei) in p.visible.iter().enumerate().skip(start).take(h) {
        let Some(e) = p.events.get(*ei) else { continue };
        let sel = vi == p.selected && matches!(p.view, View::List) && !p.filtering;
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
            ellipsize(&e.payload.username, user_w),
            ellipsize(&code, 8),
            if status == Status::New { countdown(left) } else { "–".into() },
            e.attempt,
            st
        );
        rows.push(Line::styled(ellipsize(&text, w), if sel { t.selected() } else { style }));
    }
    let mut title = " Events ".to_owned();
    if !p.follow {
        title = " Events (auto-scroll paused: End resumes) ".into();
    }
    if p.filtering || !p.filter.value().is_empty() {
        title = format!("{title}/{} ", p.filter.value());
    }
    let block = Block::default().borders(Borders::TOP).title(title);
    f.render_widget(Paragraph::new(rows).block(block), list);

    if !p.result.is_empty() {
        let lines: Vec<Line> = p.result.iter().map(|l| Line::from(l.clone())).collect();
        let block = Block::default().borders(Borders::TOP).title(" Result ");
        let width = block.inner(result).width as usize;
        f.render_widget(Paragraph::new(wrap_lines(lines, width)).block(block), result);
    }

    match &p.view {
        View::List => {}
        View::Details(_) => {
            let rect = centered(area, 90, area.height);
            f.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(" Event payload (r reveals the code, Esc back) ")
                .border_style(t.focused_border());
            f.render_widget(
                Paragraph::new(p.detail_text.as_str()).block(block).scroll((p.detail_scroll, 0)),
                rect,
            );
        }
        View::Form(form) => {
            let rect = centered(area, 70, 7);
            f.render_widget(Clear, rect);
            let (title, fields): (&str, Vec<Line>) = match form {
                Form::Request { reset, row, .. } => (
                    " Request a one-time password ",
                    vec![Line::from(vec![
                        Span::styled(
                            format!("{}{:<10}", if *row == 1 { "▸ " } else { "  " }, "Purpose"),
                            if *row == 1 { t.key() } else { t.base() },
                        ),
                        Span::styled(
                            format!(
                                "‹ {} ›",
                                if *reset {
                                    "reset_password"
                                } else {
                                    "passwordless_authentication"
                                }
                            ),
                            if *row == 1 { t.selected() } else { t.base() },
                        ),
                    ])],
                ),
                Form::Exchange { .. } => (" Exchange a code (passwordless) ", vec![]),
                Form::Reset { .. } => (" New password (reset_password) ", vec![]),
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .title(title)
                .border_style(t.focused_border());
            let inner = block.inner(rect);
            f.render_widget(block, rect);
            let r = Layout::vertical([Constraint::Length(1); 4]).split(inner);
            match form {
                Form::Request { username, row, .. } => {
                    username.render(f, r[0], 10, *row == 0, t);
                    f.render_widget(fields[0].clone(), r[1]);
                }
                Form::Exchange { username, code, row } => {
                    username.render(f, r[0], 10, *row == 0, t);
                    code.render(f, r[1], 10, *row == 1, t);
                }
                Form::Reset { password, .. } => password.render(f, r[0], 14, true, t),
            }
            f.render_widget(Line::styled("  Enter sends · Esc cancels", t.dim()), r[3]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_masks_the_code_and_secret() {
        let raw = serde_json::json!({"payload": {"one_time_password_token": "lprvj4"},
                                      "configuration": {"secret_key": "s3cret"}});
        let masked = pretty_payload(&raw, false);
        assert!(!masked.contains("lprvj4") && !masked.contains("s3cret"));
        assert!(pretty_payload(&raw, true).contains("lprvj4"));
        assert_eq!(countdown(61), "1:01");
        assert_eq!(countdown(-5), "0:00");
    }
}
