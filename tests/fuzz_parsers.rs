//! Property tests (bounded: a few hundred cases each) for the parsers that
//! read untrusted input: the webhook envelope and OTP payload, the secret
//! stripping and code redaction, the event log reader, and the API error
//! decoder. None may panic; each keeps its promises on any input.

use onboard::api::ApiError;
use onboard::api::decode;
use onboard::webhook::{
    Envelope, OtpEvent, OtpPayload, load_recent, redact_code, strip_secret_echo,
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

proptest! {
    #![proptest_config(config())]

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
