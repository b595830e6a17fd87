//! Reading `schema.yaml` and `ignore.yaml` into the model.
//!
//! The only module that reads YAML (through `yaml`). Never opens a database
//! connection: everything here runs before one is made, so invalid input
//! changes nothing. All problems of a file are reported together.

pub mod export;
pub mod raw;
mod validate;
mod yaml;

use crate::error::{Diagnostic, Error, Result};
pub use crate::ignore::IgnoreRules;
use crate::model::Schema;
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
        source: e,
    })
}

/// Parses YAML text into `T`, turning YAML and serde errors into located
/// diagnostics; the document is kept to locate later ones.
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
    let schema =
        validate::build(&raw, &yaml::Locations::of(text), file, ignore).map_err(Error::Invalid)?;
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
        let locations = yaml::Locations::of(text);
        for d in &mut diags {
            let path: Vec<String> = d
                .path
                .split(['.', '['])
                .map(|s| s.trim_end_matches(']').to_string())
                .collect();
            if let Some((l, c)) = locations.locate(&path) {
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

    /// Where `locate` puts `path` in `text`.
    fn at(text: &str, path: &[&str]) -> Option<(usize, usize)> {
        yaml::Document::parse(text).expect("valid YAML");
        let path: Vec<String> = path.iter().map(|s| (*s).to_string()).collect();
        yaml::Locations::of(text).locate(&path)
    }

    #[test]
    fn locate_block_mappings() {
        let text = "# c\nschemas:\n  public:\n    tables:\n      users:\n        columns:\n          id: bigint\n          email:\n            type: text\n";
        let users = ["schemas", "public", "tables", "users"];
        assert_eq!(at(text, &users[..1]), Some((2, 1)));
        assert_eq!(at(text, &users), Some((5, 7)));
        assert_eq!(
            at(text, &[&users[..], &["columns", "email", "type"]].concat()),
            Some((9, 13))
        );
        // Deeper than the text: the deepest key there is.
        assert_eq!(
            at(text, &[&users[..], &["columns", "id", "type"]].concat()),
            Some((7, 11))
        );
        assert_eq!(
            at(text, &[&users[..], &["constraints", "users_pkey"]].concat()),
            Some((5, 7))
        );
        assert_eq!(at(text, &["extensions", "citext"]), None);
        assert_eq!(at(text, &[]), None);
    }

    #[test]
    fn locate_flow_mappings() {
        let text = "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          email: { type: txt }\n";
        let path = [
            "schemas", "public", "tables", "users", "columns", "email", "type",
        ];
        assert_eq!(at(text, &path), Some((6, 20)));
        // A key that ends another key on the parent's line is not it.
        let text = "schemas:\n  public:\n    sequences:\n      s: { owned_by: t.c }\n";
        assert_eq!(
            at(text, &["schemas", "public", "sequences", "s", "owned_by"]),
            Some((4, 12))
        );
        // Flow mappings over several lines, nested, and a whole file in one.
        let text = "t:\n  a: { type: int,\n       not_null: true, x: { y: 1 } }\n";
        assert_eq!(at(text, &["t", "a", "not_null"]), Some((3, 8)));
        assert_eq!(at(text, &["t", "a", "x", "y"]), Some((3, 29)));
        let text = "{ schemas: { public: { tables: { t: {} } } } }";
        assert_eq!(
            at(text, &["schemas", "public", "tables", "t"]),
            Some((1, 34))
        );
    }

    #[test]
    fn locate_sequences() {
        let text = "tables: [a, \"b..c\", d]\ncolumns:\n  - x.y\n  -   z\nenums:\n  e: [p, q]\n  f: { values: [r] }\n";
        assert_eq!(at(text, &["tables", "1"]), Some((1, 13)));
        assert_eq!(at(text, &["columns", "0"]), Some((3, 5)));
        assert_eq!(at(text, &["columns", "1"]), Some((4, 7)));
        // Past the end, and an index where the value is a mapping.
        assert_eq!(at(text, &["columns", "5"]), Some((2, 1)));
        assert_eq!(at(text, &["enums", "e", "1"]), Some((6, 10)));
        assert_eq!(at(text, &["enums", "f", "0"]), Some((7, 3)));
        assert_eq!(at(text, &["enums", "f", "values", "0"]), Some((7, 17)));
    }

    #[test]
    fn locate_quoted_and_numeric_keys() {
        let text = "columns:\n  \"Mixed Case\": text\n  'it''s': text\n  \"a.b\": { type: int }\n  2: int\n  \"1a\": int\n";
        assert_eq!(at(text, &["columns", "Mixed Case"]), Some((2, 3)));
        assert_eq!(at(text, &["columns", "it's"]), Some((3, 3)));
        assert_eq!(at(text, &["columns", "a.b", "type"]), Some((4, 12)));
        // A number is a key of a mapping, not an index.
        assert_eq!(at(text, &["columns", "2"]), Some((5, 3)));
        assert_eq!(at(text, &["columns", "1a"]), Some((6, 3)));
    }

    #[test]
    fn locate_a_key_that_appears_twice_at_different_depths() {
        // `comment` of the table, of a column, and a column named `comment`;
        // `type` as a key and as a column name.
        let text = "t:\n  columns:\n    type: { type: text, comment: a }\n    comment: { type: text }\n  comment: b\n";
        assert_eq!(at(text, &["t", "comment"]), Some((5, 3)));
        assert_eq!(at(text, &["t", "columns", "comment"]), Some((4, 5)));
        assert_eq!(
            at(text, &["t", "columns", "comment", "type"]),
            Some((4, 16))
        );
        assert_eq!(at(text, &["t", "columns", "type"]), Some((3, 5)));
        assert_eq!(at(text, &["t", "columns", "type", "type"]), Some((3, 13)));
        assert_eq!(
            at(text, &["t", "columns", "type", "comment"]),
            Some((3, 25))
        );
    }

    #[test]
    fn locate_through_an_alias_points_at_the_anchor() {
        let text = "x: &ts { type: timestamptz }\nt:\n  created_at: *ts\n";
        assert_eq!(at(text, &["t", "created_at"]), Some((3, 3)));
        assert_eq!(at(text, &["t", "created_at", "type"]), Some((1, 10)));
    }
}
