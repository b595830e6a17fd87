//! The neutral schema model.
//!
//! Both the YAML loader and the catalog introspector produce exactly these
//! types, so the differ compares like with like. Nothing here reads files or
//! talks to a database. Expressions and types are stored with their canonical
//! form (see [`crate::sql::normalize`]), and equality uses that form.

pub mod ident;
pub mod sequence;

pub use ident::{QualifiedName, quote_ident, quote_literal};
pub use sequence::SequenceOptions;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A whole desired or introspected schema: every managed object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    /// The schemas under management (declared in `schema.yaml`).
    pub schemas: BTreeSet<String>,
    /// Extensions, by name.
    pub extensions: BTreeMap<String, Extension>,
    /// Enum types.
    pub enums: BTreeMap<QualifiedName, Enum>,
    /// Sequences other than those of identity columns and of `serial` columns
    /// (which belong to their column); a sequence `OWNED BY` a column with
    /// options a `serial` would not give is one of these.
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    /// Tables.
    pub tables: BTreeMap<QualifiedName, Table>,
    /// Views and materialized views.
    pub views: BTreeMap<QualifiedName, View>,
}

/// An installed extension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extension {
    /// Extension name (`pgcrypto`).
    pub name: String,
    /// Schema its objects live in.
    pub schema: String,
    /// Version, when pinned in `schema.yaml` or read from the catalog.
    pub version: Option<String>,
    /// Extensions this one needs (read from the catalog, where it decides
    /// the order of drops; empty in `schema.yaml`).
    #[serde(skip)]
    pub requires: Vec<String>,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enum {
    /// Type name.
    pub name: QualifiedName,
    /// Labels in sort order.
    pub values: Vec<String>,
    /// `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

/// A sequence, with every option resolved to its effective value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sequence {
    /// Sequence name.
    pub name: QualifiedName,
    /// Type, bounds, start, increment, cache, cycle.
    #[serde(flatten)]
    pub options: SequenceOptions,
    /// `OWNED BY table.column`: the sequence goes when the column goes.
    pub owned_by: Option<SequenceOwner>,
    /// `COMMENT ON SEQUENCE`.
    pub comment: Option<String>,
}

/// The column a sequence belongs to (`OWNED BY`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SequenceOwner {
    /// The owning table.
    pub table: QualifiedName,
    /// The owning column.
    pub column: String,
}

/// A table and everything that belongs to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Table name.
    pub name: QualifiedName,
    /// Columns in creation order.
    pub columns: Vec<Column>,
    /// Primary key, unique, check and foreign-key constraints by name.
    pub constraints: BTreeMap<String, Constraint>,
    /// Indexes that do not back a constraint, by name.
    pub indexes: BTreeMap<String, Index>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// `renamed_from` hint: the table's former name in the same schema.
    #[serde(skip)]
    pub renamed_from: Option<String>,
}

impl Table {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A column type in canonical form (`format_type` spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SqlType {
    /// Canonical SQL spelling, e.g. `character varying(20)`, `public.user_role[]`.
    pub sql: String,
    /// `serial` pseudo-type: the column owns a sequence and defaults to its next value.
    pub serial: Option<Serial>,
}

/// The `serial` family of pseudo-types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Serial {
    /// `smallserial`
    Small,
    /// `serial`
    Regular,
    /// `bigserial`
    Big,
}

impl Serial {
    /// The keyword used in `CREATE TABLE`.
    pub fn keyword(self) -> &'static str {
        match self {
            Serial::Small => "smallserial",
            Serial::Regular => "serial",
            Serial::Big => "bigserial",
        }
    }
}

impl SqlType {
    /// The spelling used in DDL (`serial` for serial columns).
    pub fn ddl(&self) -> String {
        match self.serial {
            Some(s) => s.keyword().to_string(),
            None => self.sql.clone(),
        }
    }
}

/// An SQL expression with its canonical form for comparison.
#[derive(Debug, Clone, Serialize)]
pub struct SqlExpr {
    /// The text used in generated DDL.
    #[serde(skip)]
    pub sql: String,
    /// Canonical text; two expressions are equal when these are.
    pub canonical: String,
}

impl SqlExpr {
    /// Starts the canonical form of text sqlparser cannot parse.
    pub const NOT_PARSED: &'static str = "/* not parsed */ ";

    /// Whether sqlparser read this text (otherwise it is kept as written).
    pub fn parsed(&self) -> bool {
        !self.canonical.starts_with(Self::NOT_PARSED)
    }
}

impl PartialEq for SqlExpr {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Identity {
    /// `ALWAYS`
    Always,
    /// `BY DEFAULT`
    ByDefault,
}

impl Identity {
    /// SQL keywords after `GENERATED`.
    pub fn sql(self) -> &'static str {
        match self {
            Identity::Always => "ALWAYS",
            Identity::ByDefault => "BY DEFAULT",
        }
    }
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Data type.
    #[serde(rename = "type")]
    pub ty: SqlType,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT` expression.
    pub default: Option<SqlExpr>,
    /// Identity kind.
    pub identity: Option<Identity>,
    /// The identity sequence's options (its type is the column's): `Some`
    /// exactly when `identity` is.
    pub identity_options: Option<Box<SequenceOptions>>,
    /// `GENERATED ALWAYS AS (...) STORED` expression.
    pub generated: Option<SqlExpr>,
    /// Collation when it differs from the type's default.
    pub collation: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
    /// `renamed_from` hint.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    /// The sequence an identity or serial column owns (in the table's
    /// schema), as the catalog names it; `None` in the desired model, where
    /// PostgreSQL's default name ([`owned_sequence_name`]) applies.
    pub sequence: Option<String>,
}

/// The name PostgreSQL gives the sequence of an identity or serial column
/// (`ChooseRelationName(table, column, "seq")` before any collision suffix):
/// `<table>_<column>_seq`, the longer of the two names clipped until the
/// whole fits in 63 bytes.
pub fn owned_sequence_name(table: &str, column: &str) -> String {
    const AVAILABLE: usize = 63 - "_seq".len() - 1;
    let (mut a, mut b) = (table.len(), column.len());
    while a + b > AVAILABLE {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    format!("{}_{}_seq", clip(table, a), clip(column, b))
}

/// A named table constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    /// Constraint name.
    pub name: String,
    /// What it constrains.
    pub kind: ConstraintKind,
    /// False while a constraint added `NOT VALID` has not been validated.
    pub validated: bool,
}

/// The kinds of table constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ConstraintKind {
    /// `PRIMARY KEY (cols)`
    PrimaryKey {
        /// Key columns.
        columns: Vec<String>,
    },
    /// `UNIQUE (cols)`
    Unique {
        /// Key columns.
        columns: Vec<String>,
    },
    /// `CHECK (expr)`
    Check {
        /// The condition.
        expr: SqlExpr,
    },
    /// `FOREIGN KEY (cols) REFERENCES ...`
    ForeignKey(ForeignKey),
}

impl ConstraintKind {
    /// For a primary key or unique constraint, its columns sorted: the key a
    /// foreign key can reference.
    pub fn key_columns(&self) -> Option<Vec<String>> {
        match self {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => {
                let mut cols = columns.clone();
                cols.sort();
                Some(cols)
            }
            ConstraintKind::Check { .. } | ConstraintKind::ForeignKey(_) => None,
        }
    }

    /// Columns of the constrained table this constraint names directly.
    pub fn columns(&self) -> &[String] {
        match self {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => columns,
            ConstraintKind::ForeignKey(fk) => &fk.columns,
            ConstraintKind::Check { .. } => &[],
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForeignKey {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: QualifiedName,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: FkAction,
    /// `ON UPDATE` action.
    pub on_update: FkAction,
    /// Deferrability.
    pub deferrable: Deferrable,
}

/// Referential actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FkAction {
    /// `NO ACTION` (the default)
    NoAction,
    /// `RESTRICT`
    Restrict,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

impl FkAction {
    /// SQL keywords.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// Constraint deferrability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Deferrable {
    /// `NOT DEFERRABLE` (the default)
    No,
    /// `DEFERRABLE INITIALLY IMMEDIATE`
    Deferrable,
    /// `DEFERRABLE INITIALLY DEFERRED`
    InitiallyDeferred,
}

/// One key of an index: a plain column or an expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum IndexKey {
    /// A column by name.
    Column(String),
    /// An expression.
    Expr(SqlExpr),
}

/// An index that does not back a constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    /// Index name (in the table's schema).
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// Access method (`btree`, `gin`...).
    pub method: String,
    /// Key columns and expressions, in order.
    pub keys: Vec<IndexKey>,
    /// `INCLUDE` columns.
    pub include: Vec<String>,
    /// Partial index predicate.
    pub predicate: Option<SqlExpr>,
    /// False for an index left invalid by an interrupted concurrent build.
    pub valid: bool,
}

impl Index {
    /// For a unique, non-partial index on plain columns, its columns sorted:
    /// the key a foreign key can reference.
    pub fn key_columns(&self) -> Option<Vec<String>> {
        if !self.unique || self.predicate.is_some() {
            return None;
        }
        let mut cols = Vec::with_capacity(self.keys.len());
        for k in &self.keys {
            match k {
                IndexKey::Column(c) => cols.push(c.clone()),
                IndexKey::Expr(_) => return None,
            }
        }
        cols.sort();
        Some(cols)
    }
}

/// A view or materialized view.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// View name.
    pub name: QualifiedName,
    /// The defining query.
    pub query: SqlExpr,
    /// `MATERIALIZED`.
    pub materialized: bool,
    /// `COMMENT ON VIEW`.
    pub comment: Option<String>,
    /// Relations (tables and views) the query reads.
    #[serde(skip)]
    pub depends_on: BTreeSet<QualifiedName>,
    /// Columns of those relations the query reads.
    #[serde(skip)]
    pub column_deps: BTreeSet<(QualifiedName, String)>,
}

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.query == other.query
            && self.materialized == other.materialized
            && self.comment == other.comment
    }
}

impl Schema {
    /// The definitions sqlparser could not read, kept as written
    /// (`view public.docs_items`, `check c on public.t`), for the plan header.
    pub fn unparsed(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (qn, t) in &self.tables {
            for c in &t.columns {
                for (what, e) in [
                    ("default of", &c.default),
                    ("generated column", &c.generated),
                ] {
                    if e.as_ref().is_some_and(|e| !e.parsed()) {
                        out.push(format!("{what} {qn}.{}", c.name));
                    }
                }
            }
            for (name, c) in &t.constraints {
                if let ConstraintKind::Check { expr } = &c.kind
                    && !expr.parsed()
                {
                    out.push(format!("check {name} on {qn}"));
                }
            }
            for (name, i) in &t.indexes {
                let key = i
                    .keys
                    .iter()
                    .any(|k| matches!(k, IndexKey::Expr(e) if !e.parsed()));
                if key || i.predicate.as_ref().is_some_and(|p| !p.parsed()) {
                    out.push(format!("index {name} on {qn}"));
                }
            }
        }
        for (qn, v) in &self.views {
            if !v.query.parsed() {
                out.push(format!("view {qn}"));
            }
        }
        out
    }

    /// Whether `name` is a table or view of this schema.
    pub fn has_relation(&self, name: &QualifiedName) -> bool {
        self.tables.contains_key(name) || self.views.contains_key(name)
    }

    /// Whether the model holds no objects at all (schemas aside).
    pub fn is_empty(&self) -> bool {
        self.extensions.is_empty()
            && self.enums.is_empty()
            && self.sequences.is_empty()
            && self.tables.is_empty()
            && self.views.is_empty()
    }

    /// A copy with columns sorted by name, for comparing databases whose
    /// column order differs only because columns were appended later.
    pub fn with_sorted_columns(&self) -> Schema {
        let mut copy = self.clone();
        for table in copy.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        copy
    }
}

/// Identifies one object of the model: the diff's key, the plan graph's node
/// label and its tie-breaker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ObjectKey {
    /// A schema.
    Schema(String),
    /// An extension.
    Extension(String),
    /// A type (enum).
    Type(QualifiedName),
    /// A sequence.
    Sequence(QualifiedName),
    /// A table, view or materialized view.
    Relation(QualifiedName),
    /// A column of a table.
    Column(QualifiedName, String),
    /// A constraint of a table.
    Constraint(QualifiedName, String),
    /// An index (named within the table's schema).
    Index(QualifiedName, String),
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectKey::Schema(s) => write!(f, "schema {s}"),
            ObjectKey::Extension(e) => write!(f, "extension {e}"),
            ObjectKey::Type(t) => write!(f, "type {t}"),
            ObjectKey::Sequence(s) => write!(f, "sequence {s}"),
            ObjectKey::Relation(r) => write!(f, "{r}"),
            ObjectKey::Column(t, c) => write!(f, "column {t}.{c}"),
            ObjectKey::Constraint(t, c) => write!(f, "constraint {c} on {t}"),
            ObjectKey::Index(t, i) => write!(f, "index {}.{i} on {t}", t.schema),
        }
    }
}
