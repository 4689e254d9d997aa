//! Settings: account authentication settings, password profiles, and the
//! readiness check with one-key fixes.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::api::{
    AccountAuthSettingsUpdate, ApiError, PasswordProfileInput, SelfManagement, UsernameFormat,
};
use crate::app::{Call, ConfirmAction, OpId, PanelId, Reply, Shared};
use crate::readiness::ItemId;
use crate::widgets::{Confirm, TextField, ellipsize};

use super::{Keys, row_delta, step};

const PUT_SETTINGS: &str = "PUT /v2/settings/account-authentication";
const PROFILES_PATH: &str = "/v2/authentication-realms/{realm}/password-profiles";
const SETTING_ROWS: usize = 3;

/// The create/edit form of a password profile.
#[derive(Debug, Clone)]
pub struct ProfileForm {
    /// `None` creates, `Some(id)` edits.
    pub id: Option<String>,
    pub name: TextField,
    pub email_format: bool,
    pub otp: bool,
    /// 0 name, 1 username format, 2 OTP, 3 save.
    pub row: usize,
    pub pending: Option<OpId>,
    pub error: Option<String>,
}

impl ProfileForm {
    fn new() -> Self {
        let mut name = TextField::new("Name");
        name.set("Email");
        Self { id: None, name, email_format: true, otp: true, row: 0, pending: None, error: None }
    }

    fn input(&self) -> PasswordProfileInput {
        PasswordProfileInput {
            name: self.name.value().trim().to_owned(),
            username_format: if self.email_format {
                UsernameFormat::Email
            } else {
                UsernameFormat::Any
            },
            enable_one_time_password_token: self.otp,
        }
    }
}

#[derive(Debug, Default)]
pub struct Settings {
    /// Cursor over the settings rows (0..3) then the profile rows.
    pub row: usize,
    pub form: Option<ProfileForm>,
}

impl Settings {
    pub fn is_editing(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.row == 0)
    }

    fn profile_count(sh: &Shared) -> usize {
        sh.data.profiles.as_ref().map_or(0, Vec::len)
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(form) = &mut self.form
            && form.row == 0
        {
            form.name.paste(text);
        }
    }

    pub fn key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.form.is_some() {
            return self.form_key(key, sh);
        }
        let rows = SETTING_ROWS + Self::profile_count(sh);
        if let Some(d) = row_delta(key.code) {
            self.row = step(self.row, d, rows);
            return true;
        }
        let write_ok = !sh.read_only;
        match key.code {
            KeyCode::Enter | KeyCode::Char(' ') if self.row < SETTING_ROWS && write_ok => {
                self.toggle_setting(sh);
                true
            }
            KeyCode::Enter | KeyCode::Char('e') if self.row >= SETTING_ROWS && write_ok => {
                self.edit_profile(sh);
                true
            }
            KeyCode::Char('n') if write_ok => {
                self.form = Some(ProfileForm::new());
                true
            }
            KeyCode::Char('d') | KeyCode::Delete if self.row >= SETTING_ROWS && write_ok => {
                self.delete_profile(sh);
                true
            }
            KeyCode::Char('r') => {
                sh.call(PanelId::Settings, "loading settings", Call::LoadSettings);
                sh.call(PanelId::Settings, "loading password profiles", Call::LoadProfiles);
                sh.call(PanelId::Settings, "loading integrations", Call::LoadIntegrations);
                true
            }
            KeyCode::Char('s') if write_ok => self.fix(ItemId::SelfSignup, sh),
            KeyCode::Char('a') if write_ok => self.fix(ItemId::Approvals, sh),
            KeyCode::Char('o') if write_ok => self.fix(ItemId::Otp, sh),
            KeyCode::Enter | KeyCode::Char(' ' | 'n' | 'e' | 'd' | 's' | 'a' | 'o')
                if !write_ok =>
            {
                sh.toast_error("read-only mode: settings cannot be changed");
                true
            }
            _ => false,
        }
    }

    fn toggle_setting(&mut self, sh: &mut Shared) {
        let Some(s) = sh.data.settings.clone() else {
            sh.toast_error("settings are not loaded yet");
            return;
        };
        let mut update = AccountAuthSettingsUpdate::default();
        let change = match self.row {
            0 => {
                update.enable_self_signup = Some(!s.enable_self_signup);
                format!("enable_self_signup: {} → {}", s.enable_self_signup, !s.enable_self_signup)
            }
            1 => {
                let v = !s.auto_create_account_for_account_members;
                update.auto_create_account_for_account_members = Some(v);
                format!("auto_create_account_for_account_members: {} → {v}", !v)
            }
            _ => {
                let next = match s.account_member_self_management {
                    SelfManagement::UpdateOnly => SelfManagement::Disabled,
                    _ => SelfManagement::UpdateOnly,
                };
                update.account_member_self_management = Some(next);
                format!(
                    "account_member_self_management: {} → {}",
                    super::self_management_str(s.account_member_self_management),
                    super::self_management_str(next)
                )
            }
        };
        sh.ask(
            Confirm {
                title: "Change account authentication settings".into(),
                calls: vec![PUT_SETTINGS.into()],
                changes: vec![change],
                warning: None,
            },
            ConfirmAction::Calls(
                PanelId::Settings,
                vec![("saving settings".into(), Call::SaveSettings(update))],
            ),
        );
    }

    fn selected_profile<'a>(&self, sh: &'a Shared) -> Option<&'a crate::api::PasswordProfile> {
        let idx = self.row.checked_sub(SETTING_ROWS)?;
        sh.data.profiles.as_ref()?.get(idx)
    }

    fn edit_profile(&mut self, sh: &mut Shared) {
        if let Some(p) = self.selected_profile(sh) {
            let mut name = TextField::new("Name");
            name.set(p.name.clone());
            self.form = Some(ProfileForm {
                id: Some(p.id.clone()),
                name,
                email_format: p.username_format == UsernameFormat::Email,
                otp: p.enable_one_time_password_token,
                row: 0,
                pending: None,
                error: None,
            });
        }
    }

    fn delete_profile(&mut self, sh: &mut Shared) {
        let Some(p) = self.selected_profile(sh).cloned() else { return };
        sh.ask(
            Confirm {
                title: format!("Delete password profile {:?}", p.name),
                calls: vec![format!("DELETE {PROFILES_PATH}/{}", p.id)],
                changes: vec![format!("profile {} ({})", p.name, p.id)],
                warning: Some(
                    "This also deletes every credential (username and password) on this \
                     profile: members using it can no longer log in with it. It cannot be undone."
                        .into(),
                ),
            },
            ConfirmAction::Calls(
                PanelId::Settings,
                vec![(format!("deleting profile {}", p.name), Call::DeleteProfile(p.id.clone()))],
            ),
        );
    }

    /// One-key fix of an unmet readiness item, after confirmation.
    fn fix(&mut self, item: ItemId, sh: &mut Shared) -> bool {
        let Some(readiness) = sh.readiness().cloned() else {
            sh.toast_error("settings are not loaded yet");
            return true;
        };
        if readiness.get(item).is_some_and(|i| i.ready) {
            sh.toast("already ready: nothing to fix");
            return true;
        }
        let facts = sh.facts();
        let mut calls: Vec<(String, Call)> = Vec::new();
        let mut shown = Vec::new();
        let mut changes = Vec::new();
        match item {
            ItemId::SelfSignup => {
                if !facts.enable_self_signup {
                    shown.push(PUT_SETTINGS.to_owned());
                    changes.push("enable_self_signup: false → true".to_owned());
                    calls.push((
                        "enabling self sign-up".into(),
                        Call::SaveSettings(AccountAuthSettingsUpdate {
                            enable_self_signup: Some(true),
                            ..Default::default()
                        }),
                    ));
                }
                if facts.email_profile().is_none() {
                    shown.push(format!("POST {PROFILES_PATH}"));
                    changes.push("new password profile \"Email\" (username_format: email)".into());
                    calls.push((
                        "creating profile Email".into(),
                        Call::CreateProfile(PasswordProfileInput {
                            name: "Email".into(),
                            username_format: UsernameFormat::Email,
                            enable_one_time_password_token: false,
                        }),
                    ));
                }
            }
            ItemId::Approvals => {
                shown.push(PUT_SETTINGS.to_owned());
                changes.push("auto_create_account_for_account_members: true → false".into());
                calls.push((
                    "turning auto-create off".into(),
                    Call::SaveSettings(AccountAuthSettingsUpdate {
                        auto_create_account_for_account_members: Some(false),
                        ..Default::default()
                    }),
                ));
            }
            ItemId::Otp => {
                if !facts.self_management_update_only {
                    shown.push(PUT_SETTINGS.to_owned());
                    changes.push("account_member_self_management → update_only".into());
                    calls.push((
                        "allowing self management".into(),
                        Call::SaveSettings(AccountAuthSettingsUpdate {
                            account_member_self_management: Some(SelfManagement::UpdateOnly),
                            ..Default::default()
                        }),
                    ));
                }
                if !facts.profiles.iter().any(|p| p.otp) {
                    let profiles = sh.data.profiles.clone().unwrap_or_default();
                    match profiles.iter().find(|p| p.username_format == UsernameFormat::Email) {
                        Some(p) => {
                            shown.push(format!("PUT {PROFILES_PATH}/{}", p.id));
                            changes.push(format!(
                                "profile {:?}: enable_one_time_password_token → true",
                                p.name
                            ));
                            calls.push((
                                format!("enabling OTP on {}", p.name),
                                Call::UpdateProfile(
                                    p.id.clone(),
                                    PasswordProfileInput {
                                        name: p.name.clone(),
                                        username_format: p.username_format,
                                        enable_one_time_password_token: true,
                                    },
                                ),
                            ));
                        }
                        None => {
                            shown.push(format!("POST {PROFILES_PATH}"));
                            changes
                                .push("new password profile \"Email\" (email, OTP on)".to_owned());
                            calls.push((
                                "creating profile Email".into(),
                                Call::CreateProfile(PasswordProfileInput {
                                    name: "Email".into(),
                                    username_format: UsernameFormat::Email,
                                    enable_one_time_password_token: true,
                                }),
                            ));
                        }
                    }
                }
                if facts.otp_integration().is_none() {
                    match facts.listener_url.clone() {
                        Some(url) => {
                            let found = crate::panels::otp::repair_candidate(sh, &url);
                            if let Some(i) = found {
                                changes.push(format!(
                                    "integration {}: url {} → {url}",
                                    i.id,
                                    i.configuration.url.as_deref().unwrap_or("–")
                                ));
                            }
                            let existing = found.map(|i| i.id.clone());
                            shown.push(match &existing {
                                Some(id) => format!("PUT /v2/integrations/{id}"),
                                None => "POST /v2/integrations".to_owned(),
                            });
                            changes.push(format!("OTP webhook integration → {url} (fresh secret)"));
                            calls.push((
                                "setting up the OTP integration".into(),
                                Call::Otp(crate::panels::otp::OtpCall::SetupIntegration {
                                    url,
                                    existing,
                                }),
                            ));
                        }
                        None => changes.push("the OTP listener is not running yet".to_owned()),
                    }
                }
            }
        }
        if calls.is_empty() {
            sh.toast("nothing this panel can fix: see the OTP events panel (4)");
            return true;
        }
        sh.ask(
            Confirm {
                title: format!("Fix: {}", readiness.get(item).map_or("readiness", |i| i.title)),
                calls: shown,
                changes,
                warning: None,
            },
            ConfirmAction::Calls(PanelId::Settings, calls),
        );
        true
    }

    fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let Some(form) = &mut self.form else { return false };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.form = None;
                return true;
            }
            KeyCode::Up => form.row = form.row.saturating_sub(1),
            KeyCode::Down => form.row = (form.row + 1).min(3),
            KeyCode::Char('s') if ctrl => return self.submit_form(sh),
            KeyCode::Enter if form.row == 3 => return self.submit_form(sh),
            KeyCode::Enter if form.row == 0 => form.row = 1,
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if form.row == 1 =>
            {
                form.email_format = !form.email_format
            }
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if form.row == 2 =>
            {
                form.otp = !form.otp
            }
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ if form.row == 0 => {
                form.name.handle_key(key);
                form.error = None;
            }
            KeyCode::Char('k') => form.row = form.row.saturating_sub(1),
            KeyCode::Char('j') => form.row = (form.row + 1).min(3),
            _ => {}
        }
        true
    }

    fn submit_form(&mut self, sh: &mut Shared) -> bool {
        let Some(form) = &mut self.form else { return false };
        if form.pending.is_some() {
            return true;
        }
        if form.name.value().trim().is_empty() {
            form.name.error = Some("required".into());
            form.row = 0;
            return true;
        }
        let input = form.input();
        let (label, call) = match &form.id {
            Some(id) => {
                (format!("saving profile {}", input.name), Call::UpdateProfile(id.clone(), input))
            }
            None => (format!("creating profile {}", input.name), Call::CreateProfile(input)),
        };
        form.error = None;
        form.pending = sh.call(PanelId::Settings, label, call);
        true
    }

    pub fn done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        let from_form = self.form.as_ref().is_some_and(|f| f.pending == Some(op));
        match result {
            Ok(Reply::Profile(p)) => {
                let profiles = sh.data.profiles.get_or_insert_with(Vec::new);
                match profiles.iter_mut().find(|x| x.id == p.id) {
                    Some(existing) => *existing = p.clone(),
                    None => profiles.push(p.clone()),
                }
                sh.toast(format!("password profile {:?} saved", p.name));
                if from_form {
                    self.form = None;
                }
            }
            Ok(Reply::Deleted) => {
                sh.toast("password profile deleted");
                sh.call(PanelId::Settings, "loading password profiles", Call::LoadProfiles);
                let rows = SETTING_ROWS + Self::profile_count(sh);
                self.row = self.row.min(rows.saturating_sub(2));
            }
            Ok(_) => {}
            Err(e) => {
                if from_form {
                    if let Some(form) = &mut self.form {
                        form.pending = None;
                        if e.first_source().is_some_and(|s| s.ends_with("name")) {
                            form.name.error = Some(e.summary());
                        } else {
                            form.error = Some(e.summary());
                        }
                    }
                } else if e.status() == Some(403) && sh.data.integrations.is_none() {
                    sh.data.integrations_error = Some(e.summary());
                } else {
                    sh.api_error("Settings", &e);
                }
            }
        }
    }

    pub fn key_help(&self, sh: &Shared) -> Keys {
        if self.form.is_some() {
            return vec![
                ("↑↓", "field"),
                ("Space", "toggle"),
                ("Ctrl-S", "save"),
                ("Esc", "cancel"),
            ];
        }
        let mut k = vec![("↑↓", "move")];
        if !sh.read_only {
            k.extend([("Enter", "change"), ("n", "new profile"), ("d", "delete")]);
            k.extend([("s/a/o", "fix")]);
        }
        k.push(("r", "reload"));
        k
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        let t = &sh.theme;
        let wide = area.width >= 100;
        let [left, right] = if wide {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        } else {
            let ready_h = 8.min(area.height / 2);
            let [a, b] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(ready_h)]).areas(area);
            [a, b]
        };

        // Settings and profiles.
        let mut lines: Vec<Line> = Vec::new();
        lines.push(Line::styled("Account authentication settings", t.title()));
        match &sh.data.settings {
            None => lines.push(Line::styled("  loading…", t.dim())),
            Some(s) => {
                let rows = [
                    ("enable_self_signup", s.enable_self_signup.to_string()),
                    (
                        "auto_create_account_for_account_members",
                        s.auto_create_account_for_account_members.to_string(),
                    ),
                    (
                        "account_member_self_management",
                        super::self_management_str(s.account_member_self_management).to_owned(),
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
            None => lines.push(Line::styled("  loading…", t.dim())),
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
                            super::username_format_str(p.username_format),
                            if p.enable_one_time_password_token { "on" } else { "off" }
                        ),
                        style,
                    ));
                }
            }
        }
        f.render_widget(Paragraph::new(lines), left);

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
        f.render_widget(Paragraph::new(r).block(block).wrap(Wrap { trim: false }), right);

        if let Some(form) = &self.form {
            self.view_form(f, area, form, sh);
        }
    }

    fn view_form(&self, f: &mut Frame, area: Rect, form: &ProfileForm, sh: &Shared) {
        let t = &sh.theme;
        let rect = crate::widgets::centered(area, 64, 10);
        f.render_widget(ratatui::widgets::Clear, rect);
        let title =
            if form.id.is_some() { " Edit password profile " } else { " New password profile " };
        let block =
            Block::default().borders(Borders::ALL).title(title).border_style(t.focused_border());
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let rows = Layout::vertical([Constraint::Length(1); 6]).split(inner);
        form.name.render(f, rows[0], 18, form.row == 0, t);
        let toggle = |label: &str, value: &str, sel: bool| {
            Line::from(vec![
                Span::styled(
                    format!("{}{label:<18}", if sel { "▸ " } else { "  " }),
                    if sel { t.key() } else { t.base() },
                ),
                Span::styled(format!("‹ {value} ›"), if sel { t.selected() } else { t.base() }),
            ])
        };
        f.render_widget(
            toggle(
                "username_format",
                if form.email_format { "email" } else { "any" },
                form.row == 1,
            ),
            rows[1],
        );
        f.render_widget(
            toggle("OTP tokens", if form.otp { "on" } else { "off" }, form.row == 2),
            rows[2],
        );
        let save = if form.pending.is_some() { "saving…" } else { "[ Save ]" };
        f.render_widget(
            Line::styled(format!("  {save}"), if form.row == 3 { t.selected() } else { t.key() }),
            rows[3],
        );
        if let Some(e) = &form.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("✗ {e}"), t.error())).wrap(Wrap { trim: true }),
                Rect { height: 2, ..rows[4] },
            );
        }
    }
}

impl super::Panel for Settings {
    fn editing(&self) -> bool {
        self.is_editing()
    }
    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        self.key(key, sh)
    }
    fn on_paste(&mut self, text: &str) {
        self.paste(text)
    }
    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        self.done(op, result, sh)
    }
    fn keys(&self, sh: &Shared) -> Keys {
        self.key_help(sh)
    }
    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        self.draw(f, area, sh)
    }
}
