//! A Discourse forum's upload CDN, found from the site itself, so its pictures may be
//! fetched without listing it in `image_origins`.
//!
//! Discourse tells its own web client where uploads are served from in the setup data
//! (`client_side_setup_data` in `app/helpers/application_helper.rb`: `cdn`, the asset
//! host uploads use too, and `s3_cdn`, `SiteSetting.Upload.s3_cdn_url` when uploads live
//! on S3). API clients get the same data as JSON from `/bootstrap.json`
//! (`app/controllers/bootstrap_controller.rb`, `setup_data: client_side_setup_data`; it
//! skips `redirect_to_login_if_required`, so no credentials are sent for it).

use crate::remote::http::{HttpClient, RemoteError, Timeouts};
use reqwest::Method;
use serde::Deserialize;

#[derive(Deserialize)]
struct Bootstrap {
    bootstrap: Setup,
}

#[derive(Deserialize)]
struct Setup {
    setup_data: SetupData,
}

#[derive(Deserialize)]
struct SetupData {
    #[serde(default)]
    cdn: Option<String>,
    #[serde(default)]
    s3_cdn: Option<String>,
}

/// The CDN origins `/bootstrap.json`'s `setup_data` names (`cdn`, `s3_cdn`), each made
/// absolute (a protocol-relative `//host` is https); none when the answer says none or
/// is not Discourse's.
pub fn cdn_origins(body: &[u8]) -> Vec<String> {
    let Ok(answer) = serde_json::from_slice::<Bootstrap>(body) else {
        return Vec::new();
    };
    let data = answer.bootstrap.setup_data;
    [data.cdn, data.s3_cdn]
        .into_iter()
        .flatten()
        .map(|raw| raw.trim().to_owned())
        .filter(|raw| !raw.is_empty())
        .map(|raw| match raw.strip_prefix("//") {
            Some(rest) => format!("https://{rest}"),
            None => raw,
        })
        .collect()
}

/// Asks the forum at `site` for its upload CDN origins (one request, no credentials).
/// A transport failure is an error (ask again later); an answer that names none, or
/// any other status, is no CDN.
pub async fn upload_cdns(site: &str, timeouts: Timeouts) -> Result<Vec<String>, RemoteError> {
    let client = HttpClient::new(site, timeouts)?;
    let answer = client
        .send(client.request(Method::GET, "/bootstrap.json"))
        .await?;
    if !answer.status.is_success() {
        return Ok(Vec::new());
    }
    Ok(cdn_origins(&answer.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_data_names_the_cdns() {
        let body = br#"{"bootstrap":{"title":"F","setup_data":{"cdn":null,
            "s3_cdn":"https://uploads.example-cdn.com","s3_base_url":"//bucket.s3.amazonaws.com"}}}"#;
        assert_eq!(cdn_origins(body), ["https://uploads.example-cdn.com"]);
        let both = br#"{"bootstrap":{"setup_data":{"cdn":"//assets.example.net","s3_cdn":"https://u.example"}}}"#;
        assert_eq!(
            cdn_origins(both),
            ["https://assets.example.net", "https://u.example"]
        );
        assert!(cdn_origins(br#"{"bootstrap":{"setup_data":{}}}"#).is_empty());
        assert!(cdn_origins(b"<html>").is_empty());
    }
}
