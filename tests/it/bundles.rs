//! Two bundles: trader pages name the traders' bundle (`kassa`, without the
//! back office), back office pages the admin one (`kassa-admin`), each by
//! its content-named files, with the page's script nonce; the admin files
//! are cached and precompressed like the traders'. A site with one bundle
//! (cargo-leptos) names it on every page.

use std::io::Write;

use crate::common::*;
use reqwest::{Client, StatusCode};

const JS: &str = "0123456789abcdef";
const WASM: &str = "fedcba9876543210";
const CSS: &str = "1111222233334444";
const ADMIN_JS: &str = "aaaabbbbccccdddd";
const ADMIN_WASM: &str = "eeeeffff00001111";

/// A site as scripts/site.sh writes it: both bundles' content-named files
/// (fake, with brotli copies of the wasm) and their hash files; without
/// the admin bundle when `admin` is false.
fn site(admin: bool) -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("kassa-site-{}", uuid::Uuid::new_v4().simple()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let mut bundles = vec![("kassa", JS, WASM, "hash.txt")];
    if admin {
        bundles.push(("kassa-admin", ADMIN_JS, ADMIN_WASM, "hash-admin.txt"));
    }
    for (name, js, wasm, hash_file) in bundles {
        let body = format!("\0asm\x01\0\0\0 {name} ").repeat(200);
        std::fs::write(pkg.join(format!("{name}.{wasm}.wasm")), &body).unwrap();
        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 9, 22)
            .write_all(body.as_bytes())
            .unwrap();
        std::fs::write(pkg.join(format!("{name}.{wasm}.wasm.br")), br).unwrap();
        std::fs::write(
            pkg.join(format!("{name}.{js}.js")),
            "export default function(){}",
        )
        .unwrap();
        let css = if name == "kassa" {
            format!("css: {CSS}\n")
        } else {
            String::new()
        };
        std::fs::write(
            site.join(hash_file),
            format!("js: {js}\nwasm: {wasm}\n{css}"),
        )
        .unwrap();
    }
    std::fs::write(pkg.join(format!("kassa.{CSS}.css")), "body{}").unwrap();
    site
}

/// The page's HTML, which must be a 200.
async fn page(app: &TestApp, c: &Client, path: &str) -> String {
    let res = app.get(c, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// The hydration script names these files, with the page's nonce on it.
fn names_bundle(html: &str, name: &str, js: &str, wasm: &str, path: &str) {
    let script = html
        .split("<script type=\"module\" nonce=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{path}: no hydration script with a nonce: {html}"));
    let script = &script[..script.find("</script>").unwrap()];
    assert!(
        script.contains(&format!("\"{name}.{js}\""))
            && script.contains(&format!("\"{name}.{wasm}\"")),
        "{path} loads {name}: {script}"
    );
    for link in [
        format!("/pkg/{name}.{js}.js"),
        format!("/pkg/{name}.{wasm}.wasm"),
    ] {
        assert!(html.contains(&link), "{path} preloads {link}: {html}");
    }
    // Every page has the one stylesheet.
    assert!(html.contains(&format!("/pkg/kassa.{CSS}.css")), "{path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_pages_load_the_admin_bundle_and_trader_pages_the_traders() {
    guard(async {
        let site = site(true);
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())],
        )
        .await;
        let trader = app.trader("bundles@example.com").await;
        let admin = app.admin().await;

        for (c, path) in [
            (&app.client, "/login"),
            (&trader, "/wallet"),
            (&trader, "/wallet/history"),
            (&admin, "/wallet"),
            (&admin, "/account"),
        ] {
            let html = page(&app, c, path).await;
            names_bundle(&html, "kassa", JS, WASM, path);
            assert!(!html.contains("kassa-admin"), "{path}: {html}");
        }
        for path in [
            "/admin",
            "/admin/orders",
            "/admin/traders",
            "/admin/approvals",
        ] {
            let html = page(&app, &admin, path).await;
            names_bundle(&html, "kassa-admin", ADMIN_JS, ADMIN_WASM, path);
            assert!(!html.contains(&format!("kassa.{JS}")), "{path}: {html}");
            assert!(!html.contains(&format!("kassa.{WASM}")), "{path}: {html}");
        }
        // The header's way into the back office is a whole page load (the
        // traders' bundle has no back office to route to).
        let html = page(&app, &admin, "/wallet").await;
        assert!(
            html.contains(r#"<a href="/admin" rel="external">"#),
            "{html}"
        );

        // The admin files are cached and precompressed like the traders'.
        for file in [
            format!("/pkg/kassa-admin.{ADMIN_WASM}.wasm"),
            format!("/pkg/kassa-admin.{ADMIN_JS}.js"),
        ] {
            let res = app
                .client
                .get(app.at(&file))
                .header("accept-encoding", "br")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{file}");
            assert_eq!(
                res.headers()["cache-control"],
                "public, max-age=31536000, immutable",
                "{file}"
            );
            if file.ends_with(".wasm") {
                assert_eq!(res.headers()["content-encoding"], "br");
                assert_eq!(res.headers()["content-type"], "application/wasm");
            }
        }
        drop(app);
        let _ = std::fs::remove_dir_all(&site);
    })
    .await;
}

/// `cargo leptos build` writes one bundle, with every page in it: the back
/// office names that one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_bundle_every_page_names_it() {
    guard(async {
        let site = site(false);
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())],
        )
        .await;
        let admin = app.admin().await;
        for path in ["/wallet", "/admin", "/admin/orders"] {
            let html = page(&app, &admin, path).await;
            names_bundle(&html, "kassa", JS, WASM, path);
            assert!(!html.contains("kassa-admin"), "{path}: {html}");
        }
        drop(app);
        let _ = std::fs::remove_dir_all(&site);
    })
    .await;
}
