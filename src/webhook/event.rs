//! The webhook event envelope and the OTP event the console shows.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
    /// The event as received, minus the secret echo (holds the code in clear:
    /// never log it).
    pub raw: RawJson,
}

/// The JSON text of an event body, parsed only when somebody looks at it (the
/// details view, `listen --json`): the listener's hot path never builds a
/// [`Value`] of an OTP event.
#[derive(Clone, PartialEq, Eq)]
pub struct RawJson(Arc<str>);

impl RawJson {
    /// The text, which the caller vouches is JSON (it has been parsed).
    pub(crate) fn from_checked(text: impl Into<Arc<str>>) -> RawJson {
        RawJson(text.into())
    }

    pub fn from_value(v: &Value) -> RawJson {
        RawJson(v.to_string().into())
    }

    pub fn text(&self) -> &str {
        &self.0
    }

    /// The body as a JSON value (`Null` if the text somehow is not JSON).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

// The text holds the code in clear.
impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({} bytes)", self.0.len())
    }
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
        let d = Delivery::from_value(&raw)?;
        let Some(payload) = d.otp else {
            return Err(format!("not an OTP event: {}", d.envelope.triggered_by));
        };
        Ok(OtpEvent::new(d.envelope, payload, received_at, RawJson::from_value(&raw)))
    }

    pub(crate) fn new(
        env: Envelope,
        payload: OtpPayload,
        received_at: DateTime<Utc>,
        raw: RawJson,
    ) -> OtpEvent {
        OtpEvent {
            id: env.id,
            triggered_by: env.triggered_by,
            attempt: env.attempt,
            received_at,
            integration_id: env.integration_id,
            payload,
            raw,
        }
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
        Ok(Delivery::from_value(v)?.envelope)
    }
}

/// What the listener needs of a delivery body, checked in one pass over the
/// bytes ([`Delivery::parse`]) or over a parsed value ([`Delivery::from_value`]),
/// with the same rules and messages either way.
#[derive(Debug)]
pub struct Delivery {
    pub envelope: Envelope,
    /// The OTP fields, when `triggered_by` is the OTP event.
    pub otp: Option<OtpPayload>,
    /// Whether the body holds the secret echo (`configuration.secret_key`).
    pub secret_echo: bool,
}

impl Delivery {
    /// Parses and checks a body: `Err` is the reason for a 400. The body is
    /// parsed once, into borrowed fields (no [`Value`] is built).
    pub fn parse(body: &str) -> Result<Delivery, String> {
        let wire: Obj<WireBody<'_>> =
            serde_json::from_str(body).map_err(|e| format!("malformed JSON: {e}"))?;
        Delivery::check(wire)
    }

    pub fn from_value(v: &Value) -> Result<Delivery, String> {
        // A `Value` is always well formed; only the shape can be wrong.
        let wire = Obj::<WireBody<'_>>::deserialize(v).map_err(|e| format!("{e}"))?;
        Delivery::check(wire)
    }

    fn check(wire: Obj<WireBody<'_>>) -> Result<Delivery, String> {
        let Obj::Map(w) = wire else {
            return Err("the body is not a JSON object".to_owned());
        };
        let id = match w.id {
            Some(Loose::Str(s)) if !s.is_empty() => s.into_owned(),
            _ => return Err("missing or empty string field `id`".to_owned()),
        };
        let triggered_by = match w.triggered_by {
            Some(Loose::Str(s)) if !s.is_empty() => s.into_owned(),
            _ => return Err("missing or empty string field `triggered_by`".to_owned()),
        };
        let attempt = match w.attempt {
            None | Some(Loose::Null) => 1,
            Some(Loose::U64(n)) => u32::try_from(n)
                .map_err(|_| "field `attempt` is not a non-negative integer".to_owned())?,
            Some(_) => return Err("field `attempt` is not a non-negative integer".to_owned()),
        };
        let integration_id = match w.integration {
            Some(Obj::Map(i)) => i.id.and_then(Loose::into_string),
            _ => None,
        };
        let secret_echo =
            matches!(w.configuration, Some(Obj::Map(WireConf { secret_key: Present(true) })));
        let otp =
            if triggered_by == OTP_EVENT { Some(OtpPayload::check(w.payload)?) } else { None };
        Ok(Delivery {
            envelope: Envelope { id, triggered_by, attempt, integration_id },
            otp,
            secret_echo,
        })
    }
}

/// A JSON value reduced to what the checks need: strings (borrowed from the
/// body where possible), non-negative integers, null, or "something else"
/// (skipped without building it).
enum Loose<'a> {
    Str(Cow<'a, str>),
    U64(u64),
    Null,
    Other,
}

impl Loose<'_> {
    fn into_string(self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s.into_owned()),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose<'a>, E> {
                Ok(Loose::U64(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose<'a>, E> {
                Ok(u64::try_from(v).map_or(Loose::Other, Loose::U64))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Loose<'a>, E> {
                Ok(Loose::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Loose<'a>, E> {
                Ok(Loose::Other)
            }
            fn visit_unit<E>(self) -> Result<Loose<'a>, E> {
                Ok(Loose::Null)
            }
            fn visit_none<E>(self) -> Result<Loose<'a>, E> {
                Ok(Loose::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Loose<'a>, D2::Error> {
                Loose::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Loose<'a>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Loose<'a>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An object read as `T`, or any other value (skipped).
enum Obj<T> {
    Map(T),
    NotMap,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(a)).map(Obj::Map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Obj<T>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj::NotMap)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Obj<T>, D2::Error> {
                Obj::deserialize(d)
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_unit<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
            fn visit_none<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj::NotMap)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Whether a member is there, whatever its value (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

// The members of a delivery the listener reads; every other member is skipped
// unbuilt. A member given twice is refused (the derive's "duplicate field"),
// where a `Value` would silently keep the last.
#[derive(Deserialize)]
struct WireBody<'a> {
    #[serde(borrow, default)]
    id: Option<Loose<'a>>,
    #[serde(borrow, default)]
    triggered_by: Option<Loose<'a>>,
    #[serde(borrow, default)]
    attempt: Option<Loose<'a>>,
    #[serde(borrow, default)]
    integration: Option<Obj<WireId<'a>>>,
    #[serde(borrow, default)]
    payload: Option<Obj<WirePayload<'a>>>,
    #[serde(default)]
    configuration: Option<Obj<WireConf>>,
}

#[derive(Deserialize)]
struct WireId<'a> {
    #[serde(borrow, default)]
    id: Option<Loose<'a>>,
}

#[derive(Deserialize)]
struct WireConf {
    #[serde(default)]
    secret_key: Present,
}

#[derive(Deserialize)]
struct WirePayload<'a> {
    #[serde(borrow, default)]
    one_time_password_token: Option<Loose<'a>>,
    #[serde(borrow, default)]
    purpose: Option<Loose<'a>>,
    #[serde(borrow, default)]
    password_profile_id: Option<Loose<'a>>,
    #[serde(borrow, default)]
    authentication_realm_id: Option<Loose<'a>>,
    #[serde(borrow, default)]
    created_at: Option<Loose<'a>>,
    #[serde(borrow, default)]
    user_authentication_info: Option<Obj<WireUser<'a>>>,
    #[serde(borrow, default)]
    user_authentication_password_profile_info: Option<Obj<WireProfileInfo<'a>>>,
}

#[derive(Deserialize)]
struct WireUser<'a> {
    #[serde(borrow, default)]
    id: Option<Loose<'a>>,
    #[serde(borrow, default)]
    name: Option<Loose<'a>>,
    #[serde(borrow, default)]
    email: Option<Loose<'a>>,
}

#[derive(Deserialize)]
struct WireProfileInfo<'a> {
    #[serde(borrow, default)]
    id: Option<Loose<'a>>,
    #[serde(borrow, default)]
    username: Option<Loose<'a>>,
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

/// The byte range to cut from a body so that it no longer holds the member
/// `configuration.secret_key` (the member and one adjacent comma), or `None`
/// when there is no such member. `body` must be valid JSON (it has been
/// parsed): the scan only tracks strings, nesting and the keys on the way, so
/// the listener can store the body as received minus the echo without
/// serializing it again.
pub fn secret_echo_span(body: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut i = skip_ws(body, 0);
    if body.get(i) != Some(&b'{') {
        return None;
    }
    // Walk the top-level members to the `configuration` object.
    i += 1;
    loop {
        i = skip_ws(body, i);
        match body.get(i)? {
            b'}' => return None,
            b',' => i += 1,
            b'"' => {
                let (key_end, is_conf) = key_is(body, i, b"configuration")?;
                i = skip_ws(body, key_end);
                if body.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_ws(body, i + 1);
                if is_conf && body.get(i) == Some(&b'{') {
                    return member_span(body, i, b"secret_key");
                }
                i = skip_value(body, i)?;
            }
            _ => return None,
        }
    }
}

/// In the object starting at `open`, the span of member `name` with one
/// adjacent comma (the following one, else the preceding one).
fn member_span(body: &[u8], open: usize, name: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut i = open + 1;
    let mut prev_comma: Option<usize> = None;
    loop {
        i = skip_ws(body, i);
        match body.get(i)? {
            b'}' => return None,
            b',' => {
                prev_comma = Some(i);
                i += 1;
            }
            b'"' => {
                let start = i;
                let (key_end, hit) = key_is(body, i, name)?;
                i = skip_ws(body, key_end);
                if body.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_value(body, skip_ws(body, i + 1))?;
                if hit {
                    let after = skip_ws(body, i);
                    return Some(match body.get(after) {
                        Some(b',') => start..after + 1,
                        _ => prev_comma.unwrap_or(start)..i,
                    });
                }
            }
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the string starting at `i` (just past its closing quote).
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        // Jump to the next quote or backslash (most of a body is strings).
        i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        match b[i] {
            b'\\' => i += 2,
            _ => return Some(i + 1),
        }
    }
}

/// The string key at `i`: its end and whether it is exactly `name` (an
/// escaped spelling of the name counts too).
fn key_is(b: &[u8], i: usize, name: &[u8]) -> Option<(usize, bool)> {
    let end = skip_string(b, i)?;
    let raw = &b[i + 1..end - 1];
    let hit = raw == name
        || (raw.contains(&b'\\')
            && serde_json::from_slice::<String>(&b[i..end]).is_ok_and(|k| k.as_bytes() == name));
    Some((end, hit))
}

/// The end of the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            Some(j)
        }
    }
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

fn req(v: Option<Loose<'_>>, path: &str) -> Result<String, String> {
    v.and_then(Loose::into_string).ok_or_else(|| format!("missing string field `payload.{path}`"))
}

fn opt(v: Option<Loose<'_>>) -> Option<String> {
    v.and_then(Loose::into_string)
}

impl OtpPayload {
    pub fn parse(payload: Option<&Value>) -> Result<OtpPayload, String> {
        let wire = match payload {
            Some(p) => Some(Obj::<WirePayload<'_>>::deserialize(p).map_err(|e| format!("{e}"))?),
            None => None,
        };
        OtpPayload::check(wire)
    }

    fn check(payload: Option<Obj<WirePayload<'_>>>) -> Result<OtpPayload, String> {
        let Some(Obj::Map(p)) = payload else {
            return Err("missing object field `payload`".to_owned());
        };
        let created = req(p.created_at, "created_at")?;
        let created_at = DateTime::parse_from_rfc3339(&created)
            .map_err(|e| format!("`payload.created_at` is not an RFC 3339 time: {e}"))?
            .with_timezone(&Utc);
        let code = Secret::new(req(p.one_time_password_token, "one_time_password_token")?);
        let purpose = req(p.purpose, "purpose")?;
        let password_profile_id = req(p.password_profile_id, "password_profile_id")?;
        let authentication_realm_id = req(p.authentication_realm_id, "authentication_realm_id")?;
        let (user_id, name, email) = match p.user_authentication_info {
            Some(Obj::Map(u)) => (u.id, opt(u.name), opt(u.email)),
            _ => (None, None, None),
        };
        let user_id = req(user_id, "user_authentication_info.id")?;
        let (profile_info_id, username) = match p.user_authentication_password_profile_info {
            Some(Obj::Map(i)) => (opt(i.id), i.username),
            _ => (None, None),
        };
        let username = req(username, "user_authentication_password_profile_info.username")?;
        Ok(OtpPayload {
            code,
            purpose,
            password_profile_id,
            authentication_realm_id,
            created_at,
            user_id,
            name,
            email,
            profile_info_id,
            username,
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

    #[test]
    fn the_echo_span_cuts_exactly_the_member() {
        let cases = [
            (
                r#"{"configuration":{"url":"u","secret_key":"s"},"id":"a"}"#,
                Some(r#"{"configuration":{"url":"u"},"id":"a"}"#),
            ),
            (
                r#"{"configuration":{"secret_key":"s","url":"u"}}"#,
                Some(r#"{"configuration":{"url":"u"}}"#),
            ),
            (r#"{"configuration":{"secret_key":"s"}}"#, Some(r#"{"configuration":{}}"#)),
            (
                r#" { "a" : {"configuration":{"secret_key":"x"}} , "configuration" : { "url" : "u" , "secret_key" : "s\"}" } } "#,
                Some(
                    r#" { "a" : {"configuration":{"secret_key":"x"}} , "configuration" : { "url" : "u"  } } "#,
                ),
            ),
            (r#"{"configuration":{"secret\u005fkey":"s"}}"#, Some(r#"{"configuration":{}}"#)),
            (r#"{"payload":{"secret_key":"s"}}"#, None),
            (r#"{"configuration":"secret_key"}"#, None),
            (r#"[{"configuration":{"secret_key":"s"}}]"#, None),
        ];
        for (input, want) in cases {
            let got = secret_echo_span(input.as_bytes()).map(|r| {
                let mut out = input.as_bytes()[..r.start].to_vec();
                out.extend_from_slice(&input.as_bytes()[r.end..]);
                String::from_utf8(out).unwrap()
            });
            assert_eq!(got.as_deref(), want, "{input}");
            if let Some(w) = want {
                let mut v: Value = serde_json::from_str(input).unwrap();
                strip_secret_echo(&mut v);
                assert_eq!(serde_json::from_str::<Value>(w).unwrap(), v, "{input}");
            }
        }
        let seed = SEED.as_bytes();
        let r = secret_echo_span(seed).unwrap();
        let mut cut = seed[..r.start].to_vec();
        cut.extend_from_slice(&seed[r.end..]);
        let mut v: Value = serde_json::from_str(SEED).unwrap();
        strip_secret_echo(&mut v);
        assert_eq!(serde_json::from_slice::<Value>(&cut).unwrap(), v);
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
