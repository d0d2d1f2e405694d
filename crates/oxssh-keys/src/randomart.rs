//! The "randomart" picture of a fingerprint that `ssh-keygen -lv` and `VisualHostKey` print: the
//! drunken-bishop walk of OpenSSH's `fingerprint_randomart` (sshkey.c), reproduced byte for byte.
//!
//! The bishop starts in the middle of a 17×9 board; every digest byte gives four moves, two bits at a
//! time from the least significant (bit 0: right or left, bit 1: down or up), clamped at the walls.
//! Each visit raises a square's count, drawn with the characters of `" .o+=*BOX@%&#/^"`; the start is
//! `S` and the end `E`.

use crate::{FingerprintHash, PublicKey};

const WIDTH: usize = 17;
const HEIGHT: usize = 9;
/// Visit counts map onto these; the last two are reserved for the start and end marks.
const SYMBOLS: &[u8] = b" .o+=*BOX@%&#/^SE";

/// Draws the randomart of `key`'s fingerprint under `hash`, exactly as `ssh-keygen -lv` prints it
/// (lines joined by `\n`, no final newline).
pub fn randomart(key: &PublicKey, hash: FingerprintHash) -> String {
    let title = format!("[{} {}]", key.key_type().display_name(), key.bits());
    draw(
        &key.fingerprint_digest(hash),
        &title,
        &format!("[{}]", hash.display_name()),
    )
}

/// Draws the picture of `digest` with `title` in the top border and `footer` in the bottom one.
fn draw(digest: &[u8], title: &str, footer: &str) -> String {
    let last = SYMBOLS.len() - 1;
    let mut field = [[0usize; HEIGHT]; WIDTH];
    let (mut x, mut y) = (WIDTH / 2, HEIGHT / 2);
    for &byte in digest {
        let mut input = byte;
        for _ in 0..4 {
            x = if input & 1 != 0 {
                (x + 1).min(WIDTH - 1)
            } else {
                x.saturating_sub(1)
            };
            y = if input & 2 != 0 {
                (y + 1).min(HEIGHT - 1)
            } else {
                y.saturating_sub(1)
            };
            if let Some(count) = field.get_mut(x).and_then(|col| col.get_mut(y)) {
                // Counts stop below the start and end marks.
                if *count < last - 2 {
                    *count += 1;
                }
            }
            input >>= 2;
        }
    }
    if let Some(start) = field
        .get_mut(WIDTH / 2)
        .and_then(|col| col.get_mut(HEIGHT / 2))
    {
        *start = last - 1;
    }
    if let Some(end) = field.get_mut(x).and_then(|col| col.get_mut(y)) {
        *end = last;
    }

    let mut out = String::with_capacity((WIDTH + 3) * (HEIGHT + 2));
    border(&mut out, title);
    for row in 0..HEIGHT {
        out.push('|');
        for column in &field {
            let count = column.get(row).copied().unwrap_or(0).min(last);
            out.push(char::from(SYMBOLS.get(count).copied().unwrap_or(b'?')));
        }
        out.push_str("|\n");
    }
    border(&mut out, footer);
    out.pop(); // OpenSSH's picture has no final newline.
    out
}

/// A border line with `label` centred the way OpenSSH does it (extra dash on the right).
fn border(out: &mut String, label: &str) {
    let label = if label.len() > WIDTH { "" } else { label };
    let left = (WIDTH - label.len()) / 2;
    out.push('+');
    out.extend(std::iter::repeat_n('-', left));
    out.push_str(label);
    out.extend(std::iter::repeat_n('-', WIDTH - left - label.len()));
    out.push_str("+\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borders_centre_like_openssh() {
        let art = draw(&[0u8; 32], "[RSA 2048]", "[SHA256]");
        let lines: Vec<&str> = art.lines().collect();
        assert_eq!(lines.len(), HEIGHT + 2);
        assert_eq!(lines[0], "+---[RSA 2048]----+");
        assert_eq!(lines[HEIGHT + 1], "+----[SHA256]-----+");
        assert_eq!(
            draw(&[], "[ED25519 256]", "[MD5]").lines().next().unwrap(),
            "+--[ED25519 256]--+"
        );
        assert!(draw(&[], "x", "[MD5]").ends_with("+------[MD5]------+"));
    }

    #[test]
    fn all_zero_digest_walks_to_the_top_left_corner() {
        // Every move is left and up, so the bishop ends in the corner.
        let art = draw(&[0u8; 16], "", "");
        let rows: Vec<&str> = art.lines().collect();
        assert!(rows[1].starts_with("|E"));
        assert_eq!(&rows[1 + HEIGHT / 2][1 + WIDTH / 2..2 + WIDTH / 2], "S");
    }
}
