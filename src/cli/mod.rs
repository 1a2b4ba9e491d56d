//! cli (under construction in this session)
