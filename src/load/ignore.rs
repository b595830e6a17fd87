//! `ignore.yaml`: glob rules for objects reconcile never touches.

use crate::error::Diagnostic;
use crate::load::raw::RawIgnore;
use crate::model::QualifiedName;
use globset::{Glob, GlobMatcher};

/// The default schema of reconcile's own history table; always ignored.
pub const HISTORY_SCHEMA: &str = "reconcile";

/// One `[schema.]name` glob (or `[schema.]table.column` for columns).
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    parts: Vec<GlobMatcher>,
}

impl Pattern {
    fn matches(&self, names: &[&str]) -> bool {
        // Unqualified patterns match in any schema: align from the right.
        if self.parts.len() > names.len() {
            return false;
        }
        let offset = names.len() - self.parts.len();
        self.parts
            .iter()
            .zip(&names[offset..])
            .all(|(glob, name)| glob.is_match(name))
    }
}

/// Compiled ignore rules.
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    history_schema: String,
    schemas: Vec<Pattern>,
    tables: Vec<Pattern>,
    columns: Vec<Pattern>,
    views: Vec<Pattern>,
    sequences: Vec<Pattern>,
    types: Vec<Pattern>,
}

fn compile(
    list: &[String],
    key: &str,
    max_parts: usize,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Pattern> {
    let mut out = Vec::new();
    for (i, text) in list.iter().enumerate() {
        let pieces: Vec<&str> = text.split('.').collect();
        let bad = |message: String, errors: &mut Vec<Diagnostic>| {
            errors.push(Diagnostic {
                file: file.to_string(),
                path: format!("{key}[{i}]"),
                line: None,
                column: None,
                message,
                hint: None,
            });
        };
        if pieces.len() > max_parts || pieces.iter().any(|p| p.is_empty()) {
            bad(
                format!(
                    "`{text}` is not a valid pattern (at most {max_parts} dot-separated parts)"
                ),
                errors,
            );
            continue;
        }
        let mut parts = Vec::new();
        for piece in pieces {
            match Glob::new(piece) {
                Ok(g) => parts.push(g.compile_matcher()),
                Err(e) => bad(format!("`{text}` is not a valid glob: {e}"), errors),
            }
        }
        out.push(Pattern {
            text: text.clone(),
            parts,
        });
    }
    out
}

impl Default for IgnoreRules {
    fn default() -> Self {
        IgnoreRules {
            history_schema: HISTORY_SCHEMA.to_string(),
            schemas: Vec::new(),
            tables: Vec::new(),
            columns: Vec::new(),
            views: Vec::new(),
            sequences: Vec::new(),
            types: Vec::new(),
        }
    }
}

impl IgnoreRules {
    /// Uses another schema for the history table (it is always ignored).
    pub fn with_history_schema(mut self, schema: &str) -> IgnoreRules {
        self.history_schema = schema.to_string();
        self
    }

    /// The schema of the history table.
    pub fn history_schema(&self) -> &str {
        &self.history_schema
    }

    /// Compiles the raw file; bad globs become diagnostics.
    pub fn compile(raw: &RawIgnore, file: &str) -> Result<IgnoreRules, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let rules = IgnoreRules {
            history_schema: HISTORY_SCHEMA.to_string(),
            schemas: compile(&raw.schemas, "schemas", 1, file, &mut errors),
            tables: compile(&raw.tables, "tables", 2, file, &mut errors),
            columns: compile(&raw.columns, "columns", 3, file, &mut errors),
            views: compile(&raw.views, "views", 2, file, &mut errors),
            sequences: compile(&raw.sequences, "sequences", 2, file, &mut errors),
            types: compile(&raw.types, "types", 2, file, &mut errors),
        };
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }

    fn first<'a>(patterns: &'a [Pattern], names: &[&str]) -> Option<&'a str> {
        patterns
            .iter()
            .find(|p| p.matches(names))
            .map(|p| p.text.as_str())
    }

    /// The rule that ignores a whole schema, if any.
    pub fn schema(&self, schema: &str) -> Option<&str> {
        if schema == self.history_schema {
            return Some("reconcile's history schema");
        }
        Self::first(&self.schemas, &[schema])
    }

    /// The rule that ignores a table, if any.
    pub fn table(&self, name: &QualifiedName) -> Option<&str> {
        self.schema(&name.schema)
            .or_else(|| Self::first(&self.tables, &[&name.schema, &name.name]))
    }

    /// The rule that ignores a column (or its table), if any.
    pub fn column(&self, table: &QualifiedName, column: &str) -> Option<&str> {
        self.table(table)
            .or_else(|| Self::first(&self.columns, &[&table.schema, &table.name, column]))
    }

    /// The rule that ignores a view or materialized view, if any.
    pub fn view(&self, name: &QualifiedName) -> Option<&str> {
        self.schema(&name.schema)
            .or_else(|| Self::first(&self.views, &[&name.schema, &name.name]))
    }

    /// The rule that ignores a sequence, if any.
    pub fn sequence(&self, name: &QualifiedName) -> Option<&str> {
        self.schema(&name.schema)
            .or_else(|| Self::first(&self.sequences, &[&name.schema, &name.name]))
    }

    /// The rule that ignores a type (enum), if any.
    pub fn type_(&self, name: &QualifiedName) -> Option<&str> {
        self.schema(&name.schema)
            .or_else(|| Self::first(&self.types, &[&name.schema, &name.name]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_align_from_the_right() {
        let raw = RawIgnore {
            tables: vec!["dgs_lessons".into(), "legacy_*".into(), "archive.*".into()],
            columns: vec!["users.legacy_*".into()],
            schemas: vec!["audit".into()],
            ..RawIgnore::default()
        };
        let rules = IgnoreRules::compile(&raw, "ignore.yaml").unwrap();
        let qn = |s: &str, n: &str| QualifiedName::new(s, n);
        assert!(rules.table(&qn("public", "dgs_lessons")).is_some());
        assert!(rules.table(&qn("app", "legacy_x")).is_some());
        assert!(rules.table(&qn("archive", "anything")).is_some());
        assert!(rules.table(&qn("audit", "log")).is_some());
        assert!(rules.table(&qn("reconcile", "history")).is_some());
        assert!(rules.table(&qn("public", "users")).is_none());
        assert!(
            rules
                .column(&qn("public", "users"), "legacy_name")
                .is_some()
        );
        assert!(rules.column(&qn("public", "users"), "email").is_none());
        assert!(rules.column(&qn("public", "dgs_lessons"), "x").is_some());
    }
}
