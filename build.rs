//! Turns the translations in `src/app/locales/{locale}/{namespace}.json`
//! into the `i18n` module the pages use (`t_string!(i18n, wallet.title)`).
//!
//! Strict on purpose: a key missing from one locale, a key no longer in
//! English, or an interpolation a locale forgot is a build error, not a
//! warning, so every language stays complete. Keys a page asks for that
//! no file has are compile errors by themselves (the macro checks them).

use leptos_i18n_parser::parse_locales::{
    options::{Config, ParseOptions},
    parse_locales,
};
use std::path::PathBuf;

/// English is the default: the source every other locale translates.
const LOCALES: &[&str] = &["en", "sv", "de", "fi"];

/// One file per area of the app, so a page's words are in one place.
const NAMESPACES: &[&str] = &[
    "common", "auth", "wallet", "deposit", "withdraw", "history", "status", "account", "errors",
    "admin",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("i18n");
    let mut cfg = Config::new(LOCALES[0]).expect("default locale");
    for locale in &LOCALES[1..] {
        cfg = cfg.add_locale(locale).expect("locale");
    }
    for ns in NAMESPACES {
        cfg = cfg.add_namespace(ns).expect("namespace");
    }
    // Interpolated keys can also be rendered as plain strings (attributes,
    // titles), not only as views.
    let cfg = cfg
        .locales_path("src/app/locales")
        .parse_options(ParseOptions::default().interpolate_display(true));
    let parsed = parse_locales(None, cfg).unwrap_or_else(|e| panic!("translations: {e}"));
    for path in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={path}");
    }
    let problems: Vec<String> = parsed
        .diag
        .errors()
        .iter()
        .map(|e| e.to_string())
        .chain(parsed.diag.warnings().iter().map(|w| w.to_string()))
        .collect();
    if !problems.is_empty() {
        panic!("translations are incomplete:\n  {}", problems.join("\n  "));
    }
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, false)
        .unwrap_or_else(|e| panic!("translations: {e}"));
    std::fs::create_dir_all(&out).expect("i18n dir");
    std::fs::write(out.join("mod.rs"), code.to_string()).expect("i18n module");
}
