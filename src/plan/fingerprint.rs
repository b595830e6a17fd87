//! The database fingerprint: what a saved plan and the history record of
//! the database they were made against.
//!
//! It hashes a fixed text rendering of the managed objects in the catalog's
//! own words (types as `format_type` prints them, expressions and view
//! queries as `pg_get_expr`/`pg_get_viewdef` print them, not reconcile's
//! canonical forms), one line per object, plus the identities of the
//! unmanaged objects that depend on them. The text starts with its version
//! (`reconcile fingerprint v1`) and each version's rendering is frozen: a
//! change to it is a new version, and the old ones stay here, so a newer
//! reconcile still recognises a fingerprint an older one wrote and never
//! refuses a saved plan (or reports drift) because it was upgraded. Before
//! version 1, the fingerprint was the hash of the model's JSON
//! ([`legacy`]); [`matches`] accepts either.

use crate::graph::Graph;
use crate::model::{QualifiedName, Schema, SequenceOptions, SqlExpr};

/// The version [`fingerprint`] writes.
pub const VERSION: &str = "v1";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(text: &str) -> String {
    hex(&sha2::Digest::finalize(
        <sha2::Sha256 as sha2::Digest>::new_with_prefix(text.as_bytes()),
    ))
}

/// The fingerprint of a database's managed objects (64 hex digits).
pub fn fingerprint(schema: &Schema, graph: &Graph) -> String {
    // Hashed line by line: the same bytes as `render_v1`'s text, without
    // holding a second copy of it (tens of megabytes at 10,000 tables).
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, header_v1().as_bytes());
    for l in lines_v1(schema, graph) {
        sha2::Digest::update(&mut hasher, l.as_bytes());
        sha2::Digest::update(&mut hasher, b"\n");
    }
    hex(&sha2::Digest::finalize(hasher))
}

/// The fingerprint versions before 1 wrote: the hash of the model's JSON
/// (the unmanaged objects were not part of it).
pub fn legacy(schema: &Schema) -> String {
    struct Hasher(sha2::Sha256);
    impl std::io::Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            sha2::Digest::update(&mut self.0, buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = Hasher(<sha2::Sha256 as sha2::Digest>::new());
    if serde_json::to_writer(&mut hasher, schema).is_err() {
        return sha256(&format!("{schema:?}"));
    }
    hex(&sha2::Digest::finalize(hasher.0))
}

/// Whether `recorded` (from a saved plan or the history, written by this
/// or an earlier version) is the fingerprint of the database whose model
/// as introspected (before the server probe aligned any text) is `schema`.
pub fn matches(recorded: &str, schema: &Schema, graph: &Graph) -> bool {
    recorded == fingerprint(schema, graph) || recorded == legacy(schema)
}

/// A string as a JSON string: quoted and escaped, so fields cannot run
/// into each other.
pub(crate) fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// A qualified name, each part quoted (a dot in a name stays unambiguous).
pub(crate) fn qn(name: &QualifiedName) -> String {
    format!("{}.{}", q(&name.schema), q(&name.name))
}

pub(crate) fn opt(text: Option<&str>) -> String {
    text.map_or_else(|| "-".to_string(), q)
}

pub(crate) fn expr(e: Option<&SqlExpr>) -> String {
    opt(e.map(|e| e.sql.as_str()))
}

pub(crate) fn list(items: &[String]) -> String {
    items.iter().map(|i| q(i)).collect::<Vec<_>>().join(",")
}

pub(crate) fn sequence_options(o: &SequenceOptions) -> String {
    format!(
        "{} start {} increment {} min {} max {} cache {} {}",
        q(&o.data_type),
        o.start,
        o.increment,
        o.min_value,
        o.max_value,
        o.cache,
        if o.cycle { "cycle" } else { "no cycle" }
    )
}

/// Version 1's text: one line per object, sorted. Frozen: see the module
/// documentation before changing anything here.
pub fn render_v1(schema: &Schema, graph: &Graph) -> String {
    let mut text = header_v1();
    for l in lines_v1(schema, graph) {
        text.push_str(&l);
        text.push('\n');
    }
    text
}

fn header_v1() -> String {
    format!("reconcile fingerprint {VERSION}\n")
}

/// The lines of [`render_v1`], sorted.
fn lines_v1(schema: &Schema, graph: &Graph) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in crate::kinds::KINDS {
        kind.fingerprint(schema, &mut lines);
    }
    for id in graph.unmanaged() {
        lines.push(format!("unmanaged {}", q(&id.to_string())));
    }
    lines.sort_unstable();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Kind, Node, ObjectId};
    use crate::load::{IgnoreRules, load_schema_text};

    fn model() -> Schema {
        load_schema_text(
            "schemas:\n  public:\n    enums:\n      mood: [a, b]\n    tables:\n      t:\n        comment: the t\n        columns:\n          id: { type: bigint, primary_key: true, identity: always }\n          m: { type: mood, default: \"'a'\" }\n          n: { type: int, not_null: true }\n        checks:\n          t_n: n > 0\n        indexes:\n          t_m: { columns: [m], where: \"n > 1\" }\n    views:\n      v:\n        query: SELECT id FROM t\n",
            "schema.yaml",
            &IgnoreRules::default(),
        )
        .expect("valid")
        .schema
    }

    /// Version 1 is frozen: this text may only change with a new version.
    #[test]
    fn version_1_renders_exactly_this() {
        let mut graph = Graph::default();
        let t = ObjectId::new(Kind::Table, "public", "t");
        graph.add(
            Node {
                id: ObjectId::child(Kind::Trigger, t.clone(), "touch"),
                managed: false,
            },
            Node {
                id: t,
                managed: true,
            },
            true,
        );
        insta::assert_snapshot!(render_v1(&model(), &graph), @r#"
        reconcile fingerprint v1
        column "public"."t" 0 "id" type "bigint" not null default - identity always "bigint" start 1 increment 1 min 1 max 9223372036854775807 cache 1 no cycle generated - collation - sequence - comment -
        column "public"."t" 1 "m" type "public.mood" null default "'a'" identity - - generated - collation - sequence - comment -
        column "public"."t" 2 "n" type "integer" not null default - identity - - generated - collation - sequence - comment -
        constraint "public"."t" "t_n" check "n > 0" valid
        constraint "public"."t" "t_pkey" primary key ("id") valid
        enum "public"."mood" values "a","b" comment -
        index "public"."t" "t_m" using "btree" keys (column "m") include () where "n > 1" valid
        schema "public"
        table "public"."t" comment "the t"
        unmanaged "trigger touch on table public.t"
        view "public"."v" query "SELECT id FROM t" comment -
        "#);
    }

    #[test]
    fn this_and_earlier_versions_match() {
        let schema = model();
        let graph = Graph::default();
        let now = fingerprint(&schema, &graph);
        assert_eq!(now.len(), 64);
        // Hashed line by line, it is still the hash of the frozen text.
        assert_eq!(now, sha256(&render_v1(&schema, &graph)));
        assert!(matches(&now, &schema, &graph));
        assert!(matches(&legacy(&schema), &schema, &graph));
        assert_ne!(now, legacy(&schema));
        let mut other = schema.clone();
        other.views.clear();
        assert!(!matches(&now, &other, &graph));
        assert!(!matches(&legacy(&schema), &other, &graph));
    }
}
