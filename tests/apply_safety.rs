//! Apply safety against the real database and the built binary: the
//! preflight refuses plans the existing rows would make fail, a step after
//! the transaction that still fails leaves nothing behind, lock waits never
//! exceed `--lock-timeout`, `--lock-retries` reruns the transaction, and
//! lock timeouts name who holds the lock.

mod common;

use common::{Output, TestDb, load, run_in, workdir};
use std::time::{Duration, Instant};

/// Everything about table `t`'s shape, to prove a refused apply changed nothing.
fn shape(db: &TestDb) -> String {
    db.client()
        .query_one(
            "SELECT coalesce((SELECT string_agg(attname || ':' || attnotnull, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped), '') || '|' ||
                    coalesce((SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 't'::regclass), '') || '|' ||
                    coalesce((SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1) FROM pg_index WHERE indrelid = 't'::regclass), '')",
            &[],
        )
        .expect("shape")
        .get(0)
}

const BEFORE: &str = "
CREATE TABLE p (id int PRIMARY KEY);
INSERT INTO p VALUES (1);
CREATE TABLE t (id int PRIMARY KEY, a text, e text, pid int, n int);
INSERT INTO t VALUES (1, NULL, 'x', 1, 1), (2, 'b', 'x', 5, -1), (3, NULL, 'y', NULL, 2), (4, 'd', 'z', 1, 3);
";

/// Table `t` with one extra rule (`extra` is YAML under `t:`, or a column
/// change) and, in every case, another change (a new column `b`).
fn schema_with(a: &str, t_extra: &str) -> String {
    format!(
        "# safety
schemas:
  public:
    tables:
      p:
        columns:
          id: {{ type: int, primary_key: true }}
      t:
        columns:
          id: {{ type: int, primary_key: true }}
          a: {a}
          e: text
          pid: int
          n: int
          b: text
{t_extra}"
    )
}

fn apply(dir: &std::path::Path, url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["apply", "--yes", "--database-url", url];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// Applies `schema` to BEFORE and expects a preflight refusal mentioning `expected`.
fn assert_refused(schema: &str, expected: &[&str]) {
    let db = TestDb::new();
    db.execute(BEFORE);
    let before = shape(&db);
    let dir = workdir(&[("schema.yaml", schema)]);
    let out = apply(dir.path(), &db.url, &[]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("preflight"), "{}", out.stderr);
    for e in expected {
        assert!(out.stderr.contains(e), "missing `{e}` in:\n{}", out.stderr);
    }
    assert_eq!(shape(&db), before, "the refused apply changed the table");
    // A dry run exits as the real run would.
    let dry = apply(dir.path(), &db.url, &["--dry-run"]);
    assert_eq!(dry.code, 3, "{}", dry.stderr);
    assert_eq!(shape(&db), before);
}

#[test]
fn not_null_on_a_column_with_nulls_is_refused_before_anything_changes() {
    assert_refused(
        &schema_with("{ type: text, not_null: true }", ""),
        &["2 rows of public.t hold NULL in a", "id 1, 3"],
    );
}

#[test]
fn a_new_check_violated_by_rows_is_refused() {
    assert_refused(
        &schema_with(
            "text",
            "        checks:\n          t_n_positive: \"n > 0\"\n",
        ),
        &["1 row of public.t violates check t_n_positive", "id 2"],
    );
}

#[test]
fn a_new_foreign_key_violated_by_rows_is_refused() {
    assert_refused(
        &schema_with(
            "text",
            "        foreign_keys:\n          t_p_fk: { columns: [pid], references: { table: p, columns: [id] } }\n",
        ),
        &["1 row of public.t violates foreign key t_p_fk", "id 2"],
    );
}

#[test]
fn a_new_unique_constraint_over_duplicates_is_refused() {
    assert_refused(
        &schema_with("text", "        unique:\n          t_e_key: [e]\n"),
        &[
            "2 rows of public.t share 1 duplicated key of t_e_key",
            "x (2 rows)",
        ],
    );
}

#[test]
fn a_new_unique_index_over_duplicates_is_refused() {
    assert_refused(
        &schema_with(
            "text",
            "        indexes:\n          t_e_idx: { columns: [e], unique: true }\n",
        ),
        &["1 duplicated key of t_e_idx", "x (2 rows)"],
    );
}

#[test]
fn rules_the_rows_satisfy_apply() {
    let db = TestDb::new();
    db.execute(BEFORE);
    db.execute("UPDATE t SET a = 'ok' WHERE a IS NULL");
    let dir = workdir(&[(
        "schema.yaml",
        &schema_with(
            "{ type: text, not_null: true }",
            "        checks:\n          t_id_positive: \"id > 0\"\n        indexes:\n          t_id_idx: { columns: [id], unique: true }\n",
        ),
    )]);
    let out = apply(dir.path(), &db.url, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Rows written between the preflight and a step after the transaction:
/// the step fails, removes its helper, and the next plan is exactly what is
/// left to do.
#[test]
fn a_failing_step_after_the_transaction_leaves_no_helper_behind() {
    let db = TestDb::new();
    db.execute(BEFORE);
    db.execute("UPDATE t SET a = 'ok' WHERE a IS NULL; UPDATE t SET e = id::text");
    let schema = schema_with(
        "{ type: text, not_null: true }",
        "        indexes:\n          t_e_idx: { columns: [e], unique: true }\n",
    );
    let (desired, ignore) = load(&schema, None);

    // NOT NULL: the helper check goes, the column stays nullable.
    let plan = db.plan(&desired, &ignore).expect("plan");
    assert!(
        reconcile::preflight::run(&mut db.client(), &plan)
            .expect("preflight")
            .violations
            .is_empty()
    );
    db.execute("INSERT INTO t (id, a, e) VALUES (10, NULL, '10')");
    let err = db
        .apply(&plan)
        .expect_err("the NULL written since must fail the step");
    let text = err.to_string();
    assert!(
        text.contains("removed what the failed step left behind"),
        "{text}"
    );
    assert!(!text.contains("rerun"), "{text}");
    assert!(db.query_bool(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_a_not_null')"
    ));
    let next = db.plan(&desired, &ignore).expect("re-plan");
    let steps: Vec<&str> = next.steps.iter().map(|s| s.description.as_str()).collect();
    assert_eq!(
        steps,
        [
            "alter column public.t.a",
            "set not null on public.t.a (validated check)",
            "create index t_e_idx on public.t"
        ],
        "{}",
        next.to_sql()
    );

    // Unique index: the INVALID index a failed concurrent build leaves is dropped.
    db.execute(
        "UPDATE t SET a = 'ok' WHERE a IS NULL; INSERT INTO t (id, a, e) VALUES (11, 'x', '10')",
    );
    let err = db
        .apply(&next)
        .expect_err("the duplicate must fail the build");
    assert!(err.to_string().contains("DROP INDEX CONCURRENTLY"), "{err}");
    assert!(db.query_bool("SELECT to_regclass('public.t_e_idx') IS NULL"));
    let last = db.plan(&desired, &ignore).expect("re-plan");
    let steps: Vec<&str> = last.steps.iter().map(|s| s.description.as_str()).collect();
    assert_eq!(
        steps,
        ["create index t_e_idx on public.t"],
        "{}",
        last.to_sql()
    );
}

const LOCKED_BEFORE: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY); CREATE VIEW user_ids AS SELECT id FROM users;";
const LOCKED_SCHEMA: &str = "# a column is added to a table someone else has locked
schemas:
  public:
    tables:
      users:
        columns:
          id: { type: bigint, primary_key: true }
          name: text
    views:
      user_ids:
        query: SELECT id FROM users
";

/// A session holding ACCESS EXCLUSIVE on `users`, with its pid.
fn lock_users(db: &TestDb) -> (postgres::Client, i32) {
    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'lock_holder_app'; BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    (holder, pid)
}

#[test]
fn a_lock_wait_never_exceeds_the_lock_timeout_and_names_the_holder() {
    let db = TestDb::new();
    db.execute("CREATE TABLE users (id bigint PRIMARY KEY)");
    let (mut holder, pid) = lock_users(&db);
    let dir = workdir(&[(
        "schema.yaml",
        "# add a column\nschemas:\n  public:\n    tables:\n      users:\n        columns:\n          id: { type: bigint, primary_key: true }\n          name: text\n",
    )]);
    let start = Instant::now();
    let out = apply(dir.path(), &db.url, &["--lock-timeout", "1s"]);
    let elapsed = start.elapsed();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        elapsed < Duration::from_millis(1900),
        "waited {elapsed:?} for a 1s lock timeout"
    );
    assert!(out.stderr.contains("public.users"), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("pid {pid}")), "{}", out.stderr);
    assert!(out.stderr.contains("lock_holder_app"), "{}", out.stderr);
    assert!(out.stderr.contains("idle in transaction"), "{}", out.stderr);
    holder.batch_execute("ROLLBACK").expect("release");
    assert!(db.query_bool(
        "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name')"
    ));
}

#[test]
fn lock_retries_rerun_the_transaction_and_say_so() {
    let db = TestDb::new();
    db.execute("CREATE TABLE users (id bigint PRIMARY KEY)");
    let (mut holder, _) = lock_users(&db);
    // Released during the pause after the first timeout (0.5 s + 1 s).
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        holder.batch_execute("ROLLBACK").expect("release");
    });
    let dir = workdir(&[(
        "schema.yaml",
        "# add a column\nschemas:\n  public:\n    tables:\n      users:\n        columns:\n          id: { type: bigint, primary_key: true }\n          name: text\n",
    )]);
    let out = apply(
        dir.path(),
        &db.url,
        &["--lock-timeout", "500ms", "--lock-retries", "2"],
    );
    release.join().expect("thread");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("retrying the whole transaction"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("retry 1 of 2"), "{}", out.stderr);
    assert!(db.query_bool(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name')"
    ));
}

#[test]
fn without_lock_retries_nothing_is_retried() {
    let db = TestDb::new();
    db.execute("CREATE TABLE users (id bigint PRIMARY KEY)");
    let (mut holder, _) = lock_users(&db);
    let dir = workdir(&[(
        "schema.yaml",
        "# add a column\nschemas:\n  public:\n    tables:\n      users:\n        columns:\n          id: { type: bigint, primary_key: true }\n          name: text\n",
    )]);
    let out = apply(dir.path(), &db.url, &["--lock-timeout", "300ms"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(!out.stderr.contains("retrying"), "{}", out.stderr);
    holder.batch_execute("ROLLBACK").expect("release");
}

#[test]
fn plan_and_status_lock_timeouts_exit_3_naming_the_object() {
    let db = TestDb::new();
    db.execute(LOCKED_BEFORE);
    let (mut holder, pid) = lock_users(&db);
    let dir = workdir(&[("schema.yaml", LOCKED_SCHEMA)]);
    for command in ["plan", "status"] {
        let start = Instant::now();
        let out = run_in(
            dir.path(),
            &[
                command,
                "--lock-timeout",
                "500ms",
                "--database-url",
                &db.url,
            ],
        );
        assert_eq!(out.code, 3, "{command}: {}{}", out.stdout, out.stderr);
        assert!(start.elapsed() < Duration::from_secs(3), "{command}");
        assert!(
            out.stderr.contains("public.users"),
            "{command}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("pid {pid}")),
            "{command}: {}",
            out.stderr
        );
    }
    holder.batch_execute("ROLLBACK").expect("release");
}
