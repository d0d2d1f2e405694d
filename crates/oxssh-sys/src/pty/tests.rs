use super::*;
use rustix::termios::tcgetattr;

fn pair(opcode: u8, value: u32) -> Vec<u8> {
    let mut v = vec![opcode];
    v.extend_from_slice(&value.to_be_bytes());
    v
}

fn modes(pairs: &[(u8, u32)]) -> Vec<u8> {
    let mut v: Vec<u8> = pairs.iter().flat_map(|&(o, a)| pair(o, a)).collect();
    v.push(TTY_OP_END);
    v
}

#[test]
fn open_pty_gives_a_named_slave_and_data_flows_master_to_slave() {
    let pty = open_pty().expect("open_pty");
    assert!(
        pty.slave_name.starts_with("/dev/pts/"),
        "{:?}",
        pty.slave_name
    );
    assert!(rustix::termios::isatty(&pty.slave));
    // The slave is in canonical mode, so a whole line is needed before read returns.
    rustix::io::write(&pty.master, b"hello\n").expect("write master");
    let mut buf = [0u8; 64];
    let n = rustix::io::read(&pty.slave, &mut buf).expect("read slave");
    assert_eq!(&buf[..n], b"hello\n");
}

#[test]
fn window_size_round_trips_and_clamps_oversized_values() {
    let pty = open_pty().expect("open_pty");
    let size = WindowSize {
        cols: 132,
        rows: 40,
        xpixel: 1024,
        ypixel: 768,
    };
    set_window_size(&pty.master, size).expect("set");
    assert_eq!(crate::terminal::window_size(&pty.slave).expect("get"), size);
    let huge = WindowSize {
        cols: 70_000,
        rows: 1,
        xpixel: 0,
        ypixel: 0,
    };
    set_window_size(&pty.master, huge).expect("set");
    assert_eq!(
        crate::terminal::window_size(&pty.slave).expect("get").cols,
        65535
    );
}

#[test]
fn decode_skips_unknown_low_opcodes_and_stops_at_160() {
    let mut enc = pair(53, 0); // ECHO off
    enc.extend(pair(11, 7)); // VDSUSP: no such char on Linux, skipped
    enc.extend(pair(150, 1)); // undefined but < 160: skipped with its argument
    enc.extend(pair(51, 1)); // ICANON on
    enc.push(200); // undefined >= 160: stop
    enc.extend(pair(53, 1)); // never reached
    let m = decode_terminal_modes(&enc).expect("decode");
    assert_eq!(
        m.settings,
        vec![
            ModeSetting {
                opcode: 53,
                value: 0
            },
            ModeSetting {
                opcode: 51,
                value: 1
            }
        ]
    );
    assert_eq!(m.ignored, vec![11, 150]);
    assert_eq!(m.stopped_at, Some(200));
}

#[test]
fn decode_rejects_an_argument_cut_short_and_accepts_a_missing_end() {
    let mut enc = pair(53, 1);
    enc.extend_from_slice(&[51, 0, 0]);
    assert!(matches!(
        decode_terminal_modes(&enc),
        Err(Error::TruncatedModes { offset: 5 })
    ));
    let m = decode_terminal_modes(&pair(53, 1)).expect("no END");
    assert_eq!(m.settings.len(), 1);
    assert_eq!(
        decode_terminal_modes(&[]).expect("empty"),
        TerminalModes::default()
    );
}

#[test]
fn decode_never_panics_on_arbitrary_bytes() {
    // A fixed-seed xorshift so failures reproduce; seed printed for the record.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    println!("seed {state:#x}");
    for len in 0..2000usize {
        let bytes: Vec<u8> = (0..len % 97)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        if let Ok(m) = decode_terminal_modes(&bytes) {
            assert!(m.settings.len() + m.ignored.len() <= bytes.len() / 5);
        }
    }
}

#[test]
fn apply_sets_flags_chars_and_speeds_on_a_real_pty() {
    let pty = open_pty().expect("open_pty");
    let enc = modes(&[
        (TTY_OP_ISPEED, 38400),
        (TTY_OP_OSPEED, 38400),
        (1, 3),   // VINTR ^C
        (3, 127), // VERASE DEL
        (4, 255), // VKILL disabled
        (53, 0),  // ECHO off
        (51, 0),  // ICANON off
        (36, 1),  // ICRNL on
        (72, 0),  // ONLCR off
        (42, 1),  // IUTF8 on
    ]);
    let applied = apply_terminal_modes(&pty.master, &enc).expect("apply");
    assert_eq!(applied.settings.len(), 10);
    let tio = tcgetattr(&pty.slave).expect("tcgetattr");
    assert!(!tio.local_modes.contains(LocalModes::ECHO));
    assert!(!tio.local_modes.contains(LocalModes::ICANON));
    assert!(tio.input_modes.contains(InputModes::ICRNL));
    assert!(tio.input_modes.contains(InputModes::IUTF8));
    assert!(!tio.output_modes.contains(OutputModes::ONLCR));
    assert_eq!(tio.special_codes[SpecialCodeIndex::VINTR], 3);
    assert_eq!(tio.special_codes[SpecialCodeIndex::VERASE], 127);
    assert_eq!(tio.special_codes[SpecialCodeIndex::VKILL], POSIX_VDISABLE);
    assert_eq!(tio.output_speed(), 38400);
    assert_eq!(tio.input_speed(), 38400);
}

#[test]
fn malformed_modes_change_nothing() {
    let pty = open_pty().expect("open_pty");
    let before = tcgetattr(&pty.slave).expect("tcgetattr");
    let mut enc = pair(53, 0);
    enc.extend_from_slice(&[51, 0]);
    assert!(apply_terminal_modes(&pty.master, &enc).is_err());
    let after = tcgetattr(&pty.slave).expect("tcgetattr");
    assert_eq!(before.local_modes, after.local_modes);
}

#[test]
fn encode_then_apply_reproduces_the_terminal() {
    let src = open_pty().expect("open_pty");
    let dst = open_pty().expect("open_pty");
    let enc = modes(&[(53, 0), (51, 0), (1, 0x1c), (70, 0), (TTY_OP_OSPEED, 19200)]);
    apply_terminal_modes(&src.master, &enc).expect("apply src");
    let encoded = encode_terminal_modes(&src.slave).expect("encode");
    assert_eq!(encoded.first(), Some(&TTY_OP_OSPEED));
    assert_eq!(encoded.last(), Some(&TTY_OP_END));
    assert_eq!((encoded.len() - 1) % 5, 0);
    let decoded = decode_terminal_modes(&encoded).expect("decode");
    assert!(decoded.ignored.is_empty() && decoded.stopped_at.is_none());
    apply_terminal_modes(&dst.master, &encoded).expect("apply dst");
    let (a, b) = (
        tcgetattr(&src.slave).expect("a"),
        tcgetattr(&dst.slave).expect("b"),
    );
    assert_eq!(a.local_modes, b.local_modes);
    assert_eq!(a.input_modes, b.input_modes);
    assert_eq!(a.output_modes, b.output_modes);
    assert_eq!(a.output_speed(), 19200);
    assert_eq!(b.output_speed(), 19200);
    assert_eq!(b.special_codes[SpecialCodeIndex::VINTR], 0x1c);
}

#[test]
fn unknown_baud_rate_becomes_9600_like_openssh() {
    assert_eq!(baud_to_speed(12345), 9600);
    assert_eq!(baud_to_speed(115200), 115200);
}

#[test]
fn tty_owner_is_set_and_released_when_root() {
    if !crate::user::is_root() {
        println!("SKIP tty_owner_is_set_and_released_when_root: needs root");
        return;
    }
    let pty = open_pty().expect("open_pty");
    let nobody = crate::user::lookup_user("nobody")
        .expect("lookup")
        .expect("nobody exists");
    set_tty_owner(&pty.slave_name, nobody.uid, nobody.gid).expect("set owner");
    let st = rustix::fs::stat(&pty.slave_name).expect("stat");
    assert_eq!(st.st_uid, nobody.uid.as_raw());
    assert!(st.st_mode & 0o777 == 0o620 || st.st_mode & 0o777 == 0o600);
    release_tty(&pty.slave_name).expect("release");
    let st = rustix::fs::stat(&pty.slave_name).expect("stat");
    assert_eq!((st.st_uid, st.st_mode & 0o777), (0, 0o666));
}
