//! The readiness check: what each flow still needs. Pure: computed from the
//! settings, profiles and integrations the console has loaded. Shared by the
//! Settings panel and `onboard check`.

use serde::Serialize;

/// The facts readiness is computed from (a plain snapshot, easy to test).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub enable_self_signup: bool,
    pub auto_create: bool,
    pub self_management_update_only: bool,
    /// (profile id, username_format is email, OTP enabled)
    pub profiles: Vec<ProfileFact>,
    pub integrations: Vec<IntegrationFact>,
    /// The URL this console's listener is reachable at, when known.
    pub listener_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileFact {
    pub id: String,
    pub name: String,
    pub email_format: bool,
    pub otp: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationFact {
    pub id: String,
    pub enabled: bool,
    pub webhook: bool,
    pub observes_otp: bool,
    /// Observes every event of [`MEMBER_EVENTS`] (the live Approvals queue).
    pub observes_members: bool,
    pub url: Option<String>,
}

pub const OTP_EVENT: &str = "one-time-password-token-request.created";

pub use crate::webhook::member_event::MEMBER_EVENTS;

/// What the console's integration observes: OTP codes and the member events
/// of the live queue. Five: the per-webhook limit of Commerce Manager (§2.12).
pub fn console_events() -> Vec<String> {
    std::iter::once(OTP_EVENT).chain(MEMBER_EVENTS).map(str::to_owned).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemId {
    SelfSignup,
    Approvals,
    Otp,
    /// Member events reach this console (the queue updates without a key).
    LiveQueue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub title: &'static str,
    pub ready: bool,
    /// What is missing, one short line each (empty when ready).
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub items: Vec<Item>,
}

impl Readiness {
    /// Every item a flow needs. The live queue is a convenience (a refresh
    /// finds sign-ups without it), so it does not count.
    pub fn all_ready(&self) -> bool {
        self.items.iter().filter(|i| i.id != ItemId::LiveQueue).all(|i| i.ready)
    }
    pub fn get(&self, id: ItemId) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

impl Facts {
    /// The facts of a store, from what the API returned.
    pub fn from_store(
        settings: Option<&crate::api::AccountAuthSettings>,
        profiles: &[crate::api::PasswordProfile],
        integrations: &[crate::api::Integration],
        listener_url: Option<String>,
    ) -> Facts {
        use crate::api::{SelfManagement, UsernameFormat};
        Facts {
            enable_self_signup: settings.is_some_and(|s| s.enable_self_signup),
            auto_create: settings.is_some_and(|s| s.auto_create_account_for_account_members),
            self_management_update_only: settings
                .is_some_and(|s| s.account_member_self_management == SelfManagement::UpdateOnly),
            profiles: profiles
                .iter()
                .map(|p| ProfileFact {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    email_format: p.username_format == UsernameFormat::Email,
                    otp: p.enable_one_time_password_token,
                })
                .collect(),
            integrations: integrations
                .iter()
                .map(|i| IntegrationFact {
                    id: i.id.clone(),
                    enabled: i.enabled,
                    webhook: i.integration_type == "webhook",
                    observes_otp: i.observes.iter().any(|o| o == OTP_EVENT),
                    observes_members: MEMBER_EVENTS
                        .iter()
                        .all(|e| i.observes.iter().any(|o| o == e)),
                    url: i.configuration.url.clone(),
                })
                .collect(),
            listener_url,
        }
    }

    pub fn email_profile(&self) -> Option<&ProfileFact> {
        self.profiles.iter().find(|p| p.email_format)
    }

    /// The integration that delivers OTP events to this console, if any.
    pub fn otp_integration(&self) -> Option<&IntegrationFact> {
        self.integrations.iter().find(|i| {
            i.enabled
                && i.webhook
                && i.observes_otp
                && match &self.listener_url {
                    Some(url) => i.url.as_deref() == Some(url.as_str()),
                    None => true,
                }
        })
    }

    /// The integration that delivers member events to this console, if any.
    pub fn live_integration(&self) -> Option<&IntegrationFact> {
        self.integrations.iter().find(|i| {
            i.enabled
                && i.webhook
                && i.observes_members
                && match &self.listener_url {
                    Some(url) => i.url.as_deref() == Some(url.as_str()),
                    None => true,
                }
        })
    }

    pub fn readiness(&self) -> Readiness {
        let mut signup = Vec::new();
        if !self.enable_self_signup {
            signup.push("self sign-up is off (enable_self_signup)".to_owned());
        }
        if self.email_profile().is_none() {
            signup.push("no password profile with username_format email".to_owned());
        }
        let mut approvals = Vec::new();
        if self.auto_create {
            approvals.push(
                "auto-create is on: members get an account at sign-up, nothing to approve"
                    .to_owned(),
            );
        }
        let mut otp = Vec::new();
        if !self.profiles.iter().any(|p| p.otp) {
            otp.push("no password profile with OTP tokens enabled".to_owned());
        }
        if !self.self_management_update_only {
            otp.push("self management is not update_only (password reset needs it)".to_owned());
        }
        if self.otp_integration().is_none() {
            let why = match &self.listener_url {
                Some(url) => format!("no enabled OTP webhook integration → {url}"),
                None => "no enabled OTP webhook integration".to_owned(),
            };
            otp.push(why);
        }
        let mut live = Vec::new();
        if self.live_integration().is_none() {
            live.push("member events do not reach this listener".to_owned());
        }
        Readiness {
            items: vec![
                Item {
                    id: ItemId::SelfSignup,
                    title: "Self sign-up ready",
                    ready: signup.is_empty(),
                    missing: signup,
                },
                Item {
                    id: ItemId::Approvals,
                    title: "Approvals needed",
                    ready: approvals.is_empty(),
                    missing: approvals,
                },
                Item { id: ItemId::Otp, title: "OTP ready", ready: otp.is_empty(), missing: otp },
                Item {
                    id: ItemId::LiveQueue,
                    title: "Live queue",
                    ready: live.is_empty(),
                    missing: live,
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_facts() -> Facts {
        Facts {
            enable_self_signup: true,
            auto_create: false,
            self_management_update_only: true,
            profiles: vec![ProfileFact {
                id: "p".into(),
                name: "Email".into(),
                email_format: true,
                otp: true,
            }],
            integrations: vec![IntegrationFact {
                id: "i".into(),
                enabled: true,
                webhook: true,
                observes_otp: true,
                observes_members: true,
                url: Some("http://127.0.0.1:8787/webhooks/otp".into()),
            }],
            listener_url: Some("http://127.0.0.1:8787/webhooks/otp".into()),
        }
    }

    #[test]
    fn all_ready() {
        assert!(ready_facts().readiness().all_ready());
    }

    #[test]
    fn empty_store_needs_everything_but_approvals() {
        let r = Facts::default().readiness();
        assert!(!r.get(ItemId::SelfSignup).unwrap().ready);
        assert!(r.get(ItemId::Approvals).unwrap().ready);
        assert_eq!(r.get(ItemId::Otp).unwrap().missing.len(), 3);
    }

    #[test]
    fn integration_must_point_at_this_listener() {
        let mut f = ready_facts();
        f.integrations[0].url = Some("https://elsewhere/hook".into());
        assert!(!f.readiness().get(ItemId::Otp).unwrap().ready);
        f.integrations[0].url = f.listener_url.clone();
        f.integrations[0].enabled = false;
        assert!(!f.readiness().get(ItemId::Otp).unwrap().ready);
    }

    #[test]
    fn live_queue_needs_member_events_to_this_listener_and_is_optional() {
        let mut f = ready_facts();
        assert!(f.readiness().get(ItemId::LiveQueue).unwrap().ready);
        f.integrations[0].observes_members = false;
        let r = f.readiness();
        assert!(!r.get(ItemId::LiveQueue).unwrap().ready);
        assert!(r.get(ItemId::Otp).unwrap().ready);
        assert!(r.all_ready(), "the live queue is not needed by any flow");
        assert_eq!(console_events().len(), 5, "within the five-events-per-webhook limit");
    }

    #[test]
    fn auto_create_means_no_approvals() {
        let mut f = ready_facts();
        f.auto_create = true;
        let r = f.readiness();
        assert!(!r.get(ItemId::Approvals).unwrap().ready);
        assert!(r.get(ItemId::SelfSignup).unwrap().ready);
    }

    #[test]
    fn email_profile_without_otp() {
        let mut f = ready_facts();
        f.profiles[0].otp = false;
        let r = f.readiness();
        assert!(r.get(ItemId::SelfSignup).unwrap().ready);
        assert!(!r.get(ItemId::Otp).unwrap().ready);
    }
}
