//! Connections and secrets: TLS modes against the local server (which runs
//! with ssl = on and Debian's snakeoil certificate for `localhost`), and no
//! password in any output, error or history row.

mod common;

use common::{TestDb, admin_url};
use std::process::Command;

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

fn with_params(url: &str, host: &str, params: &str) -> String {
    let url = url.replacen("127.0.0.1", host, 1);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

fn ssl_in_use(url: &str) -> Result<bool, String> {
    let mut client = reconcile::connect::connect(url).map_err(|e| e.to_string())?;
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map(|r| r.get(0))
        .map_err(|e| e.to_string())
}

#[test]
fn sslmodes_behave_like_libpq() {
    let url = admin_url();
    assert_eq!(
        ssl_in_use(&with_params(&url, "127.0.0.1", "sslmode=disable")),
        Ok(false)
    );
    assert_eq!(
        ssl_in_use(&with_params(&url, "127.0.0.1", "sslmode=require")),
        Ok(true)
    );
    assert_eq!(
        ssl_in_use(&url),
        Ok(true),
        "the default is prefer, as with psql"
    );
    assert_eq!(
        ssl_in_use(&with_params(
            &url,
            "127.0.0.1",
            &format!("sslmode=verify-ca&sslrootcert={SNAKEOIL}")
        )),
        Ok(true)
    );
    assert_eq!(
        ssl_in_use(&with_params(
            &url,
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={SNAKEOIL}")
        )),
        Ok(true)
    );
    // The certificate names localhost, not 127.0.0.1.
    let wrong_name = ssl_in_use(&with_params(
        &url,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={SNAKEOIL}"),
    ));
    assert!(
        wrong_name
            .as_ref()
            .is_err_and(|e| e.contains("not valid for name")),
        "{wrong_name:?}"
    );
    // A certificate not signed by the given root is refused.
    let untrusted = ssl_in_use(&with_params(
        &url,
        "localhost",
        "sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt",
    ));
    assert!(
        untrusted
            .as_ref()
            .is_err_and(|e| e.contains("invalid peer certificate")),
        "{untrusted:?}"
    );
}

#[test]
fn passwords_never_appear_in_output_errors_or_history() {
    let db = TestDb::new();
    let secret = "Sup3r-s3cret-pw";
    let role = format!("{}_user", db.name);
    db.execute(&format!(
        "CREATE ROLE \"{role}\" LOGIN SUPERUSER PASSWORD '{secret}'"
    ));
    let url = db
        .url
        .replacen("postgres@", &format!("{role}:{secret}@"), 1);
    assert!(url.contains(secret));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("schema.yaml"),
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: int\n          b: { type: int, not_null: true }\n",
    )
    .expect("write");
    let run = |args: &[&str], env_url: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reconcile"));
        cmd.args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL");
        if let Some(u) = env_url {
            cmd.env("DATABASE_URL", u);
        }
        let out = cmd.output().expect("run");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let mut outputs = vec![
        run(&["apply", "--yes", "--database-url", &url], None),
        run(&["plan", "--format", "json"], Some(&url)),
        run(&["status"], Some(&url)),
        run(&["history", "--format", "json"], Some(&url)),
        run(&["import"], Some(&url)),
        // Errors: a wrong database name, an unreachable port, a bad URL, --help.
        run(
            &[
                "plan",
                "--database-url",
                &url.replace(&db.name, "no_such_db"),
            ],
            None,
        ),
        run(
            &["plan", "--database-url", &url.replace(":5432", ":1")],
            None,
        ),
        run(
            &["plan", "--database-url", &format!("{url}?sslmode=bogus")],
            None,
        ),
        run(&["plan", "--help"], Some(&url)),
    ];
    // A failing apply records its error in history.
    db.execute("INSERT INTO t VALUES (1, 1); ALTER TABLE t ALTER COLUMN b DROP NOT NULL; INSERT INTO t VALUES (2, NULL);");
    outputs.push(run(&["apply", "--yes", "--database-url", &url], None));
    for out in &outputs {
        assert!(!out.contains(secret), "password printed:\n{out}");
    }
    let rows = db.query_i64(&format!(
        "SELECT count(*) FROM reconcile.history WHERE concat_ws(' ', schema_text, plan_sql, error, db_user) LIKE '%{secret}%'"
    ));
    assert_eq!(rows, 0);
    assert!(db.query_i64("SELECT count(*) FROM reconcile.history WHERE outcome = 'failed'") >= 1);
    db.execute(&format!("DROP OWNED BY \"{role}\"; "));
    let mut admin = postgres::Client::connect(&admin_url(), postgres::NoTls).expect("admin");
    let _ = admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE); DROP ROLE IF EXISTS \"{role}\"",
        db.name
    ));
}
