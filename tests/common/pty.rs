//! Drives the real `onboard` binary in a pseudo-terminal: keys in, screen text out.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub struct PtyApp {
    pub parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    _data_dir: Option<tempfile::TempDir>,
}

impl PtyApp {
    /// Starts `onboard ARGS` in a `cols`×`rows` pseudo-terminal with no store
    /// credentials (so it runs on the embedded sandbox) and a fresh data dir.
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Self {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let mut app = Self::spawn_in(args, cols, rows, data_dir.path());
        app._data_dir = Some(data_dir);
        app
    }

    /// Like [`PtyApp::spawn`], with `data_dir` as its home and data dir (kept
    /// by the caller, so a second start finds what the first one wrote).
    pub fn spawn_in(args: &[&str], cols: u16, rows: u16, data_dir: &std::path::Path) -> Self {
        let pty = native_pty_system();
        let pair =
            pty.openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_onboard"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", data_dir);
        cmd.env("XDG_CONFIG_HOME", data_dir.join("config"));
        cmd.env("ONBOARD_DATA_DIR", data_dir);
        let child = pair.slave.spawn_command(cmd).expect("spawn onboard");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => p.lock().expect("parser").process(&buf[..n]),
                }
            }
        });
        Self { parser, writer, child, _master: pair.master, _data_dir: None }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
        // Give the app a moment so separate sends are separate key events.
        std::thread::sleep(Duration::from_millis(40));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let mut b = [0u8; 4];
            self.send(c.encode_utf8(&mut b).as_bytes());
        }
    }

    /// Waits until the screen contains `needle` (generous deadline: this is a
    /// correctness test, not a timing test).
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("onboard did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub const ENTER: &[u8] = b"\r";
pub const ESC: &[u8] = b"\x1b";
pub const DOWN: &[u8] = b"\x1b[B";
pub const CTRL_S: &[u8] = b"\x13";
pub const CTRL_T: &[u8] = b"\x14";
