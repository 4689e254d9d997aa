//! Drawing the sign-up panel: the form and the result pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::*;
use crate::widgets::Theme;
use crate::widgets::form::Kind;

impl Signup {
    pub fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let wide = area.width >= 100;
        // Read-only: the log-in check only (also before the panel was entered).
        let mode = if sh.read_only { Mode::LogIn } else { self.mode };
        let shown = match mode {
            Mode::SignUp => &self.form,
            Mode::LogIn => &self.login,
        };
        // The profile choice follows the store's profiles even before a key
        // refreshes the form (a small copy; five fields).
        let options = Self::profile_options(sh);
        let synced;
        let form = if shown
            .field(PROFILE)
            .is_some_and(|fl| matches!(&fl.kind, Kind::Choice { options: o, .. } if *o == options))
        {
            shown
        } else {
            let mut c = shown.clone();
            c.set_options(PROFILE, options);
            if let Some(i) = self.profile_index(sh) {
                c.choose(PROFILE, i);
            }
            synced = c;
            &synced
        };
        let form_w = if wide { area.width * 55 / 100 } else { area.width };
        let extra = 1 + u16::from(mode == Mode::SignUp && Self::bi_available(sh));
        let form_h = (form.height(form_w.saturating_sub(2), t) + extra + 2).min(area.height);
        let [form_area, result_area] = if wide {
            let [l, r] =
                Layout::horizontal([Constraint::Length(form_w), Constraint::Min(0)]).areas(area);
            let [l, _] =
                Layout::vertical([Constraint::Length(form_h), Constraint::Min(0)]).areas(l);
            [l, r]
        } else {
            Layout::vertical([Constraint::Length(form_h), Constraint::Min(3)]).areas(area)
        };
        let title = match mode {
            Mode::SignUp => " Self sign-up (self_signup) ",
            Mode::LogIn if sh.read_only => " Try log-in (password) · sign-ups off (read-only) ",
            Mode::LogIn => " Try log-in (password) ",
        };
        let block = Block::default().borders(Borders::ALL).title(Span::styled(title, t.title()));
        let inner = block.inner(form_area);
        f.render_widget(block, form_area);
        let [fields, status] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(extra)]).areas(inner);
        form.render(f, fields, t);
        let mut lines = Vec::new();
        lines.push(match &self.pending {
            Some(_) => Line::styled(
                format!("  {} sending…", crate::widgets::SPINNER[sh.spinner % 4]),
                t.warn(),
            ),
            None if sh.data.profiles.as_ref().is_some_and(Vec::is_empty) => Line::styled(
                "  no password profile: create one on the Settings panel (1)",
                t.warn(),
            ),
            None if sh.data.profiles.is_none() => Line::styled("  loading profiles…", t.dim()),
            None => Line::default(),
        });
        if mode == Mode::SignUp && Self::bi_available(sh) {
            lines.push(Line::from(vec![
                Span::styled(if self.bi_on { "  [x] " } else { "  [ ] " }, t.key()),
                Span::raw("also create a passwordless Beyond Identity user (Ctrl-B)"),
            ]));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), status);

        // Results: the newest sign-up in full, older ones one line each.
        let mut lines: Vec<Line> = Vec::new();
        if sh.read_only {
            lines.push(Line::styled("Sign-ups are disabled in read-only mode", t.warn()));
            lines.push(Line::from(
                "A sign-up creates a member, which read-only mode never does. The password \
                 log-in check works (it only asks for a token): fill in the form and press \
                 Ctrl-S.",
            ));
            lines.push(Line::default());
        }
        if let Some(newest) = self.results.first() {
            self.newest_lines(newest, &mut lines, t);
            if self.results.len() > 1 {
                lines.push(Line::styled("Earlier sign-ups (newest first)", t.dim()));
                for o in &self.results[1..] {
                    lines.push(match o {
                        Outcome::Ok(r) => Line::from(vec![
                            Span::styled("  ok      ", t.ok()),
                            Span::raw(format!(
                                "{} · {}",
                                r.username,
                                if r.tokens.is_empty() {
                                    "pending approval".to_owned()
                                } else {
                                    format!("{} account(s)", r.tokens.len())
                                }
                            )),
                        ]),
                        Outcome::Failed { username, .. } => Line::from(vec![
                            Span::styled("  failed  ", t.error()),
                            Span::raw(username.clone()),
                        ]),
                    });
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
        if lines.is_empty() && !sh.read_only {
            lines.push(Line::styled(
                "Fill in the form (Enter types in a field, Esc stops typing) and submit with \
                 Ctrl-S or Enter on the last field. Ctrl-L switches to the log-in check.",
                t.dim(),
            ));
        }
        let block = Block::default().borders(Borders::ALL).title(" Result ");
        f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), result_area);
    }

    /// The newest sign-up in full: member id, pending or accounts with their
    /// (masked) tokens, the Beyond Identity side; a failure's error whole.
    fn newest_lines(&self, newest: &Outcome, lines: &mut Vec<Line<'static>>, t: &Theme) {
        let res = match newest {
            Outcome::Ok(r) => r,
            Outcome::Failed { username, error } => {
                lines.push(Line::from(vec![
                    Span::styled("failed  ", t.error()),
                    Span::styled(format!("sign-up of {username}"), t.title()),
                ]));
                lines.push(Line::from(error.clone()));
                lines.push(Line::styled(
                    "the form keeps what was typed: fix it and send again",
                    t.dim(),
                ));
                return;
            }
        };
        lines.push(Line::from(vec![
            Span::styled("ok  ", t.ok()),
            Span::styled(format!("signed up {}", res.username), t.title()),
        ]));
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
    }
}
