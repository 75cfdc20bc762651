//! Pictures on a Discourse forum: its upload CDN is found from the site
//! (`/bootstrap.json`'s `setup_data.s3_cdn`) and allowed as a picture origin without being
//! listed in `image_origins`; a picture from any other origin is still refused. A sync
//! fetches the pictures of the topics it downloads ahead, the CDN's among them.

use crate::cli::{account_with, text, threadmark};
use crate::support::discourse_forum::{Forum, base_time};
use crate::support::pty_session::PtySession;
use crate::{bounded, standin, user_key};
use axum::http::Method;
use std::path::PathBuf;

/// A 64×32 PNG of red and blue bands.
fn chart() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(64, 32, |_, y| {
        if (y / 8) % 2 == 0 {
            image::Rgba([255, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 255, 255])
        }
    });
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_on_the_forums_upload_cdn_shows_and_one_from_elsewhere_is_refused() {
    bounded(async {
        // Two other origins serving pictures: the forum's CDN, and a site it never named.
        let cdn = standin(Forum::empty("cdn")).await;
        let elsewhere = standin(Forum::empty("elsewhere")).await;
        for (site, path) in [(&cdn, "/uploads/default/original/1X/chart.png"), (&elsewhere, "/map.png")] {
            site.world()
                .files
                .insert(path.to_owned(), ("image/png".to_owned(), chart()));
        }
        let mut forum = Forum::empty("Pictures club");
        forum.add_category(10, "General", None, 1);
        let topic = forum.add_topic(700, 10, "Turnout charts", base_time(), 0);
        topic.posts[0].cooked = Some(format!(
            r#"<p>This year:</p><p><img src="{}/uploads/default/original/1X/chart.png" alt="the turnout chart" width="64" height="32"></p><p>And <img src="{}/map.png" alt="a map from elsewhere"></p>"#,
            cdn.url, elsewhere.url
        ));
        let server = standin(forum).await;
        server.world().upload_cdn = Some(cdn.url.clone());
        let home = tempfile::tempdir().unwrap();
        let home: PathBuf = home.path().to_owned();
        account_with(
            &home,
            &server.url,
            "prefetch = \"all\"\nrequests_per_minute = 100000",
            Some(&user_key()),
        )
        .await;
        let config = std::fs::read_to_string(home.join("config.toml")).unwrap();
        assert!(!config.contains("image_origins"), "{config}");
        let out = threadmark(&home, &["sync"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        // The sync fetched the CDN's picture ahead, once it had asked the forum for its CDN.
        let chart = "/uploads/default/original/1X/chart.png";
        assert_eq!(cdn.requests_to(&Method::GET, chart).len(), 1);
        assert_eq!(server.requests_to(&Method::GET, "/bootstrap.json").len(), 1);

        let screen = tokio::task::spawn_blocking(move || {
            let mut s = PtySession::start(&home, &[], &[], 160, 40);
            s.wait_for_text("Turnout charts");
            s.send("/\u{15}Turnout charts\r\r");
            let screen = s.wait_for("the CDN's picture drawn, the other refused", |screen| {
                screen.contains('▀') && screen.contains("a map from elsewhere] — not shown")
            });
            s.send("q");
            assert!(s.wait_exit().success());
            screen
        })
        .await
        .unwrap();
        assert!(screen.contains("[image: the turnout chart]"), "{screen}");
        assert!(
            screen.contains("a map from elsewhere] — not shown: from 127.0.0.1, not this forum"),
            "{screen}"
        );
        // The reader drew it from the offline cache; the map from elsewhere made it ask
        // the forum once more (a new process), and was never fetched.
        assert_eq!(cdn.requests_to(&Method::GET, chart).len(), 1);
        assert!(elsewhere.requests_to(&Method::GET, "/map.png").is_empty());
        assert_eq!(server.requests_to(&Method::GET, "/bootstrap.json").len(), 2);
    })
    .await;
}
