//! The bundle's file names. `scripts/site.sh` (like `cargo leptos build`
//! with `hash-files`) names each file by its content, `kassa.<hash>.wasm`,
//! and lists the hashes in `hash.txt`: a page names the files it was built
//! with, so a returning trader's browser keeps them for a year
//! (`Cache-Control: immutable`, see `web::security`) and a new release is
//! new names, never a stale copy. Without `hash.txt` (tests, a bare
//! `cargo build`) the plain names are used.

use std::path::{Path, PathBuf};

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

/// The stylesheet's address for the page being rendered.
pub fn css_href(options: &leptos::prelude::LeptosOptions) -> String {
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
    }
}
