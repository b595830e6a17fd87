//! Objects and what depends on what.
//!
//! Every object the catalog records a dependency for has an [`ObjectId`]:
//! its kind, schema, name, the object it belongs to (the table of a column,
//! constraint, trigger, rule or policy) and, for routines, its argument
//! types. The [`Graph`] holds the dependencies PostgreSQL records
//! (`pg_depend`) on the objects of the managed schemas, each end marked
//! managed (in the model) or not. [`protect`] refuses a plan that would drop
//! or rewrite something an unmanaged object depends on; the unmanaged
//! objects are listed in the plan header and covered by the fingerprint.

pub mod protect;

use crate::model::QualifiedName;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The kind of an object, in PostgreSQL's words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A schema.
    Schema,
    /// An extension.
    Extension,
    /// A table (partitioned or not).
    Table,
    /// A partition of a partitioned table.
    Partition,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// A foreign table.
    ForeignTable,
    /// A sequence.
    Sequence,
    /// A column of a table, view or composite type.
    Column,
    /// A constraint of a table or domain.
    Constraint,
    /// An index.
    Index,
    /// An enum type.
    Enum,
    /// A domain.
    Domain,
    /// A composite type.
    CompositeType,
    /// A range or multirange type.
    Range,
    /// Any other type.
    Type,
    /// A function.
    Function,
    /// A procedure.
    Procedure,
    /// An aggregate.
    Aggregate,
    /// A trigger.
    Trigger,
    /// A rewrite rule (other than a view's own).
    Rule,
    /// A row-level security policy.
    Policy,
    /// A table's membership of a publication (`name` is the publication).
    Publication,
    /// An extended statistics object.
    Statistics,
    /// A collation.
    Collation,
    /// An operator family (with its classes, operators and support
    /// functions).
    OperatorFamily,
    /// Anything else, by the name `pg_identify_object` gives its kind.
    Other(String),
}

impl Kind {
    /// Reads a kind as the catalog queries and `pg_identify_object` name it.
    pub fn from_catalog(text: &str) -> Kind {
        match text {
            "schema" => Kind::Schema,
            "extension" => Kind::Extension,
            "table" => Kind::Table,
            "partition" => Kind::Partition,
            "view" => Kind::View,
            "materialized view" => Kind::MaterializedView,
            "foreign table" => Kind::ForeignTable,
            "sequence" => Kind::Sequence,
            "column" => Kind::Column,
            "constraint" | "table constraint" | "domain constraint" => Kind::Constraint,
            "index" => Kind::Index,
            "enum" => Kind::Enum,
            "domain" => Kind::Domain,
            "composite type" => Kind::CompositeType,
            "range" | "multirange" => Kind::Range,
            "type" => Kind::Type,
            "function" | "window function" => Kind::Function,
            "procedure" => Kind::Procedure,
            "aggregate" => Kind::Aggregate,
            "trigger" => Kind::Trigger,
            "rule" => Kind::Rule,
            "policy" => Kind::Policy,
            "publication relation" | "publication" => Kind::Publication,
            "statistics object" => Kind::Statistics,
            "collation" => Kind::Collation,
            "operator family" | "operator class" => Kind::OperatorFamily,
            other => Kind::Other(other.to_string()),
        }
    }

    /// The kind of a relation by its `relkind` (and whether it is a partition).
    pub fn from_relkind(relkind: &str, partition: bool) -> Kind {
        match relkind {
            "r" | "p" if partition => Kind::Partition,
            "r" | "p" => Kind::Table,
            "v" => Kind::View,
            "m" => Kind::MaterializedView,
            "f" => Kind::ForeignTable,
            "S" => Kind::Sequence,
            "i" | "I" => Kind::Index,
            "c" => Kind::CompositeType,
            other => Kind::Other(format!("relation ({other})")),
        }
    }

    /// The kind's name, singular and plural.
    pub fn words(&self) -> (String, String) {
        let (one, many) = match self {
            Kind::Schema => ("schema", "schemas"),
            Kind::Extension => ("extension", "extensions"),
            Kind::Table => ("table", "tables"),
            Kind::Partition => ("partition", "partitions"),
            Kind::View => ("view", "views"),
            Kind::MaterializedView => ("materialized view", "materialized views"),
            Kind::ForeignTable => ("foreign table", "foreign tables"),
            Kind::Sequence => ("sequence", "sequences"),
            Kind::Column => ("column", "columns"),
            Kind::Constraint => ("constraint", "constraints"),
            Kind::Index => ("index", "indexes"),
            Kind::Enum => ("type", "types"),
            Kind::Domain => ("domain", "domains"),
            Kind::CompositeType => ("composite type", "composite types"),
            Kind::Range => ("range type", "range types"),
            Kind::Type => ("type", "types"),
            Kind::Function => ("function", "functions"),
            Kind::Procedure => ("procedure", "procedures"),
            Kind::Aggregate => ("aggregate", "aggregates"),
            Kind::Trigger => ("trigger", "triggers"),
            Kind::Rule => ("rule", "rules"),
            Kind::Policy => ("policy", "policies"),
            Kind::Publication => ("publication", "publications"),
            Kind::Statistics => ("statistics object", "statistics objects"),
            Kind::Collation => ("collation", "collations"),
            Kind::OperatorFamily => ("operator family", "operator families"),
            Kind::Other(name) => return (name.clone(), format!("{name} objects")),
        };
        (one.to_string(), many.to_string())
    }
}

/// The identity of one object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectId {
    /// What it is.
    pub kind: Kind,
    /// Its schema (`None` for schemas, extensions, publications).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Its name (a publication membership: the publication's).
    pub name: String,
    /// What it belongs to: the relation of a column, constraint, trigger,
    /// rule, policy or publication membership; the domain of a constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Box<ObjectId>>,
    /// A routine's identity arguments (`integer, text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
}

impl ObjectId {
    /// An object of `kind` named `schema.name`.
    pub fn new(kind: Kind, schema: &str, name: &str) -> ObjectId {
        ObjectId {
            kind,
            schema: Some(schema.to_string()),
            name: name.to_string(),
            parent: None,
            args: None,
        }
    }

    /// A relation (table, view, sequence...) of `kind`.
    pub fn relation(kind: Kind, qn: &QualifiedName) -> ObjectId {
        ObjectId::new(kind, &qn.schema, &qn.name)
    }

    /// An object of `kind` called `name` that belongs to `parent`.
    pub fn child(kind: Kind, parent: ObjectId, name: &str) -> ObjectId {
        ObjectId {
            kind,
            schema: parent.schema.clone(),
            name: name.to_string(),
            parent: Some(Box::new(parent)),
            args: None,
        }
    }

    /// A schema.
    pub fn schema(name: &str) -> ObjectId {
        ObjectId {
            kind: Kind::Schema,
            schema: None,
            name: name.to_string(),
            parent: None,
            args: None,
        }
    }

    /// The qualified name of a schema-level object.
    pub fn qualified(&self) -> Option<QualifiedName> {
        self.schema
            .as_ref()
            .map(|s| QualifiedName::new(s, &self.name))
    }

    /// Whether this object is `other` or belongs to it (at any depth).
    pub fn is_or_belongs_to(&self, other: &ObjectId) -> bool {
        self == other
            || self
                .parent
                .as_deref()
                .is_some_and(|p| p.is_or_belongs_to(other))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, _) = self.kind.words();
        let name = match &self.schema {
            Some(s) if self.parent.is_none() => QualifiedName::new(s, &self.name).to_string(),
            _ => self.name.clone(),
        };
        let args = self
            .args
            .as_ref()
            .map(|a| format!("({a})"))
            .unwrap_or_else(|| {
                if matches!(
                    self.kind,
                    Kind::Function | Kind::Procedure | Kind::Aggregate
                ) {
                    "()".to_string()
                } else {
                    String::new()
                }
            });
        match (&self.kind, &self.parent) {
            (Kind::Column, Some(p)) => write!(f, "column {name} of {p}"),
            (Kind::Publication, Some(p)) => write!(f, "{p} in publication {name}"),
            (_, Some(p)) => write!(f, "{kind} {name}{args} on {p}"),
            _ => write!(f, "{kind} {name}{args}"),
        }
    }
}

/// One end of a dependency.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Node {
    /// The object.
    pub id: ObjectId,
    /// Whether the model holds it (else reconcile leaves it as it is).
    pub managed: bool,
}

/// `from` depends on `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// The dependent object.
    pub from: Node,
    /// The object it depends on.
    pub to: Node,
    /// PostgreSQL drops `from` silently with `to` (deptype `a`: triggers,
    /// policies, rules, partitions) rather than refusing (deptype `n`).
    pub auto: bool,
}

/// The dependencies on the managed schemas' objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Graph {
    /// Sorted, without duplicates.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Adds an edge (call [`Graph::finish`] after the last).
    pub fn add(&mut self, from: Node, to: Node, auto: bool) {
        if from.id != to.id {
            self.edges.push(Edge { from, to, auto });
        }
    }

    /// Sorts and removes duplicates.
    pub fn finish(&mut self) {
        self.edges.sort();
        self.edges.dedup_by(|a, b| a.from == b.from && a.to == b.to);
    }

    /// The objects reconcile does not manage that depend on managed ones or
    /// live in a managed schema, each once.
    pub fn unmanaged(&self) -> Vec<&ObjectId> {
        let mut out: Vec<&ObjectId> = self
            .edges
            .iter()
            .filter(|e| !e.from.managed)
            .map(|e| &e.from.id)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// "1 aggregate, 2 rules, 1 publication": `objects` counted by kind.
    pub fn summary<'a>(objects: impl IntoIterator<Item = &'a ObjectId>) -> String {
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for id in objects {
            *counts.entry(id.kind.words()).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((one, many), n)| {
                if n == 1 {
                    format!("1 {one}")
                } else {
                    format!("{n} {many}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_read_like_pg_describe_object() {
        let users = ObjectId::new(Kind::Table, "public", "users");
        assert_eq!(users.to_string(), "table public.users");
        let email = ObjectId::child(Kind::Column, users.clone(), "email");
        assert_eq!(email.to_string(), "column email of table public.users");
        let trigger = ObjectId::child(Kind::Trigger, users.clone(), "set_updated_at");
        assert_eq!(
            trigger.to_string(),
            "trigger set_updated_at on table public.users"
        );
        let membership = ObjectId::child(Kind::Publication, users.clone(), "pub");
        assert_eq!(
            membership.to_string(),
            "table public.users in publication pub"
        );
        let mut agg = ObjectId::new(Kind::Aggregate, "public", "agg");
        agg.args = Some("public.mood".to_string());
        assert_eq!(agg.to_string(), "aggregate public.agg(public.mood)");
        assert!(email.is_or_belongs_to(&users));
        assert!(!users.is_or_belongs_to(&email));
    }

    #[test]
    fn summaries_count_by_kind() {
        let t = ObjectId::new(Kind::Table, "public", "t");
        let ids = [
            ObjectId::child(Kind::Rule, t.clone(), "r1"),
            ObjectId::child(Kind::Rule, t.clone(), "r2"),
            ObjectId::new(Kind::Aggregate, "public", "agg"),
        ];
        assert_eq!(Graph::summary(&ids), "1 aggregate, 2 rules");
    }
}
