//! The release `onboard` binary in a pseudo-terminal (issue 3):
//! `cargo bench --bench console` (add `-- --quick` for fewer runs and a
//! shorter idle window).
//!
//! 1. Start-up to the first complete frame (header ` onboard `, the stepper and
//!    the footer's `q quit`), sandbox mode, fresh HOME/XDG/ONBOARD_DATA_DIR:
//!    median over 20 runs (target ≤ 25 ms); the same for a minimal
//!    ratatui + tokio app (this bench binary re-run as a child) for comparison.
//! 2. Idle: once the console has loaded (readiness shown), CPU time
//!    (utime + stime) and context switches of every thread over 30 s
//!    (target: zero CPU, about zero wake-ups).
//! 3. Key press to redrawn frame while the API answers in 2 s: `onboard sandbox
//!    --latency 2s` and the console against it; Tab and digits switch panels
//!    while calls are in flight (expected: milliseconds, never ~2 s).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COLS: u16 = 120;
const ROWS: u16 = 40;
const MINIMAL_CHILD: &str = "--minimal-app-child";

struct Screen {
    parser: Mutex<vt100::Parser>,
    changed: Condvar,
}

/// A program in a pseudo-terminal; the screen is updated by a reader thread.
struct Pty {
    screen: Arc<Screen>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    _dir: tempfile::TempDir,
}

impl Pty {
    /// Starts `program args` with `env` and a fresh HOME/XDG/ONBOARD_DATA_DIR.
    fn spawn(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Res<(Pty, Instant)> {
        let dir = tempfile::tempdir()?;
        let pair = native_pty_system().openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
        cmd.env("XDG_DATA_HOME", dir.path().join("data"));
        cmd.env("ONBOARD_DATA_DIR", dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut reader = pair.master.try_clone_reader()?;
        let writer = pair.master.take_writer()?;
        let screen = Arc::new(Screen {
            parser: Mutex::new(vt100::Parser::new(ROWS, COLS, 0)),
            changed: Condvar::new(),
        });
        let s = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut p) = s.parser.lock() {
                            p.process(&buf[..n]);
                        }
                        s.changed.notify_all();
                    }
                }
            }
        });
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd)?;
        drop(pair.slave);
        Ok((Pty { screen, writer, child, _master: pair.master, _dir: dir }, started))
    }

    fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    fn send(&mut self, bytes: &[u8]) -> Res<Instant> {
        self.writer.write_all(bytes)?;
        self.writer.flush()?;
        Ok(Instant::now())
    }

    /// Waits until `pred` holds on the screen; the instant it was seen.
    fn wait(&self, timeout: Duration, pred: impl Fn(&vt100::Screen) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let mut p = self.screen.parser.lock().ok()?;
        loop {
            if pred(p.screen()) {
                return Some(Instant::now());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            p = self.screen.changed.wait_timeout(p, left).ok()?.0;
        }
    }

    fn contents(&self) -> String {
        self.screen.parser.lock().map(|p| p.screen().contents()).unwrap_or_default()
    }

    /// Quits with `q`, killing the program if it does not exit in 5 s.
    fn quit(mut self) {
        let _ = self.send(b"q");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn row(s: &vt100::Screen, i: u16) -> String {
    s.rows(0, COLS).nth(i as usize).unwrap_or_default()
}

/// Header, stepper and footer all drawn.
fn complete_frame(s: &vt100::Screen) -> bool {
    row(s, 0).contains("onboard")
        && row(s, 1).contains("1 Settings")
        && row(s, 1).contains("4 OTP events")
        && row(s, ROWS - 1).contains("q quit")
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn startup(program: &Path, args: &[&str], runs: usize, label: &str) -> Res<()> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let (pty, t0) = Pty::spawn(program, args, &[])?;
        match pty.wait(Duration::from_secs(10), complete_frame) {
            Some(t) => times.push(t - t0),
            None => println!("{label}: no complete frame in 10 s; screen:\n{}", pty.contents()),
        }
        pty.quit();
    }
    if times.is_empty() {
        return Err(format!("{label}: no run drew a complete frame").into());
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "start-up to first complete frame, {label}: median {:.1} ms, min {:.1} ms, max {:.1} ms \
         over {} runs",
        ms(median(&mut times)),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    );
    Ok(())
}

/// Per thread: (tid, name, utime + stime in ticks, voluntary, nonvoluntary switches).
fn threads(pid: u32) -> Vec<(String, String, u64, u64, u64)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for e in dir.flatten() {
        let tid = e.file_name().to_string_lossy().into_owned();
        let base = e.path();
        let name = std::fs::read_to_string(base.join("comm")).unwrap_or_default().trim().to_owned();
        let stat = std::fs::read_to_string(base.join("stat")).unwrap_or_default();
        // Fields after the `(comm)`: state is field 3; utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let cpu = num(11) + num(12);
        let status = std::fs::read_to_string(base.join("status")).unwrap_or_default();
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        out.push((
            tid,
            name,
            cpu,
            field("voluntary_ctxt_switches:"),
            field("nonvoluntary_ctxt_switches:"),
        ));
    }
    out.sort();
    out
}

fn idle(program: &Path, window: Duration) -> Res<()> {
    let (pty, _) = Pty::spawn(program, &["--listen", "127.0.0.1:0"], &[])?;
    let pid = pty.pid().ok_or("no pid")?;
    if pty.wait(Duration::from_secs(20), |s| s.contents().contains("Self sign-up ready")).is_none()
    {
        println!("idle: readiness not shown in 20 s; screen:\n{}", pty.contents());
        pty.quit();
        return Ok(());
    }
    // Let toasts expire and the last spinner stop.
    std::thread::sleep(Duration::from_secs(5));
    let before = threads(pid);
    std::thread::sleep(window);
    let after = threads(pid);
    let ticks = 100.0; // USER_HZ on Linux
    let (mut cpu, mut vol, mut invol) = (0u64, 0u64, 0u64);
    let mut woke = Vec::new();
    for (tid, name, c1, v1, n1) in &after {
        let (c0, v0, n0) =
            before.iter().find(|t| &t.0 == tid).map_or((0, 0, 0), |t| (t.2, t.3, t.4));
        let (dc, dv, dn) = (c1 - c0, v1 - v0, n1 - n0);
        cpu += dc;
        vol += dv;
        invol += dn;
        if dc + dv + dn > 0 {
            woke.push(format!("{name}[{tid}]: cpu {dc} ticks, {dv} vol + {dn} invol switches"));
        }
    }
    println!(
        "idle over {} s ({} threads): CPU {:.2} s (utime+stime, {cpu} ticks), context switches \
         {vol} voluntary + {invol} nonvoluntary = {}",
        window.as_secs(),
        after.len(),
        cpu as f64 / ticks,
        vol + invol
    );
    if woke.is_empty() {
        println!("  no thread woke");
    }
    for w in woke {
        println!("  woke: {w}");
    }
    pty.quit();
    Ok(())
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Res<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_port(port: u16) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("the sandbox did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// The panel title on the body's top border (row 2).
fn panel_shown(title: &'static str) -> impl Fn(&vt100::Screen) -> bool {
    move |s| row(s, 2).trim_start().starts_with(title)
}

/// Whether a call is in flight: the status line shows a spinner.
fn in_flight(s: &vt100::Screen) -> bool {
    let r = row(s, ROWS - 2);
    ["| ", "/ ", "- ", "\\ "].iter().any(|p| r.trim_start().starts_with(p))
}

fn keypress(program: &Path, presses: usize) -> Res<()> {
    let port = free_port()?;
    let sb = Command::new(program)
        .args([
            "sandbox",
            "--latency",
            "2s",
            "--seed",
            "1000",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let _sb = Killed(sb);
    wait_port(port)?;
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("EPCC_API_BASE_URL", base.as_str()),
        ("EPCC_CLIENT_ID", "sandbox-client-id"),
        ("EPCC_CLIENT_SECRET", "sandbox-client-secret"),
    ];
    let (mut pty, _) = Pty::spawn(program, &["--listen", "127.0.0.1:0"], &env)?;
    if pty.wait(Duration::from_secs(10), panel_shown("Settings")).is_none() {
        println!("keypress: console did not start; screen:\n{}", pty.contents());
        pty.quit();
        return Ok(());
    }
    // (key, panel it leads to). From Sign up, Esc first leaves any text field.
    let cycle: [(&[u8], &str); 6] = [
        (b"\t", "Sign up"),
        (b"3", "Approvals"),
        (b"4", "OTP events"),
        (b"\t", "Settings"),
        (b"3", "Approvals"),
        (b"2", "Sign up"),
    ];
    let mut times = Vec::new();
    let mut busy = 0;
    let mut missed = 0;
    let mut current = "Settings";
    let mut i = 0;
    while times.len() + missed < presses {
        let (key, title) = cycle[i % cycle.len()];
        i += 1;
        if current == "Sign up" {
            pty.send(b"\x1b")?;
            std::thread::sleep(Duration::from_millis(50));
        }
        let title: &'static str = match title {
            "Sign up" => "Sign up",
            "Approvals" => "Approvals",
            "OTP events" => "OTP events",
            _ => "Settings",
        };
        let was_busy = pty.wait(Duration::ZERO, in_flight).is_some();
        let t = pty.send(key)?;
        match pty.wait(Duration::from_secs(5), panel_shown(title)) {
            Some(seen) => {
                times.push(seen - t);
                busy += usize::from(was_busy);
                current = title;
            }
            None => {
                missed += 1;
                println!("keypress: {title} not shown in 5 s; screen:\n{}", pty.contents());
                pty.send(b"\x1b1")?;
                current = "Settings";
            }
        }
        // Space the presses so they land at various points of the 2 s calls.
        std::thread::sleep(Duration::from_millis(230));
    }
    if times.is_empty() {
        pty.quit();
        return Err("keypress: no panel switch seen".into());
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "key press to redrawn panel, API latency 2 s: median {:.2} ms, max {:.2} ms over {} \
         presses ({busy} while a call was in flight, {missed} missed)",
        ms(median(&mut times)),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    );
    pty.quit();
    Ok(())
}

/// The comparison app: a minimal ratatui + tokio program drawing the same
/// three lines, waiting for `q`.
fn minimal_app() -> Res<()> {
    use ratatui::text::Line;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let mut terminal = ratatui::init();
        let r = terminal.draw(|f| {
            let a = f.area();
            let buf = f.buffer_mut();
            buf.set_line(0, 0, &Line::from(" onboard "), a.width);
            buf.set_line(
                0,
                1,
                &Line::from(" 1 Settings ·  → 2 Sign up ·  → 3 Approvals ·  → 4 OTP events · "),
                a.width,
            );
            buf.set_line(0, a.height.saturating_sub(1), &Line::from(" q quit "), a.width);
        });
        let res = match r {
            Ok(_) => loop {
                match tokio::task::spawn_blocking(crossterm::event::read).await {
                    Ok(Ok(crossterm::event::Event::Key(k)))
                        if k.code == crossterm::event::KeyCode::Char('q') =>
                    {
                        break Ok(());
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => break Err(e.into()),
                    Err(e) => break Err(e.into()),
                }
            },
            Err(e) => Err(e.into()),
        };
        ratatui::restore();
        res
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == MINIMAL_CHILD) {
        if let Err(e) = minimal_app() {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let bin = Path::new(env!("CARGO_BIN_EXE_onboard"));
    let runs = if quick { 5 } else { 20 };
    let window = Duration::from_secs(if quick { 5 } else { 30 });
    let r = (|| -> Res<()> {
        startup(bin, &["--listen", "127.0.0.1:0"], runs, "onboard (sandbox mode)")?;
        let me = std::env::current_exe()?;
        startup(&me, &[MINIMAL_CHILD], runs, "minimal ratatui+tokio app")?;
        idle(bin, window)?;
        keypress(bin, if quick { 8 } else { 24 })
    })();
    if let Err(e) = r {
        eprintln!("console bench failed: {e}");
        std::process::exit(1);
    }
}
