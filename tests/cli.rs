//! The binary, run as users run it: exit codes, messages, and that bad input
//! or a refused apply leaves the database untouched.

mod common;

use common::{TestDb, run_in, workdir};
use std::path::Path;
use std::process::Command;

fn table_count(db: &TestDb) -> i64 {
    db.query_i64("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'v', 'm', 'S')")
}

const SMALL: &str = "# two tables\nschemas:\n  public:\n    tables:\n      teams:\n        columns:\n          id: { type: bigint, primary_key: true }\n      users:\n        columns:\n          id: { type: bigint, primary_key: true }\n          team_id: { type: bigint, references: teams.id }\n";

fn assert_invalid(schema: &str, expected: &str) {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", schema)]);
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains(expected),
        "expected `{expected}` in:\n{}",
        out.stderr
    );
    assert_eq!(
        table_count(&db),
        0,
        "invalid input must not change the database"
    );
}

#[test]
fn bad_yaml_names_file_line_and_column() {
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns: [unclosed\n",
        "schema.yaml:",
    );
    let dir = workdir(&[(
        "schema.yaml",
        "schemas:\n  public:\n    tables:\n      t:\n        colums:\n          a: int\n",
    )]);
    let out = run_in(dir.path(), &["validate"]);
    insta::assert_snapshot!(out.stderr, @"error: schema.yaml:5:9: schemas.public.tables.t: unknown field `colums`, expected one of `columns`, `primary_key`, `unique`, `checks`, `foreign_keys`, `indexes`, `comment`, `renamed_from` (did you mean `columns`?)");
    assert_eq!(out.code, 1);
}

#[test]
fn unknown_type_is_rejected_with_a_suggestion() {
    let schema = "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: { type: integr }\n";
    let dir = workdir(&[("schema.yaml", schema)]);
    let out = run_in(dir.path(), &["validate"]);
    insta::assert_snapshot!(out.stderr, @"error: schema.yaml:6:16: schemas.public.tables.t.columns.a.type: unknown type `integr` (did you mean `integer`?)");
    assert_invalid(schema, "unknown type `integr`");
}

#[test]
fn references_to_undeclared_things_are_rejected() {
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          email: text\n        indexes:\n          x: { columns: [emial] }\n",
        "schemas.public.tables.users.indexes.x.columns[0]: column `emial` is not declared in table `public.users` (did you mean `email`?)",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          team_id: { type: int, references: teams.id }\n",
        "references table `public.teams`, which is not declared",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          email: text\n    views:\n      v:\n        query: SELECT email FROM user_list\n",
        "the query reads `public.user_list`, which is not declared",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      users:\n        columns:\n          email: text\n        checks:\n          c: \"emal <> ''\"\n",
        "the check names column `emal`, which the table does not declare (did you mean `email`?)",
    );
}

#[test]
fn contradictions_are_rejected() {
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: int\n          b: { type: int, generated: a * 2, default: 0 }\n",
        "a generated column cannot also have a default",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: int\n      t2:\n        columns:\n          a: int\n        indexes:\n          t: { columns: [a] }\n",
        "is used by more than one object",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: int\n          a: text\n",
        "duplicate",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: { type: int, default: \"lower(\" }\n",
        "invalid SQL expression",
    );
}

#[test]
fn empty_schema_file_is_an_error() {
    assert_invalid("", "the file is empty");
    assert_invalid("# only a comment\n", "the file is empty");
    assert_invalid("schemas: {}\n", "no schemas declared");
}

#[test]
fn declared_and_ignored_is_an_error() {
    let db = TestDb::new();
    let dir = workdir(&[
        ("schema.yaml", SMALL),
        ("ignore.yaml", "tables: [\"team*\"]\n"),
    ]);
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("table `public.teams` is declared but also ignored (by `team*`)"),
        "{}",
        out.stderr
    );
    assert_eq!(table_count(&db), 0);
}

#[test]
fn plan_without_database_prints_full_ddl() {
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(dir.path(), &["plan"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("CREATE TABLE public.teams"));
    assert!(out.stdout.contains("planned against an empty database"));
    let out = run_in(dir.path(), &["plan", "--check"]);
    assert_eq!(out.code, 2);
    let out = run_in(dir.path(), &["plan", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json plan");
    assert_eq!(json["steps"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["steps"][2]["action"], "create");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `reconcile plan | head`: the reader is gone before anything is written.
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .arg("plan")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .stdout(writer)
        .output()
        .expect("run reconcile");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plan_check_exit_codes_against_a_database() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let url = db.url.as_str();
    assert_eq!(
        run_in(dir.path(), &["plan", "--check", "--database-url", url]).code,
        2
    );
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Applied 3 step(s)"));
    let out = run_in(
        dir.path(),
        &["plan", "--detailed-exitcode", "--database-url", url],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("-- no changes"));
}

#[test]
fn destructive_apply_is_refused_without_the_flag() {
    let db = TestDb::new();
    db.execute("CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id), legacy text); INSERT INTO users VALUES (1, NULL, 'keep');");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("drop column public.users.legacy"),
        "{}",
        out.stderr
    );
    assert!(db.query_bool("SELECT legacy = 'keep' FROM users"));
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--allow-destructive",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(db.query_bool(
        "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'legacy')"
    ));
}

#[test]
fn dry_run_and_missing_confirmation_change_nothing() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--dry-run",
            "--format",
            "sql",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("CREATE TABLE public.users"));
    assert_eq!(table_count(&db), 0);
    let out = run_in(dir.path(), &["apply", "--database-url", &db.url]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    assert_eq!(table_count(&db), 0);
}

#[test]
fn diff_between_two_files() {
    let new = SMALL.replace(
        "          team_id: { type: bigint, references: teams.id }\n",
        "          team_id: { type: bigint, references: teams.id }\n          email: text\n",
    );
    let dir = workdir(&[("old.yaml", SMALL), ("new.yaml", &new)]);
    let out = run_in(
        dir.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "text"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout, @r"
    Plan against an empty database: 1 step (1 create).

      + add column public.users.email
    ");
    assert_eq!(
        run_in(dir.path(), &["diff", "old.yaml", "new.yaml", "--check"]).code,
        2
    );
    assert_eq!(
        run_in(dir.path(), &["diff", "old.yaml", "old.yaml", "--check"]).code,
        0
    );
}

#[test]
fn validate_and_graph_work_offline() {
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(dir.path(), &["validate"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("is valid: 1 schema(s), 2 table(s)"),
        "{}",
        out.stdout
    );
    let out = run_in(dir.path(), &["graph"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("digraph plan {"));
    assert!(
        out.stdout.contains("->"),
        "the foreign key depends on both tables: {}",
        out.stdout
    );
}

#[test]
fn passwords_are_never_printed() {
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &[
            "plan",
            "--database-url",
            "postgres://someone:s3cr3t-pw@127.0.0.1:1/nowhere",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("could not connect"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cr3t-pw") && !out.stdout.contains("s3cr3t-pw"));
    let out = run_in(
        dir.path(),
        &[
            "plan",
            "--database-url",
            "postgres://someone:s3cr3t-pw@[bad",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains("s3cr3t-pw"), "{}", out.stderr);
}

#[test]
fn a_second_apply_is_refused_while_the_advisory_lock_is_held() {
    let db = TestDb::new();
    let mut holder = db.client();
    holder
        .execute(
            "SELECT pg_advisory_lock($1)",
            &[&reconcile::apply::ADVISORY_LOCK_KEY],
        )
        .expect("lock");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--lock-timeout",
            "300ms",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("advisory lock"), "{}", out.stderr);
    assert_eq!(table_count(&db), 0);
}

#[test]
fn a_table_lock_not_obtained_exits_3_and_changes_nothing() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY);",
    );
    let mut holder = db.client();
    let mut tx = holder.transaction().expect("tx");
    tx.batch_execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--lock-timeout",
            "300ms",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("public.users"), "{}", out.stderr);
    tx.rollback().expect("rollback");
    assert!(db.query_bool("SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'team_id')"));
}

/// The example at the repository root stays valid and applies cleanly.
#[test]
fn example_schema_applies_and_converges() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let db = TestDb::new();
    let out = run_in(root, &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = run_in(root, &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn sigterm_cancels_the_running_statement_and_rolls_back() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY);",
    );
    // Hold a lock so that the apply's step waits inside the server.
    let mut holder = db.client();
    let mut tx = holder.transaction().expect("tx");
    tx.batch_execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let child = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args([
            "apply",
            "--yes",
            "--lock-timeout",
            "60s",
            "--database-url",
            &db.url,
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the apply is blocked on the lock.
    let start = std::time::Instant::now();
    while !db.query_bool("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'reconcile' AND datname = current_database() AND wait_event_type = 'Lock')") {
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "apply never waited on the lock");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let signalled = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert!(
        signalled.elapsed() < std::time::Duration::from_secs(5),
        "apply did not stop within seconds"
    );
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted"), "{stderr}");
    tx.rollback().expect("rollback");
    assert!(db.query_bool("SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'team_id')"));
}

fn status_of(dir: &Path, url: &str) -> (i32, String) {
    let out = run_in(dir, &["status", "--database-url", url]);
    let first = out.stdout.lines().next().unwrap_or_default().to_string();
    (out.code, first)
}

#[test]
fn status_names_all_five_states() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    assert_eq!(
        status_of(dir.path(), &db.url),
        (2, "status: fresh".to_string())
    );
    db.execute("CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id));");
    assert_eq!(
        status_of(dir.path(), &db.url),
        (0, "status: unmanaged-in-sync".to_string())
    );
    db.execute("ALTER TABLE users ADD COLUMN extra text;");
    let out = run_in(dir.path(), &["status", "--database-url", &db.url]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.starts_with("status: unmanaged-drifted"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("- drop column public.users.extra"),
        "{}",
        out.stdout
    );
    db.execute("ALTER TABLE users DROP COLUMN extra;");
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("No changes to apply; recorded as history #1."),
        "{}",
        out.stdout
    );
    assert_eq!(
        status_of(dir.path(), &db.url),
        (0, "status: managed-in-sync".to_string())
    );
    db.execute("CREATE INDEX users_team_idx ON users (team_id);");
    let out = run_in(
        dir.path(),
        &["status", "--format", "json", "--database-url", &db.url],
    );
    assert_eq!(out.code, 2);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(json["state"], "managed-drifted");
    assert_eq!(json["database_changed_since_last_apply"], true);
    assert_eq!(
        json["drift"][0]["description"],
        "drop index users_team_idx on public.users"
    );
}

#[test]
fn history_records_applies_and_failures() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(dir.path(), &["history", "--database-url", &db.url]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "No applies recorded.\n")
    );
    assert_eq!(
        run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]).code,
        0
    );
    // A failing apply the preflight cannot foresee (rows violating a new
    // rule are refused before the transaction): a default that fails to
    // evaluate for the existing row.
    db.execute("INSERT INTO teams VALUES (-1);");
    let failing = SMALL.replace("          id: { type: bigint, primary_key: true }\n      users:", "          id: { type: bigint, primary_key: true }\n          name: { type: int, default: \"1 / 0\" }\n      users:");
    std::fs::write(dir.path().join("failing.yaml"), failing).expect("write");
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--schema",
            "failing.yaml",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("rolled back"), "{}", out.stderr);
    let out = run_in(
        dir.path(),
        &["history", "--format", "json", "--database-url", &db.url],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(json[0]["id"], 2);
    assert_eq!(json[0]["outcome"], "failed");
    assert!(
        json[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("name")),
        "{}",
        json[0]
    );
    assert_eq!(json[1]["outcome"], "success");
    assert_eq!(json[1]["steps"], 3);
    assert_eq!(json[1]["schema_text"], SMALL);
    assert!(
        json[1]["plan_sql"]
            .as_str()
            .is_some_and(|p| p.contains("CREATE TABLE public.teams"))
    );
    // The history table is never part of a plan.
    let out = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn saved_plan_applies_only_on_the_planned_database() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &["plan", "--out", "plan.sql", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Someone changes the database after the plan was reviewed.
    db.execute("CREATE TABLE surprise (id int);");
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "plan.sql",
            "--yes",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the database changed since the plan was made"),
        "{}",
        out.stderr
    );
    assert!(db.query_bool("SELECT to_regclass('public.teams') IS NULL"));
    db.execute("DROP TABLE surprise;");
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "plan.sql",
            "--yes",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("the database matches schema.yaml"),
        "{}",
        out.stdout
    );
    assert_eq!(
        run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]).code,
        0
    );
    // An offline plan carries the fingerprint of an empty database.
    let fresh = TestDb::new();
    assert_eq!(
        run_in(dir.path(), &["plan", "--out", "offline.sql"]).code,
        0
    );
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "offline.sql",
            "--yes",
            "--database-url",
            &fresh.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "offline.sql",
            "--yes",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(
        out.code, 3,
        "a plan for an empty database must not run on a full one"
    );
}

#[test]
fn saved_plan_with_data_loss_needs_the_flag() {
    let db = TestDb::new();
    db.execute("CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id), old text);");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    assert_eq!(
        run_in(
            dir.path(),
            &["plan", "--out", "plan.sql", "--database-url", &db.url]
        )
        .code,
        0
    );
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "plan.sql",
            "--yes",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(db.query_bool(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'old')"
    ));
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "plan.sql",
            "--yes",
            "--allow-destructive",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(db.query_bool(
        "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'old')"
    ));
}

#[test]
fn rollback_returns_to_an_earlier_schema() {
    let db = TestDb::new();
    let v2 = SMALL.replace(
        "          team_id: { type: bigint, references: teams.id }\n",
        "          team_id: { type: bigint, references: teams.id }\n          email: text\n",
    );
    let dir = workdir(&[("schema.yaml", SMALL), ("v2.yaml", &v2)]);
    let out = run_in(
        dir.path(),
        &["rollback", "--yes", "--database-url", &db.url],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("no earlier successful apply"),
        "{}",
        out.stderr
    );
    assert_eq!(
        run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]).code,
        0
    );
    assert_eq!(
        run_in(
            dir.path(),
            &[
                "apply",
                "--yes",
                "--schema",
                "v2.yaml",
                "--database-url",
                &db.url
            ]
        )
        .code,
        0
    );
    db.execute("INSERT INTO users (id, email) VALUES (1, 'a@x');");
    // Going back drops users.email: refused without the flag.
    let out = run_in(
        dir.path(),
        &["rollback", "--yes", "--database-url", &db.url],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(db.query_bool("SELECT email = 'a@x' FROM users"));
    let out = run_in(
        dir.path(),
        &[
            "rollback",
            "--yes",
            "--allow-destructive",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("- drop column public.users.email"),
        "{}",
        out.stdout
    );
    assert_eq!(
        run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]).code,
        0
    );
    // And forward again to the v2 apply by id.
    let out = run_in(
        dir.path(),
        &["rollback", "--to", "2", "--yes", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        run_in(
            dir.path(),
            &[
                "plan",
                "--check",
                "--schema",
                "v2.yaml",
                "--database-url",
                &db.url
            ]
        )
        .code,
        0
    );
    let out = run_in(dir.path(), &["history", "--database-url", &db.url]);
    assert!(
        out.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("rollback")),
        "{}",
        out.stdout
    );
}

#[test]
fn import_writes_a_schema_that_plans_to_nothing() {
    let db = TestDb::new();
    db.execute("CREATE TYPE mood AS ENUM ('ok', 'meh'); CREATE TABLE teams (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, mood mood DEFAULT 'ok'); CREATE TABLE users (id serial PRIMARY KEY, team_id bigint REFERENCES teams (id) ON DELETE CASCADE, email varchar(200) CHECK (email LIKE '%@%')); CREATE INDEX users_email_lower ON users (lower(email)) WHERE team_id IS NOT NULL; CREATE VIEW team_users AS SELECT t.name, u.email FROM teams t JOIN users u ON u.team_id = t.id; CREATE TABLE dgs_lessons (id int);");
    let dir = workdir(&[("ignore.yaml", "tables: [dgs_lessons]\n")]);
    let out = run_in(
        dir.path(),
        &["import", "--out", "schema.yaml", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let yaml = std::fs::read_to_string(dir.path().join("schema.yaml")).expect("imported file");
    assert!(
        yaml.contains("id: { type: serial, primary_key: true }"),
        "{yaml}"
    );
    assert!(
        yaml.contains("team_id: { type: bigint, references: teams.id, on_delete: cascade }"),
        "{yaml}"
    );
    assert!(
        !yaml.contains("dgs_lessons"),
        "ignored tables are not imported:\n{yaml}"
    );
    let out = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}\n{yaml}", out.stdout);
}

#[test]
fn text_and_json_plans_show_hazards() {
    let db = TestDb::new();
    db.execute("CREATE TABLE teams (id bigint PRIMARY KEY); CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id), old text);");
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(
        dir.path(),
        &["plan", "--format", "text", "--database-url", &db.url],
    );
    let text = out.stdout.lines().skip(1).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(text, @r"
    !! 1 step loses data; apply needs --allow-destructive.

      - drop column public.users.old
          ! data_loss: drops column public.users.old and its values
    ");
    let out = run_in(
        dir.path(),
        &["plan", "--format", "json", "--database-url", &db.url],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    insta::assert_snapshot!(serde_json::to_string_pretty(&json["steps"]).expect("json"), @r#"
    [
      {
        "action": "drop",
        "description": "drop column public.users.old",
        "hazards": [
          {
            "kind": "data_loss",
            "reason": "drops column public.users.old and its values"
          }
        ],
        "object": "column public.users.old",
        "sql": [
          "ALTER TABLE public.users DROP COLUMN old"
        ],
        "transactional": true
      }
    ]
    "#);
}

#[test]
fn sequence_owners_and_identity_options_are_checked() {
    let dir = workdir(&[(
        "schema.yaml",
        "schemas:\n  public:\n    sequences:\n      s: { owned_by: orders.numbr }\n    tables:\n      orders:\n        columns:\n          number: int\n",
    )]);
    let out = run_in(dir.path(), &["validate"]);
    insta::assert_snapshot!(out.stderr, @"error: schema.yaml:4:12: schemas.public.sequences.s.owned_by: `orders.numbr` names column `numbr`, which table `public.orders` does not declare (did you mean `number`?)");
    assert_eq!(out.code, 1);
    assert_invalid(
        "schemas:\n  public:\n    sequences:\n      s: { owned_by: invoices.no }\n",
        "names table `public.invoices`, which is not declared",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          id: { type: smallint, identity: { generated: always, max_value: 100000 } }\n",
        "must fit in smallint",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          id: { type: int, identity: { generated: sometimes } }\n",
        "unknown variant `sometimes`",
    );
}

#[test]
fn sql_the_parser_cannot_read_is_one_statement_or_refused() {
    // Kept as written, it still may not carry a second statement, nor close
    // the parenthesis the DDL wraps an expression in.
    assert_invalid(
        "schemas:\n  public:\n    views:\n      v:\n        query: \"SELECT xmlelement(name a); DROP TABLE t\"\n",
        "schemas.public.views.v.query: invalid query: sql parser error: Expected: ), found: a at Line: 1, Column: 24 (it holds more than one statement)",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          x: { type: xml, default: \"xmlelement(name a); DROP TABLE t; --\" }\n",
        "(an expression cannot contain `;`)",
    );
    assert_invalid(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          x: xml\n        checks:\n          c: \"xmlexists('//a' PASSING BY REF x)) OR (true\"\n",
        "schemas.public.tables.t.checks.c: invalid SQL expression",
    );
    // One that is a single statement is planned, and reported as kept.
    let dir = workdir(&[(
        "schema.yaml",
        "schemas:\n  public:\n    views:\n      v:\n        query: \"SELECT xmlelement(name a, ';') AS e -- ; DROP TABLE t\"\n",
    )]);
    let out = run_in(dir.path(), &["plan"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("-- kept as written, not parsed (compared as text): view public.v"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "CREATE VIEW public.v AS SELECT xmlelement(name a, ';') AS e -- ; DROP TABLE t\n;"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn import_keeps_what_the_parser_cannot_read_and_plans_to_nothing() {
    let db = TestDb::new();
    db.execute("CREATE TABLE docs (id int PRIMARY KEY, body xml, name text DEFAULT xmlserialize(content xmlelement(name a, 'x') AS text) CHECK (xmlexists('//item' PASSING BY REF body))); CREATE INDEX docs_x ON docs ((xmlelement(name n, name)::text)); CREATE VIEW doc_items AS SELECT d.id, x.item FROM docs d, XMLTABLE('/root/item' PASSING d.body COLUMNS item text PATH '.') x; CREATE VIEW pairs AS SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS r(a, b);");
    let dir = workdir(&[]);
    let out = run_in(
        dir.path(),
        &["import", "--out", "schema.yaml", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let yaml = std::fs::read_to_string(dir.path().join("schema.yaml")).expect("imported file");
    assert!(yaml.contains("XMLTABLE("), "{yaml}");
    let out = run_in(dir.path(), &["validate"]);
    assert_eq!(out.code, 0, "{}\n{yaml}", out.stderr);
    let out = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}\n{yaml}", out.stdout);
    // Built from the file on an empty database, everything is created after
    // what it reads.
    let empty = TestDb::new();
    let out = run_in(
        dir.path(),
        &["apply", "--yes", "--database-url", &empty.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        empty.query_i64("SELECT count(*) FROM pg_views WHERE schemaname = 'public'"),
        2
    );
}

#[test]
fn json_plans_carry_preconditions_and_cleanups() {
    let db = TestDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY, n int)");
    let dir = workdir(&[(
        "schema.yaml",
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          id: { type: int, primary_key: true }\n          n: int\n        checks:\n          t_n_positive: n > 0\n",
    )]);
    let out = run_in(
        dir.path(),
        &["plan", "--format", "json", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let validate = &json["steps"][1];
    insta::assert_snapshot!(serde_json::to_string_pretty(&[&validate["description"], &validate["precondition"], &validate["on_failure"]]).expect("json"), @r#"
    [
      "validate constraint t_n_positive on public.t",
      {
        "condition": {
          "expr": "n > 0",
          "kind": "check",
          "name": "t_n_positive"
        },
        "key": [
          "id"
        ],
        "table": {
          "name": "t",
          "schema": "public"
        }
      },
      [
        "ALTER TABLE public.t DROP CONSTRAINT IF EXISTS t_n_positive"
      ]
    ]
    "#);
    // The first step, which cannot fail on existing rows, carries neither.
    assert!(json["steps"][0].get("precondition").is_none());
    assert!(json["steps"][0].get("on_failure").is_none());
}

#[test]
fn objects_reconcile_does_not_manage_are_listed_kept_and_never_dropped() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, updated_at timestamptz);
         CREATE TABLE notes (id bigint PRIMARY KEY, body text);
         CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
         CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
             FOR EACH ROW EXECUTE FUNCTION set_updated_at();
         CREATE RULE users_no_delete AS ON DELETE TO users DO INSTEAD NOTHING;
         CREATE SCHEMA reporting;
         CREATE VIEW reporting.emails AS SELECT id, email FROM public.users;",
    );
    // import names each of them in its header, and its file plans to nothing
    let dir = workdir(&[]);
    let out = run_in(
        dir.path(),
        &["import", "--schemas", "public", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "#   function public.set_updated_at()",
        "#   trigger users_set_updated_at on table public.users",
        "#   rule users_no_delete on table public.users",
        "#   view reporting.emails",
    ] {
        assert!(out.stdout.contains(line), "{line} missing:\n{}", out.stdout);
    }
    std::fs::write(dir.path().join("schema.yaml"), &out.stdout).expect("write");
    let plan = run_in(dir.path(), &["plan", "--database-url", &db.url]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("-- no changes"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains(
            "-- not managed (left as they are, never dropped with what they depend on): \
             1 function, 1 rule, 1 trigger, 1 view"
        ),
        "{}",
        plan.stdout
    );
    // dropping the table they hang on, and retyping the column the view
    // reads, is refused before anything runs, naming all of them
    std::fs::write(
        dir.path().join("schema.yaml"),
        "schemas:\n  public:\n    tables:\n      notes:\n        columns:\n          id: { type: bigint, primary_key: true }\n          body: varchar(200)\n",
    )
    .expect("write");
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--allow-destructive",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    for name in [
        "trigger users_set_updated_at on table public.users, broken by `drop table public.users`",
        "rule users_no_delete on table public.users, broken by `drop table public.users`",
        "view reporting.emails, broken by `drop table public.users`",
    ] {
        assert!(out.stderr.contains(name), "{name} missing:\n{}", out.stderr);
    }
    assert!(
        db.query_bool("SELECT count(*) = 1 FROM pg_trigger WHERE tgname = 'users_set_updated_at'")
    );
    assert!(db.query_bool(
        "SELECT format_type(atttypid, atttypmod) = 'text' FROM pg_attribute \
         WHERE attrelid = 'public.notes'::regclass AND attname = 'body'"
    ));
    // a trigger added since a plan was saved changes the fingerprint
    std::fs::write(
        dir.path().join("schema.yaml"),
        &run_in(
            dir.path(),
            &["import", "--schemas", "public", "--database-url", &db.url],
        )
        .stdout,
    )
    .expect("write");
    let saved = run_in(
        dir.path(),
        &["plan", "--out", "plan.sql", "--database-url", &db.url],
    );
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    db.execute(
        "CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION set_updated_at()",
    );
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--plan",
            "plan.sql",
            "--yes",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("fingerprint"), "{}", out.stderr);
}

#[test]
fn status_recognises_a_fingerprint_an_earlier_version_recorded() {
    let db = TestDb::new();
    let dir = workdir(&[("schema.yaml", SMALL)]);
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let changed = |db: &TestDb| {
        let out = run_in(
            dir.path(),
            &["status", "--format", "json", "--database-url", &db.url],
        );
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        (out.code, json["database_changed_since_last_apply"].clone())
    };
    assert_eq!(changed(&db), (0, serde_json::Value::Bool(false)));
    // What versions before the versioned fingerprint recorded: the model's JSON hash.
    let (desired, ignore) = common::load(SMALL, None);
    let legacy = reconcile::plan::fingerprint::legacy(&db.introspect(&desired, &ignore).schema);
    db.execute(&format!(
        "UPDATE reconcile.history SET fingerprint_after = '{legacy}'"
    ));
    assert_eq!(changed(&db), (0, serde_json::Value::Bool(false)));
    db.execute("UPDATE reconcile.history SET fingerprint_after = repeat('0', 64)");
    assert_eq!(changed(&db).1, serde_json::Value::Bool(true));
}

#[test]
fn an_index_with_key_options_not_modelled_yet_is_kept_listed_and_never_taken_for_a_plain_one() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, body jsonb);
         CREATE INDEX events_at_idx ON events (at DESC NULLS LAST);
         CREATE INDEX events_body_idx ON events USING gin (body jsonb_path_ops);",
    );
    let dir = workdir(&[]);
    let out = run_in(
        dir.path(),
        &["import", "--schemas", "public", "--database-url", &db.url],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("#   index public.events_at_idx\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("#   index public.events_body_idx\n"),
        "{}",
        out.stdout
    );
    std::fs::write(dir.path().join("schema.yaml"), &out.stdout).expect("write");
    let plan = run_in(dir.path(), &["plan", "--check", "--database-url", &db.url]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    // Declaring it without its options would plan a second index of the same name.
    std::fs::write(
        dir.path().join("schema.yaml"),
        "schemas:\n  public:\n    tables:\n      events:\n        columns:\n          id: { type: bigint, primary_key: true }\n          at: timestamptz\n          body: jsonb\n        indexes:\n          events_at_idx: { columns: [at] }\n",
    )
    .expect("write");
    let out = run_in(dir.path(), &["apply", "--yes", "--database-url", &db.url]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("index public.events_at_idx holds the name `create index events_at_idx on public.events` needs"),
        "{}",
        out.stderr
    );
    assert!(db.query_bool(
        "SELECT indexdef LIKE '%(at DESC NULLS LAST)' FROM pg_indexes WHERE indexname = 'events_at_idx'"
    ));
    // Dropping a column it reads would take it along: refused, naming it.
    std::fs::write(
        dir.path().join("schema.yaml"),
        "schemas:\n  public:\n    tables:\n      events:\n        columns:\n          id: { type: bigint, primary_key: true }\n          body: jsonb\n",
    )
    .expect("write");
    let out = run_in(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--allow-destructive",
            "--database-url",
            &db.url,
        ],
    );
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("index public.events_at_idx, broken by `drop column public.events.at`"),
        "{}",
        out.stderr
    );
    assert!(db.query_bool("SELECT count(*) = 2 FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'"));
}
