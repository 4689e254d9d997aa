//! Sign up: self sign-up of an account member (`self_signup` mechanism with an
//! implicit token) and a password log-in check.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::api::{AmTokens, ApiError, BiUser, BiUserInput, PasswordProfile, UsernameFormat};
use crate::app::msg::{LoginRequest, SignupRequest};
use crate::app::{Call, OpId, PanelId, Reply, Shared};
use crate::secret::Secret;
use crate::widgets::{TextField, ellipsize};

use super::Keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    SignUp,
    LogIn,
}

/// Sign-up rows: name, email, username, password, profile, submit.
pub const S_NAME: usize = 0;
pub const S_EMAIL: usize = 1;
pub const S_USERNAME: usize = 2;
pub const S_PASSWORD: usize = 3;
const S_PROFILE: usize = 4;
const S_SUBMIT: usize = 5;
/// Log-in rows: username, password, profile, submit.
const L_PASSWORD: usize = 1;
const L_PROFILE: usize = 2;
const L_SUBMIT: usize = 3;

/// A submitted form, kept while its call runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub op: OpId,
    pub mode: Mode,
    pub name: String,
    pub email: String,
    pub username: String,
    pub password: Secret,
    /// The form's values when it was sent (cleared after success only if unchanged).
    pub snapshot: Vec<String>,
}

/// What the last sign-up produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SignupResult {
    pub username: String,
    pub name: String,
    pub email: String,
    pub member_id: Option<String>,
    pub tokens: Vec<(String, String, Secret)>, // account id, account name, token
    pub bi: Option<BiState>,
}

/// The Beyond Identity side of a sign-up.
#[derive(Debug, Clone, PartialEq)]
pub enum BiState {
    Creating(OpId),
    Created(BiUser),
    /// The Commerce sign-up succeeded; Beyond Identity failed (raw body kept).
    Failed {
        error: String,
        input: BiUserInput,
    },
    Resending(OpId, BiUser),
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginResult {
    Accounts { username: String, member_id: Option<String>, accounts: Vec<(String, String)> },
    Refused { username: String, reason: String },
}

#[derive(Debug)]
pub struct Signup {
    pub mode: Mode,
    pub fields: [TextField; 4],
    pub username_touched: bool,
    pub login: [TextField; 2],
    /// Chosen password profile id (the picker).
    pub profile_id: Option<String>,
    pub row: usize,
    /// Typing goes to the focused field.
    pub editing: bool,
    /// The call in flight and what was submitted (results are built from it,
    /// not from whatever the form holds when the answer arrives).
    pub pending: Option<Submitted>,
    pub error: Option<String>,
    pub result: Option<SignupResult>,
    pub login_result: Option<LoginResult>,
    pub reveal_tokens: bool,
    /// Also create a passwordless Beyond Identity user (Ctrl-B).
    pub bi_on: bool,
}

impl Default for Signup {
    fn default() -> Self {
        Self {
            mode: Mode::SignUp,
            fields: [
                TextField::new("Name").placeholder("Ron Swanson"),
                TextField::new("Email").placeholder("ron@swanson.com"),
                TextField::new("Username").placeholder("defaults to the email"),
                TextField::new("Password").masked().placeholder("at least 8 characters"),
            ],
            username_touched: false,
            login: [TextField::new("Username"), TextField::new("Password").masked()],
            profile_id: None,
            row: 0,
            editing: true,
            pending: None,
            error: None,
            result: None,
            login_result: None,
            reveal_tokens: false,
            bi_on: false,
        }
    }
}

/// A minimal e-mail shape check: one `@`, something before, a dot after.
pub fn email_shape_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

impl Signup {
    /// The form has the focus: printable keys belong to it (Esc gives them back
    /// to the app's commands), on every row, so `q` cannot quit mid-form.
    pub fn is_editing(&self) -> bool {
        self.editing
    }

    fn rows(&self) -> usize {
        match self.mode {
            Mode::SignUp => 6,
            Mode::LogIn => 4,
        }
    }

    fn text_row(&self) -> bool {
        match self.mode {
            Mode::SignUp => self.row <= S_PASSWORD,
            Mode::LogIn => self.row <= L_PASSWORD,
        }
    }

    fn profile_row(&self) -> usize {
        match self.mode {
            Mode::SignUp => S_PROFILE,
            Mode::LogIn => L_PROFILE,
        }
    }

    fn submit_row(&self) -> usize {
        match self.mode {
            Mode::SignUp => S_SUBMIT,
            Mode::LogIn => L_SUBMIT,
        }
    }

    fn field_mut(&mut self) -> Option<&mut TextField> {
        match self.mode {
            Mode::SignUp => self.fields.get_mut(self.row),
            Mode::LogIn => self.login.get_mut(self.row),
        }
    }

    fn ensure_profile(&mut self, sh: &Shared) {
        let profiles = sh.data.profiles.as_deref().unwrap_or_default();
        let still_there =
            self.profile_id.as_ref().is_some_and(|id| profiles.iter().any(|p| &p.id == id));
        if !still_there {
            self.profile_id = profiles
                .iter()
                .find(|p| p.username_format == UsernameFormat::Email)
                .or(profiles.first())
                .map(|p| p.id.clone());
        }
    }

    fn profile<'a>(&self, sh: &'a Shared) -> Option<&'a PasswordProfile> {
        let id = self.profile_id.as_ref()?;
        sh.data.profiles.as_ref()?.iter().find(|p| &p.id == id)
    }

    fn cycle_profile(&mut self, sh: &Shared, delta: isize) {
        let profiles = sh.data.profiles.as_deref().unwrap_or_default();
        if profiles.is_empty() {
            return;
        }
        let cur = self
            .profile_id
            .as_ref()
            .and_then(|id| profiles.iter().position(|p| &p.id == id))
            .unwrap_or(0) as isize;
        let n = profiles.len() as isize;
        let next = ((cur + delta) % n + n) % n;
        self.profile_id = Some(profiles[next as usize].id.clone());
    }

    pub fn paste(&mut self, text: &str) {
        if !self.text_row() {
            return;
        }
        let mirror = self.mode == Mode::SignUp && self.row == S_EMAIL;
        if let Some(f) = self.field_mut() {
            f.paste(text);
        }
        if self.mode == Mode::SignUp && self.row == S_USERNAME {
            self.username_touched = true;
        }
        if mirror {
            self.mirror_username();
        }
        self.editing = true;
    }

    fn mirror_username(&mut self) {
        if !self.username_touched {
            let email = self.fields[S_EMAIL].value().trim().to_lowercase();
            self.fields[S_USERNAME].set(email);
        }
    }

    pub fn key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        self.ensure_profile(sh);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('r') if ctrl => {
                let pw = match self.mode {
                    Mode::SignUp => &mut self.fields[S_PASSWORD],
                    Mode::LogIn => &mut self.login[1],
                };
                pw.revealed = !pw.revealed;
                self.reveal_tokens = pw.revealed;
                return true;
            }
            KeyCode::Char('s') if ctrl => {
                self.submit(sh);
                return true;
            }
            KeyCode::Char('l') if ctrl => {
                if self.pending.is_some() {
                    sh.toast_error("wait for the call in flight");
                } else {
                    self.switch_mode(sh);
                }
                return true;
            }
            KeyCode::Char('b') if ctrl => {
                self.bi_key(sh);
                return true;
            }
            KeyCode::Char('e') if ctrl => {
                self.resend(sh);
                return true;
            }
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ => {}
        }
        if self.editing && !self.text_row() {
            match key.code {
                KeyCode::Esc => self.editing = false,
                KeyCode::Up => self.row = self.row.saturating_sub(1),
                KeyCode::Down => self.row = (self.row + 1).min(self.rows() - 1),
                KeyCode::Enter if self.row == self.submit_row() => self.submit(sh),
                KeyCode::Enter => self.row += 1,
                KeyCode::Left if self.row == self.profile_row() => self.cycle_profile(sh, -1),
                KeyCode::Right | KeyCode::Char(' ') if self.row == self.profile_row() => {
                    self.cycle_profile(sh, 1)
                }
                _ => {}
            }
            return true;
        }
        if self.editing && self.text_row() {
            match key.code {
                KeyCode::Esc => self.editing = false,
                KeyCode::Up => self.row = self.row.saturating_sub(1),
                KeyCode::Down | KeyCode::Enter => self.row = (self.row + 1).min(self.rows() - 1),
                _ => {
                    let (mode, row) = (self.mode, self.row);
                    let changed = self.field_mut().is_some_and(|f| f.handle_key(key));
                    if changed && mode == Mode::SignUp {
                        if row == S_USERNAME {
                            self.username_touched = !self.fields[S_USERNAME].value().is_empty();
                        }
                        if row == S_EMAIL {
                            self.mirror_username();
                        }
                    }
                    if changed {
                        self.error = None;
                    }
                }
            }
            return true;
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.row = self.row.saturating_sub(1);
                true
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.row = (self.row + 1).min(self.rows() - 1);
                true
            }
            KeyCode::Left | KeyCode::Char('h') if self.row == self.profile_row() => {
                self.cycle_profile(sh, -1);
                true
            }
            KeyCode::Right | KeyCode::Char(' ') if self.row == self.profile_row() => {
                self.cycle_profile(sh, 1);
                true
            }
            KeyCode::Enter if self.row == self.submit_row() => {
                self.submit(sh);
                true
            }
            KeyCode::Enter if self.row == self.profile_row() => {
                self.row += 1;
                true
            }
            KeyCode::Enter | KeyCode::Char('i') if self.text_row() => {
                self.editing = true;
                true
            }
            KeyCode::Char('l') => {
                self.switch_mode(sh);
                true
            }
            KeyCode::Char('c') if self.pending.is_none() => {
                // Clears the fields of the form shown; results stay.
                match self.mode {
                    Mode::SignUp => {
                        for f in &mut self.fields {
                            f.set("");
                            f.error = None;
                        }
                        self.username_touched = false;
                    }
                    Mode::LogIn => {
                        for f in &mut self.login {
                            f.set("");
                            f.error = None;
                        }
                    }
                }
                self.row = 0;
                self.editing = true;
                true
            }
            KeyCode::Esc if self.error.is_some() => {
                self.error = None;
                true
            }
            _ => false,
        }
    }

    fn bi_available(sh: &Shared) -> bool {
        matches!(&sh.connection, crate::app::Connection::Connected(c) if c.bi)
    }

    /// Ctrl-B: retry a failed Beyond Identity creation, else toggle the option.
    fn bi_key(&mut self, sh: &mut Shared) {
        if !Self::bi_available(sh) {
            sh.toast_error("Beyond Identity is not configured (BI_API_TOKEN)");
            return;
        }
        if let Some(res) = &mut self.result
            && let Some(BiState::Failed { input, .. }) = &res.bi
        {
            let input = input.clone();
            // Only the Beyond Identity call is retried: the member exists already.
            if let Some(op) = sh.call(
                PanelId::Signup,
                format!("creating Beyond Identity user {}", input.email),
                Call::BiCreate(input),
            ) {
                res.bi = Some(BiState::Creating(op));
            }
            return;
        }
        self.bi_on = !self.bi_on;
    }

    /// Ctrl-E: re-send the Beyond Identity enrolment email.
    fn resend(&mut self, sh: &mut Shared) {
        let Some(res) = &mut self.result else { return };
        let Some(BiState::Created(user)) = &res.bi else {
            sh.toast_error("no Beyond Identity user to re-send the enrolment email to");
            return;
        };
        let user = user.clone();
        if let Some(op) = sh.call(
            PanelId::Signup,
            format!("re-sending the enrolment email to {}", user.email),
            Call::BiRecover { external_id: user.external_id.clone() },
        ) {
            res.bi = Some(BiState::Resending(op, user));
        }
    }

    fn switch_mode(&mut self, sh: &Shared) {
        self.mode = match self.mode {
            Mode::SignUp => Mode::LogIn,
            Mode::LogIn => Mode::SignUp,
        };
        self.row = 0;
        self.editing = true;
        self.error = None;
        self.ensure_profile(sh);
    }

    /// Validates and sends; on any error the form keeps its contents.
    pub fn submit(&mut self, sh: &mut Shared) {
        if self.pending.is_some() {
            return;
        }
        self.ensure_profile(sh);
        match self.mode {
            Mode::SignUp => self.submit_signup(sh),
            Mode::LogIn => self.submit_login(sh),
        }
    }

    fn submit_signup(&mut self, sh: &mut Shared) {
        for f in &mut self.fields {
            f.error = None;
        }
        let name = self.fields[S_NAME].value().trim().to_owned();
        let email = self.fields[S_EMAIL].value().trim().to_owned();
        let mut username = self.fields[S_USERNAME].value().trim().to_owned();
        if username.is_empty() {
            username = email.to_lowercase();
        }
        let password = self.fields[S_PASSWORD].value().to_owned();
        if name.is_empty() {
            self.fields[S_NAME].error = Some("required".into());
        }
        if email.is_empty() {
            self.fields[S_EMAIL].error = Some("required".into());
        } else if !email_shape_ok(&email) {
            self.fields[S_EMAIL].error = Some("not an e-mail address".into());
        }
        if password.chars().count() < 8 {
            self.fields[S_PASSWORD].error = Some("at least 8 characters".into());
        }
        let email_profile =
            self.profile(sh).is_some_and(|p| p.username_format == UsernameFormat::Email);
        if email_profile && !email_shape_ok(&username) {
            self.fields[S_USERNAME].error = Some("this profile needs an e-mail as username".into());
        }
        let first_bad = self.fields.iter().position(|f| f.error.is_some());
        if let Some(row) = first_bad {
            self.row = row;
            self.editing = true;
            return;
        }
        let Some(profile_id) = self.profile_id.clone() else {
            self.error =
                Some("no password profile: create one on the Settings panel (1, then n)".into());
            return;
        };
        self.error = None;
        let req = SignupRequest {
            profile_id,
            name: name.clone(),
            email: email.clone(),
            username: username.to_lowercase(),
            password: Secret::new(password.clone()),
        };
        let username = req.username.clone();
        let snapshot = self.fields.iter().map(|f| f.value().to_owned()).collect();
        self.pending = sh
            .call(PanelId::Signup, format!("signing up {username}"), Call::SelfSignup(req))
            .map(|op| Submitted {
                op,
                mode: Mode::SignUp,
                name,
                email,
                username,
                password: Secret::new(password),
                snapshot,
            });
    }

    fn submit_login(&mut self, sh: &mut Shared) {
        for f in &mut self.login {
            f.error = None;
        }
        let username = self.login[0].value().trim().to_owned();
        let password = self.login[1].value().to_owned();
        if username.is_empty() {
            self.login[0].error = Some("required".into());
        }
        if password.is_empty() {
            self.login[1].error = Some("required".into());
        }
        if let Some(row) = self.login.iter().position(|f| f.error.is_some()) {
            self.row = row;
            self.editing = true;
            return;
        }
        let Some(profile_id) = self.profile_id.clone() else {
            self.error = Some("no password profile: create one on the Settings panel".into());
            return;
        };
        self.error = None;
        let req = LoginRequest {
            profile_id,
            username: username.clone(),
            password: Secret::new(password.clone()),
        };
        let snapshot = self.login.iter().map(|f| f.value().to_owned()).collect();
        self.pending = sh
            .call(PanelId::Signup, format!("logging in {username}"), Call::Login(req))
            .map(|op| Submitted {
                op,
                mode: Mode::LogIn,
                name: String::new(),
                email: String::new(),
                username,
                password: Secret::new(password),
                snapshot,
            });
    }

    pub fn done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        if let Some(res) = &mut self.result {
            match (&res.bi, result) {
                (Some(BiState::Creating(o)), result) if *o == op => {
                    res.bi = Some(match result {
                        Ok(Reply::BiUser(u)) => {
                            sh.toast("Beyond Identity user created: enrolment email sent");
                            BiState::Created(u)
                        }
                        Ok(_) => return,
                        Err(e) => BiState::Failed {
                            error: bi_error(&e),
                            input: BiUserInput {
                                external_id: res.member_id.clone().unwrap_or_default(),
                                email: res.email.clone(),
                                user_name: res.username.clone(),
                                display_name: res.name.clone(),
                            },
                        },
                    });
                    return;
                }
                (Some(BiState::Resending(o, user)), result) if *o == op => {
                    let user = user.clone();
                    match result {
                        Ok(Reply::BiUser(u)) => {
                            sh.toast(format!("enrolment email re-sent to {}", u.email));
                            res.bi = Some(BiState::Created(u));
                        }
                        Ok(_) => res.bi = Some(BiState::Created(user)),
                        Err(e) => {
                            sh.toast_error(format!("re-send failed: {}", bi_error(&e)));
                            res.bi = Some(BiState::Created(user));
                        }
                    }
                    return;
                }
                (_, r) => return self.done_signup(op, r, sh),
            }
        }
        self.done_signup(op, result, sh)
    }

    fn done_signup(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        let Some(sub) = self.pending.take_if(|s| s.op == op) else { return };
        match (sub.mode, result) {
            (Mode::SignUp, Ok(Reply::Tokens(t))) => self.signed_up(t, sub, sh),
            (Mode::LogIn, Ok(Reply::Tokens(t))) => {
                let username = sub.username;
                let accounts = t
                    .tokens
                    .iter()
                    .map(|x| (x.account_id.clone(), x.account_name.clone()))
                    .collect();
                self.login_result = Some(LoginResult::Accounts {
                    username,
                    member_id: t.account_member_id,
                    accounts,
                });
            }
            (Mode::SignUp, Err(e)) => self.map_error(&e),
            (Mode::LogIn, Err(e)) => {
                self.login_result =
                    Some(LoginResult::Refused { username: sub.username, reason: e.summary() });
            }
            (_, Ok(_)) => {}
        }
    }

    fn signed_up(&mut self, t: AmTokens, sub: Submitted, sh: &mut Shared) {
        let username = sub.username.clone();
        let pending = t.tokens.is_empty();
        sh.toast(if pending {
            format!("{username} signed up: pending approval")
        } else {
            format!("{username} signed up and belongs to an account")
        });
        let (name, email) = (sub.name.clone(), sub.email.clone());
        let mut bi = None;
        if self.bi_on && Self::bi_available(sh) {
            let input = BiUserInput {
                external_id: t.account_member_id.clone().unwrap_or_default(),
                email: email.clone(),
                user_name: username.clone(),
                display_name: name.clone(),
            };
            bi = Some(match t.account_member_id {
                None => BiState::Failed {
                    error: "the member id is unknown, so no external_id can be sent".into(),
                    input,
                },
                Some(_) => match sh.call(
                    PanelId::Signup,
                    format!("creating Beyond Identity user {email}"),
                    Call::BiCreate(input.clone()),
                ) {
                    Some(op) => BiState::Creating(op),
                    None => BiState::Failed { error: "not sent".into(), input },
                },
            });
        }
        self.result = Some(SignupResult {
            username: username.clone(),
            name,
            email,
            member_id: t.account_member_id.clone(),
            tokens: t
                .tokens
                .iter()
                .map(|x| (x.account_id.clone(), x.account_name.clone(), x.token.clone()))
                .collect(),
            bi,
        });
        // Prefill the log-in check; clear the form for the next member unless
        // the user already started typing it.
        self.login[0].set(username);
        self.login[1].set(sub.password.expose().to_owned());
        let unchanged =
            self.fields.iter().map(|f| f.value()).eq(sub.snapshot.iter().map(String::as_str));
        if unchanged {
            for f in &mut self.fields {
                f.set("");
                f.error = None;
            }
            self.username_touched = false;
            self.row = 0;
        }
    }

    /// Maps a server error to the field it names (`source`), else one line.
    fn map_error(&mut self, e: &ApiError) {
        let source = e.first_source().unwrap_or_default().to_lowercase();
        let row = if source.ends_with("username") {
            Some(S_USERNAME)
        } else if source.ends_with("password") {
            Some(S_PASSWORD)
        } else if source.ends_with("email") {
            Some(S_EMAIL)
        } else if source.ends_with("name") {
            Some(S_NAME)
        } else if e.status() == Some(409) {
            Some(S_USERNAME)
        } else {
            None
        };
        match row {
            Some(r) => {
                self.fields[r].error = Some(e.summary());
                self.row = r;
                self.editing = true;
            }
            None => self.error = Some(e.summary()),
        }
    }

    pub fn key_help(&self) -> Keys {
        let mut k = if self.is_editing() {
            vec![("Ctrl-S", "submit"), ("↑↓", "field"), ("Esc", "stop typing")]
        } else {
            vec![("Ctrl-S", "submit"), ("↑↓", "move"), ("Enter", "edit"), ("←→", "profile")]
        };
        k.push(("Ctrl-R", "reveal"));
        k.push(("Ctrl-B", "Beyond Identity"));
        k.push(match self.mode {
            Mode::SignUp => ("Ctrl-L", "try log-in"),
            Mode::LogIn => ("Ctrl-L", "sign up"),
        });
        k
    }

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
                super::username_format_str(p.username_format),
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

/// A Beyond Identity failure with its raw body, which is all the legacy API gives.
fn bi_error(e: &ApiError) -> String {
    match e {
        ApiError::Http { status, body, .. } if !body.is_empty() => format!("{status}: {body}"),
        other => other.summary(),
    }
}

impl super::Panel for Signup {
    fn editing(&self) -> bool {
        self.is_editing()
    }
    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        self.key(key, sh)
    }
    fn on_paste(&mut self, text: &str) {
        self.paste(text)
    }
    fn on_enter(&mut self, sh: &mut Shared) {
        self.ensure_profile(sh);
    }
    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        self.done(op, result, sh)
    }
    fn keys(&self, _sh: &Shared) -> Keys {
        self.key_help()
    }
    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        self.draw(f, area, sh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(email_shape_ok("a@b.co"));
        assert!(email_shape_ok("a+1@x.com"));
        assert!(!email_shape_ok("a@b"));
        assert!(!email_shape_ok("@b.co"));
        assert!(!email_shape_ok("a b@c.co"));
        assert!(!email_shape_ok("a@@b.co"));
    }
}
