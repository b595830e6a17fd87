//! One function per subcommand; each returns the exit status.

mod apply;
mod diff;
mod history;
mod import;
mod plan;
mod rollback;
mod status;

use crate::cli::{Cli, Command, Format, GlobalArgs};
use crate::error::{Error, LockError, Result};
use crate::introspect::{self, Catalog};
use crate::load::{self, Desired, IgnoreRules};
use crate::plan::{
    Plan, PlanContext,
    fingerprint::{self, fingerprint},
    make_plan,
};
use postgres::Client;
use std::collections::BTreeSet;
use std::io::Write;

/// Process exit status (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, no changes.
    Success,
    /// 2: changes present.
    Changes,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Changes => 2,
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    match cli.command {
        Command::Plan(args) => plan::run(&cli.global, &args, out, err),
        Command::Apply(args) => apply::run(&cli.global, &args, out, err),
        Command::Diff(args) => diff::run(&cli.global, &args, out),
        Command::Validate => validate(&cli.global, out),
        Command::Graph => graph(&cli.global, out),
        Command::Status(args) => status::run(&cli.global, &args, out),
        Command::History(args) => history::run(&cli.global, &args, out),
        Command::Rollback(args) => rollback::run(&cli.global, &args, out, err),
        Command::Import(args) => import::run(&cli.global, &args, out, err),
    }
}

/// Loads `ignore.yaml` and `schema.yaml`; no connection is made before both are valid.
pub fn load_inputs(global: &GlobalArgs) -> Result<(Desired, IgnoreRules)> {
    let ignore = load_ignore(global)?;
    let desired = load::load_schema_file(&global.schema, &ignore)?;
    Ok((desired, ignore))
}

/// Loads the ignore rules: `--ignore FILE` (which must exist), else
/// `ignore.yaml` when present; the history schema is always ignored.
pub(crate) fn load_ignore(global: &GlobalArgs) -> Result<IgnoreRules> {
    let (path, explicit) = match &global.ignore {
        Some(p) => (p.as_str(), true),
        None => ("ignore.yaml", false),
    };
    Ok(load::load_ignore_file(path, explicit)?.with_history_schema(&global.history_schema))
}

/// A read-only session for `command`: connects and bounds lock waits.
pub(crate) fn open_reader<'a>(
    global: &'a GlobalArgs,
    lock_timeout: &str,
    command: &str,
) -> Result<(Client, &'a str)> {
    let lock_timeout = crate::apply::parse_duration(lock_timeout)?;
    let Some(url) = &global.database_url else {
        return Err(Error::Usage(format!(
            "{command} needs a database: pass --database-url or set DATABASE_URL"
        )));
    };
    let mut client = introspect::connect(url)?;
    crate::apply::configure_session(
        &mut client,
        &crate::apply::SessionOptions {
            lock_timeout,
            statement_timeout: None,
        },
    )?;
    Ok((client, url))
}

/// Introspects the database and plans towards `desired`.
pub fn plan_database(
    client: &mut Client,
    desired: &Desired,
    ignore: &IgnoreRules,
    source: &str,
    lock_timeout: &str,
) -> Result<(Plan, Catalog)> {
    plan_database_with(client, None, desired, ignore, source, lock_timeout, None)
}

/// Like [`plan_database`]; with the URL, introspection runs its heaviest
/// catalog queries on extra connections at once. With the fingerprint the
/// history recorded (`recorded`), the context also carries the fingerprint
/// of earlier versions when that one is not today's (see
/// [`fingerprint::legacy`]).
pub fn plan_database_with(
    client: &mut Client,
    url: Option<&str>,
    desired: &Desired,
    ignore: &IgnoreRules,
    source: &str,
    lock_timeout: &str,
    recorded: Option<&str>,
) -> Result<(Plan, Catalog)> {
    let mut catalog = introspect::introspect_with(client, url, &desired.schema.schemas, ignore)
        .map_err(|e| name_lock_holders(client, desired, e))?;
    let fingerprint = fingerprint(&catalog.schema, &catalog.graph);
    let legacy_fingerprint = recorded
        .filter(|r| *r != fingerprint)
        .map(|_| fingerprint::legacy(&catalog.schema));
    introspect::align_with_server(client, &desired.schema, &mut catalog.schema)
        .map_err(|e| name_lock_holders(client, desired, e))?;
    let context = PlanContext {
        source: Some(source.to_string()),
        source_hash: Some(desired.source_hash.clone()),
        fingerprint: Some(fingerprint),
        legacy_fingerprint,
        unmanaged_schemas: catalog
            .existing_schemas
            .iter()
            .filter(|s| !desired.schema.schemas.contains(*s) && ignore.schema(s).is_none())
            .cloned()
            .collect(),
        lock_timeout: lock_timeout.to_string(),
        managed_schemas: desired.schema.schemas.iter().cloned().collect(),
        offline: false,
        migration_tables: catalog
            .migration_tables
            .iter()
            .map(ToString::to_string)
            .collect(),
        not_parsed: desired.schema.unparsed(),
        not_managed: not_managed(&catalog, ignore),
    };
    let plan = make_plan(
        &catalog.schema,
        &desired.schema,
        &catalog.existing_schemas,
        &catalog.graph,
        context,
    )?;
    Ok((plan, catalog))
}

/// A lock timeout while reading the catalog (views read the tables they
/// select from): names the locked objects and who holds them.
fn name_lock_holders(client: &mut Client, desired: &Desired, e: Error) -> Error {
    let Error::Lock(source) = e else {
        return e;
    };
    let schemas: Vec<String> = desired.schema.schemas.iter().cloned().collect();
    let holders = crate::locks::holders(client, &[], &schemas);
    LockError::Catalog { holders, source }.into()
}

/// Plans against an empty database (no URL given).
pub(crate) fn plan_offline(desired: &Desired, source: &str, lock_timeout: &str) -> Result<Plan> {
    let current = crate::model::Schema {
        schemas: desired.schema.schemas.clone(),
        ..Default::default()
    };
    let existing: BTreeSet<String> = std::iter::once("public".to_string()).collect();
    make_plan(
        &current,
        &desired.schema,
        &existing,
        &crate::graph::Graph::default(),
        PlanContext {
            source: Some(source.to_string()),
            source_hash: Some(desired.source_hash.clone()),
            fingerprint: Some(fingerprint(&current, &crate::graph::Graph::default())),
            legacy_fingerprint: None,
            unmanaged_schemas: Vec::new(),
            lock_timeout: lock_timeout.to_string(),
            managed_schemas: desired.schema.schemas.iter().cloned().collect(),
            offline: true,
            migration_tables: Vec::new(),
            not_parsed: desired.schema.unparsed(),
            not_managed: Vec::new(),
        },
    )
}

/// The objects reconcile does not manage that depend on managed ones or
/// live in the managed schemas, apart from what `ignore.yaml` leaves out
/// on purpose (and what belongs to it).
pub(crate) fn not_managed(catalog: &Catalog, ignore: &IgnoreRules) -> Vec<crate::graph::ObjectId> {
    use crate::graph::{Kind, ObjectId};
    fn ignored(id: &ObjectId, ignore: &IgnoreRules) -> bool {
        let by_rule = id.qualified().is_some_and(|qn| match id.kind {
            Kind::Table | Kind::Partition | Kind::ForeignTable => ignore.table(&qn).is_some(),
            Kind::View | Kind::MaterializedView => ignore.view(&qn).is_some(),
            Kind::Sequence => ignore.sequence(&qn).is_some(),
            Kind::Enum | Kind::Domain | Kind::CompositeType | Kind::Range | Kind::Type => {
                ignore.type_(&qn).is_some()
            }
            _ => false,
        });
        let column = id.kind == Kind::Column
            && id
                .parent
                .as_deref()
                .and_then(ObjectId::qualified)
                .is_some_and(|t| ignore.column(&t, &id.name).is_some());
        by_rule
            || column
            || id
                .schema
                .as_deref()
                .is_some_and(|s| ignore.schema(s).is_some())
            || id.parent.as_deref().is_some_and(|p| ignored(p, ignore))
    }
    let mut out: Vec<ObjectId> = catalog
        .graph
        .unmanaged()
        .into_iter()
        .filter(|id| id.kind != Kind::Schema && !ignored(id, ignore))
        .map(|id| match (&id.kind, id.parent.as_deref()) {
            // A column of an unmanaged relation is that relation.
            (Kind::Column, Some(rel))
                if rel
                    .qualified()
                    .is_none_or(|qn| !catalog.schema.tables.contains_key(&qn)) =>
            {
                rel.clone()
            }
            _ => id.clone(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Renders a plan in the chosen format.
pub(crate) fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Sql => plan.to_sql(),
        Format::Text => plan.to_text(),
        Format::Json => plan.to_json(),
    }
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes()).map_err(|e| Error::Io {
        path: "<stdout>".to_string(),
        source: e,
    })
}

fn validate(global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let (desired, _) = load_inputs(global)?;
    let s = &desired.schema;
    write_out(
        out,
        &format!(
            "{} is valid: {} schema(s), {} table(s), {} view(s), {} enum(s), {} sequence(s), {} extension(s)\n",
            global.schema,
            s.schemas.len(),
            s.tables.len(),
            s.views.len(),
            s.enums.len(),
            s.sequences.len(),
            s.extensions.len()
        ),
    )?;
    Ok(ExitStatus::Success)
}

fn graph(global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let (desired, ignore) = load_inputs(global)?;
    let plan = match &global.database_url {
        Some(url) => {
            let mut client = introspect::connect(url)?;
            plan_database(&mut client, &desired, &ignore, &global.schema, "5s")?.0
        }
        None => plan_offline(&desired, &global.schema, "5s")?,
    };
    write_out(out, plan.dot())?;
    Ok(ExitStatus::Success)
}
