//! Terminal lifecycle: enter (raw mode, alternate screen, bracketed paste,
//! optional mouse), restore on drop, on error and on panic (also a panic in a
//! spawned task, since the hook is process-wide), and the input reader task.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream, KeyEventKind,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use tokio::sync::mpsc::UnboundedSender;

/// Whether the terminal is currently in UI mode (raw, alternate screen).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether mouse capture was enabled (so restore undoes it).
static MOUSE: AtomicBool = AtomicBool::new(false);

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the UI runs; restores it when dropped.
pub struct Tui {
    pub terminal: Term,
}

impl Tui {
    /// Enters UI mode. Fails with a clear error when stdout is not a terminal.
    pub fn enter(mouse: bool) -> io::Result<Self> {
        use std::io::IsTerminal;
        if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
            return Err(io::Error::other(
                "onboard needs an interactive terminal (stdin and stdout must be a TTY); \
                 use `onboard check` or `onboard listen` for scripts",
            ));
        }
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        let entered = execute!(out, EnterAlternateScreen, EnableBracketedPaste, cursor::Hide)
            .and_then(|_| {
                if mouse {
                    MOUSE.store(true, Ordering::SeqCst);
                    execute!(out, EnableMouseCapture)
                } else {
                    Ok(())
                }
            });
        if let Err(e) = entered {
            let _ = restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                let _ = restore();
                Err(e)
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Puts the terminal back as it was. Safe to call more than once; returns
/// whether the UI was active.
pub fn restore() -> bool {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return false;
    }
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
    true
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let was_active = restore();
        tracing::error!("panic: {info}");
        previous(info);
        if was_active {
            // A panic in any task (tokio catches those) must not leave a
            // half-dead UI on a restored terminal: stop here.
            std::process::exit(101);
        }
    }));
}

pub use crate::ui::Input;

/// Reads terminal events and forwards them; key releases are dropped
/// (Windows sends them), repeats are kept. Ends when the receiver is gone.
pub fn spawn_reader<M: Send + 'static>(
    tx: UnboundedSender<M>,
    wrap: fn(Input) -> M,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let input = match event {
                Ok(Event::Key(k)) if k.kind == KeyEventKind::Release => continue,
                Ok(Event::Key(k)) => Input::Key(k),
                Ok(Event::Paste(s)) => Input::Paste(s),
                Ok(Event::Resize(w, h)) => Input::Resize(w, h),
                Ok(Event::Mouse(m)) => Input::Mouse(m),
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!("terminal input error: {e}");
                    break;
                }
            };
            if tx.send(wrap(input)).is_err() {
                break;
            }
        }
    })
}
