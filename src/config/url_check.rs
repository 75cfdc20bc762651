//! Server URLs: https everywhere, plain http only for loopback (DESIGN §8).

use url::{Host, Url};

/// Parses a server base URL and checks its scheme. The URL keeps its path (a forum under
/// `/community` stays there) without a trailing slash.
pub fn check_server_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put no user name or password in the URL; use `threadmark login`".into());
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{raw} uses plain http; threadmark only talks https to other machines \
                 (http is allowed for 127.0.0.1, ::1 and localhost)"
            ));
        }
        other => return Err(format!("{raw}: unsupported scheme {other:?}; use https://")),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw}: give the forum's base URL, without ? or #"));
    }
    Ok(url)
}

/// Is the URL's host this machine?
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::check_server_url;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(check_server_url("https://forum.example.org/community").is_ok());
        assert!(check_server_url("http://127.0.0.1:7878").is_ok());
        assert!(check_server_url("http://[::1]:7878").is_ok());
        assert!(check_server_url("http://localhost:7878").is_ok());
        assert!(check_server_url("http://forum.example.org").is_err());
        assert!(check_server_url("http://127.0.0.1.example.org").is_err());
        assert!(check_server_url("ftp://forum.example.org").is_err());
        assert!(check_server_url("https://user:pw@forum.example.org").is_err());
        assert!(check_server_url("forum.example.org").is_err());
    }
}
