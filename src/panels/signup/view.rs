//! Drawing the sign-up panel: the form and the result pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::*;
use crate::widgets::ellipsize;

impl Signup {
    pub fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let wide = area.width >= 100;
        let [form_area, result_area] = if wide {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            let [l, _] = Layout::vertical([Constraint::Length(10), Constraint::Min(0)]).areas(l);
            [l, r]
        } else {
            Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(area)
        };
        let title = match self.mode {
            Mode::SignUp => " Self sign-up (self_signup) ",
            Mode::LogIn => " Try log-in (password) ",
        };
        let block = Block::default().borders(Borders::ALL).title(Span::styled(title, t.title()));
        let inner = block.inner(form_area);
        f.render_widget(block, form_area);
        let rows = Layout::vertical([Constraint::Length(1); 8]).split(inner);
        let fields: &[TextField] = match self.mode {
            Mode::SignUp => &self.fields,
            Mode::LogIn => &self.login,
        };
        for (i, field) in fields.iter().enumerate() {
            if let Some(r) = rows.get(i) {
                field.render(f, *r, 9, self.row == i && self.editing, t);
                if self.row == i && !self.editing {
                    f.render_widget(Span::styled("▸", t.key()), Rect { width: 1, ..*r });
                }
            }
        }
        let prow = self.profile_row();
        let profile = match self.profile(sh) {
            Some(p) => format!(
                "‹ {} ({}{}) ›",
                ellipsize(&p.name, 24),
                crate::panels::username_format_str(p.username_format),
                if p.enable_one_time_password_token { ", OTP" } else { "" }
            ),
            None if sh.data.profiles.is_none() => "loading…".to_owned(),
            None => "none: create one on Settings".to_owned(),
        };
        if let Some(r) = rows.get(prow) {
            let sel = self.row == prow;
            f.render_widget(
                Line::from(vec![
                    Span::styled(
                        format!("{}{:<9}", if sel { "▸ " } else { "  " }, "Profile"),
                        if sel { t.key() } else { t.base() },
                    ),
                    Span::styled(profile, if sel { t.selected() } else { t.base() }),
                ]),
                *r,
            );
        }
        let srow = self.submit_row();
        if let Some(r) = rows.get(srow) {
            let label = match (self.mode, self.pending.is_some()) {
                (_, true) => format!("  {} sending…", crate::widgets::SPINNER[sh.spinner % 4]),
                (Mode::SignUp, false) => "  [ Sign up ]".to_owned(),
                (Mode::LogIn, false) => "  [ Log in ]".to_owned(),
            };
            f.render_widget(
                Line::styled(label, if self.row == srow { t.selected() } else { t.key() }),
                *r,
            );
        }
        if let (Some(e), Some(r)) = (&self.error, rows.get(srow + 1)) {
            f.render_widget(Line::styled(format!("✗ {e}"), t.error()), *r);
        } else if self.mode == Mode::SignUp
            && Self::bi_available(sh)
            && let Some(r) = rows.get(srow + 1)
        {
            f.render_widget(
                Line::from(vec![
                    Span::styled(if self.bi_on { "  [x] " } else { "  [ ] " }, t.key()),
                    Span::raw("also create a passwordless Beyond Identity user (Ctrl-B)"),
                ]),
                *r,
            );
        }

        // Results.
        let mut lines: Vec<Line> = Vec::new();
        if let Some(res) = &self.result {
            lines.push(Line::styled(format!("Signed up {}", res.username), t.title()));
            lines.push(Line::from(format!(
                "member id  {}",
                res.member_id.as_deref().unwrap_or("(not returned)")
            )));
            if res.tokens.is_empty() {
                lines.push(Line::styled("PENDING APPROVAL", t.warn()));
                lines.push(Line::styled(
                    "no account yet: approve it on the Approvals panel (3)",
                    t.dim(),
                ));
            } else {
                lines.push(Line::styled("belongs to an account (auto-create on)", t.ok()));
                for (id, name, token) in &res.tokens {
                    let shown = if self.reveal_tokens {
                        ellipsize(token.expose(), 40)
                    } else {
                        token.masked().to_owned()
                    };
                    lines.push(Line::from(format!("  {name} ({id})")));
                    lines.push(Line::styled(format!("    token {shown}"), t.dim()));
                }
            }
            match &res.bi {
                None => {}
                Some(BiState::Creating(_)) => {
                    lines.push(Line::styled("Beyond Identity: creating the user…", t.warn()))
                }
                Some(BiState::Created(u) | BiState::Resending(_, u)) => {
                    lines.push(Line::styled("Beyond Identity user created", t.ok()));
                    lines.push(Line::from(format!(
                        "  Commerce member id  {}",
                        res.member_id.as_deref().unwrap_or("–")
                    )));
                    lines.push(Line::from(format!("  = BI external_id    {}", u.external_id)));
                    lines.push(Line::from(format!("  BI internal_id      {}", u.internal_id)));
                    lines.push(Line::styled(
                        "  external_id matches the member in Commerce; internal_id is \
                         Beyond Identity's own id for later calls to it. Ctrl-E re-sends \
                         the enrolment email.",
                        t.dim(),
                    ));
                }
                Some(BiState::Failed { error, .. }) => {
                    lines.push(Line::styled(
                        "Commerce sign-up succeeded; Beyond Identity failed:",
                        t.error(),
                    ));
                    lines.push(Line::from(format!("  {error}")));
                    lines.push(Line::styled(
                        "  Ctrl-B retries the Beyond Identity call only (no second sign-up)",
                        t.dim(),
                    ));
                }
            }
            lines.push(Line::default());
        }
        match &self.login_result {
            Some(LoginResult::Accounts { username, accounts, member_id }) => {
                lines.push(Line::styled(format!("Log-in {username}: ok"), t.ok()));
                if let Some(m) = member_id {
                    lines.push(Line::from(format!("member id  {m}")));
                }
                if accounts.is_empty() {
                    lines.push(Line::styled(
                        "no account: this member is pending approval",
                        t.warn(),
                    ));
                } else {
                    lines.push(Line::from("can act for:"));
                    for (id, name) in accounts {
                        lines.push(Line::from(format!("  {name} ({id})")));
                    }
                }
            }
            Some(LoginResult::Refused { username, reason }) => {
                lines.push(Line::styled(format!("Log-in {username}: refused"), t.error()));
                lines.push(Line::from(reason.clone()));
            }
            None => {}
        }
        if lines.is_empty() {
            lines.push(Line::styled(
                "Fill in the form and submit (Ctrl-S). Ctrl-L switches to the log-in check.",
                t.dim(),
            ));
        }
        let block = Block::default().borders(Borders::ALL).title(" Result ");
        f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), result_area);
    }
}
