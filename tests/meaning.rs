//! Comparison by meaning and what the parser cannot read (issue 9, items 4,
//! 5, 10 and 11), against the real server. Plan-shaped cases live in
//! `tests/cases/meaning_*`.

mod common;

use common::{TestDb, load};
use reconcile::introspect;
use reconcile::load::{self, IgnoreRules};
use reconcile::sql::builtin_types::BUILTIN_TYPES;
use std::collections::BTreeSet;

fn load_err(schema: &str) -> String {
    match load::load_schema_text(schema, "schema.yaml", &IgnoreRules::default()) {
        Ok(_) => panic!("schema should be rejected:\n{schema}"),
        Err(e) => e.to_string(),
    }
}

/// The checked-in list is the server's catalog; regenerate it with
/// `scripts/gen-builtin-types` when this fails.
#[test]
fn builtin_types_match_the_server_catalog() {
    let db = TestDb::new();
    let sql = include_str!("../scripts/builtin_types.sql");
    let server: Vec<(String, String)> = db
        .client()
        .query(sql, &[])
        .expect("catalog query")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let ours: Vec<(String, String)> = BUILTIN_TYPES
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect();
    assert_eq!(ours, server, "src/sql/builtin_types.rs is stale");
}

/// `tid` is a built-in type: it is neither unknown nor moved into the
/// schema of some extension, and the table is created and converges.
#[test]
fn builtin_type_is_not_attributed_to_an_extension() {
    let schema = "# tid\nextensions:\n  tsm_system_rows: { schema: public }\nschemas:\n  public:\n    tables:\n      t:\n        columns:\n          loc: tid\n          pos: pg_lsn\n";
    let (desired, rules) = load(schema, None);
    let t = desired.schema.tables.values().next().expect("table");
    assert_eq!(t.columns[0].ty.sql, "tid");
    let db = TestDb::new();
    let plan = db.plan(&desired, &rules).expect("plan");
    db.apply(&plan).expect("apply");
    assert!(db.plan(&desired, &rules).expect("re-plan").is_empty());
}

/// An unknown unqualified type is an error, even with an extension
/// reconcile knows nothing about; qualified with its schema it is taken.
#[test]
fn unknown_type_is_an_error_not_an_extension_type() {
    let base = "extensions:\n  some_unknown_ext: { schema: ext }\nschemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: ";
    let err = load_err(&format!("{base}nosuchtype\n"));
    assert!(err.contains("unknown type `nosuchtype`"), "{err}");
    assert!(err.contains("ext.nosuchtype"), "{err}");
    let (desired, _) = load(&format!("{base}ext.nosuchtype\n"), None);
    let t = desired.schema.tables.values().next().expect("table");
    assert_eq!(t.columns[0].ty.sql, "ext.nosuchtype");
}

/// Functions in FROM, CTE names and aliases are not tables; a keyword in a
/// function's syntax (`NFKC`) is not a column.
#[test]
fn view_and_index_references_are_not_misread() {
    let schema = r#"# references
schemas:
  public:
    tables:
      users:
        columns:
          id: integer
          display_name: text
        indexes:
          users_name_idx: { expressions: ["normalize(display_name, NFKC)"] }
    views:
      months:
        query: >
          WITH u AS (SELECT id FROM users)
          SELECT g.n, x.id FROM generate_series(0, 11) g(n)
          CROSS JOIN u x CROSS JOIN LATERAL unnest(ARRAY[1, 2]) AS z(v)
"#;
    let (desired, rules) = load(schema, None);
    let db = TestDb::new();
    let plan = db.plan(&desired, &rules).expect("plan");
    db.apply(&plan).expect("apply");
    let again = db.plan(&desired, &rules).expect("re-plan");
    assert!(again.is_empty(), "{}", again.to_sql());
}

/// A view sqlparser cannot read (XMLTABLE ... PASSING) does not stop
/// introspection or import: its text is kept, and the other objects are read.
#[test]
fn unreadable_view_does_not_stop_introspection() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE docs (id integer, body xml);
         CREATE VIEW doc_items AS SELECT d.id, x.name FROM docs d,
           XMLTABLE('/items/item' PASSING d.body COLUMNS name text PATH '@name') x;
         CREATE VIEW doc_ids AS SELECT id FROM docs;",
    );
    let schemas: BTreeSet<String> = std::iter::once("public".to_string()).collect();
    let cat = introspect::introspect(&mut db.client(), &schemas, &IgnoreRules::default())
        .expect("introspection must not fail on one unreadable view");
    assert_eq!(cat.schema.views.len(), 2);
    let view = cat
        .schema
        .views
        .values()
        .find(|v| v.name.name == "doc_items")
        .expect("doc_items");
    assert!(view.query.sql.contains("XMLTABLE"), "{}", view.query.sql);
    let yaml = load::export::to_yaml(&cat.schema, "import");
    assert!(yaml.contains("XMLTABLE"), "{yaml}");
}

/// A view naming a column its table does not declare is rejected before
/// connecting; aliases, output names, outer references, functions in FROM
/// and USING joins are not mistaken for such columns.
#[test]
fn view_columns_are_checked_offline() {
    let tables = "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          id: integer\n          email: text\n      orders:\n        columns:\n          id: integer\n          user_id: integer\n    views:\n      v:\n        query: ";
    for bad in [
        "SELECT id, emial FROM users",
        "SELECT u.emial FROM users u",
        "SELECT u.id FROM users u JOIN orders o ON o.usr = u.id",
    ] {
        let err = load_err(&format!("{tables}\"{bad}\"\n"));
        assert!(err.contains("which is not declared"), "{bad}: {err}");
    }
    for good in [
        "SELECT id, email AS e, current_user FROM users ORDER BY e",
        "SELECT u.id, count(*) AS n FROM users u GROUP BY u.id HAVING count(*) > 1",
        "SELECT u FROM users u",
        "SELECT id FROM users JOIN orders USING (id)",
        "SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND email <> '') FROM users u",
        "SELECT g.n, users.id FROM users, generate_series(1, 3) g(n)",
        "WITH users AS (SELECT 1 AS whatever) SELECT whatever FROM users",
        "SELECT x.a FROM (SELECT id AS a FROM users) x",
        "SELECT a FROM users u(a, b)",
    ] {
        let schema = format!("# ok\n{tables}\"{good}\"\n");
        load(&schema, None);
    }
}
