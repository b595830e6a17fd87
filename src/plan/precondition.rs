//! What must hold on the existing rows for a `may_fail` step to succeed.
//!
//! Steps carry these as data (built with the step, never parsed back out of
//! its SQL) so that `apply` can check them with read-only queries before the
//! transaction starts (see [`crate::preflight`]). Every name here is the
//! name the object has in the database *before* the plan runs.
//!
//! A saved plan (`plan --out`) carries each one as a line of JSON in its
//! step's comment header (`--   requires: {...}`), so that `apply --plan`
//! checks exactly what `apply` would. Unknown fields are rejected: a plan
//! written by a newer version is refused rather than checked partly.

use crate::model::QualifiedName;
use serde::{Deserialize, Serialize};

/// A condition on the rows of one table, and how to name offending rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precondition {
    /// The table as it is named before the plan.
    #[serde(with = "name")]
    pub table: QualifiedName,
    /// Columns that identify a row in messages (the primary key); empty:
    /// use `ctid`.
    pub key: Vec<String>,
    /// What must hold.
    pub condition: Condition,
}

/// The kinds of condition a step can depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// No row holds NULL in the column (a new NOT NULL).
    NotNull {
        /// The column.
        column: String,
    },
    /// The table has no rows (a NOT NULL column without a default is added).
    Empty {
        /// The column being added, for the message.
        column: String,
    },
    /// No row makes the expression false (a NULL result passes, as in PostgreSQL).
    Check {
        /// The constraint's name.
        name: String,
        /// The expression, as validated SQL from `schema.yaml`.
        expr: String,
    },
    /// Every row whose key columns are all non-NULL has a match (MATCH SIMPLE).
    ForeignKey {
        /// The constraint's name.
        name: String,
        /// Referencing columns.
        columns: Vec<String>,
        /// The referenced table; `None` when the plan creates it (it is
        /// empty then, so every complete key violates).
        #[serde(with = "optional_name")]
        ref_table: Option<QualifiedName>,
        /// Referenced columns.
        ref_columns: Vec<String>,
    },
    /// No two rows share a key; rows with a NULL key part do not count.
    Unique {
        /// The constraint's or index's name.
        name: String,
        /// Key columns or expressions, as SQL (columns already quoted).
        keys: Vec<String>,
        /// A partial index's predicate, as SQL.
        predicate: Option<String>,
    },
}

impl Precondition {
    /// The one-line JSON form a saved plan carries.
    pub fn to_json_line(&self) -> String {
        // Every field is a string or a list of strings: this cannot fail,
        // and an empty line would be refused when the plan is read back.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the form [`Precondition::to_json_line`] writes.
    pub fn from_json_line(text: &str) -> Result<Precondition, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// A table name as `{"schema": ..., "name": ...}`: both parts exactly, with
/// no quoting to undo (the model serializes names as quoted SQL).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameParts {
    schema: String,
    name: String,
}

impl From<&QualifiedName> for NameParts {
    fn from(q: &QualifiedName) -> NameParts {
        NameParts {
            schema: q.schema.clone(),
            name: q.name.clone(),
        }
    }
}

mod name {
    use super::{NameParts, QualifiedName};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(q: &QualifiedName, s: S) -> Result<S::Ok, S::Error> {
        NameParts::from(q).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<QualifiedName, D::Error> {
        let parts = NameParts::deserialize(d)?;
        Ok(QualifiedName::new(parts.schema, parts.name))
    }
}

mod optional_name {
    use super::{NameParts, QualifiedName};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        q: &Option<QualifiedName>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        q.as_ref().map(NameParts::from).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<QualifiedName>, D::Error> {
        let parts = Option::<NameParts>::deserialize(d)?;
        Ok(parts.map(|p| QualifiedName::new(p.schema, p.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Precondition> {
        let table = QualifiedName::new("app", "Odd \"name\"\nwith a line break");
        [
            Condition::NotNull {
                column: "a".to_string(),
            },
            Condition::Empty {
                column: "b".to_string(),
            },
            Condition::Check {
                name: "t_n_positive".to_string(),
                expr: "n > 0 AND note <> '--;'".to_string(),
            },
            Condition::ForeignKey {
                name: "t_p_fk".to_string(),
                columns: vec!["pid".to_string()],
                ref_table: Some(QualifiedName::new("public", "p")),
                ref_columns: vec!["id".to_string()],
            },
            Condition::ForeignKey {
                name: "t_q_fk".to_string(),
                columns: vec!["qid".to_string(), "k".to_string()],
                ref_table: None,
                ref_columns: vec!["id".to_string(), "k".to_string()],
            },
            Condition::Unique {
                name: "t_e_idx".to_string(),
                keys: vec!["e".to_string(), "(lower(f))".to_string()],
                predicate: Some("deleted_at IS NULL".to_string()),
            },
            Condition::Unique {
                name: "t_e_key".to_string(),
                keys: vec!["\"E\"".to_string()],
                predicate: None,
            },
        ]
        .into_iter()
        .enumerate()
        .map(|(i, condition)| Precondition {
            table: table.clone(),
            key: if i % 2 == 0 {
                vec!["id".to_string()]
            } else {
                Vec::new()
            },
            condition,
        })
        .collect()
    }

    #[test]
    fn every_condition_reads_back_from_one_line() {
        for p in all() {
            let line = p.to_json_line();
            assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
            assert_eq!(Precondition::from_json_line(&line), Ok(p), "{line}");
        }
    }

    #[test]
    fn the_line_is_readable() {
        let p = Precondition {
            table: QualifiedName::new("public", "t"),
            key: vec!["id".to_string()],
            condition: Condition::NotNull {
                column: "a".to_string(),
            },
        };
        assert_eq!(
            p.to_json_line(),
            r#"{"table":{"schema":"public","name":"t"},"key":["id"],"condition":{"kind":"not_null","column":"a"}}"#
        );
    }

    #[test]
    fn unknown_kinds_and_fields_are_refused() {
        for bad in [
            r#"{"table":{"schema":"public","name":"t"},"key":[],"condition":{"kind":"maybe","column":"a"}}"#,
            r#"{"table":{"schema":"public","name":"t"},"key":[],"condition":{"kind":"not_null","column":"a","extra":1}}"#,
            r#"{"table":{"schema":"public","name":"t"},"key":[],"condition":{"kind":"not_null"}}"#,
            r#"{"table":"public.t","key":[],"condition":{"kind":"not_null","column":"a"}}"#,
            r#"{"table":{"schema":"public","name":"t"},"key":[],"condition":{"kind":"not_null","column":"a"},"also":true}"#,
            r#"{"table":{"schema":"public","name":"t"},"key":[],"condition":{"kind":"not_null","column":"a"}"#,
            "",
        ] {
            assert!(Precondition::from_json_line(bad).is_err(), "{bad}");
        }
    }
}
