//! Compression: pages and JSON come back gzipped, and the bundle gzip- or
//! brotli-encoded, when the client asks, and byte for byte as they are when
//! it does not; the bundle's precompressed files keep their Content-Type;
//! the event stream is never compressed (it would wait for a full buffer);
//! content-named bundle files are cached for a year, pages never.

use std::io::{Read, Write};

use crate::common::*;
use reqwest::{Client, Response, StatusCode};

/// Something wasm-sized that compresses well, and its .gz and .br copies
/// as scripts/site.sh makes them.
fn site_with_bundle() -> (std::path::PathBuf, Vec<u8>) {
    let site = std::env::temp_dir().join(format!("kassa-site-{}", uuid::Uuid::new_v4().simple()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..4000u32 {
        wasm.extend_from_slice(format!("fn{} ", i % 97).as_bytes());
    }
    std::fs::write(pkg.join("kassa.wasm"), &wasm).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm).unwrap();
    std::fs::write(pkg.join("kassa.wasm.gz"), gz.finish().unwrap()).unwrap();
    let mut br = Vec::new();
    brotli::BrotliCompress(
        &mut &wasm[..],
        &mut br,
        &brotli::enc::BrotliEncoderParams::default(),
    )
    .unwrap();
    std::fs::write(pkg.join("kassa.wasm.br"), br).unwrap();
    // No precompressed copy: compressed on the fly.
    std::fs::write(
        pkg.join("kassa.css"),
        "main { margin: 0 auto; }\n".repeat(50),
    )
    .unwrap();
    (site, wasm)
}

async fn fetch(c: &Client, url: String, encoding: Option<&str>) -> Response {
    let mut req = c.get(url);
    if let Some(e) = encoding {
        req = req.header("accept-encoding", e);
    }
    req.send().await.unwrap()
}

fn header(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
}

/// The body, decoded as its Content-Encoding says.
async fn decoded(res: Response) -> Vec<u8> {
    let encoding = header(&res, "content-encoding");
    let body = res.bytes().await.unwrap().to_vec();
    let mut out = Vec::new();
    match encoding.as_deref() {
        None => return body,
        Some("gzip") => {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => {
            brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_is_sent_precompressed_when_asked() {
    guard(async {
        let (site, wasm) = site_with_bundle();
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())],
        )
        .await;
        let url = app.at("/pkg/kassa.wasm");
        for (asked, sent) in [
            (Some("gzip"), Some("gzip")),
            (Some("br"), Some("br")),
            (Some("gzip, deflate, br, zstd"), Some("br")),
            (None, None),
            (Some("identity"), None),
        ] {
            let res = fetch(&app.client, url.clone(), asked).await;
            assert_eq!(res.status(), StatusCode::OK, "{asked:?}");
            assert_eq!(
                header(&res, "content-encoding").as_deref(),
                sent,
                "{asked:?}"
            );
            assert_eq!(
                header(&res, "content-type").as_deref(),
                Some("application/wasm"),
                "{asked:?}"
            );
            assert_ne!(header(&res, "cache-control").as_deref(), Some("no-store"));
            assert_eq!(
                header(&res, "x-content-type-options").as_deref(),
                Some("nosniff")
            );
            if sent.is_some() {
                assert!(
                    header(&res, "vary").is_some_and(|v| v.contains("accept-encoding")),
                    "{asked:?}: a cache must know the answer depends on Accept-Encoding"
                );
                let length: usize = header(&res, "content-length").unwrap().parse().unwrap();
                assert!(length < wasm.len() / 4, "{asked:?}: {length} bytes sent");
            }
            assert_eq!(decoded(res).await, wasm, "{asked:?}");
        }
        // A file without a precompressed copy is compressed on the fly.
        let css = app.at("/pkg/kassa.css");
        let res = fetch(&app.client, css.clone(), Some("gzip")).await;
        assert_eq!(header(&res, "content-encoding").as_deref(), Some("gzip"));
        assert_eq!(header(&res, "content-type").as_deref(), Some("text/css"));
        let plain = fetch(&app.client, css, None).await;
        assert_eq!(header(&plain, "content-encoding"), None);
        assert_eq!(decoded(res).await, decoded(plain).await);
        drop(app);
        let _ = std::fs::remove_dir_all(&site);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_json_are_compressed_when_asked() {
    guard(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let c = app.trader("zip@example.com").await;
        for path in ["/wallet", "/deposit", "/api/wallet", "/login"] {
            let plain = fetch(&c, app.at(path), None).await;
            assert_eq!(plain.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&plain, "content-encoding"), None, "{path}");
            let content_type = header(&plain, "content-type");
            let plain_csp = header(&plain, "content-security-policy").unwrap();
            let plain = decoded(plain).await;
            // Gzip for what is made per request (brotli only for the
            // precompressed bundle).
            for (encoding, sent) in [
                ("gzip", Some("gzip")),
                ("gzip, deflate, br, zstd", Some("gzip")),
                ("br", None),
            ] {
                let res = fetch(&c, app.at(path), Some(encoding)).await;
                assert_eq!(res.status(), StatusCode::OK, "{path} {encoding}");
                assert_eq!(
                    header(&res, "content-encoding").as_deref(),
                    sent,
                    "{path} {encoding}"
                );
                assert_eq!(header(&res, "content-type"), content_type, "{path}");
                assert_eq!(
                    header(&res, "cache-control").as_deref(),
                    Some("no-store"),
                    "{path}"
                );
                assert!(header(&res, "vary").is_some_and(|v| v.contains("accept-encoding")));
                // The security headers are those of the plain answer (a
                // page's CSP carries a fresh nonce each time).
                let csp = header(&res, "content-security-policy").unwrap();
                assert_eq!(
                    csp.contains("nonce-"),
                    plain_csp.contains("nonce-"),
                    "{path}"
                );
                assert_eq!(
                    header(&res, "x-frame-options").as_deref(),
                    Some("sameorigin")
                );
                let body = decoded(res).await;
                let text = String::from_utf8(body).unwrap();
                if path.starts_with("/api/") {
                    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(
                        v,
                        serde_json::from_slice::<serde_json::Value>(&plain).unwrap()
                    );
                } else {
                    // Whole (streamed parts may follow </html>, and where
                    // they land depends on timing, so not byte for byte).
                    assert!(text.contains("</html>"), "{path} {encoding}");
                    assert!(
                        crate::common::names_the_bundle_script(&text),
                        "{path} {encoding}"
                    );
                    if path == "/wallet" {
                        assert!(text.contains("no-balances"), "{encoding}: {text}");
                    }
                }
            }
        }
        // The event stream stays plain: a compressor would hold events back.
        let res = fetch(&c, app.at("/api/wallet/events"), Some("gzip, br")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-encoding"), None);
        assert!(header(&res, "content-type").is_some_and(|t| t.starts_with("text/event-stream")));
    })
    .await
}

/// With the hashes of scripts/site.sh, pages name the content-named files,
/// which may be kept for a year; plain names are re-validated; the page
/// itself is never kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_named_bundle_files_are_cached_for_ever() {
    guard(async {
        let (site, wasm) = site_with_bundle();
        let pkg = site.join("pkg");
        let (js, wasm_hash, css) = ("0123456789abcdef", "fedcba9876543210", "1111222233334444");
        for (plain, named) in [
            ("kassa.wasm", format!("kassa.{wasm_hash}.wasm")),
            ("kassa.wasm.br", format!("kassa.{wasm_hash}.wasm.br")),
            ("kassa.css", format!("kassa.{css}.css")),
        ] {
            std::fs::copy(pkg.join(plain), pkg.join(named)).unwrap();
        }
        std::fs::write(
            pkg.join(format!("kassa.{js}.js")),
            "export default function(){}",
        )
        .unwrap();
        std::fs::write(
            site.join("hash.txt"),
            format!("js: {js}\nwasm: {wasm_hash}\ncss: {css}\n"),
        )
        .unwrap();
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())],
        )
        .await;

        let page = fetch(&app.client, app.at("/login"), None).await;
        assert_eq!(header(&page, "cache-control").as_deref(), Some("no-store"));
        let html = page.text().await.unwrap();
        for name in [
            format!("/pkg/kassa.{js}.js"),
            format!("/pkg/kassa.{wasm_hash}.wasm"),
            format!("/pkg/kassa.{css}.css"),
        ] {
            assert!(html.contains(&name), "the page names {name}: {html}");
        }

        let res = fetch(
            &app.client,
            app.at(&format!("/pkg/kassa.{wasm_hash}.wasm")),
            Some("br"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-encoding").as_deref(), Some("br"));
        assert_eq!(
            header(&res, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(decoded(res).await, wasm);
        let css_res = fetch(&app.client, app.at(&format!("/pkg/kassa.{css}.css")), None).await;
        assert_eq!(
            header(&css_res, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        // The plain name may change under the same URL: asked again each time.
        let plain = fetch(&app.client, app.at("/pkg/kassa.wasm"), None).await;
        assert_eq!(header(&plain, "cache-control").as_deref(), Some("no-cache"));
        drop(app);
        let _ = std::fs::remove_dir_all(&site);
    })
    .await;
}
