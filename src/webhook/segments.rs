//! The event log on disk: segments, the line format, reading the recent tail,
//! redaction of expired codes and retention.
//!
//! - The active segment is the configured file (`events.jsonl`); closed
//!   segments sit beside it as `events-000001.jsonl`, `events-000002.jsonl`…
//!   (oldest first). Once the codes in a closed segment have expired it is
//!   rewritten without them as `events-000001.redacted.jsonl`.
//! - Line format: `{"received_at":"<RFC 3339>","attempt":N,"id":"<event id>",
//!   "triggered_by":"<event type>","event":<the body>}`. The head before
//!   `"event"` is written by us, so restart reads ids from it without parsing
//!   the body. Lines of older versions (no `id` in the head) are read by
//!   parsing the whole line.
//! - The body is stored as received except that the secret echo
//!   (`configuration.secret_key`) is removed before it is written, and CR and
//!   LF (only possible as JSON whitespace) become spaces.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::event::strip_secret_echo;
use super::event::{Envelope, OTP_EVENT, OTP_VALIDITY_MINUTES, OtpEvent, redact_code};
use crate::fsutil;

/// How the event log is rotated and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The active segment is closed once it reaches this size (default 16 MiB)…
    pub segment_bytes: u64,
    /// …or once its first event is this old (default 1 hour), so codes reach a
    /// closed segment, where they are redacted, soon after they expire.
    pub segment_age: Duration,
    /// Closed segments older than this are deleted (default 30 days).
    pub retention_age: Duration,
    /// Beyond this total size the oldest closed segments are deleted (default 256 MiB).
    pub retention_bytes: u64,
    /// Event ids are remembered for deduplication this long (default 48 h;
    /// Commerce aims to deliver within 30 minutes, reference §2.13).
    pub dedupe_window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            segment_bytes: 16 * 1024 * 1024,
            segment_age: Duration::from_secs(3600),
            retention_age: Duration::from_secs(30 * 86_400),
            retention_bytes: 256 * 1024 * 1024,
            dedupe_window: Duration::from_secs(48 * 3600),
        }
    }
}

/// A file of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub path: PathBuf,
    /// `None` for the active segment.
    pub seq: Option<u64>,
    pub redacted: bool,
    pub len: u64,
    pub modified: SystemTime,
}

fn stem_ext(active: &Path) -> (String, String) {
    let name = active.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
        _ => (name, String::new()),
    }
}

/// The path of closed segment `seq` of `active`.
pub fn closed_path(active: &Path, seq: u64, redacted: bool) -> PathBuf {
    let (stem, ext) = stem_ext(active);
    let mark = if redacted { ".redacted" } else { "" };
    active.with_file_name(format!("{stem}-{seq:06}{mark}{ext}"))
}

/// Parses a closed segment's file name: `(seq, redacted)`.
fn parse_closed(active: &Path, name: &str) -> Option<(u64, bool)> {
    let (stem, ext) = stem_ext(active);
    let rest = name.strip_prefix(&stem)?.strip_prefix('-')?.strip_suffix(ext.as_str())?;
    let (digits, redacted) = match rest.strip_suffix(".redacted") {
        Some(d) => (d, true),
        None => (rest, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, redacted))
}

/// The closed segments (oldest first), then the active one when it exists.
pub fn list(active: &Path) -> Vec<Segment> {
    let dir = match active.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((seq, redacted)) = parse_closed(active, &name) else { continue };
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            out.push(Segment {
                path: e.path(),
                seq: Some(seq),
                redacted,
                len: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
    }
    // A redacted copy sorts after the original it replaces (both may exist
    // for a moment); readers dedupe on the event id.
    out.sort_by_key(|s| (s.seq, s.redacted));
    if let Ok(meta) = std::fs::metadata(active) {
        out.push(Segment {
            path: active.to_path_buf(),
            seq: None,
            redacted: false,
            len: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        });
    }
    out
}

/// The highest closed sequence number (0 when there is none).
pub fn last_seq(active: &Path) -> u64 {
    list(active).iter().filter_map(|s| s.seq).max().unwrap_or(0)
}

/// Appends the stored line for a delivery (its body must be valid JSON).
pub fn write_line(
    v: &mut Vec<u8>,
    received_at: DateTime<Utc>,
    attempt: u32,
    id: &str,
    triggered_by: &str,
    body: &[u8],
) {
    let (d, t) = (received_at.date_naive(), received_at.time());
    // Same text as `to_rfc3339_opts(Micros, true)`, without the temporary strings.
    let _ = write!(
        v,
        "{{\"received_at\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z\",\"attempt\":{attempt},\"id\":",
        d.year(),
        d.month(),
        d.day(),
        t.hour(),
        t.minute(),
        t.second(),
        (t.nanosecond() / 1000).min(999_999)
    );
    json_string(v, id);
    v.extend_from_slice(b",\"triggered_by\":");
    json_string(v, triggered_by);
    v.extend_from_slice(b",\"event\":");
    v.extend(body.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
    v.extend_from_slice(b"}\n");
}

fn json_string(v: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        v.push(b'"');
        v.extend_from_slice(s.as_bytes());
        v.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *v, s);
    }
}

/// One line of the event log, parsed whole.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredEvent {
    pub received_at: DateTime<Utc>,
    pub attempt: u32,
    pub event: Value,
}

/// The head of a line: what restart needs, without the body.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Head {
    pub received_at: DateTime<Utc>,
    pub attempt: u32,
    pub id: String,
    pub triggered_by: String,
}

const EVENT_KEY: &[u8] = b",\"event\":";

/// Parses the head of a line written with an `id` (`None` for older lines).
pub(crate) fn parse_head(line: &[u8], scratch: &mut Vec<u8>) -> Option<Head> {
    // The head is short and ours; a JSON string cannot hold an unescaped `"`,
    // so the first `,"event":` is the real key.
    let window = &line[..line.len().min(2048)];
    let at = window.windows(EVENT_KEY.len()).position(|w| w == EVENT_KEY)?;
    scratch.clear();
    scratch.extend_from_slice(&line[..at]);
    scratch.push(b'}');
    serde_json::from_slice(scratch).ok()
}

/// Parses a whole line into its head (for lines without one) and event.
fn parse_full(line: &[u8]) -> Result<(Head, StoredEvent), String> {
    let s: StoredEvent =
        serde_json::from_slice(line).map_err(|e| format!("a corrupt line: {e}"))?;
    let env = Envelope::parse(&s.event)?;
    let head = Head {
        received_at: s.received_at,
        attempt: s.attempt,
        id: env.id,
        triggered_by: env.triggered_by,
    };
    Ok((head, s))
}

/// Calls `f` with every non-blank line of `path` and its number (streaming).
fn for_each_line(path: &Path, mut f: impl FnMut(usize, &[u8])) -> io::Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut r = BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::with_capacity(4096);
    let mut n = 0;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        f(n, &line);
    }
}

/// The ids seen within `window` (the highest attempt of each, with the time
/// of its line), streaming over the segments young enough to hold one.
pub(crate) fn scan_ids(
    active: &Path,
    window: Duration,
    now: DateTime<Utc>,
) -> (HashMap<String, (u32, i64)>, Vec<String>) {
    let cutoff_sys = SystemTime::now().checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
    let cutoff = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    let mut ids: HashMap<String, (u32, i64)> = HashMap::new();
    let mut warnings = Vec::new();
    let mut scratch = Vec::with_capacity(256);
    for seg in list(active) {
        // A closed segment last written before the window holds no id in it.
        if seg.seq.is_some() && seg.modified < cutoff_sys {
            continue;
        }
        let shown = seg.path.display().to_string();
        let res = for_each_line(&seg.path, |n, line| {
            let head = match parse_head(line, &mut scratch) {
                Some(h) => h,
                None => match parse_full(line) {
                    Ok((h, _)) => h,
                    Err(e) => {
                        warnings.push(format!("{shown}:{n}: skipped {e}"));
                        return;
                    }
                },
            };
            if head.received_at < cutoff {
                return;
            }
            let at = head.received_at.timestamp();
            let e = ids.entry(head.id).or_insert((head.attempt, at));
            if head.attempt > e.0 {
                *e = (head.attempt, at);
            }
        });
        if let Err(e) = res {
            warnings.push(format!("cannot read {shown}: {e}"));
        }
    }
    (ids, warnings)
}

/// Every valid line of the log (any event type), oldest segment first. A
/// missing log is empty; corrupt lines are skipped with a warning. Reads
/// everything: for tests and tools, not for start-up.
pub fn read_stored(active: &Path) -> (Vec<StoredEvent>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for seg in list(active) {
        let shown = seg.path.display().to_string();
        let res = for_each_line(&seg.path, |n, line| match parse_full(line) {
            Ok((_, s)) => out.push(s),
            Err(e) => warnings.push(format!("{shown}:{n}: skipped {e}")),
        });
        if let Err(e) = res {
            warnings.push(format!("cannot read {shown}: {e}"));
        }
    }
    (out, warnings)
}

/// The most recent `max` OTP events of the log (the highest attempt of each
/// id wins; on a tie the first stays), in order of first arrival. Segments
/// are read newest first and only as far back as needed; only the selected
/// lines are parsed whole, so memory stays bounded by `max`. Other event
/// types are left out; corrupt lines are skipped with a warning.
pub fn load_recent(active: &Path, max: usize) -> (Vec<OtpEvent>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut scratch = Vec::with_capacity(256);
    // Newest segments first; in each, keep the last `max - have` OTP lines.
    let mut picked: VecDeque<Vec<Vec<u8>>> = VecDeque::new();
    let mut have = 0usize;
    for seg in list(active).into_iter().rev() {
        if have >= max {
            break;
        }
        let want = max - have;
        let mut ring: VecDeque<Vec<u8>> = VecDeque::new();
        let shown = seg.path.display().to_string();
        let res = for_each_line(&seg.path, |n, line| {
            let is_otp = match parse_head(line, &mut scratch) {
                Some(h) => h.triggered_by == OTP_EVENT,
                None => match parse_full(line) {
                    Ok((h, _)) => h.triggered_by == OTP_EVENT,
                    Err(e) => {
                        warnings.push(format!("{shown}:{n}: skipped {e}"));
                        false
                    }
                },
            };
            if is_otp {
                if ring.len() == want {
                    ring.pop_front();
                }
                ring.push_back(line.to_vec());
            }
        });
        if let Err(e) = res {
            warnings.push(format!("cannot read {shown}: {e}"));
        }
        have += ring.len();
        picked.push_front(ring.into());
    }
    let mut out: Vec<OtpEvent> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for line in picked.into_iter().flatten() {
        let s: StoredEvent = match serde_json::from_slice(&line) {
            Ok(s) => s,
            Err(e) => {
                warnings.push(format!("{}: skipped a corrupt line: {e}", active.display()));
                continue;
            }
        };
        let mut raw = s.event;
        // Logs written before the secret echo was stripped.
        strip_secret_echo(&mut raw);
        let mut ev = match OtpEvent::from_raw(raw, s.received_at) {
            Ok(ev) => ev,
            Err(e) => {
                warnings.push(format!("{}: skipped an OTP event: {e}", active.display()));
                continue;
            }
        };
        ev.attempt = s.attempt;
        match index.get(&ev.id) {
            Some(&i) => {
                if ev.attempt > out[i].attempt {
                    out[i] = ev;
                }
            }
            None => {
                index.insert(ev.id.clone(), out.len());
                out.push(ev);
            }
        }
    }
    (out, warnings)
}

/// What one maintenance pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// Closed segments rewritten without codes and secret echoes.
    pub redacted: usize,
    /// Closed segments deleted by age or size.
    pub deleted: usize,
    pub errors: Vec<String>,
}

/// Redacts the closed segments whose codes have all expired (last written
/// more than the code validity plus a minute ago), then deletes closed
/// segments beyond the retention (age, then total size, oldest first). The
/// active segment is never touched here (its writer rotates it).
pub fn maintain(active: &Path, policy: &Policy, now: SystemTime) -> Maintenance {
    let mut report = Maintenance::default();
    let validity = Duration::from_secs(OTP_VALIDITY_MINUTES as u64 * 60 + 60);
    let segs = list(active);
    for seg in segs.iter().filter(|s| s.seq.is_some() && !s.redacted) {
        let expired = now.duration_since(seg.modified).is_ok_and(|age| age >= validity);
        if !expired {
            continue;
        }
        let Some(seq) = seg.seq else { continue };
        match redact_segment(&seg.path, &closed_path(active, seq, true)) {
            Ok(()) => report.redacted += 1,
            Err(e) => report.errors.push(format!("cannot redact {}: {e}", seg.path.display())),
        }
    }
    let mut closed: Vec<Segment> = list(active).into_iter().filter(|s| s.seq.is_some()).collect();
    let active_len = std::fs::metadata(active).map(|m| m.len()).unwrap_or(0);
    let mut total: u64 = active_len + closed.iter().map(|s| s.len).sum::<u64>();
    closed.retain(|seg| {
        let too_old = now.duration_since(seg.modified).is_ok_and(|a| a > policy.retention_age);
        if too_old {
            match std::fs::remove_file(&seg.path) {
                Ok(()) => {
                    report.deleted += 1;
                    total = total.saturating_sub(seg.len);
                    return false;
                }
                Err(e) => report.errors.push(format!("cannot delete {}: {e}", seg.path.display())),
            }
        }
        true
    });
    for seg in &closed {
        if total <= policy.retention_bytes {
            break;
        }
        match std::fs::remove_file(&seg.path) {
            Ok(()) => {
                report.deleted += 1;
                total = total.saturating_sub(seg.len);
            }
            Err(e) => report.errors.push(format!("cannot delete {}: {e}", seg.path.display())),
        }
    }
    if report.redacted + report.deleted > 0 {
        sync_dir(active);
    }
    report
}

/// Rewrites a closed segment without OTP codes and secret echoes to `to`,
/// then removes the original. Lines that cannot be parsed are dropped (they
/// could hold either, and nothing can read them).
fn redact_segment(from: &Path, to: &Path) -> io::Result<()> {
    let mut tmp = to.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let file = fsutil::private_options().write(true).create(true).truncate(true).open(&tmp)?;
    let mut w = BufWriter::new(file);
    let mut buf = Vec::with_capacity(4096);
    let mut failed: Option<io::Error> = None;
    for_each_line(from, |_, line| {
        if failed.is_some() {
            return;
        }
        let Ok((head, s)) = parse_full(line) else { return };
        let mut event = s.event;
        strip_secret_echo(&mut event);
        redact_code(&mut event);
        buf.clear();
        let Ok(body) = serde_json::to_vec(&event) else { return };
        write_line(&mut buf, head.received_at, head.attempt, &head.id, &head.triggered_by, &body);
        if let Err(e) = w.write_all(&buf) {
            failed = Some(e);
        }
    })?;
    if let Some(e) = failed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, to)?;
    std::fs::remove_file(from)
}

/// Makes renames and deletions in the log's directory durable (best effort).
pub(crate) fn sync_dir(active: &Path) {
    if let Some(dir) = active.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names() {
        let active = Path::new("/d/events.jsonl");
        assert_eq!(closed_path(active, 7, false), Path::new("/d/events-000007.jsonl"));
        assert_eq!(closed_path(active, 7, true), Path::new("/d/events-000007.redacted.jsonl"));
        assert_eq!(parse_closed(active, "events-000007.jsonl"), Some((7, false)));
        assert_eq!(parse_closed(active, "events-000012.redacted.jsonl"), Some((12, true)));
        assert_eq!(parse_closed(active, "events.jsonl"), None);
        assert_eq!(parse_closed(active, "events-x.jsonl"), None);
        assert_eq!(parse_closed(active, "events-1.jsonl.tmp"), None);
        assert_eq!(parse_closed(active, "other-000001.jsonl"), None);
    }

    #[test]
    fn head_is_read_without_the_body() {
        let t = DateTime::parse_from_rfc3339("2023-09-05T14:53:01.584321+00:00").unwrap().to_utc();
        let mut line = Vec::new();
        let body = br#"{"id":"a\"b","triggered_by":"x","nested":{",\"event\":":1}}"#;
        write_line(&mut line, t, 3, "a\"b", "x", body);
        let mut scratch = Vec::new();
        let h = parse_head(&line, &mut scratch).unwrap();
        assert_eq!((h.id.as_str(), h.attempt, h.triggered_by.as_str()), ("a\"b", 3, "x"));
        assert_eq!(h.received_at, t);
        let (full, s) = parse_full(&line).unwrap();
        assert_eq!(full.id, "a\"b");
        assert_eq!(s.event["nested"][",\"event\":"], 1);
        // An old line without a head id.
        let old = br#"{"received_at":"2024-01-01T00:00:00Z","attempt":1,"event":{"id":"o","triggered_by":"x"}}"#;
        assert!(parse_head(old, &mut scratch).is_none());
        assert_eq!(parse_full(old).unwrap().0.id, "o");
    }
}
