//! The daemon's configuration snapshot: what every new connection starts from. SIGHUP builds a new
//! snapshot; connections that already started keep the one they began with.

use std::sync::{Arc, RwLock};

use crate::cli::Flags;
use crate::options::{self, Loaded, Mode, StartError};
use crate::privileged::Privileged;

/// Everything a connection needs from the daemon.
#[derive(Debug)]
pub struct Daemon {
    /// The configuration as loaded.
    pub loaded: Loaded,
    /// The protocol core's configuration (algorithms, host keys, limits).
    pub core: Arc<oxssh_proto::ServerConfig>,
    /// Privileged operations (shared across reloads: the stand-in hash is made once).
    pub privileged: Arc<Privileged>,
}

impl Daemon {
    /// Loads configuration and host keys as the flags say.
    pub fn load(flags: &Flags, privileged: Option<Arc<Privileged>>) -> Result<Self, StartError> {
        let loaded = options::load(flags)?;
        let keys = crate::hostkeys::load(&loaded.options.host_keys, loaded.embedded);
        if keys.is_empty() {
            return Err(StartError::fatal(crate::log::NO_HOST_KEYS));
        }
        let core = options::core_config(&loaded.options, keys)?;
        let privileged =
            privileged.unwrap_or_else(|| Arc::new(Privileged::new(loaded.mode.clone())));
        Ok(Self {
            loaded,
            core,
            privileged,
        })
    }

    /// Whether we run as root.
    pub fn is_root(&self) -> bool {
        matches!(self.loaded.mode, Mode::Root)
    }
}

/// The current snapshot, replaced on reload.
#[derive(Debug, Clone)]
pub struct Current(Arc<RwLock<Arc<Daemon>>>);

impl Current {
    /// Starts with `daemon`.
    pub fn new(daemon: Daemon) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(daemon))))
    }

    /// The snapshot for a new connection.
    pub fn get(&self) -> Arc<Daemon> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Installs a new snapshot.
    pub fn replace(&self, daemon: Daemon) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(daemon);
    }
}
