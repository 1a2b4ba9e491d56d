//! The event loop: terminal events, backend replies and ticks become `Msg`s; everything ready is
//! drained into one batch, `update` runs for each, and the screen is drawn once per batch and
//! only when the state is dirty (an idle dashboard does not redraw).

use std::collections::BTreeMap;
use std::sync::Arc;

use crossterm::event::{Event, EventStream};
use std::future::poll_fn;
use std::task::Poll;

use futures::StreamExt;
use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::config::{KeyList, Theme as ThemeName};

use super::backend::Backend;
use super::effect::Effect;
use super::error::TuiError;
use super::keymap::Keymap;
use super::msg::{Msg, Reply};
use super::state::State;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::{local, runtime, ui, update};

/// How the lead configures the dashboard.
#[derive(Debug, Clone, Default)]
pub struct DashboardOptions {
    /// `ui.theme` from the config.
    pub theme: ThemeName,
    /// The config `[keys]` table (action name → keys); validated here.
    pub keys: BTreeMap<String, KeyList>,
    /// `--no-color` or a non-empty `NO_COLOR` (see [`DashboardOptions::no_color_from_env`]).
    pub no_color: bool,
    /// Shown at the left of the status bar, e.g. "DEMO · emulator on 127.0.0.1:8080".
    pub banner: Option<String>,
    /// `ui.severity_impact_urgency`: the ticket form's default impact and urgency.
    pub ticket_defaults: crate::domain::SeverityDefaults,
    /// `ui.columns`: the anomaly list's columns, left to right.
    pub columns: Vec<crate::config::ListColumn>,
}

impl DashboardOptions {
    /// `NO_COLOR` set to anything non-empty (<https://no-color.org>).
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

/// Builds the initial state (no terminal needed; benches and tests use it too).
pub fn initial_state<B: Backend>(
    backend: &B,
    options: &DashboardOptions,
    now: Timestamp,
) -> Result<State, TuiError> {
    let keymap = Keymap::from_config(&options.keys)?;
    let theme = Theme::new(options.theme, options.no_color);
    let mut state = State::new(backend.info(), keymap, theme, now);
    state.banner = options.banner.clone();
    state.ticket_defaults = options.ticket_defaults;
    if !options.columns.is_empty() {
        state.columns = options.columns.clone();
    }
    state.browser = std::env::var_os("BROWSER").is_some_and(|v| !v.is_empty());
    Ok(state)
}

/// Runs the dashboard until the user quits. Refuses to start without a tty.
pub async fn run_dashboard<B: Backend>(
    backend: B,
    options: DashboardOptions,
) -> Result<(), TuiError> {
    let backend = Arc::new(backend);
    let mut state = initial_state(backend.as_ref(), &options, Timestamp::now())?;
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    state.size = (size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let nudges = {
        let (backend, tx) = (backend.clone(), tx.clone());
        tokio::spawn(async move {
            loop {
                backend.store_changed().await;
                if tx.send(Msg::StoreChanged).is_err() {
                    break;
                }
            }
        })
    };
    // `None` while `$EDITOR` has the terminal; made again when next read (see `perform_local`).
    let mut events: Option<EventStream> = Some(EventStream::new());
    let first = update::start(&mut state);
    let mut pending: Vec<Effect> = first;
    loop {
        // Perform effects; local ones may need the terminal and produce messages right away.
        let mut local_msgs = Vec::new();
        for effect in pending.drain(..) {
            if effect.is_local() {
                local_msgs.extend(perform_local(&mut guard, &mut events, effect).await);
            } else {
                runtime::spawn(&backend, effect, &tx);
            }
        }
        state.now = Timestamp::now();
        for m in local_msgs {
            pending.extend(update::update(&mut state, m));
        }
        if !pending.is_empty() {
            continue;
        }
        if state.quit {
            break;
        }
        if state.dirty {
            guard.terminal.draw(|f| ui::render(&state, f))?;
            state.dirty = false;
        }
        let mut batch = Vec::new();
        tokio::select! {
            ev = events.get_or_insert_with(EventStream::new).next() => match ev {
                Some(Ok(ev)) => batch.extend(event_msg(ev)),
                Some(Err(e)) => return Err(TuiError::Io(e)),
                None => break,
            },
            Some(msg) = rx.recv() => batch.push(msg),
            () = tokio::time::sleep(state.tick_period()) => batch.push(Msg::Tick),
        }
        // Drain everything else that is ready, so a burst costs one draw. The stream is polled
        // with this task's own waker: polling it with a throw-away waker (`now_or_never`) would
        // leave crossterm's wake-up thread holding a waker nobody listens to, delaying keys.
        let stream = events.get_or_insert_with(EventStream::new);
        while let Some(Some(Ok(ev))) = poll_fn(|cx| match stream.poll_next_unpin(cx) {
            Poll::Ready(x) => Poll::Ready(Some(x)),
            Poll::Pending => Poll::Ready(None),
        })
        .await
        {
            batch.extend(event_msg(ev));
        }
        while let Ok(msg) = rx.try_recv() {
            batch.push(msg);
        }
        state.now = Timestamp::now();
        // A burst of source reads is one poll.
        let mut nudged = false;
        batch.retain(|m| !matches!(m, Msg::StoreChanged) || !std::mem::replace(&mut nudged, true));
        for msg in batch {
            pending.extend(update::update(&mut state, msg));
        }
    }
    nudges.abort();
    Ok(())
}

fn event_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        _ => None,
    }
}

async fn perform_local(
    guard: &mut TerminalGuard,
    events: &mut Option<EventStream>,
    effect: Effect,
) -> Vec<Msg> {
    match effect {
        Effect::CopyToClipboard { text } => {
            let seq = local::osc52(&text, std::env::var_os("TMUX").is_some());
            guard
                .write_raw(seq.as_bytes())
                .err()
                .map(|e| Msg::LocalError(format!("could not copy to the clipboard: {e}")))
                .into_iter()
                .collect()
        }
        Effect::OpenBrowser { url } => {
            let browser = std::env::var("BROWSER").unwrap_or_default();
            local::open_browser(&browser, &url)
                .err()
                .map(Msg::LocalError)
                .into_iter()
                .collect()
        }
        Effect::OpenEditor { req, text } => {
            let editor = local::editor_from_env();
            // The event stream's reader thread would steal the editor's keystrokes: drop it
            // (its Drop wakes the thread out of its poll, and the thread exits). The
            // replacement is made only after the editor, when the loop next reads: building
            // it here would wait for the lock that thread holds while it polls, i.e. for the
            // next key press — the editor did not start until the user typed something.
            drop(events.take());
            let result = match guard.suspend() {
                Ok(()) => tokio::task::spawn_blocking(move || local::edit(&editor, &text))
                    .await
                    .unwrap_or_else(|e| Err(format!("editor task failed: {e}"))),
                Err(e) => Err(format!("could not suspend the terminal: {e}")),
            };
            if let Err(e) = guard.resume() {
                // Try once more: a half-restored terminal (cooked mode, main screen) is unusable.
                if let Err(e2) = guard.resume() {
                    return vec![Msg::LocalError(format!(
                        "could not restore the terminal: {e}; {e2}"
                    ))];
                }
            }
            let mut out = vec![Msg::Reply {
                req,
                reply: Reply::Edited(result),
            }];
            // The terminal may have been resized while the editor had it.
            if let Ok(size) = guard.terminal.size() {
                out.push(Msg::Resize(size.width, size.height));
            }
            out
        }
        _ => Vec::new(),
    }
}
