//! What the API call inspector sees of a request, made safe before it leaves
//! the client: header values and body fields that carry secrets are replaced
//! by a placeholder naming the shell variable that stands for them
//! (`«$EPCC_TOKEN»`), bodies are capped at [`BODY_CAP`], and [`curl`] turns a
//! record back into a command that reproduces the call in bash with those
//! variables.
//!
//! Redaction is by name, at any depth: JSON object keys, form fields and query
//! parameters listed in [`is_secret_key`], and header names in
//! [`is_secret_header`]. As a second line of defence every secret value the
//! client sent in a request is also scrubbed from the response and the error
//! text of the same record (a server that echoes a password cannot leak it).

use reqwest::header::HeaderMap;
use serde_json::Value;

/// Largest body kept per request or response (64 KiB); longer bodies are cut
/// after redaction and marked [`CapturedBody::truncated`].
pub const BODY_CAP: usize = 64 * 1024;

/// Opens and closes a redaction placeholder: `«$VAR»`.
pub const MARK_OPEN: &str = "«$";
pub const MARK_CLOSE: &str = "»";

/// The placeholder that replaces a secret: `«$VAR»`.
pub fn placeholder(var: &str) -> String {
    format!("{MARK_OPEN}{var}{MARK_CLOSE}")
}

/// How the request authenticated (which token stood in `Authorization`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthKind {
    #[default]
    None,
    /// client_credentials bearer: `$EPCC_TOKEN`.
    Admin,
    /// implicit bearer: `$EPCC_IMPLICIT_TOKEN`.
    Implicit,
    /// implicit bearer plus the member's account-management token: `$EPCC_AM_TOKEN`.
    Member,
    /// A fixed API token (Beyond Identity): `$BI_API_TOKEN`.
    Static,
}

impl AuthKind {
    /// The shell variable holding the bearer, if any.
    pub fn bearer_var(self) -> Option<&'static str> {
        match self {
            AuthKind::None => None,
            AuthKind::Admin => Some("EPCC_TOKEN"),
            AuthKind::Implicit | AuthKind::Member => Some("EPCC_IMPLICIT_TOKEN"),
            AuthKind::Static => Some("BI_API_TOKEN"),
        }
    }
}

/// Shell variable standing for the account-management token header.
pub const AM_TOKEN_VAR: &str = "EPCC_AM_TOKEN";

/// A request or response body as the inspector keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedBody {
    pub kind: BodyKind,
    /// The redacted body (compact JSON, a form string or text), at most
    /// [`BODY_CAP`] bytes.
    pub text: String,
    /// Size of the body on the wire.
    pub len: usize,
    /// `text` was cut at [`BODY_CAP`].
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyKind {
    #[default]
    Json,
    Form,
    Text,
    /// Not UTF-8: only its size is kept.
    Binary,
}

impl CapturedBody {
    fn new(kind: BodyKind, text: String, len: usize) -> Self {
        let (text, truncated) = cap(text);
        CapturedBody { kind, text, len, truncated }
    }

    /// The body for reading: JSON pretty-printed (when it was not cut), a form
    /// one field per line, anything else as it is. Call once, not per frame.
    pub fn pretty(&self) -> String {
        match self.kind {
            BodyKind::Json if !self.truncated => serde_json::from_str::<Value>(&self.text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| self.text.clone()),
            BodyKind::Form => self.text.split('&').collect::<Vec<_>>().join("\n"),
            BodyKind::Binary => format!("({} bytes, not text)", self.len),
            _ => self.text.clone(),
        }
    }
}

/// Cuts `s` to [`BODY_CAP`] bytes on a character boundary.
fn cap(mut s: String) -> (String, bool) {
    if s.len() <= BODY_CAP {
        return (s, false);
    }
    let mut end = BODY_CAP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    (s, true)
}

/// Whether a JSON key, form field or query parameter holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    const EXACT: &[&str] = &[
        "password",
        "new_password",
        "current_password",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "secret",
        "secret_key",
        "api_key",
        "api_token",
        "one_time_password_token",
        "binding_token",
        "credential_binding_link",
        "authorization",
    ];
    EXACT.contains(&k.as_str())
        || k.ends_with("_token")
        || k.ends_with("_secret")
        || k.ends_with("_password")
        || k.ends_with("secret_key")
}

/// Whether a header carries a secret (its value is masked).
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "proxy-authorization"
        || n == "cookie"
        || n == "set-cookie"
        || n.contains("token")
        || n.contains("secret")
        || n.contains("password")
        || n.contains("api-key")
}

/// The shell variable standing for a secret field.
pub fn var_for_key(key: &str) -> String {
    let k = key.to_ascii_lowercase().replace('-', "_");
    match k.as_str() {
        "password" | "new_password" => "MEMBER_PASSWORD".into(),
        "client_secret" => "EPCC_CLIENT_SECRET".into(),
        "one_time_password_token" => "MEMBER_OTP".into(),
        "secret_key" => "WEBHOOK_SECRET".into(),
        "access_token" => "ACCESS_TOKEN".into(),
        _ => k
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
            .collect(),
    }
}

/// The shell variable standing for a secret header.
fn var_for_header(name: &str, auth: AuthKind) -> String {
    let n = name.to_ascii_lowercase();
    if n == "authorization" {
        return auth.bearer_var().unwrap_or("AUTHORIZATION").to_owned();
    }
    if n == super::http::AM_TOKEN_HEADER.to_ascii_lowercase() {
        return AM_TOKEN_VAR.to_owned();
    }
    n.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect()
}

/// Collects the secret values found while redacting, to scrub echoes later.
#[derive(Debug, Default)]
pub struct Scrubber {
    values: Vec<(String, String)>,
}

impl Scrubber {
    fn remember(&mut self, value: &str, var: &str) {
        // Very short values ("1", "ok") would scrub innocent text.
        if value.chars().count() >= 4 && !self.values.iter().any(|(v, _)| v == value) {
            self.values.push((value.to_owned(), var.to_owned()));
        }
    }

    /// Adds a secret the caller knows of (e.g. the bearer token).
    pub fn add(&mut self, value: &str, var: &str) {
        self.remember(value, var);
    }

    /// Replaces every remembered secret value in `s` by its placeholder.
    pub fn scrub(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (v, var) in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), &placeholder(var));
            }
            // A value may also appear JSON- or URL-escaped.
            let enc = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
            if enc != *v && out.contains(enc.as_str()) {
                out = out.replace(enc.as_str(), &placeholder(var));
            }
        }
        out
    }
}

/// Redacts every secret field of a JSON value, at any depth.
pub fn redact_json(v: &mut Value, scrub: &mut Scrubber) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret_key(k) && !val.is_null() {
                    let var = var_for_key(k);
                    match &*val {
                        Value::String(s) => scrub.remember(s, &var),
                        other => scrub.remember(&other.to_string(), &var),
                    }
                    *val = Value::String(placeholder(&var));
                } else {
                    redact_json(val, scrub);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_json(i, scrub)),
        _ => {}
    }
}

/// Redacts secret fields of form pairs.
pub fn redact_pairs(pairs: &[(String, String)], scrub: &mut Scrubber) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            if is_secret_key(k) {
                let var = var_for_key(k);
                scrub.remember(v, &var);
                (k.clone(), placeholder(&var))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

fn encode_pair(k: &str, v: &str) -> String {
    // Placeholders are kept readable; everything else is encoded as sent.
    let enc = |s: &str| {
        if s.starts_with(MARK_OPEN) && s.ends_with(MARK_CLOSE) {
            s.to_owned()
        } else {
            form_encode(s)
        }
    };
    format!("{}={}", enc(k), enc(v))
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn form_decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// Captures a JSON request body (redacted).
pub fn json_body(v: &Value, scrub: &mut Scrubber) -> CapturedBody {
    let len = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(0);
    let mut v = v.clone();
    redact_json(&mut v, scrub);
    CapturedBody::new(BodyKind::Json, v.to_string(), len)
}

/// Captures a form request body (redacted).
pub fn form_body(pairs: &[(String, String)], scrub: &mut Scrubber) -> CapturedBody {
    let len = pairs.iter().map(|(k, v)| form_encode(k).len() + form_encode(v).len() + 2).sum();
    let text = redact_pairs(pairs, scrub)
        .iter()
        .map(|(k, v)| encode_pair(k, v))
        .collect::<Vec<_>>()
        .join("&");
    CapturedBody::new(BodyKind::Form, text, len)
}

/// Captures a response body: JSON is redacted by key, a form body by field,
/// any other text by `key=value` / `"key":"value"` patterns; then every
/// secret the request carried is scrubbed. `None` for an empty body.
pub fn response_body(bytes: &[u8], scrub: &mut Scrubber) -> Option<CapturedBody> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let len = bytes.len();
    if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        redact_json(&mut v, scrub);
        return Some(CapturedBody::new(BodyKind::Json, scrub.scrub(&v.to_string()), len));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Some(CapturedBody {
            kind: BodyKind::Binary,
            text: String::new(),
            len,
            truncated: false,
        });
    };
    let looks_form = !text.contains(char::is_whitespace) && text.contains('=');
    if looks_form {
        let pairs: Vec<(String, String)> = text
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (form_decode(k), form_decode(v)),
                None => (form_decode(p), String::new()),
            })
            .collect();
        let text = redact_pairs(&pairs, scrub)
            .iter()
            .map(|(k, v)| encode_pair(k, v))
            .collect::<Vec<_>>()
            .join("&");
        return Some(CapturedBody::new(BodyKind::Form, scrub.scrub(&text), len));
    }
    Some(CapturedBody::new(BodyKind::Text, scrub.scrub(&redact_text(text)), len))
}

/// Redacts `key=value`, `key: value` and `"key":"value"` in free text.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        // Find the next identifier.
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < text.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-'))
            {
                i += 1;
            }
            let key = &text[start..i];
            out.push_str(key);
            if !is_secret_key(key) {
                continue;
            }
            // Separator: optional quote, spaces, `=` or `:`, spaces, optional quote.
            let mut j = i;
            if j < text.len() && bytes[j] == b'"' {
                j += 1;
            }
            while j < text.len() && bytes[j] == b' ' {
                j += 1;
            }
            if j >= text.len() || !matches!(bytes[j], b'=' | b':') {
                continue;
            }
            j += 1;
            while j < text.len() && bytes[j] == b' ' {
                j += 1;
            }
            let quoted = j < text.len() && bytes[j] == b'"';
            if quoted {
                j += 1;
            }
            let vstart = j;
            while j < text.len() {
                let b = bytes[j];
                let end = if quoted {
                    b == b'"'
                } else {
                    b == b'&' || b == b',' || b.is_ascii_whitespace() || b == b'}'
                };
                if end {
                    break;
                }
                j += 1;
            }
            if j == vstart {
                continue;
            }
            out.push_str(&text[i..vstart]);
            out.push_str(&placeholder(&var_for_key(key)));
            i = j;
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// Header name/value pairs with secret values masked (the scheme of an
/// `Authorization` value, e.g. `Bearer`, is kept).
pub fn headers(map: &HeaderMap, auth: AuthKind, scrub: &mut Scrubber) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if !is_secret_header(&name) {
                return (name, text);
            }
            let var = var_for_header(&name, auth);
            let (scheme, secret) = match text.split_once(' ') {
                Some((s, rest)) if name.eq_ignore_ascii_case("authorization") => {
                    (format!("{s} "), rest.to_owned())
                }
                _ => (String::new(), text),
            };
            scrub.remember(&secret, &var);
            let masked = format!("{scheme}{}", placeholder(&var));
            (name, masked)
        })
        .collect()
}

/// A path-and-query with secret query parameters redacted.
pub fn redact_query(path: &str, scrub: &mut Scrubber) -> String {
    let Some((p, q)) = path.split_once('?') else { return path.to_owned() };
    let parts: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => {
                let key = form_decode(k);
                if is_secret_key(&key) {
                    let var = var_for_key(&key);
                    scrub.remember(&form_decode(v), &var);
                    format!("{k}={}", placeholder(&var))
                } else {
                    pair.to_owned()
                }
            }
            None => pair.to_owned(),
        })
        .collect();
    format!("{p}?{}", parts.join("&"))
}

// ------------------------------------------------------------------ curl

/// Quotes `s` as one shell word: literal text in single quotes, each
/// placeholder `«$VAR»` as `"$VAR"`, so bash substitutes the variable.
pub fn shell_word(s: &str) -> String {
    fn flush(out: &mut String, lit: &mut String) {
        if !lit.is_empty() {
            out.push('\'');
            out.push_str(&lit.replace('\'', r"'\''"));
            out.push('\'');
            lit.clear();
        }
    }
    let mut out = String::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(start) = rest.find(MARK_OPEN) {
        let after = &rest[start + MARK_OPEN.len()..];
        let Some(end) = after.find(MARK_CLOSE) else { break };
        let var = &after[..end];
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            lit.push_str(&rest[..start + MARK_OPEN.len()]);
            rest = after;
            continue;
        }
        lit.push_str(&rest[..start]);
        flush(&mut out, &mut lit);
        out.push_str(&format!("\"${var}\""));
        rest = &after[end + MARK_CLOSE.len()..];
    }
    lit.push_str(rest);
    flush(&mut out, &mut lit);
    if out.is_empty() { "''".to_owned() } else { out }
}

/// The shell variables a command uses, in order of first use.
pub fn vars_in(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find(MARK_OPEN) {
        let after = &rest[start + MARK_OPEN.len()..];
        let Some(end) = after.find(MARK_CLOSE) else { break };
        let var = &after[..end];
        if !var.is_empty()
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !out.iter().any(|v| v == var)
        {
            out.push(var.to_owned());
        }
        rest = &after[end + MARK_CLOSE.len()..];
    }
    out
}

/// What [`curl`] needs of a request.
#[derive(Debug, Clone, Copy)]
pub struct CurlInput<'a> {
    pub method: &'a str,
    /// Base URL of the service (scheme, host, port).
    pub host: &'a str,
    pub url: &'a str,
    pub auth: AuthKind,
    pub client_id: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a CapturedBody>,
}

/// A bash command reproducing the call, secrets read from shell variables.
///
/// A Commerce bearer (`$EPCC_TOKEN`, `$EPCC_IMPLICIT_TOKEN`) is fetched
/// first when the variable is unset (client_credentials needs
/// `$EPCC_CLIENT_SECRET`; implicit needs nothing). Other variables
/// (`$MEMBER_PASSWORD`, `$EPCC_AM_TOKEN`, `$BI_API_TOKEN`…) are listed in a
/// comment and must be exported by whoever pastes the command. The command
/// prints the response body followed by `HTTP <status>`.
pub fn curl(r: CurlInput<'_>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut args: Vec<String> = vec!["curl -sS".to_owned()];
    if r.method != "GET" {
        args.push(format!("-X {}", r.method));
    }
    args.push(shell_word(r.url));
    for (name, value) in r.headers {
        // curl computes these itself.
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
            continue;
        }
        args.push(format!("-H {}", shell_word(&format!("{name}: {value}"))));
    }
    let mut truncated = false;
    if let Some(b) = r.body {
        truncated = b.truncated;
        match b.kind {
            BodyKind::Form => {
                for pair in b.text.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    let decode = |s: &str| {
                        if s.starts_with(MARK_OPEN) { s.to_owned() } else { form_decode(s) }
                    };
                    args.push(format!(
                        "--data-urlencode {}",
                        shell_word(&format!("{}={}", decode(k), decode(v)))
                    ));
                }
            }
            BodyKind::Binary => {}
            _ => args.push(format!("--data-raw {}", shell_word(&b.text))),
        }
    }
    args.push(r"-w '\nHTTP %{http_code}\n'".to_owned());
    let command = args.join(" \\\n  ");

    let mut vars = vars_in(&r.headers.iter().map(|(_, v)| v.as_str()).collect::<String>());
    if let Some(b) = r.body {
        for v in vars_in(&b.text) {
            if !vars.contains(&v) {
                vars.push(v);
            }
        }
    }
    lines.push(format!("# {} {} (copied from onboard)", r.method, r.url));
    if truncated {
        lines.push(
            "# WARNING: the request body was cut at 64 KiB: this command does not reproduce the call"
                .to_owned(),
        );
    }
    let fetched = match r.auth {
        AuthKind::Admin => Some(("EPCC_TOKEN", "client_credentials")),
        AuthKind::Implicit | AuthKind::Member => Some(("EPCC_IMPLICIT_TOKEN", "implicit")),
        _ => None,
    };
    let fetched = fetched.filter(|(var, _)| vars.iter().any(|v| v == var));
    let others: Vec<&String> =
        vars.iter().filter(|v| fetched.is_none_or(|(f, _)| f != v.as_str())).collect();
    let mut needs: Vec<String> = others.iter().map(|v| format!("${v}")).collect();
    if let Some(("EPCC_TOKEN", _)) = fetched
        && !needs.iter().any(|v| v == "$EPCC_CLIENT_SECRET")
    {
        needs.push("$EPCC_CLIENT_SECRET (or $EPCC_TOKEN)".to_owned());
    }
    if !needs.is_empty() {
        lines.push(format!("# needs: {}", needs.join(", ")));
    }
    if let Some((var, grant)) = fetched {
        let mut tok = vec![
            "curl -sS".to_owned(),
            shell_word(&format!("{}/oauth/access_token", r.host.trim_end_matches('/'))),
            format!("--data-urlencode {}", shell_word(&format!("grant_type={grant}"))),
            format!("--data-urlencode {}", shell_word(&format!("client_id={}", r.client_id))),
        ];
        if grant == "client_credentials" {
            tok.push("--data-urlencode \"client_secret=$EPCC_CLIENT_SECRET\"".to_owned());
        }
        lines.push(format!(
            "{var}=\"${{{var}:-$({} | sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p')}}\"",
            tok.join(" ")
        ));
    }
    lines.push(command);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_secrets_are_redacted_at_any_depth() {
        let mut s = Scrubber::default();
        let b = json_body(
            &json!({"data": {"type": "x", "password": "hunter2hunter2", "username": "ada",
                "nested": [{"one_time_password_token": "123456"}, {"secret_key": {"a": 1}}],
                "password_profile_id": "p1", "token": null}}),
            &mut s,
        );
        assert!(!b.text.contains("hunter2"));
        assert!(!b.text.contains("123456"));
        assert!(b.text.contains("«$MEMBER_PASSWORD»"));
        assert!(b.text.contains("«$MEMBER_OTP»"));
        assert!(b.text.contains("«$WEBHOOK_SECRET»"));
        assert!(b.text.contains("\"password_profile_id\":\"p1\""));
        assert!(b.text.contains("\"token\":null"));
        assert!(b.text.contains("ada"));
        // An echo of the password in the response is scrubbed too.
        let resp =
            response_body(br#"{"errors":[{"detail":"bad hunter2hunter2"}]}"#, &mut s).unwrap();
        assert!(!resp.text.contains("hunter2"), "{}", resp.text);
    }

    #[test]
    fn form_and_text_secrets_are_redacted() {
        let mut s = Scrubber::default();
        let pairs = vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), "cid".to_owned()),
            ("client_secret".to_owned(), "s3cr3t+/=".to_owned()),
        ];
        let b = form_body(&pairs, &mut s);
        assert_eq!(
            b.text,
            "grant_type=client_credentials&client_id=cid&client_secret=«$EPCC_CLIENT_SECRET»"
        );
        let r = response_body(b"access_token=abcd1234&expires=3", &mut s).unwrap();
        assert_eq!(r.kind, BodyKind::Form);
        assert!(!r.text.contains("abcd1234"));
        let t = redact_text("error: token = abc123def, password: \"x y z\" ok");
        assert!(!t.contains("abc123def") && !t.contains("x y z"), "{t}");
        assert!(t.contains("ok"));
        assert_eq!(redact_text("no secrets – here ✓"), "no secrets – here ✓");
    }

    #[test]
    fn headers_are_masked() {
        let mut map = HeaderMap::new();
        map.insert("authorization", "Bearer tok-123456".parse().unwrap());
        map.insert("x-moltin-secret-key", "whsec".parse().unwrap());
        map.insert("accept", "application/json".parse().unwrap());
        map.insert("ep-account-management-authentication-token", "am.jwt.value".parse().unwrap());
        let mut s = Scrubber::default();
        let h = headers(&map, AuthKind::Member, &mut s);
        let get = |n: &str| h.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("authorization"), "Bearer «$EPCC_IMPLICIT_TOKEN»");
        assert_eq!(get("x-moltin-secret-key"), "«$X_MOLTIN_SECRET_KEY»");
        assert_eq!(get("ep-account-management-authentication-token"), "«$EPCC_AM_TOKEN»");
        assert_eq!(get("accept"), "application/json");
        assert_eq!(s.scrub("was tok-123456"), "was «$EPCC_IMPLICIT_TOKEN»");
    }

    #[test]
    fn bodies_are_capped_after_redaction() {
        let mut s = Scrubber::default();
        let big = "é".repeat(BODY_CAP);
        let body = json!({"password": "p4ssw0rd!", "blob": big});
        let b = json_body(&body, &mut s);
        assert!(b.truncated);
        assert!(b.text.len() <= BODY_CAP);
        assert!(b.len > BODY_CAP);
        assert!(!b.text.contains("p4ssw0rd"));
        assert!(b.pretty().starts_with('{'));
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("Bearer «$EPCC_TOKEN»"), "'Bearer '\"$EPCC_TOKEN\"");
        assert_eq!(
            shell_word(r#"{"p":"«$MEMBER_PASSWORD»"}"#),
            r#"'{"p":"'"$MEMBER_PASSWORD"'"}'"#
        );
        assert_eq!(shell_word("«$bad var»"), "'«$bad var»'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn curl_shape() {
        let headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("authorization".to_owned(), "Bearer «$EPCC_TOKEN»".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        let body = CapturedBody {
            kind: BodyKind::Json,
            text: r#"{"data":{"password":"«$MEMBER_PASSWORD»"}}"#.into(),
            len: 10,
            truncated: false,
        };
        let c = curl(CurlInput {
            method: "POST",
            host: "http://127.0.0.1:9",
            url: "http://127.0.0.1:9/v2/x?filter=eq%28email%2Ca%2B1%40x.com%29",
            auth: AuthKind::Admin,
            client_id: "cid",
            headers: &headers,
            body: Some(&body),
        });
        assert!(c.contains("-X POST"), "{c}");
        assert!(c.contains("'http://127.0.0.1:9/v2/x?filter=eq%28email%2Ca%2B1%40x.com%29'"));
        assert!(c.contains("-H 'authorization: Bearer '\"$EPCC_TOKEN\""));
        assert!(c.contains(r#"--data-raw '{"data":{"password":"'"$MEMBER_PASSWORD"'"}}'"#));
        assert!(c.contains(
            "EPCC_TOKEN=\"${EPCC_TOKEN:-$(curl -sS 'http://127.0.0.1:9/oauth/access_token'"
        ));
        assert!(
            c.contains("# needs: $MEMBER_PASSWORD, $EPCC_CLIENT_SECRET (or $EPCC_TOKEN)"),
            "{c}"
        );
        assert!(!c.contains('«'));
    }

    #[test]
    fn query_secrets() {
        let mut s = Scrubber::default();
        assert_eq!(redact_query("/x?a=1&token=abcdef&b=2", &mut s), "/x?a=1&token=«$TOKEN»&b=2");
        assert_eq!(redact_query("/x", &mut s), "/x");
    }
}
