//! Pseudo-terminals for the daemon: opening a pair, window sizes, and the RFC 4254 §8 terminal
//! modes a client sends in `pty-req`.
//!
//! The mode table follows OpenSSH's ttymodes.h opcode for opcode, so that a mode string
//! produced by OpenSSH's client means the same to us as to its sshd, and ours means the same to
//! its sshd. Opcodes whose termios constant Linux lacks (VDSUSP 11, VFLUSH 15, VSWTCH 16,
//! VSTATUS 17) are "unknown" here exactly as in an OpenSSH built on Linux.

use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::{
    ControlModes, InputModes, LocalModes, OptionalActions, OutputModes, SpecialCodeIndex, Termios,
    Winsize,
};

use crate::{Error, Gid, Result, Uid};

/// End of the mode list (RFC 4254 §8).
pub const TTY_OP_END: u8 = 0;
/// Input baud rate (RFC 4254 §8).
pub const TTY_OP_ISPEED: u8 = 128;
/// Output baud rate (RFC 4254 §8).
pub const TTY_OP_OSPEED: u8 = 129;
/// Opcodes from here on have no defined argument, so parsing must stop (RFC 4254 §8: "Opcodes
/// 160 to 255 are not yet defined, and cause parsing to stop").
const FIRST_UNDEFINED_OPCODE: u8 = 160;
/// The wire value for "no character" (OpenSSH ttymodes.c `special_char_encode`).
const WIRE_VDISABLE: u32 = 255;
/// Linux's `_POSIX_VDISABLE`.
const POSIX_VDISABLE: u8 = 0;

/// A master/slave pseudo-terminal pair. Both ends are close-on-exec and the slave was opened
/// with `O_NOCTTY`, so neither becomes anyone's controlling terminal by accident.
#[derive(Debug)]
pub struct PtyPair {
    /// The side the daemon reads and writes.
    pub master: OwnedFd,
    /// The side the user's process gets as stdin, stdout, stderr and controlling terminal.
    pub slave: OwnedFd,
    /// The slave's device path (`/dev/pts/N`), the value of `SSH_TTY` and of `PAM_TTY`.
    pub slave_name: PathBuf,
}

/// A terminal's size as RFC 4254 §6.2 and §6.7 carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowSize {
    /// Width in characters.
    pub cols: u32,
    /// Height in rows.
    pub rows: u32,
    /// Width in pixels (0 when unknown).
    pub xpixel: u32,
    /// Height in pixels (0 when unknown).
    pub ypixel: u32,
}

impl WindowSize {
    /// The kernel's `struct winsize` holds 16-bit fields; larger wire values are clamped rather
    /// than truncated, so a hostile 65537-column request becomes 65535, not 1.
    pub(crate) fn to_winsize(self) -> Winsize {
        let clamp = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        Winsize {
            ws_row: clamp(self.rows),
            ws_col: clamp(self.cols),
            ws_xpixel: clamp(self.xpixel),
            ws_ypixel: clamp(self.ypixel),
        }
    }

    pub(crate) fn from_winsize(w: Winsize) -> Self {
        Self {
            cols: w.ws_col.into(),
            rows: w.ws_row.into(),
            xpixel: w.ws_xpixel.into(),
            ypixel: w.ws_ypixel.into(),
        }
    }
}

/// Opens a new pseudo-terminal pair.
pub fn open_pty() -> Result<PtyPair> {
    let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
    let master = rustix::pty::openpt(flags).map_err(|e| Error::os("openpt", e))?;
    rustix::pty::grantpt(&master).map_err(|e| Error::os("grantpt", e))?;
    rustix::pty::unlockpt(&master).map_err(|e| Error::os("unlockpt", e))?;
    let name = rustix::pty::ptsname(&master, Vec::new()).map_err(|e| Error::os("ptsname", e))?;
    // TIOCGPTPEER (Linux 4.13) opens the slave through the master, so nothing can swap another
    // device in under the name between ptsname and open; older kernels fall back to the path.
    let slave = match rustix::pty::ioctl_tiocgptpeer(&master, flags) {
        Ok(fd) => fd,
        Err(_) => rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::os("open pty slave", e))?,
    };
    let slave_name = PathBuf::from(OsString::from_vec(name.into_bytes()));
    Ok(PtyPair {
        master,
        slave,
        slave_name,
    })
}

/// Sets the window size of a terminal (`TIOCSWINSZ`); the kernel then sends `SIGWINCH` to the
/// terminal's foreground process group. Used for `pty-req` and `window-change`.
pub fn set_window_size(fd: impl AsFd, size: WindowSize) -> Result<()> {
    rustix::termios::tcsetwinsize(fd, size.to_winsize()).map_err(|e| Error::os("TIOCSWINSZ", e))
}

/// Makes `uid` the owner of the tty device, as OpenSSH's sshpty.c `pty_setowner` does: group
/// `tty` and mode 0620 when that group exists (so `write`/`wall` work), else the user's group and
/// 0600. A read-only /dev that already has an acceptable owner is not an error.
pub fn set_tty_owner(tty: &Path, uid: Uid, user_gid: Gid) -> Result<()> {
    let tty_group = nix::unistd::Group::from_name("tty").ok().flatten();
    let (gid, mode) = match tty_group {
        Some(g) => (g.gid, 0o620),
        None => (user_gid, 0o600),
    };
    let st = rustix::fs::stat(tty).map_err(|e| Error::os("stat tty", e))?;
    if st.st_uid != uid.as_raw() || st.st_gid != gid.as_raw() {
        let owner = Some(rustix::fs::Uid::from_raw(uid.as_raw()));
        let group = Some(rustix::fs::Gid::from_raw(gid.as_raw()));
        if let Err(e) = rustix::fs::chown(tty, owner, group) {
            let acceptable = st.st_uid == uid.as_raw() || st.st_uid == 0;
            if !(e == rustix::io::Errno::ROFS && acceptable) {
                return Err(Error::os("chown tty", e));
            }
        }
    }
    if st.st_mode & 0o777 != mode {
        rustix::fs::chmod(tty, Mode::from_raw_mode(mode)).map_err(|e| Error::os("chmod tty", e))?;
    }
    Ok(())
}

/// Gives the tty device back to root with mode 0666 after the session, as OpenSSH's
/// `pty_release` does.
pub fn release_tty(tty: &Path) -> Result<()> {
    let root_uid = Some(rustix::fs::Uid::ROOT);
    let root_gid = Some(rustix::fs::Gid::ROOT);
    rustix::fs::chown(tty, root_uid, root_gid).map_err(|e| Error::os("chown tty", e))?;
    rustix::fs::chmod(tty, Mode::from_raw_mode(0o666)).map_err(|e| Error::os("chmod tty", e))
}

/// Which termios word a flag opcode lives in.
#[derive(Debug, Clone, Copy)]
enum Field {
    Input,
    Output,
    Control,
    Local,
}

/// What an opcode in 1..=159 controls.
#[derive(Debug, Clone, Copy)]
enum ModeKind {
    Char(SpecialCodeIndex),
    Flag(Field, u32),
}

/// The OpenSSH ttymodes.h table for Linux. Flags are tested as `(word & mask) != 0` and set or
/// cleared as a whole mask, like the C macros; for the multi-bit CS7/CS8 this reproduces
/// OpenSSH exactly (CS8 reports CS7 as set, and a peer must send CS8 after CS7).
fn mode_kind(opcode: u8) -> Option<ModeKind> {
    use Field::{Control, Input, Local, Output};
    use ModeKind::{Char, Flag};
    type S = SpecialCodeIndex;
    let kind = match opcode {
        1 => Char(S::VINTR),
        2 => Char(S::VQUIT),
        3 => Char(S::VERASE),
        4 => Char(S::VKILL),
        5 => Char(S::VEOF),
        6 => Char(S::VEOL),
        7 => Char(S::VEOL2),
        8 => Char(S::VSTART),
        9 => Char(S::VSTOP),
        10 => Char(S::VSUSP),
        12 => Char(S::VREPRINT),
        13 => Char(S::VWERASE),
        14 => Char(S::VLNEXT),
        18 => Char(S::VDISCARD),
        30 => Flag(Input, InputModes::IGNPAR.bits()),
        31 => Flag(Input, InputModes::PARMRK.bits()),
        32 => Flag(Input, InputModes::INPCK.bits()),
        33 => Flag(Input, InputModes::ISTRIP.bits()),
        34 => Flag(Input, InputModes::INLCR.bits()),
        35 => Flag(Input, InputModes::IGNCR.bits()),
        36 => Flag(Input, InputModes::ICRNL.bits()),
        37 => Flag(Input, InputModes::IUCLC.bits()),
        38 => Flag(Input, InputModes::IXON.bits()),
        39 => Flag(Input, InputModes::IXANY.bits()),
        40 => Flag(Input, InputModes::IXOFF.bits()),
        41 => Flag(Input, InputModes::IMAXBEL.bits()),
        // RFC 8160.
        42 => Flag(Input, InputModes::IUTF8.bits()),
        50 => Flag(Local, LocalModes::ISIG.bits()),
        51 => Flag(Local, LocalModes::ICANON.bits()),
        52 => Flag(Local, LocalModes::XCASE.bits()),
        53 => Flag(Local, LocalModes::ECHO.bits()),
        54 => Flag(Local, LocalModes::ECHOE.bits()),
        55 => Flag(Local, LocalModes::ECHOK.bits()),
        56 => Flag(Local, LocalModes::ECHONL.bits()),
        57 => Flag(Local, LocalModes::NOFLSH.bits()),
        58 => Flag(Local, LocalModes::TOSTOP.bits()),
        59 => Flag(Local, LocalModes::IEXTEN.bits()),
        60 => Flag(Local, LocalModes::ECHOCTL.bits()),
        61 => Flag(Local, LocalModes::ECHOKE.bits()),
        62 => Flag(Local, LocalModes::PENDIN.bits()),
        70 => Flag(Output, OutputModes::OPOST.bits()),
        71 => Flag(Output, OutputModes::OLCUC.bits()),
        72 => Flag(Output, OutputModes::ONLCR.bits()),
        73 => Flag(Output, OutputModes::OCRNL.bits()),
        74 => Flag(Output, OutputModes::ONOCR.bits()),
        75 => Flag(Output, OutputModes::ONLRET.bits()),
        90 => Flag(Control, ControlModes::CS7.bits()),
        91 => Flag(Control, ControlModes::CS8.bits()),
        92 => Flag(Control, ControlModes::PARENB.bits()),
        93 => Flag(Control, ControlModes::PARODD.bits()),
        _ => return None,
    };
    Some(kind)
}

/// One decoded `opcode uint32` pair that this system understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeSetting {
    /// The RFC 4254 §8 opcode.
    pub opcode: u8,
    /// Its argument.
    pub value: u32,
}

/// The result of decoding a mode string, kept so the daemon can log what it did and did not
/// apply (OpenSSH logs ignored opcodes at debug level).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerminalModes {
    /// Known settings, in the order received; later ones win.
    pub settings: Vec<ModeSetting>,
    /// Opcodes in 1..=159 this system has no mode for; their argument was skipped.
    pub ignored: Vec<u8>,
    /// An opcode ≥ 160 that stopped parsing early, if any.
    pub stopped_at: Option<u8>,
}

/// Decodes an RFC 4254 §8 encoded mode string (the contents of the `pty-req` string, without
/// its length). Parsing ends at `TTY_OP_END`, at an undefined opcode ≥ 160, or at the end of the
/// input when it falls on an opcode boundary; an argument cut short is an error.
pub fn decode_terminal_modes(encoded: &[u8]) -> Result<TerminalModes> {
    let mut modes = TerminalModes::default();
    let mut pos = 0;
    while let Some(&opcode) = encoded.get(pos) {
        if opcode == TTY_OP_END {
            break;
        }
        if opcode >= FIRST_UNDEFINED_OPCODE {
            modes.stopped_at = Some(opcode);
            break;
        }
        let arg = encoded
            .get(pos + 1..pos + 5)
            .and_then(|a| <[u8; 4]>::try_from(a).ok())
            .ok_or(Error::TruncatedModes { offset: pos })?;
        let value = u32::from_be_bytes(arg);
        pos += 5;
        let known =
            opcode == TTY_OP_ISPEED || opcode == TTY_OP_OSPEED || mode_kind(opcode).is_some();
        if known {
            modes.settings.push(ModeSetting { opcode, value });
        } else {
            modes.ignored.push(opcode);
        }
    }
    Ok(modes)
}

/// Decodes `encoded` and applies it to the terminal `fd` (the pty master or slave) with
/// `TCSANOW`. Nothing is changed when the string is empty or malformed, as in OpenSSH's
/// ttymodes.c `tty_parse_modes`. Returns what was decoded, for logging.
pub fn apply_terminal_modes(fd: impl AsFd, encoded: &[u8]) -> Result<TerminalModes> {
    let modes = decode_terminal_modes(encoded)?;
    if modes.settings.is_empty() {
        return Ok(modes);
    }
    let mut tio = rustix::termios::tcgetattr(&fd).map_err(|e| Error::os("tcgetattr", e))?;
    apply_to_termios(&mut tio, &modes);
    rustix::termios::tcsetattr(&fd, OptionalActions::Now, &tio)
        .map_err(|e| Error::os("tcsetattr", e))?;
    Ok(modes)
}

fn apply_to_termios(tio: &mut Termios, modes: &TerminalModes) {
    for s in &modes.settings {
        match s.opcode {
            // A speed the kernel refuses is ignored, as OpenSSH only logs cfsetispeed failures.
            TTY_OP_ISPEED => {
                let _ = tio.set_input_speed(baud_to_speed(s.value));
            }
            TTY_OP_OSPEED => {
                let _ = tio.set_output_speed(baud_to_speed(s.value));
            }
            op => match mode_kind(op) {
                Some(ModeKind::Char(index)) => {
                    tio.special_codes[index] = special_char_decode(s.value)
                }
                Some(ModeKind::Flag(field, mask)) => set_flag(tio, field, mask, s.value != 0),
                None => {}
            },
        }
    }
}

fn set_flag(tio: &mut Termios, field: Field, mask: u32, on: bool) {
    let apply = |bits: u32| if on { bits | mask } else { bits & !mask };
    match field {
        Field::Input => {
            tio.input_modes = InputModes::from_bits_retain(apply(tio.input_modes.bits()));
        }
        Field::Output => {
            tio.output_modes = OutputModes::from_bits_retain(apply(tio.output_modes.bits()));
        }
        Field::Control => {
            tio.control_modes = ControlModes::from_bits_retain(apply(tio.control_modes.bits()));
        }
        Field::Local => {
            tio.local_modes = LocalModes::from_bits_retain(apply(tio.local_modes.bits()));
        }
    }
}

fn flag_is_set(tio: &Termios, field: Field, mask: u32) -> bool {
    let bits = match field {
        Field::Input => tio.input_modes.bits(),
        Field::Output => tio.output_modes.bits(),
        Field::Control => tio.control_modes.bits(),
        Field::Local => tio.local_modes.bits(),
    };
    bits & mask != 0
}

/// OpenSSH's `special_char_decode`: 255 means "disabled". Larger values are truncated to the
/// 8-bit `cc_t`, as the C assignment does.
fn special_char_decode(value: u32) -> u8 {
    if value == WIRE_VDISABLE {
        POSIX_VDISABLE
    } else {
        (value & 0xff) as u8
    }
}

fn special_char_encode(c: u8) -> u32 {
    if c == POSIX_VDISABLE {
        WIRE_VDISABLE
    } else {
        c.into()
    }
}

/// OpenSSH's `baud_to_speed`: a rate the table does not know becomes 9600.
fn baud_to_speed(baud: u32) -> u32 {
    const KNOWN: &[u32] = &[
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
        115200, 230400, 460800, 500000, 576000, 921600,
    ];
    if KNOWN.contains(&baud) { baud } else { 9600 }
}

/// Encodes the modes of the terminal `fd` for a `pty-req` (client side), in OpenSSH's order:
/// output speed, input speed, then every opcode this system knows, then `TTY_OP_END`.
///
/// When `fd` is not a terminal this fails; OpenSSH's client then sends just `TTY_OP_END`.
pub fn encode_terminal_modes(fd: impl AsFd) -> Result<Vec<u8>> {
    let tio = rustix::termios::tcgetattr(fd).map_err(|e| Error::os("tcgetattr", e))?;
    Ok(encode_termios(&tio))
}

pub(crate) fn encode_termios(tio: &Termios) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 * 64 + 1);
    let mut put = |opcode: u8, value: u32| {
        out.push(opcode);
        out.extend_from_slice(&value.to_be_bytes());
    };
    put(TTY_OP_OSPEED, tio.output_speed());
    put(TTY_OP_ISPEED, tio.input_speed());
    for opcode in 1..FIRST_UNDEFINED_OPCODE {
        match mode_kind(opcode) {
            Some(ModeKind::Char(index)) => {
                put(opcode, special_char_encode(tio.special_codes[index]))
            }
            Some(ModeKind::Flag(field, mask)) => put(opcode, flag_is_set(tio, field, mask).into()),
            None => {}
        }
    }
    out.push(TTY_OP_END);
    out
}

#[cfg(test)]
mod tests;
