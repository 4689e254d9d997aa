//! "Why can't they log in?": a checklist computed from what the member card
//! loaded, each line ✓/✗ (or ? when that part could not be read) with its fix.

use crate::api::SelfManagement;
use crate::ui::ops::members::MemberCard;
use crate::webhook::OTP_EVENT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Fail,
    /// Could not be read (no access, an error): neither ✓ nor ✗.
    Unknown,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Ok => "✓",
            Mark::Fail => "✗",
            Mark::Unknown => "?",
        }
    }
}

/// What a line is about (tests and fixes match on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Credential,
    Account,
    ProfileOtp,
    SelfManagement,
    Integration,
    LastDelivery,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub check: Check,
    pub mark: Mark,
    pub text: String,
    /// What to do about a ✗ (or a ?).
    pub fix: Option<String>,
}

fn line(check: Check, mark: Mark, text: impl Into<String>, fix: Option<&str>) -> Line {
    Line { check, mark, text: text.into(), fix: fix.map(ToOwned::to_owned) }
}

/// The checklist as a read-only console words it: a fix that needs a write
/// says what a store admin must do instead of offering a key that is refused.
pub fn checklist_for(card: &MemberCard, read_only: bool) -> Vec<Line> {
    let mut lines = checklist(card);
    if read_only {
        for l in &mut lines {
            if let Some(fix) = read_only_fix(l) {
                l.fix = Some(fix.to_owned());
            }
        }
    }
    lines
}

/// The read-only wording of a fix that needs a write (None: the fix stands).
fn read_only_fix(l: &Line) -> Option<&'static str> {
    if l.mark == Mark::Ok {
        return None;
    }
    Some(match (l.check, l.mark) {
        (Check::Credential, Mark::Fail) => {
            "needs a store admin: reject the member so they can sign up again"
        }
        (Check::Account, Mark::Fail) => "needs a store admin: approve into an account",
        (Check::ProfileOtp, Mark::Fail) if l.fix.as_deref() != Some("see the first line") => {
            "needs a store admin: turn OTP on for the profile"
        }
        (Check::SelfManagement, Mark::Fail) => {
            "needs a store admin: set self management to update_only"
        }
        (Check::Integration, Mark::Fail) => "needs a store admin: set up the OTP webhook",
        (Check::LastDelivery, Mark::Fail) => {
            "needs a store admin: check the webhook URL and secret, then send a code again"
        }
        (Check::LastDelivery, Mark::Unknown) if l.text == "no delivery yet" => {
            "needs a store admin: send a code and watch it arrive here"
        }
        _ => return None,
    })
}

/// The checklist: password log-in first (credential, account), then what a
/// password reset by OTP needs (profile OTP, self management, webhook, its
/// last delivery).
pub fn checklist(card: &MemberCard) -> Vec<Line> {
    let mut out = Vec::new();
    // 1. A credential on a profile.
    match &card.credentials {
        None => out.push(line(
            Check::Credential,
            Mark::Unknown,
            "credentials could not be read",
            Some("see the error above; r reloads"),
        )),
        Some(c) if c.is_empty() => out.push(line(
            Check::Credential,
            Mark::Fail,
            "no credential on any password profile: password log-in and OTP are impossible",
            Some("the member signs up again (Sign up, 2), or reject (x) and invite them"),
        )),
        Some(c) => {
            let names: Vec<String> = c
                .iter()
                .map(|i| format!("{} on {}", i.username, card.profile_name(&i.password_profile_id)))
                .collect();
            out.push(line(
                Check::Credential,
                Mark::Ok,
                format!("credential: {}", names.join(", ")),
                None,
            ));
        }
    }
    // 2. In at least one account.
    match &card.accounts {
        None => out.push(line(
            Check::Account,
            Mark::Unknown,
            "memberships could not be read",
            Some("r reloads"),
        )),
        Some(a) if a.is_empty() => out.push(line(
            Check::Account,
            Mark::Fail,
            "pending: in no account, so log-in returns no token",
            Some("approve here: a (new account) or e (existing account)"),
        )),
        Some(a) => {
            let names: Vec<&str> = a.iter().map(|m| m.account_name()).collect();
            out.push(line(Check::Account, Mark::Ok, format!("in {}", names.join(", ")), None));
        }
    }
    // 3. For a reset: the credential's profile has OTP on.
    match (&card.credentials, &card.profiles) {
        (Some(c), Some(_)) if !c.is_empty() => {
            let off: Vec<&str> = c
                .iter()
                .filter(|i| {
                    !card
                        .profile(&i.password_profile_id)
                        .is_some_and(|p| p.enable_one_time_password_token)
                })
                .map(|i| card.profile_name(&i.password_profile_id))
                .collect();
            if off.len() == c.len() {
                out.push(line(
                    Check::ProfileOtp,
                    Mark::Fail,
                    format!("OTP is off on {}: no reset code can be sent", off.join(", ")),
                    Some("turn OTP on for the profile in Settings (1)"),
                ));
            } else if off.is_empty() {
                out.push(line(Check::ProfileOtp, Mark::Ok, "OTP is on for the profile", None));
            } else {
                out.push(line(
                    Check::ProfileOtp,
                    Mark::Ok,
                    format!("OTP is on (off on {})", off.join(", ")),
                    None,
                ));
            }
        }
        (Some(c), Some(_)) if c.is_empty() => out.push(line(
            Check::ProfileOtp,
            Mark::Fail,
            "no credential, so no profile to send a code for",
            Some("see the first line"),
        )),
        _ => out.push(line(
            Check::ProfileOtp,
            Mark::Unknown,
            "password profiles could not be read",
            Some("r reloads"),
        )),
    }
    // 4. Self management lets the member set a new password.
    match &card.settings {
        None => out.push(line(
            Check::SelfManagement,
            Mark::Unknown,
            "settings could not be read",
            Some("r reloads"),
        )),
        Some(s) if s.account_member_self_management == SelfManagement::UpdateOnly => {
            out.push(line(Check::SelfManagement, Mark::Ok, "self management is update_only", None))
        }
        Some(s) => out.push(line(
            Check::SelfManagement,
            Mark::Fail,
            format!(
                "self management is {}: the member cannot set a new password",
                crate::panels::self_management_str(s.account_member_self_management)
            ),
            Some("set it to update_only in Settings (1)"),
        )),
    }
    // 5. An enabled integration observes the OTP event.
    match &card.integrations {
        None => out.push(line(
            Check::Integration,
            Mark::Unknown,
            "integrations could not be read (this key's role may not read them)",
            Some("check OTP events (4) with a key that can"),
        )),
        Some(list) => {
            let watching: Vec<&str> = list
                .iter()
                .filter(|i| i.enabled && i.observes.iter().any(|o| o == OTP_EVENT))
                .map(|i| i.name.as_str())
                .collect();
            if watching.is_empty() {
                let disabled =
                    list.iter().any(|i| !i.enabled && i.observes.iter().any(|o| o == OTP_EVENT));
                out.push(line(
                    Check::Integration,
                    Mark::Fail,
                    if disabled {
                        "the integration observing OTP events is disabled: codes go nowhere"
                    } else {
                        "no integration observes OTP events: codes go nowhere"
                    },
                    Some("set up the OTP webhook in OTP events (4)"),
                ));
            } else {
                out.push(line(
                    Check::Integration,
                    Mark::Ok,
                    format!("OTP events go to {}", watching.join(", ")),
                    None,
                ));
            }
        }
    }
    // 6. Its last delivery succeeded.
    if card
        .integrations
        .as_ref()
        .is_some_and(|l| l.iter().any(|i| i.enabled && i.observes.iter().any(|o| o == OTP_EVENT)))
    {
        let newest = card
            .deliveries
            .iter()
            .filter_map(|d| d.last.as_ref())
            .max_by_key(|l| l.meta.created_at.clone().unwrap_or_default());
        let error = card.deliveries.iter().find_map(|d| d.error.clone());
        match (newest, error) {
            (Some(l), _) if l.succeeded => out.push(line(
                Check::LastDelivery,
                Mark::Ok,
                format!(
                    "last delivery succeeded{}",
                    l.status_code.map(|s| format!(" ({s})")).unwrap_or_default()
                ),
                None,
            )),
            (Some(l), _) => {
                let why = l
                    .error_detail
                    .clone()
                    .or_else(|| l.status_code.map(|s| format!("the receiver answered {s}")))
                    .unwrap_or_else(|| "no detail".into());
                out.push(line(
                    Check::LastDelivery,
                    Mark::Fail,
                    format!("last delivery failed: {why}"),
                    Some("check the webhook URL and secret in OTP events (4), then send a code again"),
                ))
            }
            (None, Some(e)) => out.push(line(
                Check::LastDelivery,
                Mark::Unknown,
                format!("delivery logs could not be read: {e}"),
                Some("r reloads"),
            )),
            (None, None) => out.push(line(
                Check::LastDelivery,
                Mark::Unknown,
                "no delivery yet",
                Some("send a code (o) and watch it arrive here"),
            )),
        }
    }
    out
}

/// Cards for tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::api::*;
    use crate::ui::ops::members::Delivery;

    /// A member who can log in and reset their password.
    pub(crate) fn healthy() -> MemberCard {
        let profile = PasswordProfile {
            id: "p1".into(),
            name: "Email".into(),
            enable_one_time_password_token: true,
            ..Default::default()
        };
        let account =
            Account { id: "a1".into(), name: "Ada Lovelace".into(), ..Default::default() };
        let membership =
            Membership { id: "ms1".into(), account_id: Some("a1".into()), ..Default::default() };
        MemberCard {
            member: AccountMember {
                id: "m1".into(),
                name: "Ada Lovelace".into(),
                email: "ada@example.com".into(),
                ..Default::default()
            },
            accounts: Some(vec![MemberAccount {
                membership,
                account_id: "a1".into(),
                account: Some(account),
            }]),
            credentials: Some(vec![PasswordProfileInfo {
                id: "ppi1".into(),
                username: "ada@example.com".into(),
                password_profile_id: "p1".into(),
                ..Default::default()
            }]),
            profiles: Some(vec![profile]),
            settings: Some(AccountAuthSettings {
                account_member_self_management: SelfManagement::UpdateOnly,
                ..Default::default()
            }),
            integrations: Some(vec![Integration {
                id: "i1".into(),
                name: "onboard OTP".into(),
                enabled: true,
                observes: vec![OTP_EVENT.into()],
                ..Default::default()
            }]),
            deliveries: vec![Delivery {
                integration_id: "i1".into(),
                last: Some(IntegrationLog {
                    id: "l1".into(),
                    succeeded: true,
                    status_code: Some(200),
                    ..Default::default()
                }),
                error: None,
            }],
            bi: None,
            errors: vec![],
            loaded_at: chrono::DateTime::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::healthy;
    use super::*;

    fn mark(card: &MemberCard, c: Check) -> Mark {
        checklist(card).into_iter().find(|l| l.check == c).map(|l| l.mark).unwrap()
    }

    fn only_failure(card: &MemberCard) -> Check {
        let fails: Vec<Line> =
            checklist(card).into_iter().filter(|l| l.mark == Mark::Fail).collect();
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert!(fails[0].fix.is_some(), "a ✗ always has its fix");
        fails[0].check
    }

    #[test]
    fn healthy_member_is_all_green() {
        let lines = checklist(&healthy());
        assert_eq!(lines.len(), 6);
        assert!(lines.iter().all(|l| l.mark == Mark::Ok), "{lines:?}");
        assert!(lines[1].text.contains("Ada Lovelace"), "account by name");
        assert!(lines[0].text.contains("ada@example.com on Email"));
    }

    #[test]
    fn no_credential() {
        let mut c = healthy();
        c.credentials = Some(vec![]);
        let lines = checklist(&c);
        assert_eq!(lines[0].mark, Mark::Fail);
        assert_eq!(mark(&c, Check::ProfileOtp), Mark::Fail);
    }

    #[test]
    fn pending_member() {
        let mut c = healthy();
        c.accounts = Some(vec![]);
        assert_eq!(only_failure(&c), Check::Account);
        let l = checklist(&c).into_iter().find(|l| l.check == Check::Account).unwrap();
        assert!(l.fix.unwrap().contains("approve"));
    }

    #[test]
    fn profile_without_otp() {
        let mut c = healthy();
        c.profiles.as_mut().unwrap()[0].enable_one_time_password_token = false;
        assert_eq!(only_failure(&c), Check::ProfileOtp);
    }

    #[test]
    fn self_management_disabled() {
        let mut c = healthy();
        c.settings.as_mut().unwrap().account_member_self_management = SelfManagement::Disabled;
        assert_eq!(only_failure(&c), Check::SelfManagement);
    }

    #[test]
    fn integration_missing_or_disabled() {
        let mut c = healthy();
        c.integrations = Some(vec![]);
        c.deliveries.clear();
        assert_eq!(only_failure(&c), Check::Integration);
        let mut c = healthy();
        c.integrations.as_mut().unwrap()[0].enabled = false;
        assert_eq!(only_failure(&c), Check::Integration);
        let mut c = healthy();
        c.integrations.as_mut().unwrap()[0].observes = vec!["account-member.created".into()];
        assert_eq!(only_failure(&c), Check::Integration);
    }

    #[test]
    fn last_delivery_failed() {
        let mut c = healthy();
        let last = c.deliveries[0].last.as_mut().unwrap();
        last.succeeded = false;
        last.status_code = Some(401);
        assert_eq!(only_failure(&c), Check::LastDelivery);
        let l = checklist(&c).into_iter().find(|l| l.check == Check::LastDelivery).unwrap();
        assert!(l.text.contains("401"), "{}", l.text);
    }

    #[test]
    fn unreadable_parts_are_unknown_not_failures() {
        let mut c = healthy();
        c.integrations = None;
        c.settings = None;
        c.deliveries.clear();
        assert_eq!(mark(&c, Check::Integration), Mark::Unknown);
        assert_eq!(mark(&c, Check::SelfManagement), Mark::Unknown);
        assert!(checklist(&c).iter().all(|l| l.mark != Mark::Fail));
        let mut c = healthy();
        c.deliveries[0].last = None;
        assert_eq!(mark(&c, Check::LastDelivery), Mark::Unknown);
    }

    #[test]
    fn read_only_fixes_name_a_store_admin_not_a_refused_key() {
        let mut c = healthy();
        c.accounts = Some(vec![]);
        c.integrations = Some(vec![]);
        let lines = checklist_for(&c, true);
        let fix = |k: Check| lines.iter().find(|l| l.check == k).and_then(|l| l.fix.clone());
        assert_eq!(
            fix(Check::Account).as_deref(),
            Some("needs a store admin: approve into an account")
        );
        assert_eq!(
            fix(Check::Integration).as_deref(),
            Some("needs a store admin: set up the OTP webhook")
        );
        for l in &lines {
            let f = l.fix.as_deref().unwrap_or("");
            assert!(!f.contains("approve here") && !f.contains("(4)"), "{f}");
        }
        // Writable: the keys are offered.
        let lines = checklist_for(&c, false);
        assert!(
            lines.iter().any(|l| l.fix.as_deref().is_some_and(|f| f.contains("a (new account)")))
        );
    }
}
