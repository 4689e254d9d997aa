//! Query strings, filters (§1.6), sorting and pagination (§1.5).

use std::borrow::Cow;
use std::collections::HashMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

use super::error::ApiError;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
pub const MAX_OFFSET: usize = 10_000;
const MAX_FILTERS: usize = 10;
const MAX_FILTER_LEN: usize = 8 * 1024;

/// Characters kept as-is in link query values.
const LINK_SET: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b',');

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Like,
    Ilike,
    In,
    Gt,
    Ge,
    Lt,
    Le,
    IsNull,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "like" => Op::Like,
            "ilike" => Op::Ilike,
            "in" => Op::In,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "is_null" => Op::IsNull,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Like => "like",
            Op::Ilike => "ilike",
            Op::In => "in",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::IsNull => "is_null",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub op: Op,
    pub field: String,
    pub values: Vec<String>,
}

/// What an endpoint accepts: filterable fields with their operators, sortable fields.
pub struct Spec {
    pub filters: &'static [(&'static str, &'static [&'static str])],
    pub sorts: &'static [&'static str],
    pub default_sort: Option<&'static str>,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub params: HashMap<String, String>,
    pub limit: usize,
    pub offset: usize,
    pub filters: Vec<Filter>,
    /// (field, descending)
    pub sort: Option<(String, bool)>,
}

impl Query {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }
    /// Values of `include=a,b`.
    pub fn includes(&self, what: &str) -> bool {
        self.get("include").is_some_and(|v| v.split(',').any(|x| x.trim() == what))
    }
}

fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

/// Splits a raw query string into decoded key/value pairs.
pub fn parse_params(raw: Option<&str>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(decode(k), decode(v));
    }
    out
}

/// Parses paging, filter and sort against an endpoint's spec.
pub fn parse_query(raw: Option<&str>, spec: &Spec) -> Result<Query, ApiError> {
    let params = parse_params(raw);
    let limit = match params.get("page[limit]") {
        None => DEFAULT_LIMIT,
        Some(s) => {
            // 0 is allowed (the account-management spec's minimum): an empty page
            // that still carries the totals.
            let n: usize = s.trim().parse().map_err(|_| {
                ApiError::bad_request("page[limit] must be a non-negative integer")
                    .source("page[limit]")
            })?;
            if n > MAX_LIMIT {
                return Err(ApiError::bad_request(format!(
                    "page[limit] must be less than or equal to {MAX_LIMIT}"
                ))
                .source("page[limit]"));
            }
            n
        }
    };
    let offset = match params.get("page[offset]") {
        None => 0,
        Some(s) => {
            let n: usize = s.trim().parse().map_err(|_| {
                ApiError::bad_request("page[offset] must be a non-negative integer")
                    .source("page[offset]")
            })?;
            if n > MAX_OFFSET {
                return Err(ApiError::bad_request(format!(
                    "page[offset] must be less than or equal to {MAX_OFFSET}; use sort with a \
                     gt/ge filter for deep listings"
                ))
                .source("page[offset]"));
            }
            n
        }
    };
    let filters = match params.get("filter") {
        Some(f) if !f.trim().is_empty() => parse_filters(f, spec)?,
        _ => Vec::new(),
    };
    let sort = match params.get("sort").map(|s| s.trim()) {
        Some("") => {
            return Err(ApiError::bad_request(format!(
                "sort must name a field (one of: {}); leave it out for the default order",
                if spec.sorts.is_empty() {
                    "none on this endpoint".to_owned()
                } else {
                    spec.sorts.join(", ")
                }
            ))
            .source("sort"));
        }
        Some(s) => {
            let (field, desc) = match s.strip_prefix('-') {
                Some(f) => (f, true),
                None => (s, false),
            };
            if !spec.sorts.contains(&field) {
                return Err(ApiError::bad_request(format!(
                    "Invalid sort field '{field}'; allowed: {}",
                    spec.sorts.join(", ")
                ))
                .source("sort"));
            }
            Some((field.to_owned(), desc))
        }
        None => spec.default_sort.map(|s| match s.strip_prefix('-') {
            Some(f) => (f.to_owned(), true),
            None => (s.to_owned(), false),
        }),
    };
    Ok(Query { params, limit, offset, filters, sort })
}

/// Parses `op(field,value):op(field,value)…` (values may be quoted and contain `:`).
pub fn parse_filters(text: &str, spec: &Spec) -> Result<Vec<Filter>, ApiError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(ApiError::filter("filter text exceeds 8 KB"));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        // operator
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '_') {
            i += 1;
        }
        let op_name: String = chars[start..i].iter().collect();
        if i >= chars.len() || chars[i] != '(' {
            return Err(ApiError::filter(format!("expected op(field,value) at position {start}")));
        }
        let op = Op::parse(&op_name)
            .ok_or_else(|| ApiError::filter(format!("unknown operator '{op_name}'")))?;
        i += 1;
        // field
        let fstart = i;
        while i < chars.len() && chars[i] != ',' && chars[i] != ')' {
            i += 1;
        }
        let field: String = chars[fstart..i].iter().collect::<String>().trim().to_owned();
        if field.is_empty() || i >= chars.len() {
            return Err(ApiError::filter("missing field or closing parenthesis"));
        }
        let mut values = Vec::new();
        if chars[i] == ',' {
            i += 1;
            // values, comma separated, each optionally quoted
            loop {
                while i < chars.len() && chars[i] == ' ' {
                    i += 1;
                }
                let mut v = String::new();
                if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                    let q = chars[i];
                    i += 1;
                    while i < chars.len() && chars[i] != q {
                        v.push(chars[i]);
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(ApiError::filter("unterminated quoted value"));
                    }
                    i += 1;
                    while i < chars.len() && chars[i] == ' ' {
                        i += 1;
                    }
                } else {
                    while i < chars.len() && chars[i] != ')' && !(op == Op::In && chars[i] == ',') {
                        v.push(chars[i]);
                        i += 1;
                    }
                    v = v.trim().to_owned();
                }
                values.push(v);
                if i < chars.len() && chars[i] == ',' && op == Op::In {
                    i += 1;
                    continue;
                }
                break;
            }
        }
        if i >= chars.len() || chars[i] != ')' {
            return Err(ApiError::filter("missing closing parenthesis"));
        }
        i += 1;
        if op != Op::IsNull && values.is_empty() {
            return Err(ApiError::filter(format!("{op_name}({field}) needs a value")));
        }
        let allowed = spec.filters.iter().find(|(f, _)| *f == field);
        match allowed {
            None => {
                return Err(ApiError::filter(format!("field '{field}' cannot be filtered here")));
            }
            Some((_, ops)) if !ops.contains(&op.name()) => {
                return Err(ApiError::filter(format!(
                    "operator '{op_name}' is not supported for field '{field}'"
                )));
            }
            _ => {}
        }
        out.push(Filter { op, field, values });
        if out.len() > MAX_FILTERS {
            return Err(ApiError::filter("at most 10 filters are allowed"));
        }
        if i >= chars.len() {
            break;
        }
        if chars[i] != ':' {
            return Err(ApiError::filter(format!("unexpected '{}' after a filter", chars[i])));
        }
        i += 1;
    }
    Ok(out)
}

/// `*` wildcard match (optionally case-insensitive), in time linear in the
/// lengths of the pattern and the text for any input.
///
/// A pattern is literal segments separated by stars. The first segment must be a
/// prefix (unless the pattern starts with `*`), the last one a suffix (unless it
/// ends with `*`), and the segments in between must occur in order without
/// overlapping. Taking each middle segment at its leftmost occurrence is always
/// right (a later occurrence only leaves less room for the rest), so there is no
/// backtracking; `str::find` is linear (two-way search).
pub fn wildcard(pattern: &str, text: &str, ci: bool) -> bool {
    if ci {
        wildcard_exact(&pattern.to_lowercase(), &text.to_lowercase())
    } else {
        wildcard_exact(pattern, text)
    }
}

fn wildcard_exact(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let mut segments = pattern.split('*');
    // With a star there are at least two segments: a first and a last.
    let first = segments.next().unwrap_or("");
    let mut middles: Vec<&str> = segments.collect();
    let last = middles.pop().unwrap_or("");
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    // The middles must fit between the prefix and the suffix.
    let mut window = &text[first.len()..text.len() - last.len()];
    for seg in middles.into_iter().filter(|s| !s.is_empty()) {
        match window.find(seg) {
            Some(at) => window = &window[at + seg.len()..],
            None => return false,
        }
    }
    true
}

/// Whether a record passes every filter. `get` returns a field's value (None = null).
pub fn matches<'a>(filters: &[Filter], get: impl Fn(&str) -> Option<Cow<'a, str>>) -> bool {
    filters.iter().all(|f| {
        let v = get(&f.field);
        let v = v.as_deref();
        let first = f.values.first().map(String::as_str).unwrap_or("");
        match f.op {
            Op::IsNull => v.is_none() == (first.is_empty() || first == "true"),
            Op::Eq => v.is_some_and(|v| v == first),
            Op::Like => v.is_some_and(|v| wildcard(first, v, false)),
            Op::Ilike => v.is_some_and(|v| wildcard(first, v, true)),
            Op::In => v.is_some_and(|v| f.values.iter().any(|x| x == v)),
            Op::Gt => v.is_some_and(|v| v > first),
            Op::Ge => v.is_some_and(|v| v >= first),
            Op::Lt => v.is_some_and(|v| v < first),
            Op::Le => v.is_some_and(|v| v <= first),
        }
    })
}

/// Sorts by one field (ties broken by `id`), using `key` for the values.
pub fn sort_by_field<T>(
    items: &mut [&T],
    sort: &Option<(String, bool)>,
    key: impl Fn(&T, &str) -> String,
) {
    if let Some((field, desc)) = sort {
        items.sort_by_cached_key(|t| (key(t, field), key(t, "id")));
        if *desc {
            items.reverse();
        }
    }
}

/// Builds `{data, meta, links}` for one page; `page` holds the already-sliced items.
pub fn page_body(data: Vec<Value>, total: usize, q: &Query, base: &str, path: &str) -> Value {
    let mut body = json!({ "data": data });
    let (meta, links) = page_meta(total, q, base, path);
    body["meta"] = meta;
    body["links"] = links;
    body
}

pub fn page_meta(total: usize, q: &Query, base: &str, path: &str) -> (Value, Value) {
    let limit = q.limit;
    // `page[limit]=0` holds no record: no pages, and no next/prev to go to.
    let pages = if limit == 0 { 0 } else { total.div_ceil(limit) };
    let current = q.offset.checked_div(limit).map_or(1, |p| p + 1);
    let meta = json!({
        "page": {"limit": limit, "offset": q.offset, "current": current, "total": pages},
        "results": {"total": total},
    });
    let link = |offset: usize| -> Value {
        let mut s = format!("{base}{path}?page%5Boffset%5D={offset}&page%5Blimit%5D={limit}");
        for key in ["filter", "sort", "include"] {
            if let Some(v) = q.params.get(key) {
                s.push('&');
                s.push_str(key);
                s.push('=');
                s.push_str(&utf8_percent_encode(v, LINK_SET).to_string());
            }
        }
        Value::String(s)
    };
    let last_offset = pages.saturating_sub(1) * limit;
    let links = json!({
        "current": link(q.offset),
        "first": link(0),
        "last": link(last_offset),
        "next": if limit > 0 && q.offset + limit < total { link(q.offset + limit) } else { Value::Null },
        "prev": if limit > 0 && q.offset > 0 { link(q.offset.saturating_sub(limit)) } else { Value::Null },
    });
    (meta, links)
}

/// The slice bounds of the requested page within `total` items.
pub fn window(q: &Query, total: usize) -> std::ops::Range<usize> {
    let start = q.offset.min(total);
    let end = (q.offset + q.limit).min(total);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        filters: &[("email", &["eq", "ilike", "like", "in"]), ("created_at", &["gt", "lt"])],
        sorts: &["created_at"],
        default_sort: None,
    };

    #[test]
    fn filters_parse() {
        let f =
            parse_filters("eq(email,a@x.com):gt(created_at,2024-01-01T00:00:00Z)", &SPEC).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].values[0], "2024-01-01T00:00:00Z");
        let f = parse_filters("eq(email,\"a b@x.com\")", &SPEC).unwrap();
        assert_eq!(f[0].values[0], "a b@x.com");
        let f = parse_filters("in(email,a,b,'c')", &SPEC).unwrap();
        assert_eq!(f[0].values, vec!["a", "b", "c"]);
        assert!(parse_filters("eq(email", &SPEC).is_err());
        assert!(parse_filters("nope(email,x)", &SPEC).is_err());
        assert!(parse_filters("eq(name,x)", &SPEC).is_err());
        assert!(parse_filters("gt(email,x)", &SPEC).is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*@x.com", "a@x.com", false));
        assert!(wildcard("A*", "abc", true));
        assert!(!wildcard("A*", "abc", false));
        assert!(wildcard("*b*", "abc", false));
        assert!(!wildcard("*d*", "abc", false));
        assert!(wildcard("", "", false));
        assert!(!wildcard("", "a", false));
        assert!(wildcard("*", "", false));
        assert!(wildcard("abc", "abc", false));
        assert!(!wildcard("abc", "abcd", false));
        // prefix and suffix may not overlap
        assert!(!wildcard("ab*ba", "aba", false));
        assert!(wildcard("ab*ba", "abba", false));
        assert!(wildcard("a*b*c", "aXbYc", false));
        assert!(!wildcard("a*c*b", "aXbYc", false));
        assert!(wildcard("*É*", "café élan", true));
        assert!(wildcard("Ron*", "ron swanson", true));
    }

    /// The textbook definition, exponential in the worst case: the reference.
    fn naive(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| naive(rest, &t[i..])),
            Some((c, rest)) => t.first() == Some(c) && naive(rest, &t[1..]),
        }
    }

    /// Every string over `alphabet` of length up to `max`.
    fn all_strings(alphabet: &[char], max: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..max {
            let mut next = Vec::new();
            for s in &frontier {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            out.extend(next.iter().cloned());
            frontier = next;
        }
        out
    }

    #[test]
    fn wildcard_agrees_with_the_naive_reference() {
        // Exhaustive over small inputs: patterns over {a, b, *} up to 6 long, texts
        // over {a, b} up to 7 long (1093 × 255 pairs).
        let patterns = all_strings(&['a', 'b', '*'], 6);
        let texts = all_strings(&['a', 'b'], 7);
        for p in &patterns {
            let pc: Vec<char> = p.chars().collect();
            for t in &texts {
                let tc: Vec<char> = t.chars().collect();
                assert_eq!(wildcard(p, t, false), naive(&pc, &tc), "pattern {p:?} text {t:?}");
            }
        }
    }

    #[test]
    fn wildcard_case_insensitive_agrees_with_lowercased_reference() {
        let patterns = all_strings(&['a', 'B', '*'], 4);
        let texts = all_strings(&['A', 'b'], 5);
        for p in &patterns {
            let pc: Vec<char> = p.to_lowercase().chars().collect();
            for t in &texts {
                let tc: Vec<char> = t.to_lowercase().chars().collect();
                assert_eq!(wildcard(p, t, true), naive(&pc, &tc), "pattern {p:?} text {t:?}");
            }
        }
    }

    #[test]
    fn wildcard_pathological_inputs_complete() {
        // The classic backtracking killers: many stars against a long run of one
        // letter that fails only at the end. A quadratic matcher needs ~10^12 steps
        // here; the linear one a few million.
        let text = "a".repeat(2_000_000);
        let pattern = format!("{}b", "*a".repeat(2_000));
        assert!(!wildcard(&pattern, &text, false));
        assert!(!wildcard(&pattern, &text, true));
        let pattern = format!("{}*", "a*".repeat(2_000));
        assert!(wildcard(&pattern, &text, false));
        let long_text = format!("{}b", "a".repeat(1_900_000));
        assert!(wildcard("*a*b", &long_text, false));
        assert!(!wildcard("*aab*aab", &long_text, true));
    }
}
