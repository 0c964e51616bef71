//! The bundle's file names. `scripts/site.sh` (like `cargo leptos build`
//! with `hash-files`) names each file by its content, `kassa.<hash>.wasm`,
//! and lists the hashes in `hash.txt`: a page names the files it was built
//! with, so a returning trader's browser keeps them for a year
//! (`Cache-Control: immutable`, see `web::security`) and a new release is
//! new names, never a stale copy. Without `hash.txt` (tests, a bare
//! `cargo build`) the plain names are used.
//!
//! Two bundles: `kassa` for traders (no back office pages) and
//! `kassa-admin` with them (its hashes in `hash-admin.txt` beside
//! `hash.txt`); `/admin` pages name the second. A site with one bundle
//! (`cargo leptos build`, whose bundle has every page) names `kassa` on
//! every page.

use std::path::{Path, PathBuf};

use leptos::prelude::LeptosOptions;

/// Where the hashes are: `{site_root}/hash.txt` (scripts/site.sh), else
/// beside the executable (cargo-leptos). None: no hashed names.
pub fn hash_file(site_root: &str) -> Option<PathBuf> {
    let in_site = Path::new(site_root).join("hash.txt");
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("hash.txt")));
    [Some(in_site), beside_exe]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .and_then(|p| std::path::absolute(p).ok())
}

/// The hash of `kind` (`js`, `wasm`, `css`) in the hash file's text.
pub fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|line| {
        let (k, v) = line.trim().split_once(':')?;
        (k.trim() == kind).then(|| v.trim())
    })
}

/// The back office's bundle (scripts/site.sh, `--features hydrate,admin-pages`).
pub const ADMIN_BUNDLE: &str = "kassa-admin";

/// A back office page, hydrated by the admin bundle.
pub fn is_admin_page(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// The options `HydrationScripts` names the bundle from, for the page
/// being rendered (its path from the request, see `bundle_for`).
pub fn bundle_for_page(options: LeptosOptions) -> LeptosOptions {
    let path = leptos::prelude::use_context::<axum::http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    bundle_for(options, &path)
}

/// The admin bundle for a back office page when the site has it (its hash
/// file beside the trader's, or without hashes its `.js`); else `options`.
pub fn bundle_for(options: LeptosOptions, path: &str) -> LeptosOptions {
    if !is_admin_page(path) {
        return options;
    }
    let hash_file = options
        .hash_files
        .then(|| Path::new(options.hash_file.as_ref()).with_file_name("hash-admin.txt"));
    let exists = match &hash_file {
        Some(file) => file.is_file(),
        None => Path::new(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(format!("{ADMIN_BUNDLE}.js"))
            .is_file(),
    };
    if !exists {
        return options;
    }
    let mut admin = options;
    admin.output_name = ADMIN_BUNDLE.into();
    if let Some(file) = hash_file {
        admin.hash_file = file.to_string_lossy().as_ref().into();
    }
    admin
}

/// The stylesheet's address for the page being rendered.
pub fn css_href(options: &LeptosOptions) -> String {
    let hash = options
        .hash_files
        .then(|| std::fs::read_to_string(options.hash_file.as_ref()).ok())
        .flatten();
    match hash.as_deref().and_then(|h| hash_of(h, "css")) {
        Some(h) => format!("/{}/{}.{h}.css", options.site_pkg_dir, options.output_name),
        None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
    }
}

/// A bundle file named by its content (`/pkg/kassa.0123abcd….wasm`, or a
/// compressed copy of one): it never changes, so it may be kept for ever.
pub fn is_content_named(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let mut parts = name.split('.');
    let (Some(_stem), Some(hash), Some(ext)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    hash.len() >= 8
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && matches!(ext, "js" | "wasm" | "css")
        && parts.all(|rest| matches!(rest, "gz" | "br"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_content_names() {
        let text = "js: abc123def456\nwasm: 0011223344556677\ncss: ffeeddccbbaa9988\n";
        assert_eq!(hash_of(text, "wasm"), Some("0011223344556677"));
        assert_eq!(hash_of(text, "css"), Some("ffeeddccbbaa9988"));
        assert_eq!(hash_of(text, "png"), None);
        assert!(is_content_named("/pkg/kassa.0011223344556677.wasm"));
        assert!(is_content_named("/pkg/kassa.0011223344556677.wasm.br"));
        assert!(!is_content_named("/pkg/kassa.wasm"));
        assert!(!is_content_named("/pkg/kassa.wasm.gz"));
        assert!(!is_content_named("/pkg/kassa.0011223344556677.html"));
        assert!(!is_content_named("/favicon.svg"));
        assert!(!is_content_named("/pkg/kassa.short.js"));
        assert!(is_content_named("/pkg/kassa-admin.0011223344556677.js"));
        assert!(is_content_named(
            "/pkg/kassa-admin.0011223344556677.wasm.gz"
        ));
        assert!(!is_content_named("/pkg/kassa-admin.wasm.br"));
    }

    fn site(files: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kassa-assets-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        for f in files {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        dir
    }

    fn options(site: &Path, hashes: bool) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("kassa")
            .site_root(site.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .hash_files(hashes)
            .hash_file(site.join("hash.txt").to_string_lossy().as_ref().into())
            .build()
    }

    #[test]
    fn back_office_pages_name_the_admin_bundle_when_there_is_one() {
        let both = site(&["hash.txt", "hash-admin.txt"]);
        let admin = bundle_for(options(&both, true), "/admin/orders");
        assert_eq!(admin.output_name.as_ref(), "kassa-admin");
        assert_eq!(
            Path::new(admin.hash_file.as_ref()),
            both.join("hash-admin.txt")
        );
        assert_eq!(
            bundle_for(options(&both, true), "/admin")
                .output_name
                .as_ref(),
            "kassa-admin"
        );
        for trader in ["/", "/wallet", "/administrator", "/api/admin/orders"] {
            let o = bundle_for(options(&both, true), trader);
            assert_eq!(o.output_name.as_ref(), "kassa", "{trader}");
            assert_eq!(Path::new(o.hash_file.as_ref()), both.join("hash.txt"));
        }
        // One bundle (cargo leptos build): it has every page.
        let one = site(&["hash.txt"]);
        assert_eq!(
            bundle_for(options(&one, true), "/admin")
                .output_name
                .as_ref(),
            "kassa"
        );
        // No hashes: the plain files say which bundles there are.
        let plain = site(&["pkg/kassa.js", "pkg/kassa-admin.js"]);
        assert_eq!(
            bundle_for(options(&plain, false), "/admin/audit")
                .output_name
                .as_ref(),
            "kassa-admin"
        );
        assert_eq!(
            bundle_for(options(&one, false), "/admin/audit")
                .output_name
                .as_ref(),
            "kassa"
        );
        for dir in [both, one, plain] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
