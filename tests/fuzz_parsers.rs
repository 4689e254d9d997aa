//! Property tests (bounded: a few hundred cases each) for the parsers that
//! read untrusted input: the webhook envelope and OTP payload, the secret
//! stripping and code redaction, the event log reader, and the API error
//! decoder. None may panic; each keeps its promises on any input.

use onboard::api::ApiError;
use onboard::api::decode;
use onboard::webhook::{
    Delivery, Envelope, OTP_EVENT, OtpEvent, OtpPayload, load_recent, redact_code,
    secret_echo_span, strip_secret_echo,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const SEED: &str = include_str!("fixtures/otp_event_seed004.json");

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Any JSON value, a few levels deep, with keys the parsers look for mixed in.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("triggered_by".to_owned()),
        Just("attempt".to_owned()),
        Just("payload".to_owned()),
        Just("configuration".to_owned()),
        Just("secret_key".to_owned()),
        Just("one_time_password_token".to_owned()),
        Just("created_at".to_owned()),
        Just("integration".to_owned()),
        Just("user_authentication_info".to_owned()),
        Just("username".to_owned()),
        Just("errors".to_owned()),
        Just("detail".to_owned()),
        Just("status".to_owned()),
        Just("data".to_owned()),
        "[a-z_]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::from("2023-09-05T14:53:01.584+00:00")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The seed with one field replaced somewhere in it.
fn mutated_seed() -> impl Strategy<Value = Value> {
    let paths: Vec<Vec<&'static str>> = vec![
        vec!["id"],
        vec!["triggered_by"],
        vec!["attempt"],
        vec!["payload"],
        vec!["payload", "created_at"],
        vec!["payload", "one_time_password_token"],
        vec!["payload", "user_authentication_info"],
        vec!["payload", "user_authentication_password_profile_info", "username"],
        vec!["configuration"],
        vec!["configuration", "secret_key"],
        vec!["integration", "id"],
    ];
    (prop::sample::select(paths), json_value(), any::<bool>()).prop_map(|(path, v, remove)| {
        let mut seed: Value = serde_json::from_str(SEED).unwrap_or(Value::Null);
        let mut cur = &mut seed;
        for p in &path[..path.len() - 1] {
            cur = match cur.get_mut(*p) {
                Some(c) => c,
                None => return seed,
            };
        }
        if let Some(obj) = cur.as_object_mut() {
            let last = path[path.len() - 1];
            if remove {
                obj.remove(last);
            } else {
                obj.insert(last.to_owned(), v);
            }
        }
        seed
    })
}

/// The rules the listener applied to a parsed `Value` before it read the
/// body in one pass (`Delivery::parse`): the oracle the one-pass parser must
/// agree with, message for message.
mod oracle {
    use serde_json::Value;

    pub type Fields = (String, String, u32, Option<String>);

    pub fn envelope(v: &Value) -> Result<Fields, String> {
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
        let integration = obj
            .get("integration")
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok((id, triggered_by, attempt, integration))
    }

    fn opt(v: &Value, path: &[&str]) -> Option<String> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_str().map(str::to_owned)
    }

    fn req(v: &Value, path: &[&str]) -> Result<String, String> {
        opt(v, path).ok_or_else(|| format!("missing string field `payload.{}`", path.join(".")))
    }

    /// The payload's strings in field order, or the first error.
    pub fn payload(p: Option<&Value>) -> Result<Vec<Option<String>>, String> {
        let p = match p {
            Some(p @ Value::Object(_)) => p,
            _ => return Err("missing object field `payload`".to_owned()),
        };
        let created = req(p, &["created_at"])?;
        chrono::DateTime::parse_from_rfc3339(&created)
            .map_err(|e| format!("`payload.created_at` is not an RFC 3339 time: {e}"))?;
        Ok(vec![
            Some(req(p, &["one_time_password_token"])?),
            Some(req(p, &["purpose"])?),
            Some(req(p, &["password_profile_id"])?),
            Some(req(p, &["authentication_realm_id"])?),
            Some(req(p, &["user_authentication_info", "id"])?),
            opt(p, &["user_authentication_info", "name"]),
            opt(p, &["user_authentication_info", "email"]),
            opt(p, &["user_authentication_password_profile_info", "id"]),
            Some(req(p, &["user_authentication_password_profile_info", "username"])?),
        ])
    }
}

/// `Delivery::parse` on the text of `v` against the oracle on `v`.
fn agrees_with_the_oracle(v: &Value) -> Result<(), TestCaseError> {
    let got = Delivery::parse(&v.to_string());
    let from_value = Delivery::from_value(v);
    let want = oracle::envelope(v).and_then(|env| {
        let otp = if env.1 == OTP_EVENT { Some(oracle::payload(v.get("payload"))?) } else { None };
        Ok((env, otp))
    });
    let mut stripped = v.clone();
    let echo = strip_secret_echo(&mut stripped);
    for got in [got, from_value] {
        match (&got, &want) {
            (Ok(d), Ok((env, otp))) => {
                let e = &d.envelope;
                prop_assert_eq!(
                    (&e.id, &e.triggered_by, e.attempt, &e.integration_id),
                    (&env.0, &env.1, env.2, &env.3)
                );
                let p = d.otp.as_ref().map(|p| {
                    vec![
                        Some(p.code.expose().to_owned()),
                        Some(p.purpose.clone()),
                        Some(p.password_profile_id.clone()),
                        Some(p.authentication_realm_id.clone()),
                        Some(p.user_id.clone()),
                        p.name.clone(),
                        p.email.clone(),
                        p.profile_info_id.clone(),
                        Some(p.username.clone()),
                    ]
                });
                prop_assert_eq!(&p, otp);
                prop_assert_eq!(d.secret_echo, echo, "{}", v);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} against {:?} for {}", a, b, v),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// The one-pass parser keeps every rule (and message) of the value-based
    /// checks it replaced, on any JSON and on damaged copies of the seed.
    #[test]
    fn the_one_pass_parser_agrees_with_the_value_rules(v in json_value()) {
        agrees_with_the_oracle(&v)?;
    }

    #[test]
    fn the_one_pass_parser_agrees_on_damaged_seeds(v in mutated_seed()) {
        agrees_with_the_oracle(&v)?;
    }

    #[test]
    fn webhook_parsers_never_panic_on_any_json(v in json_value()) {
        let env = Envelope::parse(&v);
        if let Ok(env) = &env {
            prop_assert!(!env.id.is_empty() && !env.triggered_by.is_empty());
        }
        let _ = OtpPayload::parse(v.get("payload"));
        let _ = OtpEvent::from_raw(v.clone(), chrono::Utc::now());
        let mut s = v.clone();
        strip_secret_echo(&mut s);
        prop_assert!(s.get("configuration").and_then(|c| c.get("secret_key")).is_none());
        let mut r = v;
        redact_code(&mut r);
        let code = r.get("payload").and_then(|p| p.get("one_time_password_token"));
        prop_assert!(code.and_then(Value::as_str).is_none_or(str::is_empty));
    }

    #[test]
    fn mutated_seed_events_parse_or_fail_cleanly(v in mutated_seed()) {
        if let Ok(ev) = OtpEvent::from_raw(v.clone(), chrono::Utc::now()) {
            prop_assert_eq!(Some(ev.id.as_str()), v["id"].as_str());
            prop_assert!(ev.expires_at() > ev.payload.created_at);
            let shown = format!("{ev:?}");
            prop_assert!(!shown.contains("lprvj4"));
        }
    }

    /// Cutting the echo's byte span out of a body gives exactly the body with
    /// the member removed, in compact and pretty layouts.
    #[test]
    fn the_echo_span_matches_the_stripped_value(
        mut v in json_value(),
        conf in json_value(),
        secret in ".{0,16}",
        pretty in any::<bool>(),
    ) {
        if !v.is_object() {
            v = json!({"x": v});
        }
        let mut conf = if conf.is_object() { conf } else { json!({"url": conf}) };
        conf["secret_key"] = Value::from(secret.clone());
        v["configuration"] = conf;
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let span = secret_echo_span(text.as_bytes());
        prop_assert!(span.is_some(), "{}", text);
        let r = span.unwrap_or(0..0);
        let mut cut = text.as_bytes()[..r.start].to_vec();
        cut.extend_from_slice(&text.as_bytes()[r.end..]);
        let back: Value = serde_json::from_slice(&cut).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&cut))))?;
        let mut want = v;
        prop_assert!(strip_secret_echo(&mut want));
        // Compare parsed with parsed (floats do not round-trip exactly).
        let want: Value = serde_json::from_str(&want.to_string())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, want);
    }

    #[test]
    fn the_echo_span_never_panics_on_any_json(v in json_value()) {
        let text = v.to_string();
        if let Some(r) = secret_echo_span(text.as_bytes()) {
            prop_assert!(r.start <= r.end && r.end <= text.len());
        }
    }

    #[test]
    fn webhook_parsers_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            let _ = Envelope::parse(&v);
            let _ = OtpEvent::from_raw(v, chrono::Utc::now());
        }
    }

    #[test]
    fn api_error_decoder_never_panics(
        status in prop_oneof![Just(200u16), Just(201), Just(400), Just(401), Just(404),
                              Just(409), Just(422), Just(429), Just(500), 100u16..600],
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            json_value().prop_map(|v| json!({"errors": [v]}).to_string().into_bytes()),
            json_value().prop_map(|v| json!({"errors": v}).to_string().into_bytes()),
        ],
    ) {
        let e = ApiError::from_response(status, &body);
        prop_assert_eq!(e.status(), Some(status));
        let line = e.summary();
        prop_assert!(!line.is_empty());
        prop_assert!(!line.contains('\n'), "{}", line);
        let _ = e.first_source();
        let _ = decode::data::<Value>(status, &body);
        let _ = decode::page::<Value>(status, &body);
        let _ = decode::bare::<Value>(status, &body);
        let _ = decode::token_response(status, &body);
        let _ = decode::am_tokens(status, &body);
        let _ = decode::bi_user(status, &body);
        if !(200..300).contains(&status) {
            prop_assert!(decode::empty(status, &body).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..config() })]

    /// The event log reader skips what it cannot read and never panics.
    #[test]
    fn event_log_reader_survives_garbage(
        lines in prop::collection::vec(prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            json_value().prop_map(|v| json!({"received_at": "2024-01-01T00:00:00Z",
                "attempt": 1, "id": "x", "triggered_by": "one-time-password-token-request.created",
                "event": v}).to_string().into_bytes()),
        ], 0..20),
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("events.jsonl");
        let mut text = Vec::new();
        for l in &lines {
            text.extend(l.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
            text.push(b'\n');
        }
        std::fs::write(&path, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (events, _warnings) = load_recent(&path, 5);
        prop_assert!(events.len() <= 5);
    }
}
