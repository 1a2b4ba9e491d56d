//! Small helpers shared by the rules and the seed loader.

use rand::Rng;

/// A random sys_id: 32 lowercase hex digits.
pub fn new_sys_id() -> String {
    let n: u128 = rand::rng().random();
    format!("{n:032x}")
}

/// Whether `s` looks like a sys_id.
pub fn is_sys_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A stable sys_id derived from `key` (FNV-1a, two lanes), for seed rows that
/// give none, so the built-in data has the same ids on every run.
pub fn stable_sys_id(key: &str) -> String {
    let lane = |offset: u64| {
        key.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        lane(0xcbf2_9ce4_8422_2325),
        lane(0x6c62_272e_07bb_0142)
    )
}
