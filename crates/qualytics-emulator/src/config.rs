//! Start-up configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultSpec;
use crate::seed::SeedData;

/// Where the first anomalies come from.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Seed {
    /// The built-in demo seed (`seed::default_seed`).
    #[default]
    Demo,
    /// No anomalies; the built-in users only.
    Empty,
    /// A JSON file in the seed format (docs/qualytics-emulator.md).
    File(PathBuf),
    Data(SeedData),
}

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Default `127.0.0.1:0` (a free port).
    pub listen: SocketAddr,
    pub seed: Seed,
    /// Lifetime of the tokens issued at start and by the control API.
    pub token_lifetime: Duration,
    /// Faults active from the first request.
    pub faults: Vec<FaultSpec>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: Seed::Demo,
            token_lifetime: Duration::from_secs(30 * 24 * 3600),
            faults: Vec::new(),
        }
    }
}
