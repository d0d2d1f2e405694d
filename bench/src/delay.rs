//! An emulated long round trip (50 ms), two ways:
//!
//! * **netem**: two network namespaces joined by a veth pair, each end delaying what it sends by
//!   half the round trip with the `netem` queueing discipline. Servers run in one namespace,
//!   clients in the other, on addresses that exist only there; the namespaces (and the veth pair
//!   with them) are removed afterwards. TCP buffers in both are raised so TCP is not the limit.
//! * **relay**: where the kernel has no netem, a TCP relay on 127.0.0.1 holds every byte for half
//!   the round trip in each direction. It reads as fast as data comes, so only the SSH channel
//!   window (an application-level limit) bounds throughput, as it would across a real long link
//!   with large TCP buffers.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Error;

/// Chunks in flight per direction in the relay (each up to [`CHUNK`] bytes).
const QUEUE: usize = 4096;
/// The relay's read size.
const CHUNK: usize = 256 * 1024;

/// A delaying TCP relay; stops accepting on drop (connections under way run to their end).
pub struct Relay {
    /// Where clients connect.
    pub port: u16,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// Copies `from` to `to`, each chunk written `delay` after it was read; half-closes `to` at EOF.
fn delayed_pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<u8>)>(QUEUE);
    let writer = std::thread::spawn(move || {
        while let Ok((due, chunk)) = rx.recv() {
            let now = Instant::now();
            if due > now {
                // The delay being emulated, not a wait for a condition.
                std::thread::sleep(due - now);
            }
            if to.write_all(&chunk).is_err() {
                return;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; CHUNK];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]).to_vec();
                if tx.send((Instant::now() + delay, chunk)).is_err() {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.join();
}

impl Relay {
    /// Listens on 127.0.0.1 and relays each connection to `target`, delaying each direction by
    /// `one_way`.
    pub fn start(target: SocketAddr, one_way: Duration) -> Result<Relay, Error> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::new(format!("relay: cannot listen: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::new(format!("relay: {e}")))?
            .port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let accept = std::thread::spawn(move || {
            for incoming in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = incoming else { continue };
                let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(10))
                else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                std::thread::spawn(move || delayed_pipe(client, server, one_way));
                std::thread::spawn(move || delayed_pipe(s2, c2, one_way));
            }
        });
        Ok(Relay {
            port,
            stop,
            accept: Some(accept),
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn ip(args: &[&str]) -> Result<(), Error> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("cannot run ip: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn in_ns(ns: &str, args: &[&str]) -> Result<(), Error> {
    let mut all = vec!["netns", "exec", ns];
    all.extend_from_slice(args);
    ip(&all)
}

/// A network namespace for the clients, joined to ours by a veth pair; removed (with the pair) on
/// drop. Servers listen on our end's address, which exists only while the pair does.
pub struct Namespaces {
    /// Where clients run (`ip netns exec`).
    pub client_ns: String,
    /// Our end's address, where servers listen.
    pub server_addr: String,
}

impl Namespaces {
    /// Creates the namespace and the pair; with `one_way` set, each end delays what it sends by
    /// it with netem.
    pub fn create(one_way: Option<Duration>) -> Result<Namespaces, Error> {
        let id = std::process::id() % 100_000;
        let n = Namespaces {
            client_ns: format!("oxbench-c{id}"),
            server_addr: "10.201.0.1".to_owned(),
        };
        ip(&["netns", "add", &n.client_ns])?;
        // From here on, drop removes whatever was made.
        let (ours, theirs) = (format!("oxbs{id}"), format!("oxbc{id}"));
        ip(&[
            "link",
            "add",
            &ours,
            "type",
            "veth",
            "peer",
            "name",
            &theirs,
            "netns",
            &n.client_ns,
        ])?;
        ip(&["addr", "add", "10.201.0.1/30", "dev", &ours])?;
        ip(&["link", "set", &ours, "up"])?;
        in_ns(
            &n.client_ns,
            &["ip", "addr", "add", "10.201.0.2/30", "dev", &theirs],
        )?;
        in_ns(&n.client_ns, &["ip", "link", "set", &theirs, "up"])?;
        in_ns(&n.client_ns, &["ip", "link", "set", "lo", "up"])?;
        // Buffers far beyond the bandwidth-delay product on the client side (per namespace
        // since Linux 4.15), so TCP is not what limits; ours are left as the machine has them.
        for key in [
            "net.ipv4.tcp_rmem=4096 131072 134217728",
            "net.ipv4.tcp_wmem=4096 131072 134217728",
        ] {
            in_ns(&n.client_ns, &["sysctl", "-q", "-w", key])?;
        }
        if let Some(d) = one_way {
            let ms = format!("{}ms", d.as_millis());
            let netem = |dev: &str| {
                [
                    "qdisc", "add", "dev", dev, "root", "netem", "delay", &ms, "limit", "1000000",
                ]
                .map(str::to_owned)
            };
            let ours_args = netem(&ours);
            run_tc(&ours_args.iter().map(String::as_str).collect::<Vec<_>>())?;
            let mut inside = vec!["tc".to_owned()];
            inside.extend(netem(&theirs));
            in_ns(
                &n.client_ns,
                &inside.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
        }
        Ok(n)
    }
}

fn run_tc(args: &[&str]) -> Result<(), Error> {
    let out = Command::new("tc")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("cannot run tc: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "tc {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth end inside it, and with it the pair (and the
        // qdiscs on both ends).
        let _ = ip(&["netns", "del", &self.client_ns]);
    }
}

/// Whether netem can be used here: tries it on the loopback device of a throwaway namespace.
/// Returns the reason when it cannot.
pub fn netem_available() -> Result<(), String> {
    let ns = format!("oxbench-probe{}", std::process::id() % 100_000);
    ip(&["netns", "add", &ns]).map_err(|e| e.to_string())?;
    let result = in_ns(&ns, &["ip", "link", "set", "lo", "up"])
        .and_then(|()| {
            in_ns(
                &ns,
                &[
                    "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
                ],
            )
        })
        .map_err(|e| e.to_string());
    let _ = ip(&["netns", "del", &ns]);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo_server() -> (SocketAddr, JoinHandle<()>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => s.write_all(&buf[..n]).unwrap(),
                }
            }
        });
        (addr, t)
    }

    #[test]
    fn the_relay_delays_each_direction_and_passes_every_byte() {
        let (addr, server) = echo_server();
        let relay = Relay::start(addr, Duration::from_millis(25)).unwrap();
        let mut c = TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let start = Instant::now();
        c.write_all(b"ping").unwrap();
        let mut got = [0u8; 4];
        c.read_exact(&mut got).unwrap();
        let rtt = start.elapsed();
        assert_eq!(&got, b"ping");
        assert!(
            rtt >= Duration::from_millis(50),
            "round trip took only {rtt:?}"
        );
        assert!(rtt < Duration::from_secs(2), "round trip took {rtt:?}");
        // Many bytes in flight at once: all arrive, in order.
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut c2 = c.try_clone().unwrap();
        let d2 = data.clone();
        let w = std::thread::spawn(move || c2.write_all(&d2).unwrap());
        let mut back = vec![0u8; data.len()];
        c.read_exact(&mut back).unwrap();
        w.join().unwrap();
        assert!(back == data);
        drop(c);
        server.join().unwrap();
        drop(relay);
    }

    #[test]
    fn the_client_namespace_reaches_our_end_and_is_removed() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: creating network namespaces needs root");
            return;
        }
        if Command::new("ip").arg("-V").output().is_err() {
            eprintln!("SKIPPED: iproute2's ip is not installed");
            return;
        }
        let n = Namespaces::create(None).unwrap();
        let l = TcpListener::bind((n.server_addr.as_str(), 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        let script = format!("exec 3<>/dev/tcp/{}/{port} && echo hi >&3", n.server_addr);
        let mut client = Command::new("ip")
            .args([
                "netns",
                "exec",
                &n.client_ns,
                "timeout",
                "10",
                "bash",
                "-c",
                &script,
            ])
            .spawn()
            .unwrap();
        let (mut s, peer) = l.accept().unwrap();
        assert_eq!(peer.ip().to_string(), "10.201.0.2");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hi\n");
        assert!(client.wait().unwrap().success());
        let name = n.client_ns.clone();
        drop(n);
        let list = Command::new("ip")
            .args(["netns", "list"])
            .output()
            .unwrap()
            .stdout;
        assert!(
            !String::from_utf8_lossy(&list).contains(&name),
            "namespace {name} left behind"
        );
    }
}
