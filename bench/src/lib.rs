//! oxssh-bench: oxssh against OpenSSH on the same machine, in the same run, as ratios.
//!
//! It starts oxsshd and OpenSSH's sshd side by side on 127.0.0.1 (as root, with a temporary host
//! key, a temporary root key and the same configuration text), and measures with both clients
//! (oxssh and OpenSSH's ssh) against both servers:
//!
//! 1. bulk transfer, upload and download, per cipher suite: throughput, client CPU and server CPU
//!    (children included) per GiB;
//! 2. the latency of `ssh host true` (median);
//! 3. logins per second with 16 clients at once for a bounded time;
//! 4. server memory per idle authenticated session with 100 open (PSS);
//! 5. throughput across an emulated 50 ms round trip (netem in network namespaces, or a delaying
//!    relay where the kernel has no netem);
//! 6. the criterion benchmarks of the packet path and key exchange.
//!
//! Runs interleave (A B A B) so that drift of the machine falls on both sides of every ratio.
//! It prints a table with medians and ratios, and writes `bench.json` and `bench.svg`.
//!
//! | module | concern |
//! |---|---|
//! | [`cli`] | flags, the full and quick sizes |
//! | [`fixture`] | the temporary directory, keys, configuration files |
//! | [`user`] | the temporary user that logs in |
//! | [`servers`] | starting the daemons, their CPU and memory |
//! | [`cgroup`] | a control group per daemon, to count all of its CPU |
//! | [`clients`] | the clients, pairings, cipher suites, command lines |
//! | [`runner`] | one client run under a watchdog |
//! | [`procfs`] | CPU, descendants and memory from /proc |
//! | [`bulk`], [`login`], [`memory`], [`delay`], [`micro`] | the measurements |
//! | [`run`] | the order of everything, interleaved |
//! | [`results`], [`targets`] | the figures, medians and the ratios |
//! | [`report`], [`json`], [`svg`] | the table, the JSON, the chart |
//! | [`messages`] | progress lines |
#![forbid(unsafe_code)]

pub mod bulk;
pub mod cgroup;
pub mod cli;
pub mod clients;
pub mod delay;
pub mod fixture;
pub mod json;
pub mod login;
pub mod memory;
pub mod messages;
pub mod micro;
pub mod procfs;
pub mod report;
pub mod results;
pub mod run;
pub mod runner;
pub mod servers;
pub mod svg;
pub mod targets;
pub mod user;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::fixture::{Fixture, Programs};
use crate::servers::{Server, ServerKind};

/// A failure, as the one line the suite prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl Error {
    /// An error with this text.
    pub fn new(text: impl Into<String>) -> Error {
        Error(text.into())
    }
}

/// The programs, the fixture and the two running servers that every measurement uses.
pub struct Bench {
    /// Where the programs are.
    pub programs: Programs,
    /// Keys and configuration.
    pub fixture: Fixture,
    /// oxsshd on 127.0.0.1.
    pub oxsshd: Server,
    /// sshd on 127.0.0.1.
    pub sshd: Server,
}

impl Bench {
    /// Creates the fixture and starts both servers on 127.0.0.1.
    pub fn start(programs: Programs) -> Result<Bench, Error> {
        let fixture = Fixture::create()?;
        let oxsshd = Server::start(
            ServerKind::OxSshd,
            &programs,
            &fixture,
            "127.0.0.1",
            "oxsshd",
        )?;
        let sshd = Server::start(ServerKind::Sshd, &programs, &fixture, "127.0.0.1", "sshd")?;
        Ok(Bench {
            programs,
            fixture,
            oxsshd,
            sshd,
        })
    }

    /// The running server of this kind.
    pub fn server(&self, kind: ServerKind) -> &Server {
        match kind {
            ServerKind::OxSshd => &self.oxsshd,
            ServerKind::Sshd => &self.sshd,
        }
    }
}

/// The whole program; returns the exit status.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let options = match cli::parse(args) {
        Ok(cli::Command::Run(o)) => o,
        Ok(cli::Command::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(cli::Command::ListParts(parts)) => {
            for p in parts {
                println!("{}", p.name());
            }
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            messages::fail(&e);
            eprintln!("{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run::run(&options, Programs::locate()) {
        Ok(results) => {
            print!("{}", report::text(&results));
            match report::write_files(&results, &options.out_dir) {
                Ok(paths) => {
                    messages::wrote(&paths);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    messages::fail(&e);
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            messages::fail(&e);
            ExitCode::from(1)
        }
    }
}
