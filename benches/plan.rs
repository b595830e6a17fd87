//! Benchmark: plans on synthetic schemas of N tables.
//!
//! `cargo bench --bench plan` (sizes: `RECONCILE_BENCH_SIZES=100,1000,10000`,
//! repetitions: `RECONCILE_BENCH_RUNS=5`, server: `RECONCILE_TEST_DATABASE_URL`).
//!
//! For each N it generates a schema (several schemas; 5–20 columns of mixed
//! types with defaults, identity and generated columns; primary, unique,
//! check and foreign keys including cycles; partial, expression and
//! multi-column indexes; enums; sequences; views on tables and on views) as
//! `schema.yaml`, applies it to a fresh database with the release binary, and
//! reports medians of each stage with their ratio to the catalog floor: the
//! same catalog queries introspection runs, executed raw with results
//! discarded. `RECONCILE_BENCH_WRITE=DIR` also writes the generated files there.

use postgres::{Client, NoTls};
use reconcile::introspect;
use reconcile::load::{self, IgnoreRules};
use reconcile::plan::{self, PlanContext};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

const SCHEMAS: usize = 4;

fn generate(n: usize, changed: bool) -> String {
    let mut y = String::from("# synthetic benchmark schema\nschemas:\n");
    let per = n.div_ceil(SCHEMAS);
    for s in 0..SCHEMAS {
        let lo = s * per;
        let hi = ((s + 1) * per).min(n);
        let _ = writeln!(y, "  s{s}:");
        let _ = writeln!(y, "    enums:\n      status: [active, paused, closed]");
        y.push_str("    sequences:\n");
        for q in (lo..hi).step_by(20) {
            let _ = writeln!(y, "      seq{q}: {{ start: {} }}", 1000 + q);
        }
        y.push_str("    tables:\n");
        for i in lo..hi {
            let change = changed && i % 10 == 0;
            let ncols = 5 + i % 16;
            let _ = writeln!(y, "      t{i}:\n        columns:");
            y.push_str("          id: { type: bigint, identity: always, primary_key: true }\n");
            y.push_str("          name: { type: text, not_null: true, default: \"''\" }\n");
            let _ = writeln!(
                y,
                "          amount: {{ type: \"numeric(12,2)\", default: {} }}",
                if change { 1 } else { 0 }
            );
            y.push_str(
                "          status: { type: status, not_null: true, default: \"'active'\" }\n",
            );
            y.push_str(
                "          created_at: { type: timestamptz, not_null: true, default: now() }\n",
            );
            let extra = [
                "          qty: { type: integer, default: 0 }\n",
                "          total: { type: \"numeric(14,2)\", generated: \"amount * 2\" }\n",
                "          email: varchar(200)\n",
                "          active: { type: boolean, not_null: true, default: \"true\" }\n",
                "          payload: { type: jsonb, default: \"'{}'\" }\n",
                "          deleted_at: timestamptz\n",
                "          ref: uuid\n",
                "          day: date\n",
                "          tags: \"text[]\"\n",
                "          score: double precision\n",
                "          note: text\n",
                "          code: \"varchar(20)\"\n",
                "          big: bigint\n",
                "          small: smallint\n",
                "          ratio: real\n",
            ];
            for e in extra.iter().take(ncols - 5) {
                y.push_str(e);
            }
            if i > lo {
                let _ = writeln!(
                    y,
                    "          parent_id: {{ type: bigint, references: t{}.id }}",
                    i - 1
                );
            }
            if i % 50 == 7 && i + 1 < hi {
                // A foreign-key cycle with the next table.
                let _ = writeln!(
                    y,
                    "          next_id: {{ type: bigint, references: t{}.id }}",
                    i + 1
                );
            }
            if change {
                y.push_str("          added: text\n");
            }
            y.push_str("        unique:\n");
            let _ = writeln!(y, "          t{i}_name_key: [name]");
            y.push_str("        checks:\n");
            let _ = writeln!(y, "          t{i}_amount_check: \"amount >= 0\"");
            y.push_str("        indexes:\n");
            let _ = writeln!(
                y,
                "          t{i}_status_created_idx: {{ columns: [status, created_at] }}"
            );
            let _ = writeln!(
                y,
                "          t{i}_lower_name_idx: {{ expressions: [\"lower(name)\"], where: \"status <> 'closed'\" }}"
            );
            if change {
                let _ = writeln!(y, "          t{i}_amount_idx: {{ columns: [amount] }}");
            }
        }
        y.push_str("    views:\n");
        for i in (lo..hi).step_by(10) {
            let _ = writeln!(
                y,
                "      v{i}:\n        query: SELECT id, name, amount FROM t{i} WHERE status = 'active'"
            );
            if i % 50 == 0 {
                let _ = writeln!(
                    y,
                    "      vv{i}:\n        query: SELECT id, name FROM v{i} WHERE amount > 0"
                );
            }
        }
    }
    y
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, String::new()), |(b, q)| (b, format!("?{q}")));
    let start = base.find("://").map_or(0, |i| i + 3);
    let base = base[start..].find('/').map_or(base, |i| &base[..start + i]);
    format!("{base}/{db}{query}")
}

/// Runs the binary; returns wall time and peak resident memory in MB.
/// Runs the binary; returns wall time and peak resident memory in MB, or
/// the start of its error output.
fn try_binary(args: &[&str], dir: &std::path::Path) -> Result<(Duration, f64), String> {
    let bin = env!("CARGO_BIN_EXE_reconcile");
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run reconcile under /usr/bin/time");
    let elapsed = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !matches!(out.status.code(), Some(0 | 2)) {
        return Err(stderr
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect());
    }
    let kb: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    Ok((elapsed, kb / 1024.0))
}

fn run_binary(args: &[&str], dir: &std::path::Path) -> (Duration, f64) {
    try_binary(args, dir).unwrap_or_else(|e| panic!("reconcile {args:?} failed: {e}"))
}

/// Loads the schema's SQL (the offline plan) statement by statement, outside
/// one big transaction, so sizes beyond max_locks_per_transaction load too.
fn load_sql(url: &str, desired: &load::Desired) {
    let current = reconcile::model::Schema {
        schemas: desired.schema.schemas.clone(),
        ..Default::default()
    };
    let existing: BTreeSet<String> = std::iter::once("public".to_string()).collect();
    let plan = plan::make_plan(
        &current,
        &desired.schema,
        &existing,
        &reconcile::graph::Graph::default(),
        PlanContext::default(),
    )
    .expect("plan from empty");
    let mut client = Client::connect(url, NoTls).expect("connect");
    for step in &plan.steps {
        if let Some(path) = plan.search_path(step) {
            client
                .batch_execute(&format!("SET search_path TO {path}"))
                .expect("search_path");
        }
        for q in &step.sql {
            client.batch_execute(q).expect("load schema SQL");
        }
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("RECONCILE_BENCH_SIZES")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("RECONCILE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let admin_url = std::env::var("RECONCILE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin = Client::connect(&admin_url, NoTls).expect("connect to the benchmark server");
    let mut table = String::from(
        "| N tables | objects | measure | median | × floor |\n|---:|---:|---|---:|---:|\n",
    );
    let mut summary = Vec::new();
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let yaml = generate(n, false);
        let changed = generate(n, true);
        if let Ok(out) = std::env::var("RECONCILE_BENCH_WRITE") {
            // Keep the generated files (e.g. to run other tools on them).
            std::fs::write(format!("{out}/schema_{n}.yaml"), &yaml).expect("write");
            std::fs::write(format!("{out}/changed_{n}.yaml"), &changed).expect("write");
        }
        std::fs::write(dir.path().join("schema.yaml"), &yaml).expect("write");
        std::fs::write(dir.path().join("changed.yaml"), &changed).expect("write");
        let ignore = IgnoreRules::default();
        let desired = load::load_schema_text(&yaml, "schema.yaml", &ignore).expect("valid schema");
        let desired_changed =
            load::load_schema_text(&changed, "changed.yaml", &ignore).expect("valid schema");
        let objects: usize = desired
            .schema
            .tables
            .values()
            .map(|t| 1 + t.columns.len() + t.constraints.len() + t.indexes.len())
            .sum::<usize>()
            + desired.schema.views.len()
            + desired.schema.sequences.len()
            + desired.schema.enums.len();
        let name = format!("reconcile_bench_{n}_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create");
        let url = with_database(&admin_url, &name);
        eprintln!("N = {n}: {objects} objects; applying from empty...");
        // `apply` of the whole schema into an empty database (one transaction).
        let apply = try_binary(
            &[
                "apply",
                "--yes",
                "--lock-timeout",
                "1min",
                "--database-url",
                &url,
            ],
            dir.path(),
        );
        if apply.is_err() {
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .expect("drop");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create");
            eprintln!("  apply failed; loading the schema's SQL statement by statement instead");
            load_sql(&url, &desired);
        }
        let mut client = Client::connect(&url, NoTls).expect("connect");
        let managed: BTreeSet<String> = desired.schema.schemas.clone();
        let schemas: Vec<String> = managed.iter().cloned().collect();
        // The settings introspection runs its queries with (no JIT).
        client
            .batch_execute(&introspect::SESSION_SETTINGS.replace("LOCAL ", ""))
            .expect("settings");
        let floor = time(runs, || {
            for (_, q, takes_schemas) in introspect::CATALOG_QUERIES {
                if *takes_schemas {
                    client.query(*q, &[&schemas]).expect("catalog query");
                } else {
                    client.query(*q, &[]).expect("catalog query");
                }
            }
        });
        let intro = time(runs, || {
            introspect::introspect(&mut client, &managed, &ignore).expect("introspect")
        });
        let intro_concurrent = time(runs, || {
            introspect::introspect_with(&mut client, Some(&url), &managed, &ignore)
                .expect("introspect")
        });
        let load_t = time(runs, || {
            load::load_schema_text(&changed, "changed.yaml", &ignore).expect("load")
        });
        let catalog = introspect::introspect(&mut client, &managed, &ignore).expect("introspect");
        let diff_t = time(runs, || {
            reconcile::diff::diff(
                &catalog.schema,
                &desired_changed.schema,
                &catalog.existing_schemas,
                &catalog.graph,
            )
            .expect("diff")
        });
        let changes = reconcile::diff::diff(
            &catalog.schema,
            &desired_changed.schema,
            &catalog.existing_schemas,
            &catalog.graph,
        )
        .expect("diff");
        let order_t = time(runs, || {
            plan::plan_changes(
                &changes,
                &catalog.schema,
                &desired_changed.schema,
                PlanContext::default(),
            )
            .expect("order")
        });
        let planned = plan::plan_changes(
            &changes,
            &catalog.schema,
            &desired_changed.schema,
            PlanContext::default(),
        )
        .expect("order");
        let render_t = time(runs, || planned.to_sql());
        let mut noop = Vec::new();
        let mut noop_mem: f64 = 0.0;
        let mut ten = Vec::new();
        for _ in 0..runs {
            let (t, m) = run_binary(&["plan", "--check", "--database-url", &url], dir.path());
            noop.push(t);
            noop_mem = noop_mem.max(m);
            let (t, _) = run_binary(
                &[
                    "plan",
                    "--check",
                    "--schema",
                    "changed.yaml",
                    "--database-url",
                    &url,
                ],
                dir.path(),
            );
            ten.push(t);
        }
        let (noop_t, ten_t) = (median(noop), median(ten));
        let steps = planned.steps.len();
        let ratio = |d: Duration| d.as_secs_f64() / floor.as_secs_f64();
        let mut row = |measure: &str, d: Duration| {
            let _ = writeln!(
                table,
                "| {n} | {objects} | {measure} | {:.1} ms | {:.2} |",
                d.as_secs_f64() * 1000.0,
                ratio(d)
            );
        };
        row("catalog floor (raw catalog queries)", floor);
        row("introspection (one connection)", intro);
        row(
            "introspection (three connections, one snapshot)",
            intro_concurrent,
        );
        row("load + validate schema.yaml", load_t);
        row(
            &format!("diff (10% changed, {} changes)", changes.len()),
            diff_t,
        );
        row(&format!("steps + ordering ({steps} steps)",), order_t);
        row("render SQL", render_t);
        row("`plan` end to end, no-op (process)", noop_t);
        row("`plan` end to end, 10% changed (process)", ten_t);
        match &apply {
            Ok((t, _)) => row("`apply` from empty (process, one transaction)", *t),
            Err(e) => {
                let _ = writeln!(
                    table,
                    "| {n} | {objects} | `apply` from empty (process, one transaction) | failed: {e} | |"
                );
            }
        }
        let apply_mem = apply.as_ref().map_or(0.0, |(_, m)| *m);
        summary.push((n, noop_t, floor, noop_mem, apply_mem));
        drop(client);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop");
    }
    println!("{table}");
    println!(
        "| N tables | no-op plan | floor | ratio | peak memory (plan) | peak memory (apply) |\n|---:|---:|---:|---:|---:|---:|"
    );
    for (n, noop, floor, mem, apply_mem) in &summary {
        println!(
            "| {n} | {:.1} ms | {:.1} ms | {:.2} | {mem:.0} MB | {apply_mem:.0} MB |",
            noop.as_secs_f64() * 1000.0,
            floor.as_secs_f64() * 1000.0,
            noop.as_secs_f64() / floor.as_secs_f64()
        );
    }
    for pair in summary.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        println!(
            "growth {} → {} tables: no-op plan ×{:.1} for ×{:.0} tables",
            a.0,
            b.0,
            b.1.as_secs_f64() / a.1.as_secs_f64(),
            b.0 as f64 / a.0 as f64
        );
    }
}
