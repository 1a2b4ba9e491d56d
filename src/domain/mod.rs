//! domain (under construction in this session)
