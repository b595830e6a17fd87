//! The independent oracle: `pg_dump --schema-only` of the managed schemas,
//! normalised so that two databases with the same schema compare equal.
//!
//! The introspected model shares the canonicalizer's blind spots; pg_dump
//! does not, so every convergence check compares both. A missing or too old
//! `pg_dump` fails the test (set `RECONCILE_PG_DUMP` to another binary).

use super::TestDb;
use reconcile::load::IgnoreRules;
use reconcile::model::QualifiedName;
use std::collections::BTreeSet;

/// The pg_dump binary: `$RECONCILE_PG_DUMP`, else `pg_dump` on the PATH.
fn pg_dump() -> String {
    std::env::var("RECONCILE_PG_DUMP").unwrap_or_else(|_| "pg_dump".to_string())
}

/// Fails unless the pg_dump binary runs and can dump this server (pg_dump
/// refuses servers of a newer major version).
fn check_pg_dump(db: &TestDb) {
    let bin = pg_dump();
    let out = std::process::Command::new(&bin)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{bin}` ({e}); the convergence check needs pg_dump (set RECONCILE_PG_DUMP)")
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let client = text
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.split('.').next()?.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("cannot read the version of `{bin}`: {text}"));
    let server = db.query_i64("SELECT current_setting('server_version_num')::bigint") / 10000;
    assert!(
        client >= server,
        "`{bin}` is version {client}, older than the server ({server}); set RECONCILE_PG_DUMP to a pg_dump {server} or newer"
    );
}

/// Normalised `pg_dump --schema-only` of `schemas` in `db`: statements
/// sorted, column lines of `CREATE TABLE` sorted (columns appended later sit
/// elsewhere), comments and settings left out, and statements about objects
/// `ignore` matches left out (they exist only where `before.sql` made them).
pub fn normalised_dump(
    db: &TestDb,
    schemas: &BTreeSet<String>,
    ignore: &IgnoreRules,
) -> Vec<String> {
    check_pg_dump(db);
    let existing: BTreeSet<String> = {
        let mut c = db.client();
        c.query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)",
            &[&schemas.iter().cloned().collect::<Vec<_>>()],
        )
        .expect("schemas")
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    if existing.is_empty() {
        return Vec::new();
    }
    let mut args = vec![
        "--schema-only".to_string(),
        "--no-owner".to_string(),
        "--no-privileges".to_string(),
    ];
    for s in &existing {
        // pg_dump patterns: quote the name so it is taken literally.
        args.push(format!("--schema=\"{}\"", s.replace('"', "\"\"")));
    }
    args.push("-d".to_string());
    args.push(db.url.clone());
    let out = std::process::Command::new(pg_dump())
        .args(&args)
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    normalise(&String::from_utf8_lossy(&out.stdout), ignore)
}

fn normalise(text: &str, ignore: &IgnoreRules) -> Vec<String> {
    let mut statements: Vec<String> = text
        .split(";\n")
        .filter_map(|s| {
            // `\restrict` lines carry a random key per dump.
            let lines: Vec<&str> = s
                .lines()
                .filter(|l| !l.starts_with("--") && !l.starts_with('\\') && !l.trim().is_empty())
                .collect();
            let mut body: Vec<String> = lines
                .iter()
                .map(|l| l.trim().trim_end_matches(',').to_string())
                .collect();
            let first = body.first()?.clone();
            if first.starts_with("SET ")
                || first.starts_with("SELECT pg_catalog.set_config")
                || first.starts_with("CREATE SCHEMA")
            {
                return None;
            }
            let names = qualified_names(&body.join("\n"));
            let subject = names.first()?;
            let table = QualifiedName::new(&subject[0], &subject[1]);
            if ignore.table(&table).is_some()
                || ignore.view(&table).is_some()
                || ignore.sequence(&table).is_some()
                || ignore.type_(&table).is_some()
            {
                return None;
            }
            if subject.len() == 3 && ignore.column(&table, &subject[2]).is_some() {
                return None;
            }
            if first.starts_with("CREATE TABLE") || first.starts_with("CREATE UNLOGGED TABLE") {
                // Ignored columns exist only in the database before.sql made.
                body.retain(|line| {
                    first_ident(line).is_none_or(|c| ignore.column(&table, &c).is_none())
                        || *line == first
                });
                body[1..].sort();
            }
            Some(body.join("\n"))
        })
        .collect();
    statements.sort();
    statements
}

/// Reads one identifier at the start of `s` (unquoted folds nothing: pg_dump
/// prints lower case unquoted, anything else quoted); returns it and the rest.
fn ident(s: &str) -> Option<(String, &str)> {
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if rest[i + 1..].starts_with('"') {
                    out.push('"');
                    chars.next();
                } else {
                    return Some((out, &rest[i + 1..]));
                }
            } else {
                out.push(c);
            }
        }
        return None;
    }
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
        .map_or(s.len(), |(i, _)| i);
    let first = s.chars().next()?;
    (end > 0 && (first.is_alphabetic() || first == '_')).then(|| (s[..end].to_string(), &s[end..]))
}

fn first_ident(line: &str) -> Option<String> {
    ident(line).map(|(i, _)| i)
}

/// Every `a.b` or `a.b.c` name in a statement, in order, outside string literals.
fn qualified_names(sql: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            // Skip a string literal ('' is an escaped quote).
            let mut i = 1;
            let bytes = rest.as_bytes();
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            rest = &rest[(i + 1).min(rest.len())..];
            continue;
        }
        if (c == '"' || c.is_alphabetic() || c == '_')
            && let Some((first, mut after)) = ident(rest)
        {
            let mut parts = vec![first];
            while let Some(next) = after.strip_prefix('.') {
                match ident(next) {
                    Some((p, a)) => {
                        parts.push(p);
                        after = a;
                    }
                    None => break,
                }
            }
            if parts.len() >= 2 {
                out.push(parts);
            }
            rest = after;
            continue;
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_outside_literals() {
        let names = qualified_names(
            "ALTER TABLE ONLY public.\"Users\" ADD CONSTRAINT c CHECK (x <> 'a.b') REFERENCES app.t(id)",
        );
        assert_eq!(
            names,
            vec![
                vec!["public".to_string(), "Users".to_string()],
                vec!["app".to_string(), "t".to_string()]
            ]
        );
    }
}
