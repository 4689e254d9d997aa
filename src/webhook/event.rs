//! The webhook event envelope and the OTP event the console shows.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::secret::Secret;

/// The event key of an OTP request (`triggered_by`).
pub const OTP_EVENT: &str = "one-time-password-token-request.created";

/// How long an OTP code is valid after `created_at` (seed 004: 10 minutes).
pub const OTP_VALIDITY_MINUTES: i64 = 10;

/// An accepted `one-time-password-token-request.created` delivery.
#[derive(Clone, PartialEq)]
pub struct OtpEvent {
    /// The event id (top-level `id`); deliveries are deduplicated on it.
    pub id: String,
    pub triggered_by: String,
    /// Delivery attempt (`attempt`, 1 when the body has none).
    pub attempt: u32,
    /// When this listener accepted the delivery (of the attempt kept).
    pub received_at: DateTime<Utc>,
    /// `integration.id`, when present.
    pub integration_id: Option<String>,
    pub payload: OtpPayload,
    /// The event as received (holds the code in clear: never log it).
    pub raw: Value,
}

/// The fields of an OTP event's `payload` the console needs.
#[derive(Debug, Clone, PartialEq)]
pub struct OtpPayload {
    /// `one_time_password_token`.
    pub code: Secret,
    /// `reset_password` or `passwordless_authentication`.
    pub purpose: String,
    pub password_profile_id: String,
    pub authentication_realm_id: String,
    pub created_at: DateTime<Utc>,
    /// `user_authentication_info.id`.
    pub user_id: String,
    /// `user_authentication_info.name`.
    pub name: Option<String>,
    /// `user_authentication_info.email`.
    pub email: Option<String>,
    /// `user_authentication_password_profile_info.id`.
    pub profile_info_id: Option<String>,
    /// `user_authentication_password_profile_info.username`.
    pub username: String,
}

impl OtpEvent {
    /// When the code stops working: `created_at` + 10 minutes.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.payload.created_at + Duration::minutes(OTP_VALIDITY_MINUTES)
    }

    /// Builds an OTP event from a parsed body. `attempt` is the envelope's
    /// attempt (see [`Envelope`]).
    pub fn from_raw(raw: Value, received_at: DateTime<Utc>) -> Result<OtpEvent, String> {
        let env = Envelope::parse(&raw)?;
        if env.triggered_by != OTP_EVENT {
            return Err(format!("not an OTP event: {}", env.triggered_by));
        }
        let payload = OtpPayload::parse(raw.get("payload"))?;
        Ok(OtpEvent {
            id: env.id,
            triggered_by: env.triggered_by,
            attempt: env.attempt,
            received_at,
            integration_id: env.integration_id,
            payload,
            raw,
        })
    }
}

// `raw` holds the code in clear, so Debug leaves it out.
impl fmt::Debug for OtpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpEvent")
            .field("id", &self.id)
            .field("triggered_by", &self.triggered_by)
            .field("attempt", &self.attempt)
            .field("received_at", &self.received_at)
            .field("integration_id", &self.integration_id)
            .field("payload", &self.payload)
            .finish_non_exhaustive()
    }
}

/// The envelope fields every delivery must have (reference §2.13).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: String,
    pub triggered_by: String,
    /// `attempt`, 1 when absent (the seed 004 example has none).
    pub attempt: u32,
    pub integration_id: Option<String>,
}

impl Envelope {
    pub fn parse(v: &Value) -> Result<Envelope, String> {
        let obj = v.as_object().ok_or("the body is not a JSON object")?;
        let id = match obj.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err("missing or empty string field `id`".to_owned()),
        };
        let triggered_by = match obj.get("triggered_by") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err("missing or empty string field `triggered_by`".to_owned()),
        };
        let attempt = match obj.get("attempt") {
            None | Some(Value::Null) => 1,
            Some(a) => a
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("field `attempt` is not a non-negative integer")?,
        };
        let integration_id = obj
            .get("integration")
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Envelope { id, triggered_by, attempt, integration_id })
    }
}

/// Removes the secret Commerce echoes in every delivery
/// (`configuration.secret_key`, reference §2.13) from a body. Returns whether
/// there was one to remove. Called before an event is stored, printed or
/// forwarded.
pub fn strip_secret_echo(v: &mut Value) -> bool {
    v.get_mut("configuration")
        .and_then(Value::as_object_mut)
        .is_some_and(|c| c.remove("secret_key").is_some())
}

/// What an expired OTP code is replaced with in the event log.
pub const REDACTED_CODE: &str = "";

/// Blanks the OTP code of a body (`payload.one_time_password_token`). Returns
/// whether there was a non-empty code.
pub fn redact_code(v: &mut Value) -> bool {
    match v.get_mut("payload").and_then(|p| p.get_mut("one_time_password_token")) {
        Some(Value::String(code)) if !code.is_empty() => {
            *code = REDACTED_CODE.to_owned();
            true
        }
        _ => false,
    }
}

fn req_str(v: &Value, path: &[&str]) -> Result<String, String> {
    opt_str(v, path).ok_or_else(|| format!("missing string field `payload.{}`", path.join(".")))
}

fn opt_str(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_owned)
}

impl OtpPayload {
    pub fn parse(payload: Option<&Value>) -> Result<OtpPayload, String> {
        let p = match payload {
            Some(p @ Value::Object(_)) => p,
            _ => return Err("missing object field `payload`".to_owned()),
        };
        let created = req_str(p, &["created_at"])?;
        let created_at = DateTime::parse_from_rfc3339(&created)
            .map_err(|e| format!("`payload.created_at` is not an RFC 3339 time: {e}"))?
            .with_timezone(&Utc);
        Ok(OtpPayload {
            code: Secret::new(req_str(p, &["one_time_password_token"])?),
            purpose: req_str(p, &["purpose"])?,
            password_profile_id: req_str(p, &["password_profile_id"])?,
            authentication_realm_id: req_str(p, &["authentication_realm_id"])?,
            created_at,
            user_id: req_str(p, &["user_authentication_info", "id"])?,
            name: opt_str(p, &["user_authentication_info", "name"]),
            email: opt_str(p, &["user_authentication_info", "email"]),
            profile_info_id: opt_str(p, &["user_authentication_password_profile_info", "id"]),
            username: req_str(p, &["user_authentication_password_profile_info", "username"])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../tests/fixtures/otp_event_seed004.json");

    #[test]
    fn parses_seed_004() {
        let raw: Value = serde_json::from_str(SEED).unwrap();
        let ev = OtpEvent::from_raw(raw, Utc::now()).unwrap();
        assert_eq!(ev.id, "31ca9869-a6eb-4f06-989c-17900fa12f2d");
        assert_eq!(ev.attempt, 1);
        assert_eq!(ev.integration_id.as_deref(), Some("145d7084-7b00-4f10-9d55-0ecd49c1a2bb"));
        assert_eq!(ev.payload.code.expose(), "lprvj4");
        assert_eq!(ev.payload.purpose, "reset_password");
        assert_eq!(ev.payload.username, "john.doe@banks.com");
        assert_eq!(ev.payload.email.as_deref(), Some("john.doe@banks.com"));
        assert_eq!(ev.payload.user_id, "459a2d49-ff3f-4589-b9fb-7e86ac7273f4");
        assert_eq!(
            ev.payload.profile_info_id.as_deref(),
            Some("d63be373-580d-4e16-818b-15513341e9b6")
        );
        assert_eq!(ev.payload.created_at.to_rfc3339(), "2023-09-05T14:53:01.584+00:00");
        assert_eq!(ev.expires_at().to_rfc3339(), "2023-09-05T15:03:01.584+00:00");
        let dbg = format!("{ev:?}");
        assert!(!dbg.contains("lprvj4"), "{dbg}");
    }

    #[test]
    fn the_secret_echo_is_stripped_and_codes_redacted() {
        let mut raw: Value = serde_json::from_str(SEED).unwrap();
        raw["configuration"]["secret_key"] = Value::from("hush");
        assert!(strip_secret_echo(&mut raw));
        assert!(!raw.to_string().contains("hush"));
        assert_eq!(raw["configuration"]["url"], SEED_URL);
        assert!(!strip_secret_echo(&mut raw), "nothing left to strip");
        assert!(!strip_secret_echo(&mut serde_json::json!({"configuration": 3})));
        assert!(redact_code(&mut raw));
        assert!(!raw.to_string().contains("lprvj4"));
        assert!(!redact_code(&mut raw));
        // A redacted event still parses (the console shows it as expired).
        assert!(OtpEvent::from_raw(raw, Utc::now()).is_ok());
    }

    const SEED_URL: &str = "https://webhook.site/24b00ff8-90ae-439f-a400-30c53d5ba964";

    #[test]
    fn envelope_errors() {
        assert!(Envelope::parse(&serde_json::json!([])).is_err());
        assert!(Envelope::parse(&serde_json::json!({"triggered_by": "x"})).is_err());
        assert!(
            Envelope::parse(&serde_json::json!({"id": "a", "triggered_by": "x", "attempt": -1}))
                .is_err()
        );
        let e = Envelope::parse(&serde_json::json!({"id": "a", "triggered_by": "x", "attempt": 3}))
            .unwrap();
        assert_eq!(e.attempt, 3);
    }
}
