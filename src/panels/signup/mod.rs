//! Sign up: self sign-up of an account member (`self_signup` mechanism with an
//! implicit token) and a password log-in check.

mod keys;
mod view;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::api::{AmTokens, ApiError, BiUser, BiUserInput, PasswordProfile, UsernameFormat};
use crate::secret::Secret;
use crate::ui::{Call, LoginRequest, OpId, PanelId, Reply, Shared, SignupRequest};
use crate::widgets::ellipsize;
use crate::widgets::form::{Event as FormEvent, Form};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    SignUp,
    LogIn,
}

/// Field keys of the sign-up form.
pub const NAME: &str = "name";
pub const EMAIL: &str = "email";
pub const USERNAME: &str = "username";
pub const PASSWORD: &str = "password";
pub const PROFILE: &str = "profile";

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

/// One sign-up of this session: what it produced, or why it failed.
// At most RESULTS_MAX of them, so boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok(SignupResult),
    /// The error in full (the form keeps its contents to fix and resend).
    Failed {
        username: String,
        error: String,
    },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok(_))
    }
    pub fn username(&self) -> &str {
        match self {
            Outcome::Ok(r) => &r.username,
            Outcome::Failed { username, .. } => username,
        }
    }
}

/// The sign-ups of this session kept on screen (older ones are dropped).
pub const RESULTS_MAX: usize = 50;

/// What a successful sign-up produced.
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
    /// Name, email, username, password, profile.
    pub form: Form,
    pub username_touched: bool,
    /// Username, password, profile.
    pub login: Form,
    /// Chosen password profile id (the profile choice of both forms).
    pub profile_id: Option<String>,
    /// The call in flight and what was submitted (results are built from it,
    /// not from whatever the form holds when the answer arrives).
    pub pending: Option<Submitted>,
    /// Sign-up results, newest first: the newest is shown in full, the others
    /// one line each.
    pub results: Vec<Outcome>,
    pub login_result: Option<LoginResult>,
    pub reveal_tokens: bool,
    /// Also create a passwordless Beyond Identity user (Ctrl-B).
    pub bi_on: bool,
}

fn signup_form() -> Form {
    Form::new()
        .text(NAME, "Name", "Ron Swanson")
        .text(EMAIL, "Email", "ron@swanson.com")
        .text(USERNAME, "Username", "defaults to the email")
        .secret(PASSWORD, "Password", "at least 8 characters")
        .choice(PROFILE, "Profile", Vec::new())
        .submit_label("sign up")
}

fn login_form() -> Form {
    Form::new()
        .text(USERNAME, "Username", "ron@swanson.com")
        .secret(PASSWORD, "Password", "the member's password")
        .choice(PROFILE, "Profile", Vec::new())
        .submit_label("log in")
}

impl Default for Signup {
    fn default() -> Self {
        Self {
            mode: Mode::SignUp,
            form: signup_form(),
            username_touched: false,
            login: login_form(),
            profile_id: None,
            pending: None,
            results: Vec::new(),
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
    /// The newest sign-up, when it succeeded (what Ctrl-B / Ctrl-E act on).
    pub fn newest_ok(&self) -> Option<&SignupResult> {
        match self.results.first() {
            Some(Outcome::Ok(r)) => Some(r),
            _ => None,
        }
    }

    pub(super) fn newest_ok_mut(&mut self) -> Option<&mut SignupResult> {
        match self.results.first_mut() {
            Some(Outcome::Ok(r)) => Some(r),
            _ => None,
        }
    }

    /// The newest successful sign-up, even behind later failures.
    pub fn last_ok(&self) -> Option<&SignupResult> {
        self.results.iter().find_map(|o| match o {
            Outcome::Ok(r) => Some(r),
            Outcome::Failed { .. } => None,
        })
    }

    fn push_result(&mut self, o: Outcome) {
        self.results.insert(0, o);
        self.results.truncate(RESULTS_MAX);
    }

    /// Read-only mode has no sign-up (it creates a member): the log-in check only.
    pub(super) fn follow_read_only(&mut self, sh: &Shared) {
        if sh.read_only && self.mode == Mode::SignUp {
            self.mode = Mode::LogIn;
        }
    }

    /// Printable keys are text for a field: only while typing (explicit,
    /// shown by the cursor and the hint; `Esc` stops it).
    pub fn is_editing(&self) -> bool {
        self.current().is_typing()
    }

    /// The form shown (sign-up or log-in check).
    pub fn current(&self) -> &Form {
        match self.mode {
            Mode::SignUp => &self.form,
            Mode::LogIn => &self.login,
        }
    }

    pub fn current_mut(&mut self) -> &mut Form {
        match self.mode {
            Mode::SignUp => &mut self.form,
            Mode::LogIn => &mut self.login,
        }
    }

    /// The profile choice offered, from the store's profiles.
    pub(super) fn profile_options(sh: &Shared) -> Vec<String> {
        sh.data
            .profiles
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|p| {
                format!(
                    "{} ({}{})",
                    ellipsize(&p.name, 40),
                    crate::panels::username_format_str(p.username_format),
                    if p.enable_one_time_password_token { ", OTP" } else { "" }
                )
            })
            .collect()
    }

    /// Puts the store's profiles into both forms' choices, the chosen one selected.
    pub(super) fn sync_profiles(&mut self, sh: &Shared) {
        self.ensure_profile(sh);
        let options = Self::profile_options(sh);
        let index = self.profile_index(sh);
        for form in [&mut self.form, &mut self.login] {
            form.set_options(PROFILE, options.clone());
            if let Some(i) = index {
                form.choose(PROFILE, i);
            }
        }
    }

    fn profile_index(&self, sh: &Shared) -> Option<usize> {
        let id = self.profile_id.as_ref()?;
        sh.data.profiles.as_ref()?.iter().position(|p| &p.id == id)
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

    pub fn paste(&mut self, text: &str) {
        let ev = self.current_mut().paste(text);
        self.after_change(ev);
    }

    /// Follows up a changed field: the username mirrors the e-mail until edited.
    pub(super) fn after_change(&mut self, ev: FormEvent) {
        if self.mode != Mode::SignUp {
            return;
        }
        match ev {
            FormEvent::Changed(USERNAME) => {
                self.username_touched = !self.form.value(USERNAME).is_empty();
            }
            FormEvent::Changed(EMAIL) => self.mirror_username(),
            _ => {}
        }
    }

    fn mirror_username(&mut self) {
        if !self.username_touched {
            let email = self.form.value(EMAIL).trim().to_lowercase();
            self.form.set(USERNAME, email);
        }
    }

    fn bi_available(sh: &Shared) -> bool {
        matches!(&sh.connection, crate::ui::Connection::Connected(c) if c.bi)
    }

    /// Validates and sends; on any error the form keeps its contents.
    pub fn submit(&mut self, sh: &mut Shared) {
        if self.pending.is_some() {
            sh.toast_error("wait for the call in flight");
            return;
        }
        self.sync_profiles(sh);
        match self.mode {
            Mode::SignUp => self.submit_signup(sh),
            Mode::LogIn => self.submit_login(sh),
        }
    }

    /// Marks every bad field; the first one gets the focus (typing, to fix it).
    fn flag(form: &mut Form, errors: Vec<(&'static str, &'static str)>) -> bool {
        for (k, msg) in errors.iter().rev() {
            form.invalid(k, *msg);
        }
        !errors.is_empty()
    }

    fn submit_signup(&mut self, sh: &mut Shared) {
        self.form.clear_errors();
        let name = self.form.value(NAME).trim().to_owned();
        let email = self.form.value(EMAIL).trim().to_owned();
        let mut username = self.form.value(USERNAME).trim().to_owned();
        if username.is_empty() {
            username = email.to_lowercase();
        }
        let password = self.form.value(PASSWORD).to_owned();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push((NAME, "required"));
        }
        if email.is_empty() {
            errors.push((EMAIL, "required"));
        } else if !email_shape_ok(&email) {
            errors.push((EMAIL, "not an e-mail address"));
        }
        let email_profile =
            self.profile(sh).is_some_and(|p| p.username_format == UsernameFormat::Email);
        if email_profile && !email_shape_ok(&username) {
            errors.push((USERNAME, "this profile needs an e-mail as username"));
        }
        if password.chars().count() < 8 {
            errors.push((PASSWORD, "at least 8 characters"));
        }
        if Self::flag(&mut self.form, errors) {
            return;
        }
        let Some(profile_id) = self.profile_id.clone() else {
            self.form.error =
                Some("no password profile: create one on the Settings panel (1, then n)".into());
            return;
        };
        let req = SignupRequest {
            profile_id,
            name: name.clone(),
            email: email.clone(),
            username: username.to_lowercase(),
            password: Secret::new(password.clone()),
        };
        let username = req.username.clone();
        let snapshot = self.snapshot();
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

    /// The sign-up form's values (to tell whether the user changed it since).
    fn snapshot(&self) -> Vec<String> {
        [NAME, EMAIL, USERNAME, PASSWORD].iter().map(|k| self.form.value(k).to_owned()).collect()
    }

    fn submit_login(&mut self, sh: &mut Shared) {
        self.login.clear_errors();
        let username = self.login.value(USERNAME).trim().to_owned();
        let password = self.login.value(PASSWORD).to_owned();
        let mut errors = Vec::new();
        if username.is_empty() {
            errors.push((USERNAME, "required"));
        }
        if password.is_empty() {
            errors.push((PASSWORD, "required"));
        }
        if Self::flag(&mut self.login, errors) {
            return;
        }
        let Some(profile_id) = self.profile_id.clone() else {
            self.login.error = Some("no password profile: create one on the Settings panel".into());
            return;
        };
        let req = LoginRequest {
            profile_id,
            username: username.clone(),
            password: Secret::new(password.clone()),
        };
        self.pending = sh
            .call(PanelId::Signup, format!("logging in {username}"), Call::Login(req))
            .map(|op| Submitted {
                op,
                mode: Mode::LogIn,
                name: String::new(),
                email: String::new(),
                username,
                password: Secret::new(password),
                snapshot: Vec::new(),
            });
    }

    pub fn done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        let bi_of = |o: &Outcome| {
            matches!(o, Outcome::Ok(SignupResult {
                bi: Some(BiState::Creating(x) | BiState::Resending(x, _)), ..
            }) if *x == op)
        };
        if let Some(Outcome::Ok(res)) = self.results.iter_mut().find(|o| bi_of(o)) {
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
            (Mode::SignUp, Err(e)) => {
                self.map_error(&e);
                self.push_result(Outcome::Failed { username: sub.username, error: e.summary() });
            }
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
        self.push_result(Outcome::Ok(SignupResult {
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
        }));
        // Prefill the log-in check; clear the form for the next member unless
        // the user already started typing it.
        self.login.prefill(USERNAME, username);
        self.login.set(PASSWORD, sub.password.expose().to_owned());
        self.reveal_tokens = false;
        if self.snapshot() == sub.snapshot {
            // A new, empty form: command mode, secrets hidden again.
            self.form.clear();
            self.username_touched = false;
        }
    }

    /// Maps a server error to the field it names (`source`), else the form's
    /// own error line; shown whole, the form kept, and no switch to typing.
    fn map_error(&mut self, e: &ApiError) {
        let source = e.first_source().unwrap_or_default().to_lowercase();
        let field = if source.ends_with("username") {
            Some(USERNAME)
        } else if source.ends_with("password") {
            Some(PASSWORD)
        } else if source.ends_with("email") {
            Some(EMAIL)
        } else if source.ends_with("name") {
            Some(NAME)
        } else if e.status() == Some(409) {
            Some(USERNAME)
        } else {
            None
        };
        match field {
            Some(k) => self.form.server_error(k, e.summary()),
            None => self.form.error = Some(e.summary()),
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
        // Arriving never starts typing: the next key is a command.
        self.follow_read_only(sh);
        self.form.stop_typing();
        self.login.stop_typing();
        self.sync_profiles(sh);
    }
    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        self.done(op, result, sh)
    }
    fn keymap(&self, sh: &Shared) -> crate::ui::Keymap {
        Signup::keymap(self, sh)
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
