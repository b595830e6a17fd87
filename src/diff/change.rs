//! The vocabulary of changes a diff produces.

use crate::model::{
    Column, Constraint, Enum, Extension, Index, QualifiedName, Sequence, SequenceOwner, Table, View,
};

/// A column whose enum type is swapped, with the default to restore.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column (its current definition).
    pub column: Column,
    /// Whether the column is an array of the enum.
    pub array: bool,
    /// The default to set after the swap (the desired one).
    pub default: Option<crate::model::SqlExpr>,
}

/// A column whose default names an enum that is replaced: the default is
/// dropped before and set again after, so it names the new type.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDefault {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// The default to set after the swap (the desired one; `None`: none).
    pub default: Option<crate::model::SqlExpr>,
}

/// What a table comment, column comment... is attached to.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    /// A table.
    Table(QualifiedName),
    /// A column.
    Column(QualifiedName, String),
    /// A view or materialized view.
    View(QualifiedName, bool),
    /// A sequence.
    Sequence(QualifiedName),
    /// A type.
    Type(QualifiedName),
}

/// One change between the current and desired schema.
// Changes are built once per plan and moved rarely; boxing every column
// change would cost more clarity than the memory it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `CREATE SCHEMA`.
    CreateSchema(String),
    /// `CREATE EXTENSION`.
    CreateExtension(Extension),
    /// `DROP EXTENSION`.
    DropExtension(Extension),
    /// `ALTER EXTENSION ... UPDATE TO`.
    UpdateExtension(Extension),
    /// `CREATE TYPE ... AS ENUM`.
    CreateEnum(Enum),
    /// `DROP TYPE`.
    DropEnum(Enum),
    /// `ALTER TYPE ... ADD VALUE`.
    AddEnumValue {
        /// The enum.
        name: QualifiedName,
        /// The new label.
        value: String,
        /// Place it before this existing label (else at the end).
        before: Option<String>,
    },
    /// Replace an enum by a new type and convert its columns (values removed or reordered).
    RecreateEnum {
        /// Current definition.
        from: Enum,
        /// Desired definition.
        to: Enum,
        /// Managed columns using it.
        columns: Vec<EnumColumn>,
        /// Managed columns of other types whose default names it.
        defaults: Vec<EnumDefault>,
    },
    /// `CREATE SEQUENCE`.
    CreateSequence(Sequence),
    /// `DROP SEQUENCE`.
    DropSequence(Sequence),
    /// `ALTER SEQUENCE`.
    AlterSequence {
        /// Current definition.
        from: Sequence,
        /// Desired definition.
        to: Sequence,
    },
    /// `ALTER SEQUENCE ... OWNED BY table.column | NONE`.
    SetSequenceOwner {
        /// The sequence.
        sequence: QualifiedName,
        /// The owner it had (its column must still exist when this runs).
        from: Option<SequenceOwner>,
        /// The owner it gets.
        to: Option<SequenceOwner>,
    },
    /// `CREATE TABLE` with columns, primary key, unique and check constraints.
    CreateTable(Box<Table>),
    /// `DROP TABLE`.
    DropTable(Box<Table>),
    /// `ALTER TABLE ... RENAME TO`.
    RenameTable {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
    },
    /// `ALTER SEQUENCE ... RENAME TO`: the sequence of an identity or serial
    /// column follows a rename of its table or column, as it would have been
    /// named had the table been created under the new names.
    RenameOwnedSequence {
        /// The table that owns it (after its own rename).
        table: QualifiedName,
        /// Old sequence name (in the table's schema).
        from: String,
        /// New sequence name.
        to: String,
    },
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn {
        /// Table.
        table: QualifiedName,
        /// The new column.
        column: Column,
    },
    /// `ALTER TABLE ... DROP COLUMN`.
    DropColumn {
        /// Table.
        table: QualifiedName,
        /// The column dropped.
        column: Column,
    },
    /// `ALTER TABLE ... RENAME COLUMN`.
    RenameColumn {
        /// Table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `ALTER TABLE ... ALTER COLUMN` (type, nullability, default, identity, collation).
    AlterColumn {
        /// Table.
        table: QualifiedName,
        /// Current definition.
        from: Column,
        /// Desired definition.
        to: Column,
    },
    /// `ALTER TABLE ... ADD CONSTRAINT`.
    AddConstraint {
        /// Table.
        table: QualifiedName,
        /// The constraint.
        constraint: Constraint,
        /// The table exists already (so validation scans rows).
        existing_table: bool,
    },
    /// `ALTER TABLE ... DROP CONSTRAINT`.
    DropConstraint {
        /// Table.
        table: QualifiedName,
        /// The constraint.
        constraint: Constraint,
    },
    /// `ALTER TABLE ... VALIDATE CONSTRAINT` for one left `NOT VALID`.
    ValidateConstraint {
        /// Table.
        table: QualifiedName,
        /// Constraint name.
        name: String,
    },
    /// `ALTER TABLE ... RENAME CONSTRAINT`.
    RenameConstraint {
        /// Table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `CREATE INDEX`.
    CreateIndex {
        /// Table.
        table: QualifiedName,
        /// The index.
        index: Index,
        /// The table exists already (build online).
        existing_table: bool,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// Table.
        table: QualifiedName,
        /// The index.
        index: Index,
    },
    /// `ALTER INDEX ... RENAME TO`.
    RenameIndex {
        /// Table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `CREATE [MATERIALIZED] VIEW`.
    CreateView(View),
    /// `DROP [MATERIALIZED] VIEW`.
    DropView(View),
    /// `COMMENT ON`.
    Comment {
        /// What the comment is on.
        target: CommentTarget,
        /// The new comment (`None` removes it).
        comment: Option<String>,
    },
}
