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

/// The rows of `t`, to prove a refused apply changed none.
fn rows(db: &TestDb) -> String {
    db.client()
        .query_one(
            "SELECT coalesce(string_agg(t::text, ';' ORDER BY id), '') FROM t",
            &[],
        )
        .expect("rows")
        .get(0)
}

/// The fingerprint `apply --plan` compares, of the database as it is now.
fn fingerprint_of(db: &TestDb, schema: &str) -> String {
    let (desired, ignore) = load(schema, None);
    let catalog = db.introspect(&desired, &ignore);
    reconcile::plan::fingerprint(&catalog.schema, &catalog.graph)
}

fn history_json(dir: &std::path::Path, url: &str) -> serde_json::Value {
    let out = run_in(dir, &["history", "--format", "json", "--database-url", url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("history json")
}

/// Saves a plan of `schema` against BEFORE with `plan --out plan.sql`.
fn saved_plan(db: &TestDb, schema: &str) -> tempfile::TempDir {
    let dir = workdir(&[("schema.yaml", schema)]);
    let out = run_in(
        dir.path(),
        &["plan", "--out", "plan.sql", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    dir
}

fn apply_saved(dir: &std::path::Path, url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        "--plan",
        "plan.sql",
        "--yes",
        "--database-url",
        url,
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// A saved plan whose new rule the rows break: `apply --plan` (and its dry
/// run) refuses before anything runs, as `apply` does, and records the
/// refusal; once the rows are fixed the same file applies, since rows are
/// not part of the fingerprint.
fn assert_saved_refused_then_applies(schema: &str, expected: &[&str], fix: &str) {
    let db = TestDb::new();
    db.execute(BEFORE);
    let dir = saved_plan(&db, schema);
    let saved = std::fs::read_to_string(dir.path().join("plan.sql")).expect("plan.sql");
    assert!(saved.contains("--   requires: {"), "{saved}");
    let (shape_before, rows_before) = (shape(&db), rows(&db));
    let fingerprint_before = fingerprint_of(&db, schema);

    for extra in [&["--dry-run"][..], &[]] {
        let out = apply_saved(dir.path(), &db.url, extra);
        assert_eq!(out.code, 3, "{extra:?}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("preflight"), "{}", out.stderr);
        for e in expected {
            assert!(out.stderr.contains(e), "missing `{e}` in:\n{}", out.stderr);
        }
        assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
        assert_eq!(shape(&db), shape_before, "{extra:?} changed the table");
        assert_eq!(rows(&db), rows_before, "{extra:?} changed the rows");
        assert_eq!(fingerprint_of(&db, schema), fingerprint_before);
    }
    let history = history_json(dir.path(), &db.url);
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["kind"], "apply --plan");
    assert_eq!(history[0]["outcome"], "failed");
    assert!(
        history[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("preflight") && e.contains(expected[0])),
        "{}",
        history[0]
    );

    db.execute(fix);
    assert_eq!(
        fingerprint_of(&db, schema),
        fingerprint_before,
        "rows are not part of the fingerprint"
    );
    let out = apply_saved(dir.path(), &db.url, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("the database matches schema.yaml"),
        "{}",
        out.stdout
    );
    let history = history_json(dir.path(), &db.url);
    assert_eq!(history[0]["outcome"], "success", "{history}");
    let check = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(check.code, 0, "{}", check.stdout);
}

#[test]
fn a_saved_plan_adding_not_null_over_nulls_is_refused_until_the_rows_are_fixed() {
    assert_saved_refused_then_applies(
        &schema_with("{ type: text, not_null: true }", ""),
        &["2 rows of public.t hold NULL in a", "id 1, 3"],
        "UPDATE t SET a = 'fixed' WHERE a IS NULL",
    );
}

#[test]
fn a_saved_plan_adding_a_unique_index_over_duplicates_is_refused_until_the_rows_are_fixed() {
    assert_saved_refused_then_applies(
        &schema_with(
            "text",
            "        indexes:\n          t_e_idx: { columns: [e], unique: true }\n",
        ),
        &[
            "2 rows of public.t share 1 duplicated key of t_e_idx",
            "x (2 rows)",
        ],
        "UPDATE t SET e = 'w' WHERE id = 1",
    );
}

/// A plan saved before steps carried their conditions (no `requires:` or
/// `on failure:` lines) still loads and applies.
#[test]
fn a_plan_saved_without_conditions_still_applies() {
    let db = TestDb::new();
    db.execute(BEFORE);
    db.execute("UPDATE t SET a = 'ok' WHERE a IS NULL");
    let schema = schema_with(
        "{ type: text, not_null: true }",
        "        indexes:\n          t_e_idx: { columns: [e, id], unique: true }\n",
    );
    let dir = saved_plan(&db, &schema);
    let path = dir.path().join("plan.sql");
    let saved = std::fs::read_to_string(&path).expect("plan.sql");
    let old: String = saved
        .lines()
        .filter(|l| !l.starts_with("--   requires: ") && !l.starts_with("--   on failure"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(old, saved);
    std::fs::write(&path, old).expect("write");
    let out = apply_saved(dir.path(), &db.url, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(db.query_bool(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a'"
    ));
    assert!(db.query_bool("SELECT to_regclass('public.t_e_idx') IS NOT NULL"));
}

/// A corrupted `requires:` line is refused before anything connects: exit 1,
/// naming the file and the step, nothing changed and nothing recorded.
#[test]
fn a_corrupted_requires_line_is_an_error_naming_the_file_and_the_step() {
    let db = TestDb::new();
    db.execute(BEFORE);
    let dir = saved_plan(&db, &schema_with("{ type: text, not_null: true }", ""));
    let path = dir.path().join("plan.sql");
    let saved = std::fs::read_to_string(&path).expect("plan.sql");
    let broken = saved.replacen("\"kind\":\"not_null\"", "\"kind\":\"not_nul\"", 1);
    assert_ne!(broken, saved);
    std::fs::write(&path, broken).expect("write");
    let before = (shape(&db), rows(&db));
    for extra in [&["--dry-run"][..], &[]] {
        let out = apply_saved(dir.path(), &db.url, extra);
        assert_eq!(out.code, 1, "{extra:?}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("plan.sql"), "{}", out.stderr);
        assert!(
            out.stderr.contains("bad `requires:` line"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("(set not null on public.t.a (validated check))"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    assert_eq!((shape(&db), rows(&db)), before);
    assert!(db.query_bool("SELECT to_regnamespace('reconcile') IS NULL"));
}

/// A saved plan's step after the transaction that still fails (a duplicate
/// written inside the transaction, by an event trigger, after the
/// preflight passed) runs its saved cleanup: the INVALID index is dropped
/// and the next plan is exactly the remaining work.
#[test]
fn a_saved_plan_cleans_up_a_step_that_fails_after_the_transaction() {
    let db = TestDb::new();
    db.execute(BEFORE);
    db.execute("UPDATE t SET e = id::text");
    db.execute(
        "CREATE FUNCTION public.sneak_duplicate() RETURNS event_trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NOT EXISTS (SELECT 1 FROM public.t WHERE id = 99) THEN
             INSERT INTO public.t (id, e) VALUES (99, '1');
           END IF;
         END $$;
         CREATE EVENT TRIGGER sneak_duplicate ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
           EXECUTE FUNCTION public.sneak_duplicate();",
    );
    let schema = schema_with(
        "text",
        "        indexes:\n          t_e_idx: { columns: [e], unique: true }\n",
    );
    let dir = saved_plan(&db, &schema);
    let saved = std::fs::read_to_string(dir.path().join("plan.sql")).expect("plan.sql");
    assert!(
        saved.contains("--   on failure: DROP INDEX CONCURRENTLY IF EXISTS public.t_e_idx\n"),
        "{saved}"
    );
    let out = apply_saved(dir.path(), &db.url, &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("removed what the failed step left behind (`DROP INDEX CONCURRENTLY IF EXISTS public.t_e_idx`)"),
        "{}",
        out.stderr
    );
    db.execute("DROP EVENT TRIGGER sneak_duplicate");
    assert!(db.query_bool("SELECT to_regclass('public.t_e_idx') IS NULL"));
    assert!(db.query_bool(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b')"
    ));
    let out = run_in(
        dir.path(),
        &["plan", "--format", "text", "--database-url", &db.url],
    );
    assert!(
        out.stdout.contains("1 step (1 create)") && out.stdout.contains("create index t_e_idx"),
        "{}",
        out.stdout
    );
}

/// The lines a saved plan gains are comments: the file still runs in psql
/// as it is, and leaves the database as `apply` would.
#[test]
fn a_saved_plan_with_conditions_runs_in_psql_as_is() {
    let db = TestDb::new();
    db.execute(BEFORE);
    db.execute(
        "UPDATE t SET a = 'ok' WHERE a IS NULL; UPDATE t SET e = id::text, n = abs(n), pid = 1",
    );
    let schema = schema_with(
        "{ type: text, not_null: true }",
        "        checks:\n          t_n_positive: \"n > 0\"\n        foreign_keys:\n          t_p_fk: { columns: [pid], references: { table: p, columns: [id] } }\n        indexes:\n          t_e_idx: { columns: [e], unique: true }\n",
    );
    let dir = saved_plan(&db, &schema);
    let saved = std::fs::read_to_string(dir.path().join("plan.sql")).expect("plan.sql");
    for kind in ["not_null", "check", "foreign_key", "unique"] {
        assert!(
            saved.contains(&format!("\"condition\":{{\"kind\":\"{kind}\"")),
            "{kind}: {saved}"
        );
    }
    assert!(saved.contains("--   on failure: "), "{saved}");
    let psql = std::env::var("RECONCILE_PSQL").unwrap_or_else(|_| "psql".to_string());
    let out = std::process::Command::new(&psql)
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            "plan.sql",
            "-d",
            &db.url,
        ])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{psql}` ({e}); set RECONCILE_PSQL"));
    assert!(
        out.status.success(),
        "psql failed:\n{}\n{saved}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(check.code, 0, "{}", check.stdout);
}

/// Every statement of a plan goes alone through the extended protocol: text
/// kept as written that still held a second statement (where the tokenizer
/// and the server disagree) is refused by the server, and nothing runs.
#[test]
fn a_statement_carrying_a_second_one_is_refused_by_the_server() {
    let db = TestDb::new();
    db.execute("CREATE TABLE keep (id int)");
    let (desired, rules) = load(
        "schemas:\n  public:\n    tables:\n      keep:\n        columns:\n          id: int\n    views:\n      v:\n        query: SELECT xmlelement(name a) AS e\n",
        None,
    );
    let mut plan = db.plan(&desired, &rules).expect("plan");
    let step = plan
        .steps
        .iter_mut()
        .find(|s| s.description == "create view public.v")
        .expect("view step");
    assert_eq!(step.sql.len(), 1, "{:?}", step.sql);
    step.sql[0].push_str("; DROP TABLE public.keep");
    let err = reconcile::apply::run_steps(&mut db.client(), &plan).expect_err("refused");
    assert!(
        err.to_string()
            .contains("cannot insert multiple commands into a prepared statement"),
        "{err}"
    );
    assert_eq!(
        db.query_i64("SELECT count(*) FROM pg_class WHERE relname IN ('keep', 'v')"),
        1
    );
}
