//! source (under construction in this session)
