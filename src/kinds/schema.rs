//! Schemas: the keys of `schemas:` in `schema.yaml`, `pg_namespace`.
//! Declared schemas are created; reconcile never drops a schema (one that
//! leaves the file is no longer managed).

use super::Kind;
use crate::diff::{Change, Differ};
use crate::model::{ObjectKey, Schema, quote_ident};
use crate::plan::fingerprint::q;
use crate::plan::steps::{Phase, StepContext};
use crate::plan::{Action, Step};

pub(super) struct Schemas;

impl Kind for Schemas {
    fn diff(&self, d: &mut Differ<'_>) {
        for s in &d.desired.schemas {
            if !d.existing_schemas.contains(s) {
                d.changes.push(Change::CreateSchema(s.clone()));
            }
        }
    }

    fn step(&self, change: &Change, _cx: &mut StepContext<'_>) -> Option<Step> {
        let Change::CreateSchema(s) = change else {
            return None;
        };
        Some(
            Step::new(
                Action::Create,
                ObjectKey::Schema(s.clone()),
                format!("create schema {s}"),
                vec![format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(s))],
                Phase::CreateSchema,
            )
            .creates([ObjectKey::Schema(s.clone())]),
        )
    }

    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>) {
        for s in &schema.schemas {
            lines.push(format!("schema {}", q(s)));
        }
    }
}
