//! Drawing the Members panel: the search line and results, or the member card.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::checklist::Mark;
use super::dialogs::render_with_form;
use super::{Members, Sub, View};
use crate::api::AccountMember;
use crate::api::SearchHow;
use crate::ui::Shared;
use crate::widgets::list::{Column, Fit, Row, Table};

/// The search results' columns at `width`: when narrow the e-mail (keeping
/// its domain) gets the room before the name; the date goes first when even
/// that does not fit. The card shows both whole.
fn result_columns(width: u16) -> [Column; 3] {
    let name_max = if width < 100 { 24 } else { 48 };
    [
        Column::new("name", 10, name_max, Fit::Text, 0),
        Column::new("e-mail", 12, 48, Fit::Email, 0),
        Column::new("created", 16, 16, Fit::Whole, 1),
    ]
}

fn date(s: Option<&str>) -> String {
    s.and_then(crate::api::parse_timestamp)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

impl Members {
    pub(super) fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        match self.view {
            View::List => self.draw_list(f, area, sh),
            View::Card => self.draw_card(f, area, sh),
        }
        if let Some(sub) = &self.sub {
            self.draw_sub(sub, f, area, sh);
        }
    }

    fn draw_list(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let [search, info, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)])
                .areas(area);
        self.query.render(f, search, 7, self.typing, t);
        let mut spans = Vec::new();
        if self.search_op.is_some() {
            spans.push(Span::styled(
                format!("{} searching…", crate::widgets::SPINNER[sh.spinner % 4]),
                t.warn(),
            ));
        } else if let Some(how) = self.how {
            let n = self.results.len();
            let more = if self.next.is_some() { "+" } else { "" };
            let how = match how {
                SearchHow::All => "all members, newest first".to_owned(),
                SearchHow::ExactEmail => "exact e-mail match".to_owned(),
                SearchHow::Ilike => "e-mail or name contains it (any case)".to_owned(),
                SearchHow::Like => "e-mail or name contains it (case-sensitive store)".to_owned(),
            };
            let total = match self.total_hint {
                Some(t) if self.next.is_some() => format!(" of at least {t}"),
                _ => String::new(),
            };
            spans.push(Span::styled(format!("{n}{more} shown{total} · {how}"), t.dim()));
            if self.next.is_some() {
                spans.push(Span::styled("  n", t.key()));
                spans.push(Span::styled(" more", t.dim()));
            }
        }
        f.render_widget(Line::from(spans), info);

        let empty = if self.search_op.is_some() {
            "searching…"
        } else if self.searched.is_some() {
            "no member matches: try part of the e-mail or the name"
        } else {
            "press / and type an e-mail or a name"
        };
        self.list.render(
            f,
            list,
            &self.results,
            &Table { columns: &result_columns(list.width), empty },
            |m: &AccountMember| Row {
                cells: vec![m.name.clone(), m.email.clone(), date(m.meta.created_at.as_deref())],
                style: t.base(),
            },
            t,
        );
    }

    /// The card's text, top to bottom.
    pub fn card_lines(&self, sh: &Shared) -> Vec<Line<'static>> {
        let t = &sh.theme;
        let mut out: Vec<Line<'static>> = Vec::new();
        let Some(card) = &self.card else {
            out.push(Line::styled(
                if self.card_op.is_some() { "loading the member card…" } else { "no card" },
                t.dim(),
            ));
            return out;
        };
        let m = &card.member;
        let head = |s: &str| Line::styled(s.to_owned(), t.title());
        out.push(Line::from(vec![
            Span::styled(m.name.clone(), t.title()),
            Span::raw("  "),
            Span::styled(m.email.clone(), t.accent()),
            if self.card_op.is_some() {
                Span::styled("   reloading…", t.warn())
            } else {
                Span::raw("")
            },
        ]));
        out.push(Line::styled(format!("member id {}", m.id), t.dim()));
        out.push(Line::styled(
            format!(
                "created {} · updated {}",
                date(m.meta.created_at.as_deref()),
                date(m.meta.updated_at.as_deref())
            ),
            t.dim(),
        ));
        // Status.
        let status = match &card.accounts {
            None => Line::styled("status: unknown (memberships could not be read)", t.warn()),
            Some(a) if a.is_empty() => Line::from(vec![
                Span::raw("status: "),
                Span::styled("pending", t.warn()),
                Span::raw(" (in no account)"),
            ]),
            Some(a) => {
                let mut spans = vec![Span::raw("status: approved, in ")];
                for (i, ma) in a.iter().enumerate() {
                    if i > 0 {
                        spans.push(Span::raw(", "));
                    }
                    spans.push(Span::styled(ma.account_name().to_owned(), t.ok()));
                }
                Line::from(spans)
            }
        };
        out.push(status);
        // Credentials.
        out.push(Line::default());
        out.push(head("Credentials"));
        match &card.credentials {
            None => out.push(Line::styled("  could not be read", t.warn())),
            Some(c) if c.is_empty() => out.push(Line::styled("  none", t.error())),
            Some(c) => {
                for i in c {
                    let otp = match card.profile(&i.password_profile_id) {
                        Some(p) if p.enable_one_time_password_token => "OTP on",
                        Some(_) => "OTP off",
                        None => "profile unknown",
                    };
                    out.push(Line::raw(format!(
                        "  {}  on profile {}  · {otp}",
                        i.username,
                        card.profile_name(&i.password_profile_id)
                    )));
                }
            }
        }
        match &card.bi {
            Some(b) => out.push(Line::raw(format!(
                "  Beyond Identity: {} (internal id {})",
                b.user_name, b.internal_id
            ))),
            None => out.push(Line::styled(
                "  Beyond Identity: no user created from this console",
                t.dim(),
            )),
        }
        // Checklist.
        out.push(Line::default());
        out.push(head("Why can't they log in?"));
        for l in &self.checks {
            let style = match l.mark {
                Mark::Ok => t.ok(),
                Mark::Fail => t.error(),
                Mark::Unknown => t.warn(),
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", l.mark.symbol()), style),
                Span::raw(l.text.clone()),
            ]));
            if l.mark != Mark::Ok
                && let Some(fix) = &l.fix
            {
                out.push(Line::styled(format!("      → {fix}"), t.dim()));
            }
        }
        for e in &card.errors {
            out.push(Line::styled(format!("  ! {e}"), t.warn()));
        }
        // Last action.
        if let Some((op, label)) = &self.action {
            let _ = op;
            out.push(Line::styled(format!("… {label}"), t.warn()));
        }
        if let Some((ok, text)) = &self.result {
            out.push(Line::styled(
                format!("{} {text}", if *ok { "✓" } else { "✗" }),
                if *ok { t.ok() } else { t.error() },
            ));
        }
        // OTP events.
        out.push(Line::default());
        out.push(head("OTP events (this console's journal, newest first)"));
        if let Some(since) = self.awaiting_code {
            out.push(Line::styled(
                format!("  waiting for the code requested at {}…", since.format("%H:%M:%S")),
                t.warn(),
            ));
        }
        if self.events.is_empty() {
            out.push(Line::styled("  none received", t.dim()));
        }
        for e in self.events.iter().take(10) {
            let state = if e.expires_at > sh.now {
                format!("valid until {}", e.expires_at.format("%H:%M"))
            } else {
                "expired".into()
            };
            out.push(Line::raw(format!(
                "  {}  {:<28} {}  code ••••••  {state}",
                e.received_at.format("%m-%d %H:%M:%S"),
                e.purpose.replace('_', " "),
                e.username
            )));
        }
        // Audit.
        out.push(Line::default());
        out.push(head("Audit (this console's writes about the member)"));
        if self.audit.is_empty() {
            out.push(Line::styled("  none", t.dim()));
        }
        for a in self.audit.iter().take(10) {
            out.push(Line::raw(format!("  {a}")));
        }
        out
    }

    fn draw_card(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        // Wrapped here, each continuation under the text of its line (after
        // its indent and mark), so the scroll range is the row count.
        let w = area.width.max(1) as usize;
        let lines = crate::widgets::wrap::wrap_lines(self.card_lines(sh), w);
        let rows = lines.len();
        let max = (rows as u16).saturating_sub(area.height.max(1));
        let scroll = self.card_scroll.min(max);
        f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), area);
        if max > 0 && area.height > 0 {
            let hint = if scroll < max { " ↓ more (j/k scroll) " } else { " ↑ top (g) " };
            let width = hint.chars().count() as u16;
            let rect = Rect {
                x: area.x + area.width.saturating_sub(width),
                y: area.y + area.height - 1,
                width: width.min(area.width),
                height: 1,
            };
            f.render_widget(Line::styled(hint, sh.theme.key()), rect);
        }
    }

    fn draw_sub(&self, sub: &Sub, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        match sub {
            Sub::Pick(p) => {
                let layout = p.dialog().render(f, area, t);
                if let Some((_, r)) = layout.slots.first() {
                    p.render_slot(f, *r, t);
                }
            }
            Sub::NewAccount(d) => {
                let Some(card) = &self.card else { return };
                let dialog = d.dialog(
                    &card.member.email,
                    &card.member.id,
                    self.accounts.as_deref(),
                    t,
                    area.width,
                );
                render_with_form(f, area, t, &dialog, &d.form);
            }
            Sub::Accounts(d) => {
                let Some(card) = &self.card else { return };
                let dialog = d.dialog(&card.member.email, t, area.width);
                let layout = dialog.render(f, area, t);
                if d.chosen.is_none()
                    && let Some((_, r)) = layout.slots.first()
                {
                    d.render_slot(f, *r, t);
                }
            }
            Sub::Login(d) => {
                let dialog = d.dialog(t, area.width);
                render_with_form(f, area, t, &dialog, &d.form);
            }
        }
    }
}
