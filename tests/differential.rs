//! Differential property test: for random pairs of desired schemas (A, B), a
//! database brought to A and then to B must equal one brought to B from
//! empty (introspected models and a normalised `pg_dump --schema-only`), the
//! plan afterwards must be empty, and rows inserted under A must survive in
//! every column B keeps unchanged. The schemas span two schemas, with
//! renamed tables, comments, foreign-key actions and materialized views.
//! Objects reconcile does not manage are added under A (a trigger and a rule
//! on `t0`, views in an undeclared schema): they must survive A→B, or, where
//! B rewrites a column one of them reads, the plan must be refused naming it.
//!
//! A fixed-seed run of 100 pairs is part of the suite. Soak:
//! `RECONCILE_PAIRS=2000 cargo test --release --test differential`.
//! A failing pair is shrunk by proptest; its two schemas are printed, ready
//! to become a fixture under tests/cases/.

mod common;

use common::{TestDb, load};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The value family of each column name, so a column keeps a castable type
/// between A and B and the rows written under A convert.
const COLUMNS: [&str; 7] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6"];

#[derive(Debug, Clone)]
struct Col {
    name: &'static str,
    ty: String,
    default: Option<String>,
    not_null: bool,
    identity: bool,
}

#[derive(Debug, Clone)]
struct TableSpec {
    /// The base name (`t1`); see [`TableSpec::sql_name`].
    name: String,
    cols: Vec<Col>,
    pk: bool,
    unique_c1: bool,
    check: bool,
    index: u8,
    fk_to_t0: bool,
    /// 0: no action; 1: on delete cascade; 2: on delete set null, deferrable.
    fk_action: u8,
    comment: bool,
    /// Declared as `{name}r` with `renamed_from: {name}` (never `t0`).
    renamed: bool,
}

impl TableSpec {
    /// `t3` lives in a second schema, `app`.
    fn schema(&self) -> &'static str {
        if self.name == "t3" { "app" } else { "public" }
    }

    /// The table's name as declared.
    fn declared(&self) -> String {
        if self.renamed {
            format!("{}r", self.name)
        } else {
            self.name.clone()
        }
    }

    /// Schema-qualified, for SQL.
    fn sql_name(&self) -> String {
        format!("{}.{}", self.schema(), self.declared())
    }
}

#[derive(Debug, Clone)]
struct Spec {
    enum_values: Vec<&'static str>,
    tables: Vec<TableSpec>,
    view: bool,
    view_on_view: bool,
    matview: bool,
    /// A view outside management reads `t0.c0` (added under A).
    outside_reads_c0: bool,
}

fn column(name: &'static str) -> BoxedStrategy<Col> {
    let (types, defaults): (Vec<&str>, Vec<Option<&str>>) = match name {
        // No default: a key or unique index over a column added with a
        // default would see duplicates; keys get identity values instead.
        "c0" => (vec!["smallint", "integer", "bigint"], vec![None]),
        "c1" => (
            vec!["text", "varchar(20)", "varchar(40)"],
            vec![None, Some("'x'")],
        ),
        "c2" => (
            vec!["numeric(10,2)", "numeric(12,2)", "numeric", "bigint"],
            vec![None, Some("0")],
        ),
        "c3" => (vec!["boolean"], vec![None, Some("true"), Some("false")]),
        "c4" => (vec!["e0", "text"], vec![None, Some("'v0'")]),
        "c5" => (vec!["timestamptz", "timestamp"], vec![None, Some("now()")]),
        _ => (vec!["integer", "bigint"], vec![None]),
    };
    (
        prop::sample::select(types),
        prop::sample::select(defaults),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(ty, default, not_null, identity)| Col {
            name,
            ty: ty.to_string(),
            // NOT NULL only with a default, so adding it to a table with rows works.
            not_null: not_null && default.is_some(),
            default: default.map(str::to_string),
            identity: identity && name == "c0" && default.is_none(),
        })
        .boxed()
}

fn table(index: usize) -> impl Strategy<Value = TableSpec> {
    (
        prop::sample::subsequence(COLUMNS.to_vec(), 1..=COLUMNS.len()),
        prop::collection::vec(
            prop::sample::select(COLUMNS.to_vec()).prop_flat_map(column),
            7,
        ),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        any::<bool>(),
        (0u8..3, any::<bool>(), any::<bool>()),
    )
        .prop_map(
            move |(
                names,
                cols,
                pk,
                unique_c1,
                check,
                idx,
                fk,
                shuffle,
                (fk_action, comment, renamed),
            )| {
                let mut chosen: Vec<Col> = names
                    .iter()
                    .map(|n| {
                        let mut c = cols.iter().find(|c| c.name == *n).cloned().unwrap_or(Col {
                            name: n,
                            ty: match *n {
                                "c0" | "c6" => "integer",
                                "c1" | "c4" => "text",
                                "c2" => "numeric",
                                "c3" => "boolean",
                                _ => "timestamptz",
                            }
                            .to_string(),
                            default: None,
                            not_null: false,
                            identity: false,
                        });
                        c.name = n;
                        c
                    })
                    .collect();
                if shuffle {
                    chosen.reverse();
                }
                let has = |n: &str| chosen.iter().any(|c| c.name == n);
                // t0 always has its key: other tables' foreign keys point at it.
                let t0 = index == 0;
                if t0 && !has("c0") {
                    chosen.insert(
                        0,
                        Col {
                            name: "c0",
                            ty: "integer".into(),
                            default: None,
                            not_null: false,
                            identity: false,
                        },
                    );
                }
                // c6 is generated from c0.
                let has_c0 = chosen.iter().any(|c| c.name == "c0");
                chosen.retain(|c| c.name != "c6" || has_c0);
                for c in &mut chosen {
                    if c.name == "c6" {
                        c.default = Some(format!("generated:c0 * {}", if pk { 2 } else { 3 }));
                        c.not_null = false;
                        c.identity = false;
                    }
                }
                let pk = t0 || (pk && has_c0);
                let unique_c1 = unique_c1 && chosen.iter().any(|c| c.name == "c1");
                for c in &mut chosen {
                    if c.name == "c0" {
                        // A key column added to a table with rows needs values.
                        c.identity = pk;
                    }
                    if c.name == "c1" && unique_c1 {
                        c.default = None;
                        c.not_null = false;
                    }
                }
                TableSpec {
                    name: format!("t{index}"),
                    pk,
                    unique_c1,
                    check: check && has_c0,
                    index: idx,
                    fk_to_t0: fk && !t0 && has_c0,
                    fk_action,
                    comment,
                    renamed: renamed && !t0,
                    cols: chosen,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::subsequence(vec!["v1", "v2", "v3"], 0..=3),
        any::<bool>(),
        prop::collection::vec(0usize..4, 0..3),
        any::<bool>(),
        any::<bool>(),
        (any::<bool>(), 0u8..4),
    )
        .prop_flat_map(
            |(extra, v0_last, table_ids, view, view_on_view, (matview, outside))| {
                let mut ids: Vec<usize> = std::iter::once(0)
                    .chain(table_ids.into_iter().map(|i| i + 1))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let tables: Vec<_> = ids.into_iter().map(table).collect();
                (
                    Just(extra),
                    Just(v0_last),
                    tables,
                    Just(view),
                    Just(view_on_view),
                    Just((matview, outside == 0)),
                )
            },
        )
        .prop_map(
            |(extra, v0_last, tables, view, view_on_view, (matview, outside_reads_c0))| {
                let mut enum_values: Vec<&'static str> = extra;
                if v0_last {
                    enum_values.push("v0");
                } else {
                    enum_values.insert(0, "v0");
                }
                Spec {
                    enum_values,
                    tables,
                    view,
                    view_on_view,
                    matview,
                    outside_reads_c0,
                }
            },
        )
}

fn yaml(spec: &Spec) -> String {
    let mut y = String::from("# generated\nschemas:\n  public:\n");
    // The map form with a comment on odd sizes, so comments come and go.
    if spec.enum_values.len() % 2 == 1 {
        let _ = writeln!(
            y,
            "    enums:\n      e0: {{ values: [{}], comment: \"{} labels\" }}",
            spec.enum_values.join(", "),
            spec.enum_values.len()
        );
    } else {
        let _ = writeln!(y, "    enums:\n      e0: [{}]", spec.enum_values.join(", "));
    }
    y.push_str("    tables:\n");
    for t in spec.tables.iter().filter(|t| t.schema() == "public") {
        table_yaml(&mut y, t);
    }
    let t0 = &spec.tables[0];
    let t0_has = |n: &str| t0.cols.iter().any(|c| c.name == n);
    if spec.view && t0_has("c1") {
        y.push_str("    views:\n      v0:\n        query: SELECT c0, c1 FROM t0 WHERE c0 > 0\n");
        if spec.view_on_view {
            y.push_str("      v1:\n        query: SELECT c1 FROM v0\n");
        }
    }
    if spec.matview {
        y.push_str(
            "    materialized_views:\n      m0:\n        query: SELECT c0, c0 * 2 AS twice FROM t0\n        comment: refreshed by hand\n",
        );
    }
    // The second schema is always declared, so its tables can come and go.
    let app: Vec<&TableSpec> = spec.tables.iter().filter(|t| t.schema() == "app").collect();
    if app.is_empty() {
        y.push_str("  app: {}\n");
    } else {
        y.push_str("  app:\n    tables:\n");
        for t in app {
            table_yaml(&mut y, t);
        }
    }
    y
}

fn table_yaml(y: &mut String, t: &TableSpec) {
    let _ = writeln!(y, "      {}:", t.declared());
    if t.renamed {
        let _ = writeln!(y, "        renamed_from: {}", t.name);
    }
    if t.comment {
        let _ = writeln!(y, "        comment: \"table {}\"", t.name);
    }
    y.push_str("        columns:\n");
    // The long form names the foreign key as the shortcut would.
    let long_fk = t.fk_to_t0 && (t.fk_action != 0 || t.schema() != "public");
    for c in &t.cols {
        let ty = if c.ty == "e0" && t.schema() != "public" {
            "public.e0".to_string()
        } else {
            c.ty.clone()
        };
        let mut f = vec![format!("type: \"{ty}\"")];
        match c.default.as_deref() {
            Some(g) if g.starts_with("generated:") => {
                f.push(format!("generated: \"{}\"", &g[10..]))
            }
            Some(d) => f.push(format!("default: \"{d}\"")),
            None => {}
        }
        if c.not_null {
            f.push("not_null: true".into());
        }
        if c.identity {
            f.push("identity: by_default".into());
        }
        if t.fk_to_t0 && !long_fk && c.name == "c0" {
            f.push("references: t0.c0".into());
        }
        let _ = writeln!(y, "          {}: {{ {} }}", c.name, f.join(", "));
    }
    let name = t.declared();
    if t.pk && t.unique_c1 {
        // A key with its own name (ORM conventions) beside default names.
        let _ = writeln!(
            y,
            "        primary_key: {{ name: pk_{name}, columns: [c0] }}"
        );
    } else if t.pk {
        y.push_str("        primary_key: [c0]\n");
    }
    if t.unique_c1 {
        let _ = writeln!(y, "        unique:\n          {name}_c1_uniq: [c1]");
    }
    if t.check {
        let _ = writeln!(
            y,
            "        checks:\n          {name}_c0_check: \"c0 > -1000\""
        );
    }
    if long_fk {
        let action = match t.fk_action {
            1 => "\n            on_delete: cascade",
            2 => "\n            on_delete: set_null\n            deferrable: true",
            _ => "",
        };
        let _ = writeln!(
            y,
            "        foreign_keys:\n          {name}_c0_fkey:\n            columns: [c0]\n            references: {{ table: public.t0, columns: [c0] }}{action}"
        );
    }
    let has = |n: &str| t.cols.iter().any(|c| c.name == n);
    match t.index {
        1 if has("c1") => {
            let _ = writeln!(
                y,
                "        indexes:\n          {name}_c1_idx: {{ expressions: [\"lower(c1)\"] }}"
            );
        }
        2 if has("c2") && has("c0") => {
            let _ = writeln!(
                y,
                "        indexes:\n          {name}_c2_idx: {{ columns: [c2], where: \"c0 > 0\" }}"
            );
        }
        3 if has("c0") => {
            let _ = writeln!(
                y,
                "        indexes:\n          {name}_c0_idx: {{ columns: [c0], unique: true }}"
            );
        }
        _ => {}
    }
}

/// Objects reconcile does not manage, outside the managed schemas: a
/// trigger function and the schema its views go in. Created before anything
/// else in both databases.
const OUTSIDE: &str = "CREATE SCHEMA outside;
CREATE FUNCTION outside.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';";

/// Objects reconcile does not manage on `t0` (which every spec has, never
/// renamed): created once `t0` exists.
fn unmanaged_on_t0(spec: &Spec) -> String {
    let mut sql = String::from(
        "CREATE TRIGGER t0_touch BEFORE INSERT ON public.t0 FOR EACH ROW EXECUTE FUNCTION outside.touch();
         CREATE RULE t0_keep AS ON DELETE TO public.t0 DO ALSO NOTHING;
         CREATE VIEW outside.t0_count AS SELECT count(*) AS n FROM public.t0;",
    );
    if spec.outside_reads_c0 {
        sql.push_str("CREATE VIEW outside.t0_keys AS SELECT c0 FROM public.t0;");
    }
    sql
}

fn value(col: &str, row: i32) -> String {
    match col {
        "c1" => format!("'{row}'"),
        "c3" => (row == 1).to_string(),
        "c4" => "'v0'".to_string(),
        "c5" => format!("'2020-01-0{row} 00:00:00'"),
        _ => row.to_string(),
    }
}

fn insert_rows(db: &TestDb, spec: &Spec) {
    for t in &spec.tables {
        let cols: Vec<&str> = t
            .cols
            .iter()
            .filter(|c| c.name != "c6")
            .map(|c| c.name)
            .collect();
        if cols.is_empty() {
            db.execute(&format!(
                "INSERT INTO {0} DEFAULT VALUES; INSERT INTO {0} DEFAULT VALUES",
                t.sql_name()
            ));
            continue;
        }
        let rows: Vec<String> = (1..=2)
            .map(|r| {
                format!(
                    "({})",
                    cols.iter()
                        .map(|c| value(c, r))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        db.execute(&format!(
            "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES {}",
            t.sql_name(),
            cols.join(", "),
            rows.join(", ")
        ));
    }
}

/// Per (table, column) the sorted text of its values.
fn snapshot_values(db: &TestDb, spec: &Spec) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for t in &spec.tables {
        for c in &t.cols {
            let q = format!(
                "SELECT coalesce(string_agg({0}::text, '|' ORDER BY {0}::text), '') FROM {1}",
                c.name,
                t.sql_name()
            );
            let v: String = db.client().query_one(&q, &[]).expect("values").get(0);
            out.insert((t.name.clone(), c.name.to_string()), v);
        }
    }
    out
}

fn check_pair(a: &Spec, b: &Spec) -> Result<(), TestCaseError> {
    let (ya, yb) = (yaml(a), yaml(b));
    let (da, ignore) = load(&ya, None);
    let (dbb, _) = load(&yb, None);
    let db = TestDb::new();
    db.execute(OUTSIDE);
    let plan_a = db
        .plan(&da, &ignore)
        .map_err(|e| TestCaseError::fail(format!("plan A: {e}")))?;
    db.apply(&plan_a)
        .map_err(|e| TestCaseError::fail(format!("apply A: {e}\n{}", plan_a.to_sql())))?;
    insert_rows(&db, a);
    db.execute(&unmanaged_on_t0(a));
    let before = snapshot_values(&db, a);
    let c0_type = |s: &Spec| {
        s.tables[0]
            .cols
            .iter()
            .find(|c| c.name == "c0")
            .map(|c| c.ty.clone())
    };
    let breaks_outside = a.outside_reads_c0 && c0_type(a) != c0_type(b);
    let plan_b = match db.plan(&dbb, &ignore) {
        Err(e) if breaks_outside => {
            // Refused, naming the unmanaged view; nothing ran.
            prop_assert!(
                e.to_string().contains("view outside.t0_keys"),
                "refusal does not name the view: {e}"
            );
            return Ok(());
        }
        Err(e) => return Err(TestCaseError::fail(format!("plan A→B: {e}"))),
        Ok(p) => p,
    };
    prop_assert!(
        !breaks_outside,
        "a plan retyping t0.c0 under outside.t0_keys was not refused:\n{}",
        plan_b.to_sql()
    );
    db.apply(&plan_b)
        .map_err(|e| TestCaseError::fail(format!("apply A→B: {e}\n{}", plan_b.to_sql())))?;
    let again = db
        .plan(&dbb, &ignore)
        .map_err(|e| TestCaseError::fail(format!("re-plan: {e}")))?;
    prop_assert!(
        again.is_empty(),
        "not converged:\n{}\nafter:\n{}",
        again.to_sql(),
        plan_b.to_sql()
    );
    // What reconcile does not manage is still there.
    let mut survivors = vec![
        "SELECT count(*) = 1 FROM pg_trigger WHERE tgname = 't0_touch'",
        "SELECT count(*) = 1 FROM pg_rules WHERE rulename = 't0_keep'",
        "SELECT count(*) = 1 FROM pg_views WHERE schemaname = 'outside' AND viewname = 't0_count'",
    ];
    if a.outside_reads_c0 {
        survivors.push(
            "SELECT count(*) = 1 FROM pg_views WHERE schemaname = 'outside' AND viewname = 't0_keys'",
        );
    }
    for q in survivors {
        prop_assert!(db.query_bool(q), "lost by A→B: {q}\n{}", plan_b.to_sql());
    }

    let fresh = TestDb::new();
    fresh.execute(OUTSIDE);
    let plan_fresh = fresh
        .plan(&dbb, &ignore)
        .map_err(|e| TestCaseError::fail(format!("plan ∅→B: {e}")))?;
    fresh
        .apply(&plan_fresh)
        .map_err(|e| TestCaseError::fail(format!("apply ∅→B: {e}")))?;
    fresh.execute(&unmanaged_on_t0(a));
    let m1 = db.introspect(&dbb, &ignore).schema.with_sorted_columns();
    let m2 = fresh.introspect(&dbb, &ignore).schema.with_sorted_columns();
    prop_assert!(
        m1 == m2,
        "models differ after A→B vs ∅→B\nA→B plan:\n{}",
        plan_b.to_sql()
    );
    prop_assert_eq!(
        common::dump::normalised_dump(&db, &dbb.schema.schemas, &ignore),
        common::dump::normalised_dump(&fresh, &dbb.schema.schemas, &ignore)
    );

    // Rows written under A survive where B keeps the table and the column unchanged.
    let after = snapshot_values(&db, b);
    for ta in &a.tables {
        // The same table, or renamed to B's name (a table B declares
        // without the hint A's name had is a new one).
        let Some(tb) = b
            .tables
            .iter()
            .find(|t| t.name == ta.name && (t.renamed || !ta.renamed))
        else {
            continue;
        };
        for ca in &ta.cols {
            let Some(cb) = tb.cols.iter().find(|c| c.name == ca.name) else {
                continue;
            };
            if ca.ty != cb.ty || ca.name == "c6" {
                continue;
            }
            let key = (ta.name.clone(), ca.name.to_string());
            prop_assert_eq!(
                before.get(&key),
                after.get(&key),
                "values of {}.{} changed",
                ta.name,
                ca.name
            );
        }
    }
    Ok(())
}

#[test]
fn random_pairs_converge_and_keep_rows() {
    let pairs: u32 = std::env::var("RECONCILE_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let config = Config {
        cases: pairs,
        max_shrink_iters: 200,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let seed = [7u8; 32];
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let result = runner.run(&(spec(), spec()), |(a, b)| check_pair(&a, &b));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Prints a pair's YAML (used when turning a shrunk failure into a fixture).
#[allow(dead_code)]
fn describe(a: &Spec, b: &Spec) -> String {
    format!("--- A\n{}\n--- B\n{}", yaml(a), yaml(b))
}
