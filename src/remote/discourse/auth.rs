//! Logging in to Discourse from a terminal: the User API key flow (an RSA key pair and a
//! nonce, a URL to open, the encrypted payload pasted back) and admin API keys.
//!
//! The private key lives only in memory, inside [`UserApiKeyFlow`]: `threadmark login`
//! prints the URL and waits for the paste in the same process, so nothing secret is
//! written before the final key (which the caller stores with the other credentials).

use crate::config::check_server_url;
use crate::store::{Credential, Secret};
use base64::Engine as _;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{Generate, PrivateKey};
use serde::Deserialize;
use std::fmt::Write as _;
use url::Url;

/// What a User API key may do: read the forum and post replies.
pub const SCOPES: &str = "read,write";

/// The application name Discourse shows on the approval page and in the user's "Apps" tab.
pub const DEFAULT_APPLICATION_NAME: &str = "threadmark";

/// Why logging in did not work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    BadUrl(String),
    #[error("could not create a key pair: {0}")]
    KeyGeneration(String),
    #[error(
        "the pasted text is not the payload Discourse showed (it should be a block of \
         letters, digits, + and /); copy it again"
    )]
    NotBase64,
    #[error(
        "the pasted payload does not decrypt with this login's key; it may belong to another \
         login attempt. Run `threadmark login` again and paste the new payload"
    )]
    DoesNotDecrypt,
    #[error(
        "the payload answers another login attempt (its nonce differs); run `threadmark login` \
         again and paste the new payload"
    )]
    WrongNonce,
    #[error("{0}")]
    BadKey(String),
}

/// One User API key login in progress.
pub struct UserApiKeyFlow {
    client_id: String,
    nonce: String,
    private_key: PrivateKey,
    public_key_pem: String,
    url: Url,
}

impl std::fmt::Debug for UserApiKeyFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserApiKeyFlow")
            .field("client_id", &self.client_id)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// The payload Discourse encrypts for us.
#[derive(Deserialize)]
struct Payload {
    key: String,
    nonce: String,
}

impl UserApiKeyFlow {
    /// Creates a key pair (3072-bit RSA: this takes a moment, run it off the UI thread)
    /// and a nonce, and builds the approval URL for the forum at `base_url`.
    ///
    /// `client_id` identifies this device to the forum; Discourse replaces an older key
    /// with the same client id, so pass the stored one when logging in again, or `None`
    /// for a new random one.
    pub fn start(
        base_url: &str,
        application_name: &str,
        client_id: Option<String>,
    ) -> Result<Self, AuthError> {
        let base = check_server_url(base_url).map_err(AuthError::BadUrl)?;
        let private_key =
            PrivateKey::try_generate().map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        let public_key_pem = private_key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        let client_id = match client_id.filter(|c| !c.trim().is_empty()) {
            Some(id) => id,
            None => format!("threadmark-{}", random_hex(16)?),
        };
        let nonce = random_hex(16)?;
        let mut url = base.clone();
        url.set_path(&format!(
            "{}/user-api-key/new",
            base.path().trim_end_matches('/')
        ));
        url.query_pairs_mut()
            .append_pair("application_name", application_name)
            .append_pair("client_id", &client_id)
            .append_pair("scopes", SCOPES)
            .append_pair("public_key", &public_key_pem)
            .append_pair("nonce", &nonce);
        Ok(Self {
            client_id,
            nonce,
            private_key,
            public_key_pem,
            url,
        })
    }

    /// The page to open in a browser: the user approves, Discourse shows a payload.
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The public half, as sent in the URL (PEM).
    pub fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    /// Decrypts the pasted payload (base64 of an RSA PKCS#1 v1.5 block, as Discourse
    /// makes it), checks the nonce and returns the credential to store.
    pub fn finish(&self, pasted: &str) -> Result<Credential, AuthError> {
        let encrypted = decode_pasted(pasted)?;
        let plain = self
            .private_key
            .pkcs1v15_decrypt(&encrypted)
            .map_err(|_| AuthError::DoesNotDecrypt)?;
        // A wrong key yields random bytes rather than an error (implicit rejection), so
        // the JSON and the nonce are what prove the payload is ours.
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|_| AuthError::DoesNotDecrypt)?;
        if payload.nonce != self.nonce {
            return Err(AuthError::WrongNonce);
        }
        let key = payload.key.trim();
        check_header_safe(key, "the key")?;
        Ok(Credential::DiscourseUserApiKey {
            key: Secret::new(key),
            client_id: self.client_id.clone(),
        })
    }
}

/// An admin API key for `username` (read from standard input by the caller, never argv).
pub fn api_key_credential(username: &str, key: &str) -> Result<Credential, AuthError> {
    let (username, key) = (username.trim(), key.trim());
    check_header_safe(username, "the user name")?;
    check_header_safe(key, "the API key")?;
    Ok(Credential::DiscourseApiKey {
        key: Secret::new(key),
        username: username.to_owned(),
    })
}

fn check_header_safe(value: &str, what: &str) -> Result<(), AuthError> {
    if value.is_empty() {
        return Err(AuthError::BadKey(format!("{what} is empty")));
    }
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AuthError::BadKey(format!(
            "{what} holds spaces or characters a header cannot carry; copy it again"
        )));
    }
    Ok(())
}

/// The pasted text, forgiving what copying adds: line breaks, quotes, a `payload=`
/// prefix, URL escapes (when it was copied from a redirect address).
fn decode_pasted(pasted: &str) -> Result<Vec<u8>, AuthError> {
    let mut text: String = pasted.chars().filter(|c| !c.is_whitespace()).collect();
    text = text.trim_matches(|c| c == '"' || c == '\'').to_owned();
    if let Some((_, rest)) = text.split_once("payload=") {
        text = rest.split('&').next().unwrap_or_default().to_owned();
    }
    if text.contains('%') {
        text = url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
    }
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| AuthError::NotBase64)
}

fn random_hex(bytes: usize) -> Result<String, AuthError> {
    let mut buf = vec![0_u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
    Ok(buf.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_forgiven_for_wrapping_and_escapes() {
        let raw = base64::engine::general_purpose::STANDARD.encode([0xfb_u8, 0xff, 0x3e, 1, 2]);
        assert!(raw.contains('+') && raw.contains('/'));
        let wrapped = format!("  \"{}\n{}\"\n", &raw[..3], &raw[3..]);
        assert_eq!(
            decode_pasted(&wrapped).unwrap(),
            vec![0xfb, 0xff, 0x3e, 1, 2]
        );
        let escaped = format!(
            "discourse://auth_redirect?payload={}&x=1",
            raw.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        assert_eq!(
            decode_pasted(&escaped).unwrap(),
            vec![0xfb, 0xff, 0x3e, 1, 2]
        );
        assert_eq!(decode_pasted("not base64!"), Err(AuthError::NotBase64));
    }

    #[test]
    fn admin_keys_are_checked_before_they_are_stored() {
        assert!(api_key_credential("system", "abc123").is_ok());
        assert!(api_key_credential("", "abc").is_err());
        assert!(api_key_credential("me", "ab c").is_err());
        assert!(api_key_credential("me", "ab\u{7}c").is_err());
    }
}
