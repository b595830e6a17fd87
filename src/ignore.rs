//! The rules of `ignore.yaml`: globs for objects reconcile never touches.
//!
//! Neutral, like the model: `load` reads the file into [`RawIgnore`] and
//! compiles it here; `introspect`, `diff` and the commands only ask the
//! compiled [`IgnoreRules`].

use crate::error::Diagnostic;
use crate::model::QualifiedName;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;

/// `ignore.yaml` as written: lists of globs by kind.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawIgnore {
    /// Whole schemas.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// `[schema.]table` globs.
    #[serde(default)]
    pub tables: Vec<String>,
    /// `[schema.]table.column` globs.
    #[serde(default)]
    pub columns: Vec<String>,
    /// `[schema.]view` globs.
    #[serde(default)]
    pub views: Vec<String>,
    /// `[schema.]sequence` globs.
    #[serde(default)]
    pub sequences: Vec<String>,
    /// `[schema.]type` globs.
    #[serde(default)]
    pub types: Vec<String>,
    /// `[schema.]function` globs.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Whether migration tools' bookkeeping tables are ignored (default true).
    pub migration_tables: Option<bool>,
}

/// The default schema of reconcile's own history table; always ignored.
pub const HISTORY_SCHEMA: &str = "reconcile";

/// Tables that migration tools keep their own bookkeeping in. They are
/// ignored by default, in every schema: a `schema.yaml` written by hand
/// rarely declares them, and dropping one (`alembic_version`) would make the
/// tool think the database is new. The first six are those SPEC §2 names;
/// the others are the same kind of table of other common tools.
pub const MIGRATION_TABLES: &[&str] = &[
    "alembic_version",
    "flyway_schema_history",
    "schema_migrations",
    "_prisma_migrations",
    "goose_db_version",
    "__diesel_schema_migrations",
    "django_migrations",
    "ar_internal_metadata",
    "databasechangelog",
    "databasechangeloglock",
    "_sqlx_migrations",
    "knex_migrations",
    "knex_migrations_lock",
    "SequelizeMeta",
    "refinery_schema_history",
];

/// The rule text naming the default for migration tables (in messages).
const MIGRATION_RULE: &str = "the default for migration tools' tables; `migration_tables: false` in ignore.yaml turns it off";

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
    functions: Vec<Pattern>,
    migration_tables: bool,
}

fn compile(
    list: &[String],
    key: &str,
    (min_parts, max_parts): (usize, usize),
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
        if pieces.len() < min_parts {
            // `columns: [legacy_code]` would match nothing: a column rule is
            // `table.column` (`*.legacy_code` for every table).
            bad(
                format!(
                    "`{text}` cannot match anything: a {key} rule needs a table part (`[schema.]table.column`, e.g. `*.{text}` for every table)"
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
            functions: Vec::new(),
            migration_tables: true,
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
            schemas: compile(&raw.schemas, "schemas", (1, 1), file, &mut errors),
            tables: compile(&raw.tables, "tables", (1, 2), file, &mut errors),
            columns: compile(&raw.columns, "columns", (2, 3), file, &mut errors),
            views: compile(&raw.views, "views", (1, 2), file, &mut errors),
            sequences: compile(&raw.sequences, "sequences", (1, 2), file, &mut errors),
            types: compile(&raw.types, "types", (1, 2), file, &mut errors),
            functions: compile(&raw.functions, "functions", (1, 2), file, &mut errors),
            migration_tables: raw.migration_tables.unwrap_or(true),
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
            .or_else(|| self.is_migration_table(name).then_some(MIGRATION_RULE))
    }

    /// Whether `name` is a migration tool's bookkeeping table that is
    /// ignored by default (and the default is on).
    pub fn is_migration_table(&self, name: &QualifiedName) -> bool {
        self.migration_tables && MIGRATION_TABLES.contains(&name.name.as_str())
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

    /// The rule that ignores a function or procedure (every overload), if any.
    ///
    /// Functions are not managed yet, so reconcile leaves every function
    /// alone and nothing consults this today; the rules are compiled and
    /// checked now so that a bad glob is reported, not dropped, and so the
    /// issue that adds functions finds them here.
    pub fn function(&self, name: &QualifiedName) -> Option<&str> {
        self.schema(&name.schema)
            .or_else(|| Self::first(&self.functions, &[&name.schema, &name.name]))
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

    #[test]
    fn function_rules_match_by_schema_and_name() {
        let raw = RawIgnore {
            functions: vec!["audit_*".into(), "app.touch".into()],
            ..RawIgnore::default()
        };
        let rules = IgnoreRules::compile(&raw, "ignore.yaml").unwrap();
        let qn = |s: &str, n: &str| QualifiedName::new(s, n);
        assert!(rules.function(&qn("public", "audit_log")).is_some());
        assert!(rules.function(&qn("app", "touch")).is_some());
        assert!(rules.function(&qn("public", "touch")).is_none());
    }

    #[test]
    fn migration_tables_are_ignored_unless_turned_off() {
        let qn = QualifiedName::new("app", "alembic_version");
        assert!(IgnoreRules::default().table(&qn).is_some());
        assert!(IgnoreRules::default().is_migration_table(&qn));
        let raw = RawIgnore {
            migration_tables: Some(false),
            ..RawIgnore::default()
        };
        let rules = IgnoreRules::compile(&raw, "ignore.yaml").unwrap();
        assert!(rules.table(&qn).is_none());
    }
}
