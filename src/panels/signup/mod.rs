//! Sign up: self sign-up of an account member (`self_signup` mechanism with an
//! implicit token) and a password log-in check.

mod keys;
mod view;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::api::{AmTokens, ApiError, BiUser, BiUserInput, PasswordProfile, UsernameFormat};
use crate::secret::Secret;
use crate::ui::{Call, Keys, LoginRequest, OpId, PanelId, Reply, Shared, SignupRequest};
use crate::widgets::TextField;

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

    fn bi_available(sh: &Shared) -> bool {
        matches!(&sh.connection, crate::ui::Connection::Connected(c) if c.bi)
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
