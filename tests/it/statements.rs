//! The statement catalogue: every SQL statement written out in `src/` (a
//! string literal handed to `sqlx::query`, `query_scalar` or `query_as`, with the
//! `{CONSTANT}`s of its file filled in) is prepared on a migrated SQLite
//! and a migrated PostgreSQL database. Preparing checks every table,
//! column and function name and the statement's syntax without running
//! it, so a typo or a renamed column fails the test command even when no
//! HTTP test walks that path. Statements assembled piece by piece at run
//! time (the back office's filter builder) are left to the HTTP tests.
//! PostgreSQL's own functions and catalogs (`pg_…`: the advisory locks of
//! the payout worker) are prepared on PostgreSQL only.

use std::{collections::BTreeMap, path::Path};

use sqlx::Executor;

use crate::common::{Backend, TestApp};

on_both_backends!(every_statement_in_src_prepares);

async fn every_statement_in_src_prepares(backend: Backend) {
    let statements = catalogue(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        statements.len() > 100,
        "the catalogue found only {} statements: is the extractor broken?",
        statements.len()
    );
    let app = TestApp::spawn(backend).await;
    let mut failed = Vec::new();
    for (place, sql) in &statements {
        if backend == Backend::Sqlite && sql.contains("pg_") {
            continue;
        }
        if let Err(e) = (&app.db().pool).prepare(sql.as_str()).await {
            failed.push(format!("{place}: {e}\n    {}", sql.replace('\n', "\n    ")));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} statements do not prepare on {backend:?}:\n{}",
        failed.len(),
        statements.len(),
        failed.join("\n")
    );
}

/// `file:line` → statement, for every complete statement in `dir`.
fn catalogue(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut files = Vec::new();
    walk(dir, &mut files);
    for file in files {
        // The sandbox has no database.
        if file.components().any(|c| c.as_os_str() == "sandbox") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let consts = string_consts(&text);
        let rel = file.strip_prefix(dir).unwrap().display().to_string();
        for (offset, sql) in statements_in(&text, &consts) {
            let line = text[..offset].matches('\n').count() + 1;
            out.insert(format!("src/{rel}:{line}"), sql);
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `const NAME: &str = "...";` of a file, by name.
fn string_consts(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = text;
    while let Some(i) = rest.find("const ") {
        rest = &rest[i + 6..];
        let Some((name, after)) = rest.split_once(": &str = ") else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            continue;
        }
        if let Some((value, _)) = string_literal(after) {
            out.insert(name.to_string(), value);
        }
    }
    out
}

/// (offset, SQL) of each `query("…")`, `query_scalar("…")`,
/// `query_as::<_, Row>("…")` (turbofish or not) and `query(&format!("…"))`
/// whose text is known before run time.
fn statements_in(text: &str, consts: &BTreeMap<String, String>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for call in [
        "sqlx::query(",
        "sqlx::query_scalar(",
        "sqlx::query_scalar::<",
        "sqlx::query_as(",
        "sqlx::query_as::<",
    ] {
        let mut from = 0;
        while let Some(i) = text[from..].find(call) {
            let at = from + i;
            from = at + call.len();
            // `query_as::<_, Row>(`, `query_scalar::<_, i64>(`: past the
            // types to the arguments.
            if call.ends_with('<') {
                match text[from..].find(">(") {
                    Some(close) => from += close + 2,
                    None => continue,
                }
            }
            let args = text[from..].trim_start();
            let (formatted, args) = match args.strip_prefix("&format!(") {
                Some(a) => (true, a.trim_start()),
                None => (false, args),
            };
            let Some((mut sql, after)) = string_literal(args) else {
                continue; // built at run time
            };
            if formatted {
                // Only whole-statement constants can be filled in; a format
                // with arguments after the literal is dynamic.
                if !after.trim_start().starts_with(')') {
                    continue;
                }
                match fill(&sql, consts) {
                    Some(filled) => sql = filled,
                    None => continue,
                }
            }
            let head = sql.trim_start().to_ascii_uppercase();
            if ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
                .iter()
                .any(|k| head.starts_with(k))
            {
                out.push((at, sql));
            }
        }
    }
    out
}

/// `{NAME}` replaced by the constant's value; None if one is not known.
fn fill(sql: &str, consts: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}')? + i;
        out.push_str(consts.get(&rest[i + 1..end])?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A Rust string literal at the start of `s` ("…" with escapes and line
/// continuations, or r"…"/r#"…"#): its value and what follows it.
fn string_literal(s: &str) -> Option<(String, &str)> {
    if let Some(raw) = s.strip_prefix('r') {
        let hashes = raw.chars().take_while(|c| *c == '#').count();
        let body = raw[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        return Some((body[..end].to_string(), &body[end + close.len()..]));
    }
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '\n' => {
                    // A continuation: the newline and the next line's
                    // leading whitespace are not part of the string.
                    while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            c => out.push(c),
        }
    }
    None
}
