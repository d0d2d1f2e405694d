//! The two daemons, started the same way: in the foreground, logging to a file in the fixture,
//! from the same configuration text, on a port nobody uses.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;
use crate::cgroup::CpuGroup;
use crate::fixture::{Fixture, Programs};
use crate::procfs;

/// Which daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServerKind {
    /// Ours.
    OxSshd,
    /// OpenSSH's.
    Sshd,
}

impl ServerKind {
    /// Both, ours first.
    pub const ALL: [ServerKind; 2] = [ServerKind::OxSshd, ServerKind::Sshd];

    /// The name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::OxSshd => "oxsshd",
            ServerKind::Sshd => "sshd",
        }
    }
}

/// Where clients reach a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// An address literal.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// The network namespace clients must run in to reach it (None: ours).
    pub client_netns: Option<String>,
}

/// A running daemon, killed on drop.
pub struct Server {
    /// Which one.
    pub kind: ServerKind,
    /// Where it listens.
    pub endpoint: Endpoint,
    child: Child,
    log: std::path::PathBuf,
    /// The control group its CPU is counted in; without one, its own and reaped children's times.
    group: Option<CpuGroup>,
    /// Why there is no group, when there is none.
    pub group_error: Option<String>,
}

/// A port nobody listens on right now (the kernel picks it; a port free on 127.0.0.1 is free
/// on the other local addresses too unless someone bound just those).
pub fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::new(format!("cannot find a free port: {e}")))
}

impl Server {
    /// Starts `kind` listening on `address` (an address literal); `tag` names its files.
    pub fn start(
        kind: ServerKind,
        programs: &Programs,
        fixture: &Fixture,
        address: &str,
        tag: &str,
    ) -> Result<Server, Error> {
        let port = free_port()?;
        let config = fixture.server_config(tag, address, port)?;
        let binary = match kind {
            ServerKind::OxSshd => &programs.oxsshd,
            ServerKind::Sshd => &programs.sshd,
        };
        if kind == ServerKind::Sshd {
            // sshd refuses to start without its privilege-separation directory.
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let log = fixture.dir.path().join(format!("{tag}.log"));
        let log_file = std::fs::File::create(&log)
            .map_err(|e| Error::new(format!("{}: {e}", log.display())))?;
        let mut cmd = Command::new(binary);
        cmd.arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        let child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", binary.display())))?;
        // Into its own group before it can accept a connection (and so fork anything).
        let group_name = format!("oxbench-{}-{tag}", std::process::id());
        let (group, group_error) = match CpuGroup::create(&group_name, child.id() as i32) {
            Ok(g) => (Some(g), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut server = Server {
            group,
            group_error,
            kind,
            endpoint: Endpoint {
                host: address.to_owned(),
                port,
                client_netns: None,
            },
            child,
            log,
        };
        server.wait_listening(Duration::from_secs(15))?;
        Ok(server)
    }

    fn wait_listening(&mut self, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let addr = (self.endpoint.host.as_str(), self.endpoint.port);
            if TcpStream::connect(addr).is_ok() {
                // The probe itself is a connection the server now handles and drops; let that
                // finish so it does not count against the first measurement.
                procfs::wait_no_children(self.pid(), Duration::from_secs(5));
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::new(format!(
                    "{} exited at start ({status}): {}",
                    self.kind.name(),
                    self.log_tail()
                )));
            }
            if Instant::now() >= deadline {
                return Err(Error::new(format!(
                    "{} did not listen on {}:{} within {} s: {}",
                    self.kind.name(),
                    self.endpoint.host,
                    self.endpoint.port,
                    timeout.as_secs(),
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's process id.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// CPU seconds of the daemon and every process it started, so far: from its control group,
    /// or else its own and its reaped children's times.
    pub fn cpu_seconds(&self) -> Result<f64, Error> {
        if let Some(g) = &self.group {
            return g.cpu_seconds();
        }
        procfs::tree_cpu_seconds(self.pid())
            .map_err(|e| Error::new(format!("{} is gone: {e}", self.kind.name())))
    }

    /// How [`Server::cpu_seconds`] counts, for the report.
    pub fn cpu_method(&self) -> String {
        match &self.group_error {
            None => "a control group per server (every process it started, reaped or not)".into(),
            Some(e) => format!(
                "/proc times of the server and its reaped children (no control group: {e}); \
                 processes that exit unreaped, like OpenSSH's session process for non-root users, are missed"
            ),
        }
    }

    /// Waits until every per-connection process has ended and been reaped, so that
    /// [`Server::cpu_seconds`] includes it.
    pub fn wait_idle(&self) -> Result<(), Error> {
        if procfs::wait_no_children(self.pid(), Duration::from_secs(20)) {
            Ok(())
        } else {
            Err(Error::new(format!(
                "{} still has child processes 20 s after its clients ended",
                self.kind.name()
            )))
        }
    }

    /// Memory of the daemon and every process below it.
    pub fn memory(&self) -> Result<procfs::Memory, Error> {
        procfs::tree_memory(self.pid())
            .map_err(|e| Error::new(format!("{}: {e}", self.kind.name())))
    }

    /// The last lines the daemon logged, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(3);
        lines.get(start..).unwrap_or(&[]).join(" | ")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
