//! The client's own terminal: raw mode while a session with a pty runs, its size, and whether a
//! descriptor is a terminal at all.

use std::os::fd::{AsFd, OwnedFd};

use rustix::termios::{
    InputModes, LocalModes, OptionalActions, OutputModes, SpecialCodeIndex, Termios,
};

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
}
