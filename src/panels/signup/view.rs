//! Drawing the sign-up panel: the form and the result pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::*;
use crate::widgets::form::Kind;
use crate::widgets::wrap::wrap_lines;
use crate::widgets::{Dialog, Part, Theme};

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

        // Results: the newest sign-up in full, older ones one line each (in
        // the log-in check its result first); `w` reads every one whole.
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
        let block = Block::default().borders(Borders::ALL).title(" Result ");
        let inner = block.inner(result_area);
        let width = inner.width as usize;
        let login = self.login_rows().into_iter().map(|(tone, s)| Line::styled(s, tone.style(t)));
        let login: Vec<Line> = login.collect();
        if mode == Mode::LogIn && !login.is_empty() {
            lines.extend(login.iter().cloned());
            lines.push(Line::default());
        }
        if let Some(newest) = self.results.first() {
            for (tone, s) in self.outcome_rows(newest, true, self.reveal_tokens) {
                lines.push(Line::styled(s, tone.style(t)));
            }
            if self.results.len() > 1 {
                lines.push(Line::styled("Earlier sign-ups (newest first; w: each whole)", t.dim()));
                for o in &self.results[1..] {
                    let (mark, style, what) = match o {
                        Outcome::Ok(r) => (
                            "  ok      ",
                            t.ok(),
                            if r.tokens.is_empty() {
                                "pending approval".to_owned()
                            } else {
                                format!("{} account(s)", r.tokens.len())
                            },
                        ),
                        Outcome::Failed { error, .. } => ("  failed  ", t.error(), error.clone()),
                    };
                    let rest = format!("{} · {what}", o.username());
                    let room = width.saturating_sub(mark.chars().count());
                    lines.push(Line::from(vec![
                        Span::styled(mark, style),
                        Span::raw(ellipsize(&rest, room)),
                    ]));
                }
            }
            lines.push(Line::default());
        }
        if mode == Mode::SignUp {
            lines.extend(login);
        }
        if lines.is_empty() && !sh.read_only {
            lines.push(Line::styled(
                "Fill in the form (Enter types in a field, Esc stops typing) and submit with \
                 Ctrl-S or Enter on the last field. Ctrl-L switches to the log-in check.",
                t.dim(),
            ));
        }
        // Wrapped here so a cut is known: the last row then says what is
        // below and which key reads it whole.
        let mut rows = wrap_lines(lines, width);
        while rows.last().is_some_and(|l| l.width() == 0) {
            rows.pop();
        }
        let height = inner.height as usize;
        if rows.len() > height && height > 0 {
            let hidden = rows.len() - (height - 1);
            rows.truncate(height - 1);
            let more = format!("↓ {hidden} more rows: w shows every result whole");
            rows.push(Line::styled(ellipsize(&more, width), t.key()));
        }
        f.render_widget(Paragraph::new(rows).block(block), result_area);
    }

    /// The log-in check's result, as rows.
    fn login_rows(&self) -> Vec<(Tone, String)> {
        let mut rows = Vec::new();
        match &self.login_result {
            Some(LoginResult::Accounts { username, accounts, member_id }) => {
                rows.push((Tone::Ok, format!("Log-in {username}: ok")));
                if let Some(m) = member_id {
                    rows.push((Tone::Plain, format!("member id  {m}")));
                }
                if accounts.is_empty() {
                    rows.push((Tone::Warn, "no account: this member is pending approval".into()));
                } else {
                    rows.push((Tone::Plain, "can act for:".into()));
                    for (id, name) in accounts {
                        rows.push((Tone::Plain, format!("  {name} ({id})")));
                    }
                }
            }
            Some(LoginResult::Refused { username, reason }) => {
                rows.push((Tone::Error, format!("Log-in {username}: refused")));
                rows.push((Tone::Plain, reason.clone()));
            }
            None => {}
        }
        rows
    }

    /// `w`: every result whole in a dialog (newest first; it scrolls). Tokens
    /// stay masked, except the newest one's while revealed.
    pub(super) fn show_results(&self, sh: &mut Shared) {
        let n = self.results.len();
        let mut d = Dialog::confirm(match n {
            0 => "Results".to_owned(),
            1 => "Results: 1 sign-up".to_owned(),
            n => format!("Results: {n} sign-ups, newest first"),
        });
        let login = self.login_rows();
        if !login.is_empty() {
            d = d.text("Password log-in check (the last one)");
            d = push_rows(d, login).gap();
        }
        for (i, o) in self.results.iter().enumerate() {
            d = push_rows(d, self.outcome_rows(o, i == 0, i == 0 && self.reveal_tokens)).gap();
        }
        if d.parts.last() == Some(&Part::Gap) {
            d.parts.pop();
        }
        if n == RESULTS_MAX {
            d = d.note(format!("Only the last {RESULTS_MAX} sign-ups of this session are kept."));
        }
        sh.show(d.keys(vec![("Esc".into(), "close".into())]), Vec::new());
    }

    /// One sign-up in full: member id, pending or accounts with their
    /// (masked) tokens, the Beyond Identity side; a failure's error whole
    /// (and, for the newest, that the form still holds it).
    fn outcome_rows(&self, o: &Outcome, newest: bool, reveal: bool) -> Vec<(Tone, String)> {
        let mut rows = Vec::new();
        let res = match o {
            Outcome::Ok(r) => r,
            Outcome::Failed { username, error } => {
                rows.push((Tone::Error, format!("failed  sign-up of {username}")));
                rows.push((Tone::Plain, error.clone()));
                if newest {
                    rows.push((
                        Tone::Dim,
                        "the form keeps what was typed: fix it and send again".into(),
                    ));
                }
                return rows;
            }
        };
        rows.push((Tone::Ok, format!("ok  signed up {}", res.username)));
        rows.push((
            Tone::Plain,
            format!("member id  {}", res.member_id.as_deref().unwrap_or("(not returned)")),
        ));
        if res.tokens.is_empty() {
            rows.push((Tone::Warn, "PENDING APPROVAL".into()));
            rows.push((Tone::Dim, "no account yet: approve it on the Approvals panel (3)".into()));
        } else {
            rows.push((Tone::Ok, "belongs to an account (auto-create on)".into()));
            for (id, name, token) in &res.tokens {
                let shown =
                    if reveal { ellipsize(token.expose(), 40) } else { token.masked().to_owned() };
                rows.push((Tone::Plain, format!("  {name} ({id})")));
                rows.push((Tone::Dim, format!("    token {shown}")));
            }
        }
        match &res.bi {
            None => {}
            Some(BiState::Creating(_)) => {
                rows.push((Tone::Warn, "Beyond Identity: creating the user…".into()))
            }
            Some(BiState::Created(u) | BiState::Resending(_, u)) => {
                rows.push((Tone::Ok, "Beyond Identity user created".into()));
                rows.push((
                    Tone::Plain,
                    format!("  Commerce member id  {}", res.member_id.as_deref().unwrap_or("–")),
                ));
                rows.push((Tone::Plain, format!("  = BI external_id    {}", u.external_id)));
                rows.push((Tone::Plain, format!("  BI internal_id      {}", u.internal_id)));
                rows.push((
                    Tone::Dim,
                    "  external_id matches the member in Commerce; internal_id is Beyond \
                     Identity's own id for later calls to it. Ctrl-E re-sends the enrolment \
                     email."
                        .into(),
                ));
            }
            Some(BiState::Failed { error, .. }) => {
                rows.push((
                    Tone::Error,
                    "Commerce sign-up succeeded; Beyond Identity failed:".into(),
                ));
                rows.push((Tone::Plain, format!("  {error}")));
                rows.push((
                    Tone::Dim,
                    "  Ctrl-B retries the Beyond Identity call only (no second sign-up)".into(),
                ));
            }
        }
        rows
    }
}

/// How a result row looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Ok,
    Error,
    Warn,
    Plain,
    Dim,
}

impl Tone {
    fn style(self, t: &Theme) -> ratatui::style::Style {
        match self {
            Tone::Ok => t.ok(),
            Tone::Error => t.error(),
            Tone::Warn => t.warn(),
            Tone::Plain => t.base(),
            Tone::Dim => t.dim(),
        }
    }
}

/// Result rows as dialog parts: plain and marked rows as text, dim ones as notes.
fn push_rows(mut d: Dialog, rows: Vec<(Tone, String)>) -> Dialog {
    for (tone, s) in rows {
        d = if tone == Tone::Dim { d.note(s) } else { d.text(s) };
    }
    d
}
