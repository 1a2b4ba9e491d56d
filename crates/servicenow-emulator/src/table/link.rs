//! The `Link` pagination header in the exact form real instances send (§4).

/// Builds `<url>;rel="first",<url>;rel="prev",…` (no spaces).
/// `path_url` is `http://host/api/now/table/incident`; `raw_pairs` is the caller's
/// query string split at `&`, still encoded; its `sysparm_limit` and
/// `sysparm_offset` are replaced by the page's own, appended last.
pub fn link_header(
    path_url: &str,
    raw_pairs: &[String],
    limit: usize,
    offset: usize,
    total: usize,
) -> String {
    let others: Vec<&str> = raw_pairs
        .iter()
        .map(String::as_str)
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            key != "sysparm_limit" && key != "sysparm_offset"
        })
        .collect();
    let prefix = if others.is_empty() {
        String::new()
    } else {
        format!("{}&", others.join("&"))
    };
    let url = |o: i128| format!("<{path_url}?{prefix}sysparm_limit={limit}&sysparm_offset={o}>");
    let (limit_i, offset_i, total_i) = (limit as i128, offset as i128, total as i128);
    let last = if total == 0 {
        0
    } else {
        (total_i - 1) / limit_i * limit_i
    };
    let mut parts = vec![
        format!("{};rel=\"first\"", url(0)),
        // `prev` is offset − limit even when that is negative, as captured.
        format!("{};rel=\"prev\"", url(offset_i - limit_i)),
    ];
    if offset_i + limit_i < total_i {
        parts.push(format!("{};rel=\"next\"", url(offset_i + limit_i)));
    }
    parts.push(format!("{};rel=\"last\"", url(last)));
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::link_header;

    #[test]
    fn matches_the_captured_header() {
        let got = link_header(
            "https://i/api/now/table/incident",
            &["sysparm_limit=1".into()],
            1,
            0,
            73,
        );
        assert_eq!(
            got,
            "<https://i/api/now/table/incident?sysparm_limit=1&sysparm_offset=0>;rel=\"first\",\
             <https://i/api/now/table/incident?sysparm_limit=1&sysparm_offset=-1>;rel=\"prev\",\
             <https://i/api/now/table/incident?sysparm_limit=1&sysparm_offset=1>;rel=\"next\",\
             <https://i/api/now/table/incident?sysparm_limit=1&sysparm_offset=72>;rel=\"last\""
        );
    }

    #[test]
    fn keeps_other_params_in_order_and_has_no_next_on_the_last_page() {
        let pairs = [
            "sysparm_offset=66".into(),
            "sysparm_query=active%3Dtrue".into(),
            "x=1".into(),
        ];
        let got = link_header("u", &pairs, 10, 66, 67);
        assert!(
            got.starts_with(
                "<u?sysparm_query=active%3Dtrue&x=1&sysparm_limit=10&sysparm_offset=0>"
            )
        );
        assert!(!got.contains("rel=\"next\""));
        assert!(got.ends_with("sysparm_offset=60>;rel=\"last\""));
    }
}
