//! Fixture cases: `tests/cases/<name>/`
//! - `schema.yaml` (first line: a comment saying what the case proves),
//! - `before.sql` (optional): the database before the plan,
//! - `outside.sql` (optional): objects outside management, created in both
//!   the migrated database and the one built from empty,
//! - `unmanaged.sql` (optional): objects reconcile does not manage on
//!   managed tables (triggers, policies, rules), created after `before.sql`
//!   in the migrated database and after the apply in the one built from empty,
//! - `ignore.yaml` (optional),
//! - `check.sql` (optional): one boolean query per line that must be true
//!   after apply (rows kept, values converted).
//!
//! Each case: plan → reviewed snapshot in `snapshots/<name>.snap` → apply →
//! the plan is then empty and the database equals one built from empty.
//! Before and after, `import`'s YAML of the database loads back to an empty plan.

mod common;

use common::{TestDb, assert_converges, load};
use std::path::Path;

fn read_opt(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}

#[test]
fn cases() {
    let failures = std::sync::Mutex::new(Vec::new());
    insta::glob!("cases/*/schema.yaml", |path| {
        let name = path
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        if let Err(e) = std::panic::catch_unwind(|| run_case(path)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            failures
                .lock()
                .expect("lock")
                .push(format!("{name}: {msg}"));
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn run_case(path: &Path) {
    {
        let dir = path.parent().expect("case directory");
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("case name")
            .to_string();
        let schema = std::fs::read_to_string(path).expect("read schema.yaml");
        assert!(
            schema.starts_with('#'),
            "{name}: schema.yaml must start with a comment saying what the case proves"
        );
        let ignore = read_opt(dir, "ignore.yaml");
        let outside = read_opt(dir, "outside.sql");
        let (desired, rules) = load(&schema, ignore.as_deref());

        let db = TestDb::new();
        if let Some(sql) = &outside {
            db.execute(sql);
        }
        if let Some(sql) = read_opt(dir, "before.sql") {
            db.execute(&sql);
        }
        let unmanaged = read_opt(dir, "unmanaged.sql");
        if let Some(sql) = &unmanaged {
            db.execute(sql);
        }
        common::assert_import_round_trip(&db, &desired.schema.schemas, &rules, "before");
        let plan = db.plan(&desired, &rules);
        let text = match &plan {
            Ok(p) => p.to_sql(),
            Err(e) => format!("error: {e}\n"),
        };
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.remove_snapshot_suffix();
        settings.set_omit_expression(true);
        settings.add_filter(r"[0-9a-f]{64}", "[hash]");
        settings.bind(|| insta::assert_snapshot!(name.clone(), text));

        let Ok(plan) = plan else {
            return;
        };
        assert_saved_round_trip(&name, &plan);
        assert_converges(
            &db,
            &plan,
            &desired,
            &rules,
            outside.as_deref(),
            unmanaged.as_deref(),
        );
        common::assert_import_round_trip(&db, &desired.schema.schemas, &rules, "after");
        if let Some(checks) = read_opt(dir, "check.sql") {
            for q in checks
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("--"))
            {
                assert!(db.query_bool(q), "{name}: check failed after apply: {q}");
            }
        }
    }
}

/// The plan saved with `plan --out` reads back with the same steps,
/// hazards, preconditions and cleanups: `apply --plan` checks and cleans up
/// exactly what `apply` would.
fn assert_saved_round_trip(name: &str, plan: &reconcile::plan::Plan) {
    let sql = plan.to_sql();
    let saved = reconcile::plan::saved::parse(&sql, "plan.sql")
        .unwrap_or_else(|e| panic!("{name}: the saved plan does not read back: {e}\n{sql}"));
    assert_eq!(saved.plan.steps.len(), plan.steps.len(), "{name}");
    for (a, b) in plan.steps.iter().zip(&saved.plan.steps) {
        assert_eq!(a.description, b.description, "{name}");
        assert_eq!(a.hazards, b.hazards, "{name}: {}", a.description);
        assert_eq!(
            a.transactional, b.transactional,
            "{name}: {}",
            a.description
        );
        assert_eq!(a.precondition, b.precondition, "{name}: {}", a.description);
        assert_eq!(a.on_failure, b.on_failure, "{name}: {}", a.description);
    }
}

/// Every snapshot belongs to a case (a renamed case must not leave a stale one).
#[test]
fn no_orphan_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(root.join("snapshots")).expect("snapshots dir") {
        let path = entry.expect("entry").path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".snap") else {
            continue;
        };
        if stem.starts_with("cli__") {
            continue;
        }
        if !root
            .join("tests/cases")
            .join(stem)
            .join("schema.yaml")
            .exists()
        {
            orphans.push(file.to_string());
        }
    }
    assert!(orphans.is_empty(), "snapshots without a case: {orphans:?}");
}
