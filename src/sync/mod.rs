//! sync (under construction in this session)
