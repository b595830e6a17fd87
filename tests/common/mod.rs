//! Test harness: a fresh database per test, and the convergence check.
#![allow(dead_code, clippy::missing_panics_doc)]

use postgres::{Client, NoTls};
use reconcile::introspect::{self, Catalog};
use reconcile::load::{self, Desired, IgnoreRules};
use reconcile::plan::Plan;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod dump;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The server tests run against.
pub fn admin_url() -> String {
    std::env::var("RECONCILE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// `url` with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    format!("{base}/{db}{query}")
}

/// A freshly created database, dropped when the value is.
pub struct TestDb {
    /// Database name.
    pub name: String,
    /// URL to reach it.
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("reconcile_t_{}_{n}_{nanos}", std::process::id());
        let mut admin = Client::connect(&admin_url(), NoTls).unwrap_or_else(|e| {
            panic!(
                "cannot reach the test PostgreSQL at {} (set RECONCILE_TEST_DATABASE_URL): {e}",
                admin_url()
            )
        });
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create test database");
        let url = with_database(&admin_url(), &name);
        TestDb { name, url }
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to test database")
    }

    pub fn execute(&self, sql: &str) {
        self.client()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("SQL failed: {e}\n{sql}"));
    }

    pub fn query_bool(&self, sql: &str) -> bool {
        self.client()
            .query_one(sql, &[])
            .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"))
            .get(0)
    }

    pub fn query_i64(&self, sql: &str) -> i64 {
        self.client()
            .query_one(sql, &[])
            .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"))
            .get(0)
    }

    /// Introspects the managed schemas of `desired`.
    pub fn introspect(&self, desired: &Desired, ignore: &IgnoreRules) -> Catalog {
        introspect::introspect(&mut self.client(), &desired.schema.schemas, ignore)
            .expect("introspect")
    }

    /// Plans `desired` against this database.
    pub fn plan(
        &self,
        desired: &Desired,
        ignore: &IgnoreRules,
    ) -> Result<Plan, reconcile::error::Error> {
        reconcile::commands::plan_database(&mut self.client(), desired, ignore, "schema.yaml", "5s")
            .map(|(p, _)| p)
    }

    /// Applies a plan with the library's apply path.
    pub fn apply(&self, plan: &Plan) -> Result<(), reconcile::error::Error> {
        reconcile::apply::run_steps(&mut self.client(), plan)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&admin_url(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Loads a schema and ignore file from text.
pub fn load(schema: &str, ignore: Option<&str>) -> (Desired, IgnoreRules) {
    let rules = match ignore {
        Some(text) => load::load_ignore_text(text, "ignore.yaml").expect("valid ignore.yaml"),
        None => IgnoreRules::default(),
    };
    let desired = load::load_schema_text(schema, "schema.yaml", &rules).expect("valid schema.yaml");
    (desired, rules)
}

/// Applies `plan` to `db`, then checks convergence: the plan afterwards is
/// empty, and the database equals one built from empty with the same schema
/// (after `setup` ran on it, for objects outside management; `unmanaged` runs
/// after its apply, for unmanaged objects on managed tables).
pub fn assert_converges(
    db: &TestDb,
    plan: &Plan,
    desired: &Desired,
    ignore: &IgnoreRules,
    setup: Option<&str>,
    unmanaged: Option<&str>,
) {
    db.apply(plan)
        .unwrap_or_else(|e| panic!("apply failed: {e}\nplan:\n{}", plan.to_sql()));
    let again = db.plan(desired, ignore).expect("re-plan");
    assert!(
        again.is_empty(),
        "plan not empty after apply:\n{}\nfirst plan was:\n{}",
        again.to_sql(),
        plan.to_sql()
    );
    let fresh = TestDb::new();
    if let Some(sql) = setup {
        fresh.execute(sql);
    }
    let from_empty = fresh.plan(desired, ignore).expect("plan from empty");
    fresh
        .apply(&from_empty)
        .unwrap_or_else(|e| panic!("apply from empty failed: {e}\n{}", from_empty.to_sql()));
    if let Some(sql) = unmanaged {
        fresh.execute(sql);
    }
    let a = db.introspect(desired, ignore).schema.with_sorted_columns();
    let b = fresh
        .introspect(desired, ignore)
        .schema
        .with_sorted_columns();
    if a != b {
        let a = format!("{a:#?}");
        let b = format!("{b:#?}");
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(20)
            .map(|(i, (x, y))| format!("line {i}: migrated `{x}` vs from-empty `{y}`"))
            .collect();
        panic!(
            "database differs from one built from empty:\n{}",
            diff.join("\n")
        );
    }
    // The model shares the canonicalizer's blind spots; pg_dump does not.
    let dump_a = dump::normalised_dump(db, &desired.schema.schemas, ignore);
    let dump_b = dump::normalised_dump(&fresh, &desired.schema.schemas, ignore);
    if dump_a != dump_b {
        let only_a: Vec<&String> = dump_a.iter().filter(|s| !dump_b.contains(s)).collect();
        let only_b: Vec<&String> = dump_b.iter().filter(|s| !dump_a.contains(s)).collect();
        panic!(
            "pg_dump of the migrated database differs from one built from empty\nonly migrated:\n{}\nonly from empty:\n{}\nplan was:\n{}",
            only_a
                .iter()
                .map(|s| format!("  {s}"))
                .collect::<Vec<_>>()
                .join("\n"),
            only_b
                .iter()
                .map(|s| format!("  {s}"))
                .collect::<Vec<_>>()
                .join("\n"),
            plan.to_sql()
        );
    }
}

/// `reconcile import`'s round trip: the database written as schema.yaml and
/// loaded back plans to nothing.
pub fn assert_import_round_trip(
    db: &TestDb,
    schemas: &std::collections::BTreeSet<String>,
    ignore: &IgnoreRules,
    when: &str,
) {
    let existing = introspect::introspect(&mut db.client(), schemas, ignore).expect("introspect");
    let schemas: std::collections::BTreeSet<String> = schemas
        .intersection(&existing.existing_schemas)
        .cloned()
        .collect();
    if schemas.is_empty() {
        return;
    }
    let catalog = introspect::introspect(&mut db.client(), &schemas, ignore).expect("introspect");
    // An index left invalid is imported as declared; the plan then rebuilds it, as it should.
    if catalog
        .schema
        .tables
        .values()
        .any(|t| t.indexes.values().any(|i| !i.valid))
    {
        return;
    }
    let yaml = load::export::to_yaml(&catalog.schema, "round trip");
    let desired = load::load_schema_text(&yaml, "imported.yaml", ignore)
        .unwrap_or_else(|e| panic!("imported schema ({when}) does not load: {e}\n{yaml}"));
    let plan = db.plan(&desired, ignore).expect("plan imported schema");
    assert!(
        plan.is_empty(),
        "import round trip ({when}) is not empty:\n{}\nimported:\n{yaml}",
        plan.to_text()
    );
}

/// What a run of the binary printed and returned.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built binary in `dir` (without `DATABASE_URL`).
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run reconcile");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A temporary directory holding the given files.
pub fn workdir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write file");
    }
    dir
}
