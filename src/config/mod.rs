//! config (under construction in this session)
