//! The dependency graph from `pg_depend`: catalog addresses named from the
//! oids the other queries read (managed objects), the rest named by
//! `identify.sql` (unmanaged ones).

use super::CatalogRow;
use crate::error::Result;
use crate::graph::{Graph, Kind, Node, ObjectId};
use postgres::Transaction;
use std::collections::{HashMap, HashSet};

/// `pg_class`, `pg_type`... as `classid`: fixed oids of the system catalogs.
pub(super) const PG_CLASS: i64 = 1259;
pub(super) const PG_TYPE: i64 = 1247;
pub(super) const PG_NAMESPACE: i64 = 2615;
pub(super) const PG_ATTRDEF: i64 = 2604;
pub(super) const PG_CONSTRAINT: i64 = 2606;
pub(super) const PG_REWRITE: i64 = 2618;
pub(super) const PG_EXTENSION: i64 = 3079;

/// A catalog address: class oid, object oid, sub-id (column number).
pub(super) type Address = (i64, i64, i32);

/// Names of the managed objects by catalog address, filled while the model
/// is built.
#[derive(Default)]
pub(super) struct Names {
    managed: HashMap<Address, ObjectId>,
    /// Unmanaged objects the other queries named (ignored ones).
    unmanaged: HashMap<Address, ObjectId>,
    /// The addresses the dependencies name: the only ones kept.
    wanted: HashSet<Address>,
}

impl Names {
    /// Names for the ends of `dependencies`.
    pub(super) fn for_dependencies(dependencies: &[Dependency]) -> Names {
        Names {
            wanted: dependencies.iter().flat_map(|d| [d.from, d.to]).collect(),
            ..Names::default()
        }
    }

    /// Records a managed object.
    pub(super) fn managed(&mut self, address: Address, id: ObjectId) {
        if self.wanted.contains(&address) {
            self.managed.insert(address, id);
        }
    }

    /// Records an object reconcile leaves alone (ignored).
    pub(super) fn unmanaged(&mut self, address: Address, id: ObjectId) {
        if self.wanted.contains(&address) {
            self.unmanaged.insert(address, id);
        }
    }

    fn node(&self, address: &Address) -> Option<Node> {
        if let Some(id) = self.managed.get(address) {
            return Some(Node {
                id: id.clone(),
                managed: true,
            });
        }
        self.unmanaged.get(address).map(|id| Node {
            id: id.clone(),
            managed: false,
        })
    }
}

/// One row of `dependencies.sql`.
pub(super) struct Dependency {
    from: Address,
    to: Address,
    auto: bool,
}

impl Dependency {
    pub(super) fn read(row: &CatalogRow) -> Result<Dependency> {
        Ok(Dependency {
            auto: row.col::<String>("deptype")? == "a",
            from: (row.col("classid")?, row.col("objid")?, row.col("objsubid")?),
            to: (
                row.col("refclassid")?,
                row.col("refobjid")?,
                row.col("refobjsubid")?,
            ),
        })
    }
}

/// Builds the graph: every end named, the unknown ones by one query.
pub(super) fn resolve(
    tx: &mut Transaction<'_>,
    dependencies: &[Dependency],
    names: &mut Names,
    extra: Vec<(Node, Node, bool)>,
) -> Result<Graph> {
    let mut unknown: Vec<Address> = dependencies
        .iter()
        .flat_map(|d| [d.from, d.to])
        .filter(|a| names.node(a).is_none())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if !unknown.is_empty() {
        let classes: Vec<i64> = unknown.iter().map(|a| a.0).collect();
        let objects: Vec<i64> = unknown.iter().map(|a| a.1).collect();
        let subs: Vec<i32> = unknown.iter().map(|a| a.2).collect();
        let rows = tx.query(
            include_str!("queries/identify.sql"),
            &[&classes, &objects, &subs],
        )?;
        for row in rows {
            let row = CatalogRow {
                query: "identify",
                row,
            };
            let address: Address = (row.col("classid")?, row.col("objid")?, row.col("objsubid")?);
            if let Some(id) = identity(&row)? {
                names.unmanaged(address, id);
            }
        }
    }
    let mut graph = Graph::default();
    for d in dependencies {
        // An address nothing names (an object dropped since the query read
        // it cannot be one: the snapshot is the same) is skipped.
        if let (Some(from), Some(to)) = (names.node(&d.from), names.node(&d.to)) {
            graph.add(from, to, d.auto);
        }
    }
    for (from, to, auto) in extra {
        graph.add(from, to, auto);
    }
    graph.finish();
    Ok(graph)
}

/// The identity in a row of `identify.sql` (kind, schema, parent, parent's
/// kind, name, arguments, partition); `None` when it has no kind or name.
fn identity(row: &CatalogRow) -> Result<Option<ObjectId>> {
    let kind: Option<String> = row.col("kind")?;
    let schema: Option<String> = row.col("schema")?;
    let parent: Option<String> = row.col("parent")?;
    let parent_kind: Option<String> = row.col("parent_kind")?;
    let name: Option<String> = row.col("name")?;
    let args: Option<String> = row.col("args")?;
    let partition: Option<bool> = row.col("is_partition")?;
    let (Some(kind), Some(name)) = (kind, name) else {
        return Ok(None);
    };
    let kind = Kind::from_catalog(&kind);
    let parent = parent.map(|p| {
        let kind = match parent_kind.as_deref() {
            Some("domain") => Kind::Domain,
            Some(relkind) => Kind::from_relkind(relkind, partition.unwrap_or(false)),
            None => Kind::Other("relation".to_string()),
        };
        Box::new(ObjectId {
            kind,
            schema: schema.clone(),
            name: p,
            parent: None,
            args: None,
        })
    });
    Ok(Some(ObjectId {
        kind,
        schema,
        name,
        parent,
        args,
    }))
}
