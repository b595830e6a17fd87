//! Faults and concurrency against the real database: the apply's backend is
//! terminated at each step of a multi-step plan in turn, and several applies
//! run at once. Afterwards the database is exactly as before (the
//! transactional part) and a rerun converges. Introspection's extra
//! connections: a failed catalog query is never run twice, a worker that
//! cannot connect hands its queries back.

mod common;

use common::{TestDb, load};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BEFORE: &str = "
CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE t2 (id int PRIMARY KEY);
CREATE TABLE t3 (id int PRIMARY KEY); CREATE TABLE t4 (id int PRIMARY KEY);
INSERT INTO t1 VALUES (1); INSERT INTO t2 VALUES (2); INSERT INTO t3 VALUES (3); INSERT INTO t4 VALUES (4);
";

const DESIRED: &str = "# four tables change, one gets an index built concurrently
schemas:
  public:
    tables:
      t1:
        columns:
          id: { type: int, primary_key: true }
          a: text
      t2:
        columns:
          id: { type: int, primary_key: true }
          b: { type: int, default: 0 }
      t3:
        columns:
          id: { type: int, primary_key: true }
          c: text
      t4:
        columns:
          id: { type: int, primary_key: true }
        indexes:
          t4_id_idx: { expressions: [\"(id * 2)\"] }
";

fn spawn_apply(dir: &std::path::Path, url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args([
            "apply",
            "--yes",
            "--lock-timeout",
            "60s",
            "--database-url",
            url,
        ])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reconcile")
}

/// The pid of the apply's backend once it waits on a lock.
fn wait_for_blocked_apply(db: &TestDb) -> i32 {
    let start = Instant::now();
    loop {
        let row = db
            .client()
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'reconcile' AND datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .expect("query");
        if let Some(row) = row {
            return row.get(0);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the apply never blocked"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn fingerprint(db: &TestDb, schema: &str) -> String {
    let (desired, ignore) = load(schema, None);
    let catalog = db.introspect(&desired, &ignore);
    reconcile::plan::fingerprint(&catalog.schema, &catalog.graph)
}

fn workdir(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("schema.yaml"), schema).expect("write");
    dir
}

/// For each transactional step in turn: blocks the apply at that step (a
/// lock held on its table), interrupts it with `interrupt`, releases the
/// lock, and checks that the database is exactly as before, the rows are
/// kept and a rerun converges.
fn interrupt_at_each_transactional_step(interrupt: impl Fn(&TestDb, Child, i32, &str)) {
    for table in ["t1", "t2", "t3"] {
        let db = TestDb::new();
        db.execute(BEFORE);
        let before = fingerprint(&db, DESIRED);
        let dir = workdir(DESIRED);
        let mut holder = db.client();
        let mut tx = holder.transaction().expect("tx");
        tx.batch_execute(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            .expect("lock");
        let child = spawn_apply(dir.path(), &db.url, &[]);
        let pid = wait_for_blocked_apply(&db);
        interrupt(&db, child, pid, table);
        tx.rollback().expect("release");
        // The server ends an orphaned session and rolls its transaction back.
        let start = Instant::now();
        while db.query_bool(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'reconcile' AND datname = current_database())",
        ) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{table}: the interrupted session stayed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            fingerprint(&db, DESIRED),
            before,
            "{table}: the database changed"
        );
        assert!(db.query_bool("SELECT (SELECT count(*) FROM t1) + (SELECT count(*) FROM t4) = 2"));
        let out = spawn_apply(dir.path(), &db.url, &[])
            .wait_with_output()
            .expect("rerun");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (desired, ignore) = load(DESIRED, None);
        assert!(db.plan(&desired, &ignore).expect("plan").is_empty());
    }
}

#[test]
fn terminating_the_apply_at_each_transactional_step_changes_nothing() {
    interrupt_at_each_transactional_step(|db, child, pid, table| {
        db.client()
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .expect("terminate");
        let out = child.wait_with_output().expect("wait");
        assert_ne!(out.status.code(), Some(0), "{table}: the apply must fail");
    });
}

#[test]
fn killing_reconcile_at_each_transactional_step_changes_nothing() {
    interrupt_at_each_transactional_step(|_, mut child, _, _| {
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    });
}

#[test]
fn an_interrupted_concurrent_index_build_is_rebuilt_on_the_next_run() {
    let db = TestDb::new();
    db.execute(BEFORE);
    let dir = workdir(DESIRED);
    // An open snapshot makes CREATE INDEX CONCURRENTLY wait after it has
    // created the (still invalid) index.
    let mut holder = db.client();
    let mut tx = holder
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .expect("tx");
    tx.query("SELECT 1", &[]).expect("snapshot");
    let child = spawn_apply(dir.path(), &db.url, &[]);
    let pid = wait_for_blocked_apply(&db);
    db.client()
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .expect("terminate");
    let out = child.wait_with_output().expect("wait");
    assert_ne!(out.status.code(), Some(0));
    tx.rollback().expect("release");
    // The transactional part committed; the index is left invalid.
    assert!(db.query_bool("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't3' AND column_name = 'c')"));
    assert!(db.query_bool(
        "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 't4_id_idx'::regclass"
    ));
    let (desired, ignore) = load(DESIRED, None);
    let plan = db.plan(&desired, &ignore).expect("plan");
    let text = plan.to_text();
    assert!(
        text.contains("- drop index t4_id_idx") && text.contains("+ create index t4_id_idx"),
        "{text}"
    );
    let out = spawn_apply(dir.path(), &db.url, &[])
        .wait_with_output()
        .expect("rerun");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        db.query_bool("SELECT indisvalid FROM pg_index WHERE indexrelid = 't4_id_idx'::regclass")
    );
    assert!(db.plan(&desired, &ignore).expect("plan").is_empty());
}

#[test]
fn eight_applies_at_once_serialise_and_converge() {
    let db = TestDb::new();
    db.execute(BEFORE);
    let other = DESIRED.replace(
        "          c: text\n",
        "          c: text\n          d: int\n",
    );
    let dir_a = workdir(DESIRED);
    let dir_b = workdir(&other);
    let children: Vec<Child> = (0..8)
        .map(|i| {
            let dir = if i % 2 == 0 { &dir_a } else { &dir_b };
            spawn_apply(dir.path(), &db.url, &["--allow-destructive"])
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(3),
            "each apply succeeds or is refused: {:?} {}",
            code,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (a, ignore) = load(DESIRED, None);
    let (b, _) = load(&other, None);
    let in_a = db.plan(&a, &ignore).expect("plan a").is_empty();
    let in_b = db.plan(&b, &ignore).expect("plan b").is_empty();
    assert!(
        in_a || in_b,
        "the database ends in one of the desired states"
    );
    let failed = db.query_i64("SELECT count(*) FROM reconcile.history WHERE outcome <> 'success'");
    assert_eq!(failed, 0, "no apply failed half-way");
}

/// Introspection's extra connections: a catalog query that fails on one of
/// them is not run again on the main connection. `columns.sql` (a worker's
/// query) reads `pg_attrdef`; with that catalog locked, the worker's lock
/// timeout is the result, and the main connection never waited for it.
#[test]
fn a_catalog_query_failing_on_a_worker_is_not_run_again() {
    use reconcile::error::Error;
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};

    let db = TestDb::new();
    db.execute("CREATE TABLE t (id int PRIMARY KEY, a text DEFAULT 'x')");
    let (desired, ignore) = load("schemas:\n  public: {}\n", None);
    // Every connection but the workers' is made before the lock is taken.
    let mut client = db.client();
    client.batch_execute("SET lock_timeout = '500ms'").unwrap();
    let main_pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let mut watch = db.client();
    let mut locker = db.client();
    let mut lock = locker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE pg_catalog.pg_attrdef IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let done = AtomicBool::new(false);
    let (result, waiters) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut seen = BTreeSet::new();
            while !done.load(Ordering::SeqCst) {
                let rows = watch
                    .query(
                        "SELECT pid FROM pg_catalog.pg_locks
                         WHERE NOT granted AND relation = 'pg_catalog.pg_attrdef'::regclass
                           AND database = (SELECT oid FROM pg_catalog.pg_database
                                           WHERE datname = current_database())",
                        &[],
                    )
                    .unwrap();
                seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
                std::thread::sleep(Duration::from_millis(10));
            }
            seen
        });
        let result = reconcile::introspect::introspect_with(
            &mut client,
            Some(&db.url),
            &desired.schema.schemas,
            &ignore,
        );
        done.store(true, Ordering::SeqCst);
        (result, watcher.join().unwrap())
    });
    lock.rollback().unwrap();
    assert!(
        matches!(result, Err(Error::Lock(_))),
        "a worker's lock timeout stays a lock timeout: {result:?}"
    );
    assert!(!waiters.is_empty(), "a worker waited for pg_attrdef");
    assert!(
        !waiters.contains(&main_pid),
        "the main connection ran the worker's query again: waiters {waiters:?}, main {main_pid}"
    );
}

/// A worker that cannot connect hands its share back: the main connection
/// runs those queries, and the result is what one connection reads.
#[test]
fn workers_that_cannot_connect_leave_their_queries_to_the_main_connection() {
    let db = TestDb::new();
    db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, a text DEFAULT 'x' CHECK (a <> ''));
         CREATE INDEX t_a_idx ON t (a);
         CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t (id));
         CREATE VIEW v AS SELECT a FROM t;",
    );
    let (desired, ignore) = load("schemas:\n  public: {}\n", None);
    let alone =
        reconcile::introspect::introspect(&mut db.client(), &desired.schema.schemas, &ignore)
            .expect("introspect on one connection");
    // Nothing listens on port 1: the workers' connections are refused.
    let handed_back = reconcile::introspect::introspect_with(
        &mut db.client(),
        Some("postgres://postgres@127.0.0.1:1/nowhere"),
        &desired.schema.schemas,
        &ignore,
    )
    .expect("the workers' queries run on the main connection");
    assert_eq!(alone.schema, handed_back.schema);
    assert_eq!(alone.graph, handed_back.graph);
    assert!(
        alone
            .schema
            .tables
            .values()
            .any(|t| !t.columns.is_empty() && !t.indexes.is_empty()),
        "columns and indexes (the workers' queries) were read: {:?}",
        alone.schema
    );
}
