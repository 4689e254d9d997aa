//! Drawing the settings panel: store settings, readiness, password profiles, the profile form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::*;
use crate::widgets::ellipsize;
use crate::widgets::wrap::wrap_lines;

impl Settings {
    pub fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let wide = area.width >= 100;
        let [left, right] = if wide {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        } else {
            // As tall as the readiness lines (up to half the panel).
            let lines = sh
                .readiness()
                .map_or(1, |r| r.items.iter().map(|i| 1 + i.missing.len()).sum::<usize>());
            let ready_h = (lines as u16 + 2).max(8).min(area.height / 2);
            let [a, b] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(ready_h)]).areas(area);
            [a, b]
        };

        // Settings and profiles.
        let mut lines: Vec<Line> = Vec::new();
        lines.push(Line::styled("Account authentication settings", t.title()));
        match &sh.data.settings {
            None => lines.push(load_state(sh.data.settings_error.as_deref(), t)),
            Some(s) => {
                let rows = [
                    ("enable_self_signup", s.enable_self_signup.to_string()),
                    (
                        "auto_create_account_for_account_members",
                        s.auto_create_account_for_account_members.to_string(),
                    ),
                    (
                        "account_member_self_management",
                        crate::panels::self_management_str(s.account_member_self_management)
                            .to_owned(),
                    ),
                ];
                for (i, (k, v)) in rows.into_iter().enumerate() {
                    let sel = self.row == i && self.form.is_none();
                    let style = if sel { t.selected() } else { t.base() };
                    let vstyle = match v.as_str() {
                        "true" | "update_only" => t.ok(),
                        _ => t.dim(),
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!(" {} {k:<40}", if sel { "▸" } else { " " }), style),
                        Span::styled(v, if sel { style } else { vstyle }),
                    ]));
                }
            }
        }
        lines.push(Line::default());
        lines.push(Line::styled("Password profiles", t.title()));
        match &sh.data.profiles {
            None => lines.push(load_state(sh.data.profiles_error.as_deref(), t)),
            Some(ps) if ps.is_empty() && sh.read_only => {
                lines.push(Line::styled("  none yet", t.dim()))
            }
            Some(ps) if ps.is_empty() => {
                lines.push(Line::styled("  none yet: press n to create one", t.dim()))
            }
            Some(ps) => {
                lines.push(Line::styled(
                    format!("   {:<24} {:<16} {}", "name", "username_format", "OTP"),
                    t.dim(),
                ));
                let visible = left.height.saturating_sub(lines.len() as u16 + 1) as usize;
                let sel_idx = self.row.checked_sub(SETTING_ROWS);
                let start = match sel_idx {
                    Some(i) if i >= visible => i + 1 - visible,
                    _ => 0,
                };
                for (i, p) in ps.iter().enumerate().skip(start).take(visible.max(1)) {
                    let sel = sel_idx == Some(i) && self.form.is_none();
                    let style = if sel { t.selected() } else { t.base() };
                    lines.push(Line::styled(
                        format!(
                            " {} {:<24} {:<16} {}",
                            if sel { "▸" } else { " " },
                            ellipsize(&p.name, 24),
                            crate::panels::username_format_str(p.username_format),
                            if p.enable_one_time_password_token { "on" } else { "off" }
                        ),
                        style,
                    ));
                }
            }
        }
        f.render_widget(Paragraph::new(wrap_lines(lines, left.width as usize)), left);

        // Readiness, always visible.
        let mut r: Vec<Line> = Vec::new();
        match sh.readiness() {
            None => r.push(Line::styled("checking…", t.dim())),
            Some(readiness) => {
                for item in &readiness.items {
                    let (mark, style) =
                        if item.ready { ("✓", t.ok()) } else { ("✗", t.warn()) };
                    let fix_key = match item.id {
                        ItemId::SelfSignup => "s",
                        ItemId::Approvals => "a",
                        ItemId::Otp => "o",
                        ItemId::LiveQueue => "l",
                    };
                    let mut spans = vec![
                        Span::styled(format!("{mark} "), style),
                        Span::styled(item.title, t.title()),
                    ];
                    if !item.ready && !sh.read_only {
                        spans.push(Span::raw("  "));
                        spans.push(Span::styled(format!("[{fix_key}]"), t.key()));
                        spans.push(Span::raw(" fix"));
                    }
                    r.push(Line::from(spans));
                    for m in &item.missing {
                        r.push(Line::styled(format!("    {m}"), t.dim()));
                    }
                }
                if let Some(e) = &sh.data.integrations_error {
                    r.push(Line::styled(format!("integrations: {e}"), t.warn()));
                }
            }
        }
        let block = Block::default().borders(Borders::ALL).title(" Readiness ");
        let width = block.inner(right).width as usize;
        f.render_widget(Paragraph::new(wrap_lines(r, width)).block(block), right);

        if let Some(form) = &self.form {
            self.view_form(f, area, form, sh);
        }
    }

    pub(super) fn view_form(&self, f: &mut Frame, area: Rect, form: &ProfileForm, sh: &Shared) {
        let t = &sh.theme;
        let (title, consequence, request) = match &form.id {
            Some(id) => (
                "Edit password profile",
                "Changes the profile for every member who logs in with it.",
                format!("PUT {PROFILES_PATH}/{id}"),
            ),
            None => (
                "New password profile",
                "Creates a password profile: members can then sign up and log in with it.",
                format!("POST {PROFILES_PATH}"),
            ),
        };
        let mut d = Dialog::confirm(title).consequence(consequence);
        let inner = d.width_for(area.width).saturating_sub(4);
        d = d.slot(1, form.form.height(inner, t)).gap().request(request).keys(
            self.form_keys()
                .unwrap_or_default()
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
        );
        if form.pending.is_some() {
            d = d.note("saving…");
        }
        let layout = d.render(f, area, t);
        if let Some((_, r)) = layout.slots.first() {
            form.form.render(f, *r, t);
        }
    }
}

/// "loading…" while a load runs; its error and the retry key once it failed.
fn load_state(error: Option<&str>, t: &crate::widgets::Theme) -> Line<'static> {
    match error {
        None => Line::styled("  loading…", t.dim()),
        Some(e) => Line::from(vec![
            Span::styled(format!("  ✗ {e}  "), t.error()),
            Span::styled("r", t.key()),
            Span::raw(" retries"),
        ]),
    }
}
