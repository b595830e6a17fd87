//! Reading `schema.yaml` and `ignore.yaml` into the model.
//!
//! The only module that reads YAML (through `yaml`). Never opens a database
//! connection: everything here runs before one is made, so invalid input
//! changes nothing. All problems of a file are reported together.

pub mod export;
pub mod ignore;
pub mod raw;
mod validate;
mod yaml;

use crate::error::{Diagnostic, Error, Result};
use crate::model::Schema;
pub use ignore::IgnoreRules;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// A loaded desired schema with what is known of its source.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The model.
    pub schema: Schema,
    /// The file's text.
    pub source: String,
    /// SHA-256 of the file's text, hex.
    pub source_hash: String,
}

/// Hex SHA-256 of some text.
pub fn sha256_hex(text: &[u8]) -> String {
    let digest = Sha256::digest(text);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a file as text, naming it in the error.
pub fn read_file(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_string(),
        message: e.to_string(),
    })
}

/// Parses YAML text into `T`, turning YAML and serde errors into located
/// diagnostics.
fn parse_yaml<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Box<Diagnostic>> {
    yaml::Document::parse(text)
        .and_then(|doc| doc.deserialize::<T>())
        .map_err(|e| Box::new(yaml_diagnostic(e, file)))
}

fn yaml_diagnostic(e: yaml::Error, file: &str) -> Diagnostic {
    let hint = suggestion_from_serde(&e.message);
    Diagnostic {
        file: file.to_string(),
        path: e.path,
        line: e.mark.map(|m| m.line),
        column: e.mark.map(|m| m.column),
        message: e.message,
        hint,
    }
}

/// For "unknown field `nul`, expected one of `a`, `b`" picks the closest expected name.
fn suggestion_from_serde(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (got, expected) = rest.split_once('`')?;
    let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(got, options.iter().copied())
}

/// Edit distance between two short strings.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// "did you mean `x`?" for the closest candidate, if one is close enough.
pub fn did_you_mean<'a>(got: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (got.chars().count() / 3).max(1) + 1;
    candidates
        .map(|c| (distance(&got.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Finds the line and column of a YAML path in the source text, best effort:
/// follows each key down by indentation. Returns where the deepest found key is.
pub fn locate(text: &str, path: &[String]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for segment in path {
        if segment.parse::<usize>().is_ok() {
            break;
        }
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            if parent_indent.is_some_and(|p| indent <= p) && i > start {
                break;
            }
            let key_text = trimmed.trim_start_matches("- ");
            let key = key_text
                .split_once(':')
                .map(|(k, _)| k.trim().trim_matches('"').trim_matches('\''));
            if key == Some(segment.as_str()) {
                hit = Some((i, indent + (trimmed.len() - key_text.len())));
                break;
            }
            // Flow mappings on one line: `{ type: x, not_null: true }`.
            let key_at = |pos: usize| {
                trimmed[..pos]
                    .chars()
                    .next_back()
                    .is_some_and(|c| matches!(c, ' ' | '{' | ','))
            };
            if let Some(pos) = trimmed
                .match_indices(&format!("{segment}:"))
                .map(|(p, _)| p)
                .find(|&p| p > 0 && key_at(p))
                && found.is_some_and(|(l, _): (usize, usize)| l == i)
            {
                hit = Some((i, indent + pos));
                break;
            }
        }
        match hit {
            Some((i, col)) => {
                found = Some((i, col));
                start = i;
                parent_indent = Some(col);
            }
            None => break,
        }
    }
    found.map(|(l, c)| (l + 1, c + 1))
}

/// Loads and validates a schema file from disk.
pub fn load_schema_file(path: &str, ignore: &IgnoreRules) -> Result<Desired> {
    let text = read_file(path)?;
    load_schema_text(&text, path, ignore)
}

/// Loads and validates schema text; `file` names it in diagnostics.
pub fn load_schema_text(text: &str, file: &str, ignore: &IgnoreRules) -> Result<Desired> {
    let empty = |message: &str| {
        Error::Invalid(vec![Diagnostic {
            file: file.to_string(),
            path: String::new(),
            line: None,
            column: None,
            message: message.to_string(),
            hint: None,
        }])
    };
    let meaningful = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---");
    if !meaningful {
        return Err(empty(
            "the file is empty; refusing to treat it as \"drop everything\" (declare at least one schema)",
        ));
    }
    let raw: raw::RawFile = parse_yaml(text, file).map_err(|d| Error::Invalid(vec![*d]))?;
    if raw.schemas.as_ref().is_none_or(|s| s.is_empty()) {
        return Err(empty(
            "no schemas declared; refusing to treat the file as \"drop everything\" (declare at least one schema under `schemas:`)",
        ));
    }
    let schema = validate::build(&raw, text, file, ignore).map_err(Error::Invalid)?;
    Ok(Desired {
        schema,
        source: text.to_string(),
        source_hash: sha256_hex(text.as_bytes()),
    })
}

/// Loads the ignore rules. `explicit` says whether the user named the file
/// (then it must exist); otherwise a missing `ignore.yaml` means no rules.
pub fn load_ignore_file(path: &str, explicit: bool) -> Result<IgnoreRules> {
    if !explicit && !std::path::Path::new(path).exists() {
        return Ok(IgnoreRules::default());
    }
    let text = read_file(path)?;
    load_ignore_text(&text, path)
}

/// Parses ignore rules from text.
pub fn load_ignore_text(text: &str, file: &str) -> Result<IgnoreRules> {
    let meaningful = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---");
    if !meaningful {
        return Ok(IgnoreRules::default());
    }
    let raw: raw::RawIgnore = parse_yaml(text, file).map_err(|d| Error::Invalid(vec![*d]))?;
    IgnoreRules::compile(&raw, file).map_err(|mut diags| {
        for d in &mut diags {
            let path: Vec<String> = d
                .path
                .split(['.', '['])
                .map(|s| s.trim_end_matches(']').to_string())
                .collect();
            if let Some((l, c)) = locate(text, &path) {
                d.line = Some(l);
                d.column = Some(c);
            }
        }
        Error::Invalid(diags)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("emial", ["email", "id"].into_iter()),
            Some("did you mean `email`?".to_string())
        );
        assert_eq!(did_you_mean("zzzzzz", ["email", "id"].into_iter()), None);
    }

    #[test]
    fn locating_paths() {
        let text = "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          email: { type: txt }\n";
        let path: Vec<String> = [
            "schemas", "public", "tables", "users", "columns", "email", "type",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(locate(text, &path), Some((6, 20)));
        // A key that ends another key on the parent's line is not it.
        let text = "schemas:\n  public:\n    sequences:\n      s: { owned_by: t.c }\n";
        let path: Vec<String> = ["schemas", "public", "sequences", "s", "owned_by"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(locate(text, &path), Some((4, 12)));
    }
}
