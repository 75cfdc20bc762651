//! The User API key flow: the approval URL, the payload Discourse encrypts with our public
//! key (done here as Discourse does it), the nonce check, and the key in use.

use crate::support::discourse_forum::Forum;
use crate::{backend, bounded, roomy, standin};
use base64::Engine as _;
use rsa::PublicKey;
use rsa::pkcs8::DecodePublicKey;
use std::collections::HashMap;
use threadmark::remote::discourse::auth::{AuthError, UserApiKeyFlow};
use threadmark::store::Credential;

/// What Discourse does on approval: JSON, RSA PKCS#1 v1.5 with the public key from the
/// URL, base64 with a line break every 60 characters (Ruby's `Base64.encode64`).
fn discourse_payload(public_key_pem: &str, key: &str, nonce: &str) -> String {
    let public_key = PublicKey::from_public_key_pem(public_key_pem).unwrap();
    let payload =
        serde_json::json!({"key": key, "nonce": nonce, "push": false, "api": 4}).to_string();
    let encrypted = public_key.pkcs1v15_encrypt(payload.as_bytes()).unwrap();
    let text = base64::engine::general_purpose::STANDARD.encode(encrypted);
    let lines: Vec<String> = text
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    lines.join("\n") + "\n"
}

fn query(flow: &UserApiKeyFlow) -> HashMap<String, String> {
    flow.url()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn the_user_api_key_payload_decrypts_and_a_wrong_nonce_is_refused() {
    bounded(async {
        let server = standin(Forum::rich()).await;
        let base = format!("{}/", server.url);
        let flow = tokio::task::spawn_blocking(move || {
            UserApiKeyFlow::start(&base, "threadmark on a test box", None)
        })
        .await
        .unwrap()
        .unwrap();

        assert_eq!(flow.url().path(), "/user-api-key/new");
        let params = query(&flow);
        assert_eq!(params["application_name"], "threadmark on a test box");
        assert_eq!(params["client_id"], flow.client_id());
        assert_eq!(params["scopes"], "read,write");
        assert!(params["public_key"].starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(params["public_key"], flow.public_key_pem());
        assert!(params["nonce"].len() >= 16);
        assert!(
            !params.contains_key("auth_redirect"),
            "the user copies the payload"
        );
        assert!(
            !format!("{flow:?}").contains("PRIVATE"),
            "no key material in Debug"
        );

        let nonce = params["nonce"].clone();
        let pasted = discourse_payload(flow.public_key_pem(), "a1b2c3d4e5f6", &nonce);
        let credential = flow.finish(&pasted).unwrap();
        assert_eq!(
            credential,
            Credential::DiscourseUserApiKey {
                key: threadmark::store::Secret::new("a1b2c3d4e5f6"),
                client_id: flow.client_id().to_owned(),
            }
        );

        let replayed = discourse_payload(flow.public_key_pem(), "a1b2c3d4e5f6", "another-nonce");
        assert_eq!(flow.finish(&replayed), Err(AuthError::WrongNonce));
        assert_eq!(flow.finish("this is not it"), Err(AuthError::NotBase64));
        let garbled = base64::engine::general_purpose::STANDARD.encode([7_u8; 384]);
        assert_eq!(flow.finish(&garbled), Err(AuthError::DoesNotDecrypt));

        // The key works against the forum.
        server
            .world()
            .user_api_keys
            .insert("a1b2c3d4e5f6".into(), "carol".into());
        let mut discourse = backend(&server, Some(credential), roomy());
        assert_eq!(
            discourse.current_username().await.unwrap().as_deref(),
            Some("carol")
        );
    })
    .await;
}

#[test]
fn logging_in_again_keeps_the_device_id_and_https_is_required() {
    let flow = UserApiKeyFlow::start(
        "https://forum.example.org/community",
        "threadmark",
        Some("threadmark-laptop".into()),
    )
    .unwrap();
    assert_eq!(flow.client_id(), "threadmark-laptop");
    assert_eq!(flow.url().path(), "/community/user-api-key/new");
    assert!(matches!(
        UserApiKeyFlow::start("http://forum.example.org", "threadmark", None),
        Err(AuthError::BadUrl(_))
    ));
}
