//! Drawing the Approvals panel. Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph};

use super::{Approvals, RowStatus, View, plural, run_summary};
use crate::api::Account;
use crate::ui::Shared;
use crate::widgets::list::{Column, Fit, Row as ListRow, Table};
use crate::widgets::wrap::wrap_lines;
use crate::widgets::{Dialog, Theme, centered};

/// The queue's columns: name and e-mail shrink first (the e-mail keeps its
/// domain), the sign-up time is dropped on narrow screens.
const COLUMNS: [Column; 4] = [
    Column::new("name", 10, 28, Fit::Text, 0),
    Column::new("email", 14, 34, Fit::Email, 0),
    Column::new("signed up", 16, 16, Fit::Whole, 2),
    Column::new("status / member id", 12, u16::MAX, Fit::Text, 0),
];

/// Most members a dialog lists one by one (the count is always whole).
const LISTED: usize = 200;

pub fn status_text(row: &super::Row) -> String {
    match &row.status {
        RowStatus::Pending => row.member.id.clone(),
        RowStatus::Working => "working…".to_owned(),
        RowStatus::Approved { account_name } => format!("approved → {account_name}"),
        RowStatus::AlreadyMember => "already a member".to_owned(),
        RowStatus::Failed { reason, .. } => format!("failed: {reason}"),
        RowStatus::Cancelled => "cancelled — mark it to approve again".to_owned(),
        RowStatus::CheckFailed { reason } => format!("check failed — r retries: {reason}"),
    }
}

pub fn draw(p: &Approvals, f: &mut Frame, area: Rect, sh: &Shared) {
    let t = &sh.theme;
    let gauge_h = if p.bulk.is_some() || p.reject.is_some() { 2 } else { 0 };

    // Summary / scan progress / filter line: the count first, always shown;
    // what does not fit on one row wraps onto a second and third.
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
        let what =
            if s.full { "rescanning (the list stays until it succeeds)" } else { "scanning" };
        spans.push(Span::styled(format!("  {what}: checked {} / {}", s.checked, total), t.warn()));
        if let Some((_, plan)) = &s.plan {
            spans.push(Span::styled(format!("  · {plan}"), t.dim()));
        }
    } else if let Some(s) = &p.last_scan {
        spans.push(Span::styled(format!("  last scan checked {}", s.checked), t.dim()));
        if p.check_failed_count() > 0 {
            spans.push(Span::styled(
                format!(" ({} checks failed, listed — r retries)", p.check_failed_count()),
                t.error(),
            ));
        }
    }
    if p.list.mark_count() > 0 {
        let range = if p.list.in_range() { " (v ends the range)" } else { "" };
        spans.push(Span::styled(format!("  {} marked{range}", p.list.mark_count()), t.accent()));
    }
    if sh.read_only {
        spans.push(Span::styled("  read-only: no approvals", t.dim()));
    }
    // The filter last: the cursor goes at the end of the last row.
    if p.list.is_filtering() || !p.list.filter_text().is_empty() {
        spans.push(Span::raw("  /"));
        spans.push(Span::styled(
            p.list.filter_text().to_owned(),
            if p.list.is_filtering() { t.selected() } else { t.key() },
        ));
    }
    let header = wrap_lines(vec![Line::from(spans)], area.width.max(1) as usize);
    let top_h = header.len().clamp(1, 3) as u16;
    let [top, gauge, list] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(gauge_h),
        Constraint::Min(1),
    ])
    .areas(area);
    let last = header.get(top_h as usize - 1).map_or(0, Line::width) as u16;
    f.render_widget(Paragraph::new(header), top);
    if p.list.is_filtering() && last < top.width && top.height == top_h {
        f.set_cursor_position((top.x + last, top.y + top_h - 1));
    }

    if let Some(run) = &p.bulk {
        let total = run.items.len().max(1);
        let ratio = (run.done as f64 / total as f64).clamp(0.0, 1.0);
        let state = if run.op.is_some() && run.cancelled {
            "stopping"
        } else if run.op.is_some() {
            "running (Esc stops)"
        } else if run.cancelled {
            "stopped"
        } else {
            "finished"
        };
        let label = format!(
            "{}/{} {state} · {}",
            run.done,
            run.items.len(),
            run_summary(run.ok, run.failed, run.skipped)
        );
        f.render_widget(
            Gauge::default().ratio(ratio).label(label).gauge_style(t.ok()),
            Rect { height: 1, ..gauge },
        );
    } else if let Some(run) = &p.reject {
        let done = run.rejected + run.failed;
        let ratio = (done as f64 / run.total.max(1) as f64).clamp(0.0, 1.0);
        let state = if run.ops.is_empty() { "finished" } else { "rejecting" };
        let label = format!(
            "{done}/{} {state} · {} rejected · {} failed",
            run.total, run.rejected, run.failed
        );
        f.render_widget(
            Gauge::default().ratio(ratio).label(label).gauge_style(t.warn()),
            Rect { height: 1, ..gauge },
        );
    }

    // The queue: header + only the visible rows.
    let empty = if p.scan.is_some() {
        "looking for members without an account…"
    } else if p.rows.is_empty() && p.last_scan.is_some() {
        "no pending members: everyone belongs to an account"
    } else if p.rows.is_empty() {
        "press r to scan for pending members"
    } else {
        "no member matches the filter (Esc clears it)"
    };
    p.list.render(
        f,
        list,
        &p.rows,
        &Table { columns: &COLUMNS, empty },
        |row| {
            let m = &row.member;
            let when = m
                .meta
                .created_at
                .as_deref()
                .map(|s| s.get(..16).unwrap_or(s).replace('T', " "))
                .unwrap_or_default();
            // Shown from the queue cache; its check has not come back yet.
            let verifying = row.status == RowStatus::Pending && p.unverified.contains(&m.id);
            let style = match &row.status {
                RowStatus::Pending if verifying => t.dim(),
                RowStatus::Pending => t.base(),
                RowStatus::Working => t.warn(),
                RowStatus::Approved { .. } | RowStatus::AlreadyMember => t.ok(),
                RowStatus::Failed { .. } => t.error(),
                RowStatus::Cancelled => t.dim(),
                RowStatus::CheckFailed { .. } => t.warn(),
            };
            let status =
                if verifying { format!("verifying… {}", m.id) } else { status_text(row) };
            ListRow { cells: vec![m.name.clone(), m.email.clone(), when, status], style }
        },
        t,
    );

    match &p.view {
        View::List => {}
        View::Approve(d) => {
            let mut dialog = approve_dialog(p, d, t, area.width);
            dialog.scroll = d.scroll.pos;
            let layout = dialog.render(f, area, t);
            d.scroll.max.set(layout.max_scroll);
            if let Some((_, r)) = layout.slots.first() {
                d.form.render(f, *r, t);
            }
        }
        View::Picker(pk) => {
            let dialog = picker_dialog(p, pk, t, area.width);
            let layout = dialog.render(f, area, t);
            pk.scroll.max.set(layout.max_scroll);
            if pk.chosen.is_none()
                && let Some((_, r)) = layout.slots.first()
            {
                let fh = pk.form.height(r.width, t).min(r.height);
                let [fr, lr] =
                    Layout::vertical([Constraint::Length(fh), Constraint::Min(1)]).areas(*r);
                pk.form.render(f, fr, t);
                if p.accounts.is_none() {
                    f.render_widget(Line::styled("  loading accounts…", t.dim()), lr);
                } else {
                    pk.list.render(
                        f,
                        lr,
                        p.picker_accounts(),
                        &Table { columns: &PICKER_COLUMNS, empty: "no account matches the search" },
                        |a: &Account| ListRow {
                            cells: vec![
                                a.name.clone(),
                                a.legal_name.clone().unwrap_or_default(),
                                a.id.clone(),
                            ],
                            style: t.base(),
                        },
                        t,
                    );
                }
            }
        }
        View::Reject(d) => {
            let mut dialog = reject_dialog(p, &d.ids);
            dialog.scroll = d.scroll.pos;
            d.scroll.max.set(dialog.render(f, area, t).max_scroll);
        }
        View::Retry(d) => {
            let mut dialog = retry_dialog(p, &d.items);
            dialog.scroll = d.scroll.pos;
            d.scroll.max.set(dialog.render(f, area, t).max_scroll);
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
                Some(d) => lines = details_lines(p, d, t),
            }
            let width = block.inner(rect).width as usize;
            f.render_widget(Paragraph::new(wrap_lines(lines, width)).block(block), rect);
        }
    }
}

/// Why a part of the details is missing, and how to read it again.
fn failed(why: &str, t: &Theme) -> Line<'static> {
    Line::styled(format!("  could not read: {why} — r retries"), t.error())
}

/// The member details, part by part: a part that could not be read says so
/// (never "none", which would claim the member has nothing).
pub fn details_lines(p: &Approvals, d: &super::MemberDetails, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(row) = p.rows.iter().find(|r| r.member.id == d.member_id) {
        lines.push(Line::styled("status in this console", t.title()));
        lines.push(Line::from(format!("  {}", status_text(row))));
    }
    lines.push(Line::styled("user-authentication-info", t.title()));
    lines.push(Line::from(format!("  id     {}", d.member_id)));
    match &d.info {
        Ok(i) => {
            lines.push(Line::from(format!("  name   {}", i.name.as_deref().unwrap_or("–"))));
            lines.push(Line::from(format!("  email  {}", i.email.as_deref().unwrap_or("–"))));
            if let Some(c) = &i.meta.created_at {
                lines.push(Line::from(format!("  created {c}")));
            }
        }
        Err(e) => lines.push(failed(e, t)),
    }
    lines.push(Line::styled("password profile infos (usernames only)", t.title()));
    match &d.credentials {
        Ok(c) if c.is_empty() => lines.push(Line::styled("  none", t.dim())),
        Ok(c) => {
            lines.extend(c.iter().map(|c| {
                Line::from(format!("  {}  profile {}", c.username, c.password_profile_id))
            }))
        }
        Err(e) => lines.push(failed(e, t)),
    }
    lines.push(Line::styled("account memberships", t.title()));
    match &d.memberships {
        Ok(m) if m.is_empty() => lines.push(Line::styled("  none: pending approval", t.warn())),
        Ok(m) => lines.extend(m.iter().map(|m| {
            Line::from(format!("  account {}  (membership {})", m.account().unwrap_or("?"), m.id))
        })),
        Err(e) => lines.push(failed(e, t)),
    }
    lines.push(Line::styled("Beyond Identity", t.title()));
    match &d.bi {
        Ok(Some(b)) => {
            lines.push(Line::from(format!("  external_id {} (= member id)", b.external_id)));
            lines.push(Line::from(format!("  internal_id {}", b.internal_id)));
        }
        Ok(None) => lines.push(Line::styled("  no passwordless user known", t.dim())),
        Err(e) => lines.push(failed(e, t)),
    }
    lines
}

const PICKER_COLUMNS: [Column; 3] = [
    Column::new("account", 12, 36, Fit::Text, 0),
    Column::new("legal name", 12, 30, Fit::Text, 2),
    Column::new("id", 36, 36, Fit::Whole, 1),
];

fn listed<'a>(d: Dialog, ids: impl Iterator<Item = &'a String>, n: usize, p: &Approvals) -> Dialog {
    let mut d = ids.take(LISTED).fold(d, |d, id| d.item(p.who(id)));
    if n > LISTED {
        d = d.note(format!("… and {} more", n - LISTED));
    }
    d
}

fn keys_of(k: Vec<(&'static str, &'static str)>) -> Vec<(String, String)> {
    k.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
}

/// The approve dialog: the form (one member) or the list (several), the calls, the keys.
pub fn approve_dialog(p: &Approvals, d: &super::ApproveDialog, t: &Theme, width: u16) -> Dialog {
    let n = d.ids.len();
    let keys = keys_of(p.dialog_keys().unwrap_or_default());
    if let [id] = d.ids.as_slice() {
        let name = d.form.value(super::ACCOUNT_NAME).trim();
        let who = p.who(id);
        let dialog = Dialog::confirm(format!("Approve {who} into a new account"))
            .verb("approve")
            .consequence(format!("Creates the account {name:?} and makes {who} its member."));
        let inner = dialog.width_for(width).saturating_sub(4);
        return dialog
            .slot(1, d.form.height(inner, t))
            .gap()
            .request("POST /v2/accounts")
            .request(format!("POST /v2/accounts/{{new account id}}/account-memberships ({id})"))
            .keys(keys);
    }
    let dialog = Dialog::confirm(format!("Approve {n} member{} into new accounts", plural(n)))
        .verb("approve")
        .consequence(format!(
            "Creates {n} account{} and makes each member the member of its own (named after it).",
            plural(n)
        ));
    listed(dialog, d.ids.iter(), n, p)
        .gap()
        .request(format!("POST /v2/accounts  ×{n}"))
        .request(format!("POST /v2/accounts/{{id}}/account-memberships  ×{n}"))
        .keys(keys)
}

pub fn picker_dialog(p: &Approvals, pk: &super::PickerDialog, t: &Theme, width: u16) -> Dialog {
    let n = pk.members.len();
    let keys = keys_of(p.dialog_keys().unwrap_or_default());
    if let Some(a) = &pk.chosen {
        let dialog = Dialog::confirm(format!("Approve {n} member{} into {}", plural(n), a.name))
            .verb("approve")
            .consequence(format!(
                "Makes {} of the existing account {} ({}).",
                if n == 1 {
                    "the member a member".to_owned()
                } else {
                    format!("the {n} members members")
                },
                a.name,
                a.id
            ));
        let mut dialog = listed(dialog, pk.members.iter(), n, p)
            .gap()
            .request(format!("POST /v2/accounts/{}/account-memberships  ×{n}", a.id))
            .keys(keys);
        dialog.scroll = pk.scroll.pos;
        return dialog;
    }
    let dialog =
        Dialog::confirm(format!("Approve {n} member{} into an existing account", plural(n)))
            .consequence(format!(
                "Choose the account {} will join (search by name, legal name or id).",
                if n == 1 { p.who(&pk.members[0]) } else { format!("the {n} members") }
            ));
    let inner = dialog.width_for(width).saturating_sub(4);
    let rows = (p.picker_accounts().len().clamp(1, 8) + 1) as u16;
    dialog.slot(1, pk.form.height(inner, t) + rows).keys(keys)
}

pub fn reject_dialog(p: &Approvals, ids: &[String]) -> Dialog {
    let n = ids.len();
    let title = if let [id] = ids {
        format!("Reject {}", p.who(id))
    } else {
        format!("Reject {n} members")
    };
    let dialog = Dialog::destructive(title, "reject").consequence(if n == 1 {
        "Deletes the member, its credentials and memberships — cannot be undone.".to_owned()
    } else {
        format!("Deletes these {n} members, their credentials and memberships — cannot be undone.")
    });
    let dialog =
        listed(dialog, ids.iter(), n, p).gap().keys(keys_of(p.dialog_keys().unwrap_or_default()));
    if let [id] = ids {
        dialog.request(format!(
            "DELETE /v2/authentication-realms/{{realm}}/user-authentication-info/{id}"
        ))
    } else {
        dialog.request(format!(
            "DELETE /v2/authentication-realms/{{realm}}/user-authentication-info/{{id}}  ×{n}"
        ))
    }
}

pub fn retry_dialog(p: &Approvals, items: &[super::ApproveItem]) -> Dialog {
    let n = items.len();
    let dialog = Dialog::confirm(format!("Retry {n} failed approval{}", plural(n)))
        .verb("retry")
        .consequence(format!(
            "Approves again the {n} member{} whose approval failed; an account created before the \
             failure is reused. Cancelled members are not included (mark them and press a).",
            plural(n)
        ));
    let ids: Vec<String> = items.iter().map(|i| i.member_id.clone()).collect();
    listed(dialog, ids.iter(), n, p)
        .gap()
        .keys(keys_of(p.dialog_keys().unwrap_or_default()))
        .request(format!(
            "POST /v2/accounts (where none was created yet), POST …/account-memberships  ×{n}"
        ))
}
