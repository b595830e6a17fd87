//! `ALTER COLUMN`: type, nullability (online), default, identity, serial.

use super::checks::{Before, may_fail};
use super::*;

/// Name of the temporary check that proves a column has no NULLs.
pub(super) fn not_null_check_name(table: &QualifiedName, column: &str) -> String {
    let mut name = format!("{}_{column}_not_null", table.name);
    while name.len() > 63 {
        name.remove(0);
    }
    name
}

#[allow(clippy::too_many_lines)]
pub(super) fn alter_column(
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    desired: &Schema,
    before: &Before<'_>,
) -> Vec<Step> {
    let t = table.sql();
    let col = quote_ident(&to.name);
    let mut sql = Vec::new();
    let mut hazards = Vec::new();
    let type_changed = from.ty.sql != to.ty.sql || from.collation != to.collation;
    if from.default.is_some() && (to.default.is_none() || type_changed) {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
    }
    let leaves_serial = from.ty.serial.is_some() && to.ty.serial.is_none();
    if leaves_serial {
        // Off serial: its nextval() default goes first (an identity cannot
        // be added over a default), then the sequence the column owns, by
        // the name introspection read (a renamed table may keep an old
        // one); without it, the server looks it up with
        // pg_get_serial_sequence. Not data loss: the column keeps its
        // values and an identity restarts after them. A sequence some other
        // default also uses makes the DROP fail, and the transaction with
        // it, rather than being cascaded away.
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
        match &from.sequence {
            Some(seq) => sql.push(format!("DROP SEQUENCE {}", sibling(table, seq).sql())),
            None => {
                let body = format!(
                    "BEGIN EXECUTE format('DROP SEQUENCE %s', pg_get_serial_sequence({}, {})); END",
                    quote_literal(&t),
                    quote_literal(&to.name)
                );
                sql.push(format!("DO {}", quote_literal(&body)));
            }
        }
    }
    if from.identity.is_some() && to.identity.is_none() {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP IDENTITY"));
    }
    if type_changed {
        let collate = to
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", quote_ident(c)))
            .unwrap_or_default();
        // A generated column is recomputed; PostgreSQL refuses USING for it.
        let using = if to.generated.is_some() {
            String::new()
        } else {
            format!(" USING {col}::{}", to.ty.sql)
        };
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} TYPE {}{collate}{using}",
            to.ty.sql
        ));
        let change = classify_type_change(&from.ty.sql, &to.ty.sql);
        if change.may_lose_data {
            hazards.push(data_loss(format!(
                "changes {table}.{} from {} to {}, which can cut or refuse values",
                to.name, from.ty.sql, to.ty.sql
            )));
        }
        if change.rewrites {
            hazards.push(Hazard::new(
                HazardKind::TableRewrite,
                format!("rewrites {table} (and its indexes) to change the column type"),
            ));
        } else if from.collation != to.collation {
            hazards.push(Hazard::new(
                HazardKind::LongLock,
                format!(
                    "rebuilds the indexes of {table} that use the column, under an exclusive lock"
                ),
            ));
        }
    }
    if from.not_null && !to.not_null && to.identity.is_none() {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"));
    }
    // SET NOT NULL scans the table under an exclusive lock. Unless the table
    // is rewritten anyway, prove it with a NOT VALID check validated after
    // the transaction (writes continue); SET NOT NULL then skips the scan.
    // A new primary key over the column scans the table anyway.
    let in_primary_key = desired.tables.get(table).is_some_and(|t| {
        t.constraints.values().any(|c| {
            matches!(&c.kind, ConstraintKind::PrimaryKey { columns } if columns.contains(&to.name))
        })
    });
    let online_not_null =
        !from.not_null && to.not_null && !type_changed && to.identity.is_none() && !in_primary_key;
    let check_name = not_null_check_name(table, &to.name);
    if online_not_null {
        sql.push(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({col} IS NOT NULL) NOT VALID",
            quote_ident(&check_name)
        ));
    } else if !from.not_null && to.not_null {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"));
        hazards.push(Hazard::new(
            HazardKind::LongLock,
            format!("scans {table} under an exclusive lock to check for NULLs"),
        ));
        if to.identity.is_none() {
            hazards.push(may_fail(format!(
                "fails if rows of {table} hold NULL in {}",
                to.name
            )));
        }
    }
    // A cast keeps NULLs NULL, so the old column answers for the new one.
    let in_tx_not_null = !from.not_null && to.not_null && !online_not_null;
    if let Some(d) = &to.default
        && (from.default.as_ref() != Some(d) || type_changed)
    {
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {}",
            d.sql
        ));
    }
    match (from.identity, to.identity) {
        (None, Some(i)) => {
            let options = to
                .identity_options
                .as_ref()
                .map(|o| o.clauses(None, false))
                .unwrap_or_default();
            sql.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {col} ADD GENERATED {} AS IDENTITY{}",
                i.sql(),
                if options.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", options.join(" "))
                }
            ));
            // Start after the values already stored, so inserts do not
            // collide (greatest() skips the NULL of an empty table); a
            // descending sequence starts where it is declared to.
            if let Some(o) = to.identity_options.as_ref().filter(|o| o.increment > 0) {
                sql.push(format!(
                    "SELECT setval(pg_get_serial_sequence({}, {}), greatest(max({col}) + 1, {start}), false) FROM {t}",
                    quote_literal(&t),
                    quote_literal(&to.name),
                    start = o.start
                ));
            }
        }
        (Some(a), Some(b)) => {
            if a != b {
                sql.push(format!(
                    "ALTER TABLE {t} ALTER COLUMN {col} SET GENERATED {}",
                    if b == Identity::Always {
                        "ALWAYS"
                    } else {
                        "BY DEFAULT"
                    }
                ));
            }
            // A type change retypes the identity sequence first (bounds
            // that were the old type's defaults become the new type's).
            if let (Some(old), Some(new)) = (&from.identity_options, &to.identity_options) {
                let base = if type_changed {
                    old.retyped(&new.data_type)
                } else {
                    (**old).clone()
                };
                let changes = new.clauses(Some(&base), false);
                if !changes.is_empty() {
                    let set: Vec<String> = changes.iter().map(|c| format!("SET {c}")).collect();
                    sql.push(format!(
                        "ALTER TABLE {t} ALTER COLUMN {col} {}",
                        set.join(" ")
                    ));
                }
            }
        }
        _ => {}
    }
    if from.ty.serial.is_none() && to.ty.serial.is_some() {
        let seq = sibling(table, &format!("{}_{}_seq", table.name, to.name));
        sql.push(format!(
            "CREATE SEQUENCE {} AS {} OWNED BY {t}.{col}",
            seq.sql(),
            to.ty.sql
        ));
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT nextval({}::regclass)",
            quote_literal(&seq.sql())
        ));
        sql.push(format!(
            "SELECT setval({}, coalesce(max({col}), 0) + 1, false) FROM {t}",
            quote_literal(&seq.sql())
        ));
    }
    let names = table_columns(desired, table);
    let key = ObjectKey::Column(table.clone(), to.name.clone());
    let mut step = Step::new(
        Action::Alter,
        key.clone(),
        format!("alter column {table}.{}", to.name),
        sql,
        Phase::AlterColumn,
    )
    .creates([key.clone()])
    .needs_new(
        column_needs(to, table, &names)
            .into_iter()
            .filter(|k| *k != key),
    );
    if leaves_serial && let Some(seq) = &from.sequence {
        // Dropped under the name it has once a rename in this plan ran.
        step = step.needs_new([ObjectKey::Sequence(sibling(table, seq))]);
    }
    if type_changed {
        step = step.drops([key.clone()]);
        // Off a user type: before that type is dropped or swapped.
        let old_type = type_key(&from.ty);
        if old_type != type_key(&to.ty) {
            step = step.needs_old(old_type);
        }
    }
    step.hazards = hazards;
    if in_tx_not_null && to.identity.is_none() {
        step.precondition = before.not_null_any_type(table, &to.name);
    }
    if online_not_null {
        step = step.creates([ObjectKey::Constraint(table.clone(), check_name.clone())]);
    }
    let mut steps = vec![step];
    if online_not_null {
        let mut finish = Step::new(
            Action::Alter,
            key.clone(),
            format!("set not null on {table}.{} (validated check)", to.name),
            vec![
                format!(
                    "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
                    quote_ident(&check_name)
                ),
                format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"),
                format!(
                    "ALTER TABLE {t} DROP CONSTRAINT {}",
                    quote_ident(&check_name)
                ),
            ],
            Phase::Validate,
        )
        .needs_new([key]);
        finish.transactional = false;
        finish.hazards = vec![
            Hazard::new(
                HazardKind::LongLock,
                format!("scans {table} to check for NULLs (writes continue)"),
            ),
            Hazard::new(
                HazardKind::NotTransactional,
                "runs after the transaction; apply checks for NULLs before the transaction starts",
            ),
            may_fail(format!("fails if rows of {table} hold NULL in {}", to.name)),
        ];
        finish.precondition = before.not_null(table, &to.name);
        // If rows written since the preflight hold NULLs, the helper check
        // goes again: the column is then exactly as before (nullable), and
        // the next plan adds the check and validates it anew.
        finish.on_failure = vec![format!(
            "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
            quote_ident(&check_name)
        )];
        steps.push(finish);
    }
    steps
}
