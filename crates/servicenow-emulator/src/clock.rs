//! Timestamps in ServiceNow's raw form: UTC `YYYY-MM-DD HH:MM:SS`.

pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// With milliseconds, for the request log.
pub fn now_millis() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}
