//! Settings: account authentication settings, password profiles, and the
//! readiness check with one-key fixes.

mod keys;
mod view;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::{row_delta, step};
use crate::api::{
    AccountAuthSettingsUpdate, ApiError, PasswordProfileInput, SelfManagement, UsernameFormat,
};
use crate::readiness::ItemId;
use crate::ui::{Call, ConfirmAction, OpId, PanelId, Reply, Shared};
use crate::widgets::Dialog;
use crate::widgets::form::{Event as FormEvent, Form};

const PUT_SETTINGS: &str = "PUT /v2/settings/account-authentication";
const PROFILES_PATH: &str = "/v2/authentication-realms/{realm}/password-profiles";
const SETTING_ROWS: usize = 3;

/// The key that fixes a readiness item (as the box, footer and help show it).
pub fn fix_key_of(id: ItemId) -> char {
    view::fix_key(id)
}

/// The create/edit form of a password profile (a modal form in a dialog).
#[derive(Debug, Clone)]
pub struct ProfileForm {
    /// `None` creates, `Some(id)` edits.
    pub id: Option<String>,
    /// Name, username format, OTP.
    pub form: Form,
    pub pending: Option<OpId>,
    /// The profile as it was, when editing: what the dialog's change list
    /// compares against.
    pub orig: Option<PasswordProfileInput>,
}

/// Field keys of the profile form.
pub const P_NAME: &str = "name";
pub const P_FORMAT: &str = "format";
pub const P_OTP: &str = "otp";

impl ProfileForm {
    /// A new profile, named "Email" or, when that is taken, the first free
    /// "Email N" (so the list never shows two alike by default).
    fn new(profiles: &[crate::api::PasswordProfile]) -> Self {
        let taken = |n: &str| profiles.iter().any(|p| p.name.trim() == n);
        let name = std::iter::once("Email".to_owned())
            .chain((2..).map(|i| format!("Email {i}")))
            .find(|n| !taken(n))
            .unwrap_or_default();
        Self::with(None, &name, true, true)
    }

    /// Warns (does not block: the API allows two profiles of one name) when
    /// the typed name is another profile's.
    fn check_name(&mut self, profiles: &[crate::api::PasswordProfile]) {
        let name = self.form.value(P_NAME).trim().to_owned();
        let same: Vec<&str> = profiles
            .iter()
            .filter(|p| !name.is_empty() && p.name.trim() == name)
            .filter(|p| self.id.as_deref() != Some(p.id.as_str()))
            .map(|p| p.id.as_str())
            .collect();
        let note = (!same.is_empty()).then(|| {
            format!(
                "⚠ already the name of profile {}: the lists would show two alike",
                same.join(", ")
            )
        });
        self.form.set_note(P_NAME, note);
    }

    fn with(id: Option<String>, name: &str, email: bool, otp: bool) -> Self {
        let mut form = Form::new()
            .text(P_NAME, "Name", "e.g. Email")
            .choice(P_FORMAT, "username_format", vec!["email".into(), "any".into()])
            .choice(P_OTP, "OTP tokens", vec!["on".into(), "off".into()])
            .submit_label("save")
            .without_hint();
        form.prefill(P_NAME, name.to_owned());
        form.choose(P_FORMAT, usize::from(!email));
        form.choose(P_OTP, usize::from(!otp));
        let orig = id.as_ref().map(|_| PasswordProfileInput {
            name: name.trim().to_owned(),
            username_format: if email { UsernameFormat::Email } else { UsernameFormat::Any },
            enable_one_time_password_token: otp,
        });
        Self { id, form, pending: None, orig }
    }

    /// What saving the edit changes (`field: before → after`); empty for
    /// a new profile or an edit with no change yet.
    pub fn changes(&self) -> Vec<String> {
        let Some(o) = &self.orig else { return Vec::new() };
        let n = self.input();
        let on = |b: bool| if b { "on" } else { "off" };
        let mut out = Vec::new();
        if o.name != n.name {
            out.push(format!("name: {:?} → {:?}", o.name, n.name));
        }
        if o.username_format != n.username_format {
            out.push(format!(
                "username_format: {} → {}",
                super::username_format_str(o.username_format),
                super::username_format_str(n.username_format)
            ));
        }
        if o.enable_one_time_password_token != n.enable_one_time_password_token {
            out.push(format!(
                "OTP tokens: {} → {}",
                on(o.enable_one_time_password_token),
                on(n.enable_one_time_password_token)
            ));
        }
        out
    }

    fn input(&self) -> PasswordProfileInput {
        PasswordProfileInput {
            name: self.form.value(P_NAME).trim().to_owned(),
            username_format: if self.form.choice_index(P_FORMAT) == Some(0) {
                UsernameFormat::Email
            } else {
                UsernameFormat::Any
            },
            enable_one_time_password_token: self.form.choice_index(P_OTP) == Some(0),
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
        self.form.as_ref().is_some_and(|f| f.form.is_typing())
    }

    fn profile_count(sh: &Shared) -> usize {
        sh.data.profiles.as_ref().map_or(0, Vec::len)
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(form) = &mut self.form {
            form.form.paste(text);
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
            Dialog::confirm("Change account authentication settings")
                .consequence("Changes how members sign up and log in, for the whole store.")
                .item(change)
                .gap()
                .request(PUT_SETTINGS),
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
            let mut form = ProfileForm::with(
                Some(p.id.clone()),
                &p.name,
                p.username_format == UsernameFormat::Email,
                p.enable_one_time_password_token,
            );
            form.check_name(sh.data.profiles.as_deref().unwrap_or_default());
            self.form = Some(form);
        }
    }

    fn delete_profile(&mut self, sh: &mut Shared) {
        let Some(p) = self.selected_profile(sh).cloned() else { return };
        // Others of the same name: the id is what tells them apart.
        let twins: Vec<String> = sh
            .data
            .profiles
            .iter()
            .flatten()
            .filter(|o| o.id != p.id && o.name.trim() == p.name.trim())
            .map(|o| o.id.clone())
            .collect();
        let mut d = Dialog::destructive(
            format!("Delete password profile {:?} ({})", p.name, p.id),
            "delete",
        )
        .consequence(
            "Deletes this profile and every credential (username and password) on it, \
                     however many (the console does not count them): members using it can no \
                     longer log in with it. It cannot be undone.",
        )
        .item(format!("profile {:?}", p.name))
        .item(format!("profile id {}", p.id));
        if !twins.is_empty() {
            d = d.item(format!(
                "not the other profile of this name: {} (check the id)",
                twins.join(", ")
            ));
        }
        sh.ask(
            d.gap().request(format!("DELETE {PROFILES_PATH}/{}", p.id)),
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
            ItemId::LiveQueue => match facts.listener_url.clone() {
                // The console's integration (the OTP one when there is one)
                // observes the member events too: one integration, five events.
                Some(url) => {
                    let existing = facts.otp_integration().map(|i| i.id.clone()).or_else(|| {
                        crate::panels::otp::repair_candidate(sh, &url).map(|i| i.id.clone())
                    });
                    shown.push(match &existing {
                        Some(id) => format!("PUT /v2/integrations/{id}"),
                        None => "POST /v2/integrations".to_owned(),
                    });
                    changes.push(format!(
                        "webhook integration → {url} observing OTP and member events (fresh secret)"
                    ));
                    calls.push((
                        "setting up the live queue".into(),
                        Call::Otp(crate::panels::otp::OtpCall::SetupIntegration { url, existing }),
                    ));
                }
                None => changes.push("the OTP listener is not running yet".to_owned()),
            },
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
                            changes.push(format!(
                                "OTP webhook integration → {url} observing OTP and member events \
                                 (fresh secret)"
                            ));
                            if readiness.get(ItemId::LiveQueue).is_some_and(|i| !i.ready) {
                                changes.push(
                                    "so the Live queue is fixed too (member events reach this \
                                     console)"
                                        .to_owned(),
                                );
                            }
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
            super::confirm_dialog(
                format!("Fix: {}", readiness.get(item).map_or("readiness", |i| i.title)),
                "Changes the store's configuration as listed:",
                changes,
                shown,
            ),
            ConfirmAction::Calls(PanelId::Settings, calls),
        );
        true
    }

    fn submit_form(&mut self, sh: &mut Shared) -> bool {
        let Some(form) = &mut self.form else { return false };
        if form.pending.is_some() {
            sh.toast_error("wait for the save in flight");
            return true;
        }
        if form.form.value(P_NAME).trim().is_empty() {
            form.form.invalid(P_NAME, "required");
            return true;
        }
        let input = form.input();
        let (label, call) = match &form.id {
            Some(id) => {
                (format!("saving profile {}", input.name), Call::UpdateProfile(id.clone(), input))
            }
            None => (format!("creating profile {}", input.name), Call::CreateProfile(input)),
        };
        form.form.error = None;
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
                            form.form.server_error(P_NAME, e.summary());
                        } else {
                            form.form.error = Some(e.summary());
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
    fn keymap(&self, sh: &Shared) -> crate::ui::Keymap {
        Settings::keymap(self, sh)
    }
    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        self.draw(f, area, sh)
    }
}
