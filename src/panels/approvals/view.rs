//! Drawing the Approvals panel. Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph};

use super::{Approvals, RowStatus, View};
use crate::ui::Shared;
use crate::widgets::wrap::wrap_lines;
use crate::widgets::{centered, ellipsize};

pub fn draw(p: &Approvals, f: &mut Frame, area: Rect, sh: &Shared) {
    let t = &sh.theme;
    let bulk_h = if p.bulk.is_some() { 2 } else { 0 };
    let [top, gauge, list] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(bulk_h), Constraint::Min(1)])
            .areas(area);

    // Summary / scan progress / filter line.
    let mut spans = vec![Span::styled(format!("{} pending", p.pending_count()), t.title())];
    if p.membership_deleted {
        spans.push(Span::styled("  a membership was deleted elsewhere: R re-verifies", t.warn()));
    }
    if !p.unverified.is_empty() {
        let what = if p.scan.is_some() { "verifying" } else { "not verified (r retries)" };
        spans.push(Span::styled(format!("  {what} {} from cache", p.unverified.len()), t.warn()));
    }
    if let Some(s) = &p.scan {
        let total = s.total.map_or("?".to_owned(), |t| t.to_string());
        spans
            .push(Span::styled(format!("  scanning: checked {} / {}", s.checked, total), t.warn()));
        if let Some((_, plan)) = &s.plan {
            spans.push(Span::styled(format!("  · {plan}"), t.dim()));
        }
    } else if let Some(s) = &p.last_scan {
        spans.push(Span::styled(format!("  last scan checked {}", s.checked), t.dim()));
        if s.failed > 0 {
            spans.push(Span::styled(format!(" ({} checks failed)", s.failed), t.error()));
        }
    }
    if !p.marked.is_empty() {
        spans.push(Span::styled(format!("  {} marked", p.marked.len()), t.accent()));
    }
    if p.filtering || !p.filter.value().is_empty() {
        spans.push(Span::raw("  /"));
        spans.push(Span::styled(
            p.filter.value().to_owned(),
            if p.filtering { t.selected() } else { t.key() },
        ));
    }
    if sh.read_only {
        spans.push(Span::styled("  read-only: no approvals", t.dim()));
    }
    f.render_widget(Line::from(spans), top);

    if let Some(run) = &p.bulk {
        let total = run.items.len().max(1);
        let ratio = (run.done as f64 / total as f64).clamp(0.0, 1.0);
        let (ok, failed) = (run.ok, run.failed);
        let state = if run.op.is_some() && run.cancelled {
            "stopping"
        } else if run.op.is_some() {
            "running (Esc stops)"
        } else if run.cancelled {
            "stopped"
        } else {
            "finished"
        };
        let label = format!("{}/{} {state} · {ok} ok · {failed} failed", run.done, run.items.len());
        f.render_widget(
            Gauge::default().ratio(ratio).label(label).gauge_style(t.ok()),
            Rect { height: 1, ..gauge },
        );
    }

    // The queue: header + only the visible rows.
    let height = list.height.saturating_sub(1) as usize;
    let mut lines = Vec::with_capacity(height + 1);
    let w = list.width as usize;
    let name_w = (w.saturating_sub(60)).clamp(10, 28);
    let email_w = (w.saturating_sub(name_w + 40)).clamp(12, 34);
    lines.push(Line::styled(
        format!(
            "   {:<name_w$} {:<email_w$} {:<16} {}",
            "name", "email", "signed up", "status / member id"
        ),
        t.dim(),
    ));
    if p.visible.is_empty() {
        let msg = if p.scan.is_some() {
            "looking for members without an account…"
        } else if p.rows.is_empty() && p.last_scan.is_some() {
            "no pending members: everyone belongs to an account"
        } else if p.rows.is_empty() {
            "press r to scan for pending members"
        } else {
            "no member matches the filter"
        };
        lines.push(Line::styled(format!("   {msg}"), t.dim()));
    }
    let start = if p.selected >= height { p.selected + 1 - height } else { 0 };
    for (vi, ri) in p.visible.iter().enumerate().skip(start).take(height) {
        let Some(row) = p.rows.get(*ri) else { continue };
        let m = &row.member;
        let sel = vi == p.selected && matches!(p.view, View::List) && !p.filtering;
        let mark = if p.marked.contains(&m.id) { "●" } else { " " };
        let when = m
            .meta
            .created_at
            .as_deref()
            .map(|s| s.get(..16).unwrap_or(s).replace('T', " "))
            .unwrap_or_default();
        let (status, style) = match &row.status {
            // Shown from the queue cache; its check has not come back yet.
            RowStatus::Pending if p.unverified.contains(&m.id) => {
                (format!("verifying… {}", m.id), t.dim())
            }
            RowStatus::Pending => (m.id.clone(), t.base()),
            RowStatus::Working => ("approving…".to_owned(), t.warn()),
            RowStatus::Approved { account_name } => (format!("approved → {account_name}"), t.ok()),
            RowStatus::AlreadyMember => ("already a member".to_owned(), t.ok()),
            RowStatus::Failed { reason, .. } => (format!("failed: {reason}"), t.error()),
            RowStatus::Cancelled => ("cancelled".to_owned(), t.dim()),
        };
        let text = format!(
            "{}{mark} {:<name_w$} {:<email_w$} {:<16} {}",
            if sel { "▸" } else { " " },
            ellipsize(&m.name, name_w),
            ellipsize(&m.email, email_w),
            when,
            status
        );
        let text = ellipsize(&text, w);
        lines.push(Line::styled(text, if sel { t.selected() } else { style }));
    }
    f.render_widget(Paragraph::new(lines), list);

    match &p.view {
        View::List => {}
        View::NewAccount(form) => {
            let rect = centered(area, 70, 8);
            f.render_widget(Clear, rect);
            let who = p
                .rows
                .iter()
                .find(|r| r.member.id == form.member_id)
                .map_or(form.member_id.clone(), |r| {
                    format!("{} <{}>", r.member.name, r.member.email)
                });
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" Approve {} into a new account ", ellipsize(&who, 40)))
                .border_style(t.focused_border());
            let inner = block.inner(rect);
            f.render_widget(block, rect);
            let rows = Layout::vertical([Constraint::Length(1); 4]).split(inner);
            form.name.render(f, rows[0], 14, form.row == 0, t);
            form.legal_name.render(f, rows[1], 14, form.row == 1, t);
            f.render_widget(
                Line::styled("  [ Approve ]", if form.row == 2 { t.selected() } else { t.key() }),
                rows[3],
            );
        }
        View::Picker(pk) => {
            let rect = centered(area, 72, area.height.saturating_sub(2).max(6));
            f.render_widget(Clear, rect);
            let n = pk.members.len();
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(
                    " Existing account for {n} member{} ",
                    if n == 1 { "" } else { "s" }
                ))
                .border_style(t.focused_border());
            let inner = block.inner(rect);
            f.render_widget(block, rect);
            let [search, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
            pk.filter.render(f, search, 8, true, t);
            let mut lines = Vec::new();
            match &p.accounts {
                None => lines.push(Line::styled("loading accounts…", t.dim())),
                Some(_) => {
                    let found = p.picker_matches(pk);
                    if found.is_empty() {
                        lines.push(Line::styled("no account matches", t.dim()));
                    }
                    let h = rest.height as usize;
                    let start = if pk.selected >= h { pk.selected + 1 - h } else { 0 };
                    for (i, a) in found.iter().enumerate().skip(start).take(h) {
                        let sel = i == pk.selected;
                        lines.push(Line::styled(
                            format!(
                                "{} {:<32} {}",
                                if sel { "▸" } else { " " },
                                ellipsize(&a.name, 32),
                                a.id
                            ),
                            if sel { t.selected() } else { t.base() },
                        ));
                    }
                }
            }
            f.render_widget(Paragraph::new(lines), rest);
        }
        View::Details(_, d) => {
            let rect = centered(area, 90, area.height);
            f.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(" Member details (Esc back) ")
                .border_style(t.focused_border());
            let mut lines = Vec::new();
            match d {
                None => lines.push(Line::styled("loading…", t.dim())),
                Some(d) => {
                    lines.push(Line::styled("user-authentication-info", t.title()));
                    lines.push(Line::from(format!("  id     {}", d.member_id)));
                    if let Some(i) = &d.info {
                        lines.push(Line::from(format!(
                            "  name   {}",
                            i.name.as_deref().unwrap_or("–")
                        )));
                        lines.push(Line::from(format!(
                            "  email  {}",
                            i.email.as_deref().unwrap_or("–")
                        )));
                        if let Some(c) = &i.meta.created_at {
                            lines.push(Line::from(format!("  created {c}")));
                        }
                    }
                    lines.push(Line::styled("password profile infos (usernames only)", t.title()));
                    if d.credentials.is_empty() {
                        lines.push(Line::styled("  none", t.dim()));
                    }
                    for c in &d.credentials {
                        lines.push(Line::from(format!(
                            "  {}  profile {}",
                            c.username, c.password_profile_id
                        )));
                    }
                    lines.push(Line::styled("account memberships", t.title()));
                    if d.memberships.is_empty() {
                        lines.push(Line::styled("  none: pending approval", t.warn()));
                    }
                    for m in &d.memberships {
                        lines.push(Line::from(format!(
                            "  account {}  (membership {})",
                            m.account().unwrap_or("?"),
                            m.id
                        )));
                    }
                    lines.push(Line::styled("Beyond Identity", t.title()));
                    match &d.bi {
                        Some(b) => {
                            lines.push(Line::from(format!(
                                "  external_id {} (= member id)",
                                b.external_id
                            )));
                            lines.push(Line::from(format!("  internal_id {}", b.internal_id)));
                        }
                        None => lines.push(Line::styled("  no passwordless user known", t.dim())),
                    }
                    for e in &d.errors {
                        lines.push(Line::styled(e.clone(), t.error()));
                    }
                }
            }
            let width = block.inner(rect).width as usize;
            f.render_widget(Paragraph::new(wrap_lines(lines, width)).block(block), rect);
        }
    }
}
