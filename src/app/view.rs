//! Drawing the console from owned state only: no I/O, no locks, no awaits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{App, Overlay};
use crate::api::TokenState;
use crate::ui::{Connection, PanelId, StepStatus};
use crate::widgets::{SPINNER, centered, ellipsize};

/// Below this size the console shows a message instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let t = &app.sh.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::styled("Terminal too small", t.error()),
            Line::from(format!(
                "{}×{} — need at least {MIN_WIDTH}×{MIN_HEIGHT}",
                area.width, area.height
            )),
            Line::from("Resize, or press q to quit."),
        ];
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [header, stepper, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, f, header);
    draw_stepper(app, f, stepper);
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(format!(" {} ", app.focus.title()), t.title()));
    let inner = block.inner(body);
    f.render_widget(block, body);
    app.panel(app.focus).view(f, inner, &app.sh);
    draw_status(app, f, status);
    draw_footer(app, f, footer);
    draw_toasts(app, f, body);
    match app.overlay {
        Some(Overlay::Help) => draw_help(app, f, body),
        Some(Overlay::Log) => draw_log(app, f, body),
        Some(Overlay::Audit) => draw_audit(app, f, body),
        None => {}
    }
    if let Some(c) = &app.sh.confirm {
        c.dialog.render(f, body, t);
    }
}

fn draw_header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let mut spans = vec![Span::styled(" onboard ", t.accent())];
    match &app.sh.connection {
        Connection::Connecting { sandbox: true } => {
            spans.push(Span::styled(" SANDBOX ", t.banner()));
            spans.push(Span::styled(" starting the embedded sandbox…", t.dim()));
        }
        Connection::Connecting { sandbox: false } => {
            spans.push(Span::styled(" connecting…", t.dim()));
        }
        Connection::Connected(c) if c.sandbox => {
            spans.push(Span::styled(" SANDBOX ", t.banner()));
            spans.push(Span::styled(format!(" {} ", c.host), t.dim()));
        }
        Connection::Connected(c) => {
            spans.push(Span::raw(format!(" {} ", c.host)));
            spans.push(Span::styled(format!("[{}]", c.profile), t.dim()));
        }
        Connection::Failed(_) => spans.push(Span::styled(" not connected ", t.error())),
    }
    if app.sh.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.banner()));
    }
    spans.push(Span::raw("  token "));
    spans.push(match &app.sh.token {
        None => Span::styled("–", t.dim()),
        Some(TokenState::Valid { .. }) => Span::styled("valid", t.ok()),
        Some(TokenState::Renewing) => Span::styled("renewing", t.warn()),
        Some(TokenState::Failed(_)) => Span::styled("failed", t.error()),
    });
    let realm = app.sh.data.settings.as_ref().and_then(|s| s.realm_id());
    spans.push(Span::raw("  realm "));
    spans.push(Span::styled(realm.map_or("–".to_owned(), |r| ellipsize(r, 36)), t.dim()));
    f.render_widget(Line::from(spans), area);
}

fn draw_stepper(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let narrow = area.width < 80;
    let mut spans = vec![Span::raw(" ")];
    for (i, p) in PanelId::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(if narrow { "›" } else { " → " }, t.dim()));
        }
        let (mark, style) = match app.step_status(*p) {
            StepStatus::NotVisited => ("·", t.dim()),
            StepStatus::Ready => ("✓", t.ok()),
            StepStatus::Attention => ("!", t.warn()),
        };
        let title = if narrow && *p == PanelId::Otp { "OTP" } else { p.title() };
        let label = format!("{} {} {}", i + 1, title, mark);
        let style = if *p == app.focus { t.selected() } else { style };
        spans.push(Span::styled(format!(" {label} "), style));
    }
    f.render_widget(Line::from(spans), area);
}

fn draw_status(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    if let Some(e) = &app.sh.error {
        let line = Line::from(vec![
            Span::styled(
                format!(" ✗ {}", ellipsize(e, area.width.saturating_sub(16) as usize)),
                t.error(),
            ),
            Span::styled("  (Esc dismiss)", t.dim()),
        ]);
        f.render_widget(line, area);
        return;
    }
    let mut text = String::new();
    if let Some(flight) = app.sh.inflight.values().next() {
        let more = app.sh.inflight.len() - 1;
        text = format!(" {} {}", SPINNER[app.sh.spinner % SPINNER.len()], flight.label);
        if more > 0 {
            text.push_str(&format!(" (+{more})"));
        }
    }
    if let Some(r) = &app.sh.rate {
        // The store answered 429: the client slowed down and is growing back.
        text.push_str(&format!(
            "  · store rate limit: {:.0} of {:.0} req/s",
            r.effective.floor(),
            r.configured
        ));
    }
    if !text.is_empty() {
        f.render_widget(Line::styled(ellipsize(&text, area.width as usize), t.warn()), area);
    }
}

fn draw_footer(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.sh.theme;
    let mut keys = app.panel(app.focus).keys(&app.sh);
    // The global keys always show; panel keys fill what room is left.
    let global = [("Tab", "panel"), ("?", "help"), ("L", "log"), ("q", "quit")];
    let width = |k: &str, l: &str| k.chars().count() + l.chars().count() + 3;
    let mut room = (area.width as usize)
        .saturating_sub(global.iter().map(|(k, l)| width(k, l)).sum::<usize>());
    keys.retain(|(k, l)| {
        let w = width(k, l);
        let fits = w <= room;
        if fits {
            room -= w;
        }
        fits
    });
    let mut spans = Vec::new();
    for (k, label) in keys.into_iter().chain(global) {
        spans.push(Span::styled(format!(" {k}"), t.key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    f.render_widget(Line::from(spans), area);
}

fn draw_toasts(app: &App, f: &mut Frame, body: Rect) {
    let t = &app.sh.theme;
    // Bottom-right of the body, newest lowest.
    for (i, toast) in app.sh.toasts.iter().rev().enumerate() {
        let width = (toast.text.chars().count() as u16 + 4).min(body.width);
        let Some(y) = (body.y + body.height).checked_sub(1 + i as u16) else { break };
        if y <= body.y {
            break;
        }
        let rect = Rect { x: body.x + body.width - width, y, width, height: 1 };
        f.render_widget(Clear, rect);
        let style = if toast.error { t.error() } else { t.ok() };
        f.render_widget(
            Line::styled(format!(" {} ", ellipsize(&toast.text, width as usize - 2)), style),
            rect,
        );
    }
}

/// Help for the focused panel plus the global keys.
pub fn help_lines(app: &App) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let panel_keys = app.panel(app.focus).keys(&app.sh);
    vec![
        (app.focus.title().to_owned(), panel_keys),
        (
            "Everywhere".to_owned(),
            vec![
                ("Tab / Shift-Tab", "next / previous panel"),
                ("1–4", "go to a panel"),
                ("↑↓ / j k", "move"),
                ("Enter", "act"),
                ("Esc", "back out, dismiss the error line"),
                ("L", "request log"),
                ("A", "audit log of writes"),
                ("?", "this help"),
                ("q", "quit (asks while writes are in flight)"),
                ("Ctrl-C", "quit now"),
            ],
        ),
    ]
}

fn draw_help(app: &App, f: &mut Frame, body: Rect) {
    let t = &app.sh.theme;
    let rect = centered(body, 70, body.height);
    f.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for (group, keys) in help_lines(app) {
        lines.push(Line::styled(group, t.title()));
        for (k, v) in keys {
            lines.push(Line::from(vec![Span::styled(format!("  {k:<18}"), t.key()), Span::raw(v)]));
        }
        lines.push(Line::default());
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Help (Esc closes) ")
        .border_style(t.focused_border());
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn draw_log(app: &App, f: &mut Frame, body: Rect) {
    let t = &app.sh.theme;
    f.render_widget(Clear, body);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Request log ({}) — Esc closes ", app.request_log.len()))
        .border_style(t.focused_border());
    let inner = block.inner(body);
    f.render_widget(block, body);
    let visible = inner.height.saturating_sub(1) as usize;
    let total = app.request_log.len();
    let end = total.saturating_sub(app.log_scroll);
    let start = end.saturating_sub(visible);
    let mut lines = vec![Line::styled(
        format!("{:<9} {:<7} {:<6} {:>7}  {}", "time", "method", "status", "ms", "path"),
        t.dim(),
    )];
    // Only the visible rows are formatted.
    for r in app.request_log.range(start..end) {
        let status = match (r.status, &r.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(_)) => "error".to_owned(),
            (None, None) => "–".to_owned(),
        };
        let style = match r.status {
            Some(s) if s < 400 => t.base(),
            Some(_) | None => t.error(),
        };
        let retry = if r.attempt > 1 { format!(" (attempt {})", r.attempt) } else { String::new() };
        lines.push(Line::styled(
            format!(
                "{:<9} {:<7} {:<6} {:>7}  {}{}",
                r.at.format("%H:%M:%S"),
                r.method,
                status,
                r.duration.as_millis(),
                ellipsize(&r.path, inner.width.saturating_sub(36) as usize),
                retry
            ),
            style,
        ));
    }
    if total == 0 {
        lines.push(Line::styled("no requests yet", t.dim()));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_audit(app: &App, f: &mut Frame, body: Rect) {
    let t = &app.sh.theme;
    f.render_widget(Clear, body);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Audit log ({}) — Esc closes ", app.audit.len()))
        .border_style(t.focused_border());
    let inner = block.inner(body);
    f.render_widget(block, body);
    let visible = inner.height.saturating_sub(1) as usize;
    let total = app.audit.len();
    let end = total.saturating_sub(app.log_scroll);
    let start = end.saturating_sub(visible);
    let mut lines = vec![Line::styled(
        format!("{:<19} {:<24} {:<14} {}", "time (UTC)", "action", "result", "target"),
        t.dim(),
    )];
    for e in app.audit.range(start..end) {
        let style =
            if e.result == "ok" || e.result == "already exists" { t.base() } else { t.error() };
        let line = format!(
            "{:<19} {:<24} {:<14} {}",
            e.time.format("%Y-%m-%d %H:%M:%S"),
            e.action,
            ellipsize(&e.result, 14),
            e.target
        );
        lines.push(Line::styled(ellipsize(&line, inner.width as usize), style));
    }
    if total == 0 {
        lines.push(Line::styled("no writes yet", t.dim()));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
