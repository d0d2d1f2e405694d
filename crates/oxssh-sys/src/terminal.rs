//! The user's own terminal: raw mode while a session with a pty runs, its size, whether a
//! descriptor is a terminal at all, and passphrases read as OpenSSH's readpassphrase(3) reads them.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;

use rustix::termios::{
    InputModes, LocalModes, OptionalActions, OutputModes, SpecialCodeIndex, Termios,
};
use zeroize::Zeroizing;

use crate::ffi::PromptSignals;
use crate::pty::WindowSize;
use crate::{Error, Result};

/// Puts a terminal into the raw mode OpenSSH's client uses and restores the saved settings on
/// [`RawModeGuard::restore`] or on drop.
///
/// The changes are exactly those of OpenSSH's sshtty.c `enter_raw_mode`, which differ from
/// `cfmakeraw`: parity errors are ignored (`IGNPAR` set); `ISTRIP INLCR IGNCR ICRNL IXON IXANY
/// IXOFF IUCLC` are cleared from the input flags, `ISIG ICANON ECHO ECHOE ECHOK ECHONL IEXTEN`
/// from the local flags and `OPOST` from the output flags; `VMIN = 1`, `VTIME = 0`. Character
/// size and parity (`c_cflag`) are left alone, so a 7-bit line stays 7-bit. Changes are made with
/// `TCSADRAIN` so output already written is not mangled by the switch.
#[derive(Debug)]
pub struct RawModeGuard {
    /// A duplicate of the caller's descriptor, so the guard owns what it restores.
    fd: OwnedFd,
    saved: Termios,
    active: bool,
}

impl RawModeGuard {
    /// Saves the current settings of `fd` and switches it to raw mode.
    pub fn enter(fd: impl AsFd) -> Result<Self> {
        let fd = rustix::io::fcntl_dupfd_cloexec(fd, 0).map_err(|e| Error::os("dup", e))?;
        let saved = rustix::termios::tcgetattr(&fd).map_err(|e| Error::os("tcgetattr", e))?;
        let mut raw = saved.clone();
        raw.input_modes |= InputModes::IGNPAR;
        raw.input_modes -= InputModes::ISTRIP
            | InputModes::INLCR
            | InputModes::IGNCR
            | InputModes::ICRNL
            | InputModes::IXON
            | InputModes::IXANY
            | InputModes::IXOFF
            | InputModes::IUCLC;
        raw.local_modes -= LocalModes::ISIG
            | LocalModes::ICANON
            | LocalModes::ECHO
            | LocalModes::ECHOE
            | LocalModes::ECHOK
            | LocalModes::ECHONL
            | LocalModes::IEXTEN;
        raw.output_modes -= OutputModes::OPOST;
        raw.special_codes[SpecialCodeIndex::VMIN] = 1;
        raw.special_codes[SpecialCodeIndex::VTIME] = 0;
        rustix::termios::tcsetattr(&fd, OptionalActions::Drain, &raw)
            .map_err(|e| Error::os("tcsetattr", e))?;
        Ok(Self {
            fd,
            saved,
            active: true,
        })
    }

    /// The RFC 4254 §8 encoding of the settings saved before raw mode, which is what a
    /// `pty-req` must carry (OpenSSH sends `get_saved_tio()`, not the raw settings).
    pub fn encoded_modes(&self) -> Vec<u8> {
        crate::pty::encode_termios(&self.saved)
    }

    /// Whether raw mode is still in effect.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Restores the saved settings now; later calls and the drop do nothing. On failure the
    /// guard stays active, so the drop tries again.
    pub fn restore(&mut self) -> Result<()> {
        if !self.active {
            return Ok(());
        }
        rustix::termios::tcsetattr(&self.fd, OptionalActions::Drain, &self.saved)
            .map_err(|e| Error::os("tcsetattr", e))?;
        self.active = false;
        Ok(())
    }
}

impl Drop for RawModeGuard {
    fn drop(&mut self) {
        // Nowhere to report an error from a drop; `restore` is there for callers who care.
        let _ = self.restore();
    }
}

/// The size of the terminal `fd` (`TIOCGWINSZ`).
pub fn window_size(fd: impl AsFd) -> Result<WindowSize> {
    rustix::termios::tcgetwinsize(fd)
        .map(WindowSize::from_winsize)
        .map_err(|e| Error::os("TIOCGWINSZ", e))
}

/// Whether `fd` refers to a terminal.
pub fn is_tty(fd: impl AsFd) -> bool {
    rustix::termios::isatty(fd)
}

/// `readpassphrase` keeps at most this many bytes: OpenSSH passes a 1024-byte buffer.
pub const MAX_PASSPHRASE: usize = 1023;

/// How [`read_passphrase`] reads: the flags OpenSSH's readpass.c passes to readpassphrase(3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassphraseOptions {
    /// Show what is typed (`RP_ECHO`): a question such as the host-key one, not a secret.
    pub echo: bool,
    /// Without a controlling terminal, read standard input with the prompt on standard error
    /// (`RP_ALLOW_STDIN`). Without this flag there is no answer then, and the prompt starts with
    /// `\r`, which readpass.c writes to clobber anything typed ahead of it.
    pub allow_stdin: bool,
    /// How many bytes are kept; the rest of the line is read and dropped.
    pub max_len: usize,
}

impl Default for PassphraseOptions {
    /// A hidden answer from the controlling terminal only, at most [`MAX_PASSPHRASE`] bytes.
    fn default() -> Self {
        Self {
            echo: false,
            allow_stdin: false,
            max_len: MAX_PASSPHRASE,
        }
    }
}

/// The terminal whose echo a prompt turned off, for [`restore_echo`].
struct EchoOff {
    tty: OwnedFd,
    saved: Termios,
}

static ECHO_OFF: Mutex<Option<EchoOff>> = Mutex::new(None);

/// One prompt at a time: two would fight over the terminal's settings.
static PROMPTING: Mutex<()> = Mutex::new(());

/// Turns echo back on if a prompt turned it off. A program that handles terminating signals
/// itself (they then do not reach [`read_passphrase`]'s own handlers) calls this on its way out.
/// Safe to call any number of times, from any thread.
pub fn restore_echo() {
    if let Some(e) = ECHO_OFF.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = rustix::termios::tcsetattr(&e.tty, OptionalActions::Flush, &e.saved);
    }
}

/// OpenSSH's readpass.c and readpassphrase(3): writes `prompt` to the controlling terminal
/// (`/dev/tty`) and reads one line from it, with echo off unless `options.echo`; the line the user
/// could not see is ended with a newline. Typed-ahead input is discarded when echo goes off
/// (`TCSAFLUSH`). Without a controlling terminal, standard input is read with the prompt on
/// standard error if `options.allow_stdin`.
///
/// While echo is off, the signals readpassphrase catches (`SIGINT`, `SIGTERM`, `SIGHUP`,
/// `SIGQUIT`, `SIGALRM`, `SIGPIPE`, `SIGTSTP`, `SIGTTIN`, `SIGTTOU`) first give the terminal its
/// settings back, then act as they would have; after a stop the input is hidden again. A signal the
/// program handles itself is left to it (and to [`restore_echo`]).
///
/// `None` when there is no terminal to ask (and no standard input allowed), or when the input
/// ended (or failed) before anything was typed; otherwise the line without its end, cut to
/// `options.max_len` bytes.
pub fn read_passphrase(prompt: &str, options: PassphraseOptions) -> Option<Zeroizing<Vec<u8>>> {
    let _one = PROMPTING.lock().unwrap_or_else(|p| p.into_inner());
    match OpenOptions::new().read(true).write(true).open("/dev/tty") {
        Ok(tty) => {
            let mut output = &tty;
            read_line(&tty, &mut output, prompt, options, |buf| (&tty).read(buf))
        }
        Err(_) if options.allow_stdin => {
            // Reading goes through the shared stdin buffer, so later line reads stay in step.
            let stdin = io::stdin();
            let mut err = io::stderr();
            read_line(&stdin, &mut err, prompt, options, |buf| {
                stdin.lock().read(buf)
            })
        }
        Err(_) => None,
    }
}

/// Echo off on a terminal for the length of one read, and back on when dropped.
struct Hidden<'a, F: AsFd> {
    input: &'a F,
    saved: Termios,
    _signals: Option<PromptSignals>,
}

impl<'a, F: AsFd> Hidden<'a, F> {
    /// Turns echo off on `input` if it is a terminal.
    fn begin(input: &'a F) -> Option<Self> {
        let saved = rustix::termios::tcgetattr(input).ok()?;
        // The signal handlers learn the settings before they change (and clear the same flags).
        let signals = PromptSignals::arm(input.as_fd());
        if let Ok(tty) = rustix::io::fcntl_dupfd_cloexec(input, 0) {
            *ECHO_OFF.lock().unwrap_or_else(|p| p.into_inner()) = Some(EchoOff {
                tty,
                saved: saved.clone(),
            });
        }
        let mut quiet = saved.clone();
        quiet.local_modes &= !(LocalModes::ECHO | LocalModes::ECHONL);
        let _ = rustix::termios::tcsetattr(input, OptionalActions::Flush, &quiet);
        Some(Self {
            input,
            saved,
            _signals: signals,
        })
    }
}

impl<F: AsFd> Drop for Hidden<'_, F> {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(self.input, OptionalActions::Flush, &self.saved);
        ECHO_OFF.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// readpassphrase(3) over `input` (which may not be a terminal) and `output`, reading through
/// `read` byte by byte, so nothing after the end of the line is consumed.
fn read_line<F: AsFd>(
    input: &F,
    output: &mut dyn Write,
    prompt: &str,
    options: PassphraseOptions,
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Option<Zeroizing<Vec<u8>>> {
    let hidden = if options.echo {
        None
    } else {
        Hidden::begin(input)
    };
    if !options.allow_stdin {
        let _ = output.write_all(b"\r");
    }
    let _ = output.write_all(prompt.as_bytes());
    let _ = output.flush();
    let mut line = Zeroizing::new(Vec::with_capacity(64));
    let mut byte = [0u8; 1];
    let ended = loop {
        match read(&mut byte) {
            Ok(1) if byte[0] == b'\n' || byte[0] == b'\r' => break false,
            Ok(1) => {
                if line.len() < options.max_len {
                    line.push(byte[0]);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => break true,
        }
    };
    // The last byte read may be part of the passphrase.
    zeroize::Zeroize::zeroize(&mut byte);
    // readpassphrase ends the line itself whenever the terminal did not echo it: echo turned off
    // here, or asked for but already off.
    let unechoed = hidden.is_some()
        || (options.echo
            && rustix::termios::tcgetattr(input)
                .is_ok_and(|t| !t.local_modes.contains(LocalModes::ECHO)));
    if unechoed {
        let _ = output.write_all(b"\n");
        let _ = output.flush();
    }
    drop(hidden);
    (!(ended && line.is_empty())).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::open_pty;
    use rustix::termios::tcgetattr;

    #[test]
    fn raw_mode_clears_exactly_openssh_flags_and_restores_on_drop() {
        let pty = open_pty().expect("open_pty");
        let before = tcgetattr(&pty.slave).expect("tcgetattr");
        assert!(
            before
                .local_modes
                .contains(LocalModes::ECHO | LocalModes::ICANON)
        );
        {
            let guard = RawModeGuard::enter(&pty.slave).expect("enter");
            assert!(guard.is_active());
            let raw = tcgetattr(&pty.slave).expect("tcgetattr");
            assert!(raw.input_modes.contains(InputModes::IGNPAR));
            assert!(
                !raw.input_modes
                    .intersects(InputModes::ICRNL | InputModes::IXON)
            );
            assert!(!raw.local_modes.intersects(
                LocalModes::ISIG | LocalModes::ICANON | LocalModes::ECHO | LocalModes::IEXTEN
            ));
            assert!(!raw.output_modes.contains(OutputModes::OPOST));
            assert_eq!(raw.special_codes[SpecialCodeIndex::VMIN], 1);
            assert_eq!(raw.special_codes[SpecialCodeIndex::VTIME], 0);
            // cfmakeraw would clear these; enter_raw_mode keeps them.
            assert_eq!(raw.control_modes, before.control_modes);
            assert_eq!(
                raw.local_modes.contains(LocalModes::ECHOCTL),
                before.local_modes.contains(LocalModes::ECHOCTL)
            );
            // The pty-req carries the cooked settings, not the raw ones.
            let modes = crate::pty::decode_terminal_modes(&guard.encoded_modes()).expect("decode");
            assert!(
                modes
                    .settings
                    .iter()
                    .any(|s| s.opcode == 53 && s.value == 1)
            );
        }
        let after = tcgetattr(&pty.slave).expect("tcgetattr");
        assert_eq!(after.local_modes, before.local_modes);
        assert_eq!(after.input_modes, before.input_modes);
        assert_eq!(after.output_modes, before.output_modes);
    }

    #[test]
    fn explicit_restore_is_idempotent() {
        let pty = open_pty().expect("open_pty");
        let mut guard = RawModeGuard::enter(&pty.slave).expect("enter");
        guard.restore().expect("restore");
        assert!(!guard.is_active());
        guard.restore().expect("second restore");
        assert!(
            tcgetattr(&pty.slave)
                .expect("tcgetattr")
                .local_modes
                .contains(LocalModes::ECHO)
        );
    }

    #[test]
    fn a_pipe_is_not_a_tty_and_cannot_enter_raw_mode() {
        let (r, _w) = std::io::pipe().expect("pipe");
        assert!(!is_tty(&r));
        assert!(RawModeGuard::enter(&r).is_err());
        let pty = open_pty().expect("open_pty");
        assert!(is_tty(&pty.master) && is_tty(&pty.slave));
    }

    /// A `read` over `input`, and how much of it was consumed.
    fn scripted(
        input: &[u8],
    ) -> (
        impl FnMut(&mut [u8]) -> io::Result<usize> + '_,
        std::rc::Rc<std::cell::Cell<usize>>,
    ) {
        let at = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = at.clone();
        let read = move |buf: &mut [u8]| {
            let start = at.get();
            let n = input.len().saturating_sub(start).min(buf.len());
            buf[..n].copy_from_slice(&input[start..start + n]);
            at.set(start + n);
            Ok(n)
        };
        (read, seen)
    }

    #[test]
    fn reading_without_a_terminal_adds_no_newline_and_stops_at_the_line_end() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let stdin_allowed = PassphraseOptions {
            allow_stdin: true,
            ..PassphraseOptions::default()
        };
        let (read, at) = scripted(b"pass word\nnext\n");
        let mut out = Vec::new();
        let got = read_line(&null, &mut out, "P: ", stdin_allowed, read).unwrap();
        assert_eq!(&got[..], b"pass word");
        assert_eq!(out, b"P: ");
        assert_eq!(at.get(), 10, "reading stops at the end of the line");

        // Terminal only: the prompt starts with \r.
        let (read, _) = scripted(b"x\r");
        let mut out = Vec::new();
        let got = read_line(&null, &mut out, "Q: ", PassphraseOptions::default(), read);
        assert_eq!(got.as_deref().map(|v| &v[..]), Some(&b"x"[..]));
        assert_eq!(out, b"\rQ: ");
    }

    #[test]
    fn end_of_input_and_long_lines() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let options = PassphraseOptions::default();
        let (read, _) = scripted(b"");
        assert!(read_line(&null, &mut Vec::new(), "", options, read).is_none());
        let (read, _) = scripted(b"\n");
        assert_eq!(
            read_line(&null, &mut Vec::new(), "", options, read)
                .unwrap()
                .len(),
            0
        );
        let (read, _) = scripted(b"partial");
        assert_eq!(
            &read_line(&null, &mut Vec::new(), "", options, read).unwrap()[..],
            b"partial"
        );
        let long = [b'a'; 2000];
        let (read, at) = scripted(&long);
        assert_eq!(
            read_line(&null, &mut Vec::new(), "", options, read)
                .unwrap()
                .len(),
            MAX_PASSPHRASE
        );
        assert_eq!(
            at.get(),
            2000,
            "the rest of a long line is read and dropped"
        );
        let short = PassphraseOptions {
            max_len: 4,
            ..options
        };
        let (read, _) = scripted(b"abcdefg\n");
        assert_eq!(
            &read_line(&null, &mut Vec::new(), "", short, read).unwrap()[..],
            b"abcd"
        );
    }

    #[test]
    fn a_hidden_prompt_on_a_terminal_turns_echo_off_and_back_on() {
        use std::sync::mpsc;
        use std::time::Duration;
        let pty = open_pty().expect("open_pty");
        let slave = std::fs::File::from(pty.slave.try_clone().unwrap());
        let mut master = std::fs::File::from(pty.master.try_clone().unwrap());
        let reader = std::thread::spawn(move || {
            let mut out = &slave;
            let mut input = &slave;
            read_line(
                &slave,
                &mut out,
                "Secret: ",
                PassphraseOptions::default(),
                |b| input.read(b),
            )
        });
        // What the terminal shows, byte by byte, with a deadline on every wait.
        let (tx, shown) = mpsc::channel();
        let mut from_master = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut b = [0u8; 1];
            while from_master.read(&mut b).is_ok_and(|n| n == 1) && tx.send(b[0]).is_ok() {}
        });
        let mut seen = Vec::new();
        let mut wait_for = |what: &[u8]| {
            while !seen.ends_with(what) {
                seen.push(shown.recv_timeout(Duration::from_secs(10)).expect("output"));
            }
        };
        // Echo goes off before the prompt is written; then type.
        wait_for(b"Secret: ");
        assert!(
            !tcgetattr(&pty.slave)
                .unwrap()
                .local_modes
                .contains(LocalModes::ECHO)
        );
        master.write_all(b"hunter2\n").unwrap();
        let got = reader.join().unwrap().unwrap();
        assert_eq!(&got[..], b"hunter2");
        // Nothing echoed; the newline the user could not see is written (as CR LF).
        wait_for(b"\r\n");
        assert_eq!(seen, b"\rSecret: \r\n");
        assert!(
            tcgetattr(&pty.slave)
                .unwrap()
                .local_modes
                .contains(LocalModes::ECHO)
        );
    }
}
