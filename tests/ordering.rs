//! Property: the plan's order comes from its dependency graph, not from the
//! tie-breaks that make it read well. For every fixture case, plans whose
//! ties are broken by a random key instead must apply too and reach the same
//! database (an empty re-plan), so no step relies on an edge the graph lacks.
//!
//! `RECONCILE_ORDER_SEEDS=N` runs N shuffles per case (default 2).

mod common;

use common::{TestDb, load};
use std::path::Path;

fn read_opt(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}

#[test]
fn shuffled_tie_breaks_apply_to_the_same_result() {
    let seeds: u64 = std::env::var("RECONCILE_ORDER_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("schema.yaml").exists())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    let mut tried = 0;
    for dir in &dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let schema = std::fs::read_to_string(dir.join("schema.yaml")).expect("schema");
        let ignore = read_opt(dir, "ignore.yaml");
        let (desired, rules) = load(&schema, ignore.as_deref());
        for seed in 1..=seeds {
            let db = TestDb::new();
            if let Some(sql) = read_opt(dir, "outside.sql") {
                db.execute(&sql);
            }
            if let Some(sql) = read_opt(dir, "before.sql") {
                db.execute(&sql);
            }
            // Cases whose plan is refused have nothing to order.
            let Ok(plan) = db.plan(&desired, &rules) else {
                break;
            };
            if plan.steps.len() < 2 {
                break;
            }
            tried += 1;
            let shuffled = plan.reordered(seed).expect("reorder");
            if let Err(e) = db.apply(&shuffled) {
                failures.push(format!(
                    "{name} (seed {seed}): apply failed: {e}\n{}",
                    shuffled.to_sql()
                ));
                continue;
            }
            match db.plan(&desired, &rules) {
                Ok(again) if again.is_empty() => {}
                Ok(again) => failures.push(format!(
                    "{name} (seed {seed}): not converged:\n{}\nafter:\n{}",
                    again.to_sql(),
                    shuffled.to_sql()
                )),
                Err(e) => failures.push(format!("{name} (seed {seed}): re-plan failed: {e}")),
            }
        }
    }
    assert!(tried > 50, "only {tried} shuffled plans were tried");
    assert!(
        failures.is_empty(),
        "{} shuffled plan(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
