//! One module per kind of object, holding what is specific to it: how its
//! changes are found (`diff`), the DDL of each of its changes (`step`), its
//! lines in the fingerprint, and its section of an exported `schema.yaml`.
//!
//! The engine — the differ, the step builder, the fingerprint, import —
//! runs the kinds of [`KINDS`] in order and names none of them. Adding a
//! kind touches its module here, its catalog query, its model type and
//! `Change` variants, its fixtures, and one line of [`KINDS`].
//!
//! What is shared by every kind stays in the engine: comments (one change
//! for any object), renames by identity, the walk that rebuilds dependants
//! and the refusal of plans that break unmanaged objects (`graph`), the
//! order of steps.

use crate::diff::{Change, Differ};
use crate::model::Schema;
use crate::plan::Step;
use crate::plan::steps::StepContext;

mod enum_type;
mod extension;
mod schema;
mod sequence;
mod table;
mod view;

/// What a kind of object provides to the engine.
pub(crate) trait Kind: Sync {
    /// Work before any kind compares (renames that later comparisons see);
    /// nothing by default.
    fn prepare(&self, _d: &mut Differ<'_>) {}

    /// Compares the current and desired objects of this kind, pushing the
    /// changes on `d`.
    fn diff(&self, d: &mut Differ<'_>);

    /// The step of `change`, if this kind owns it and it makes one step.
    fn step(&self, _change: &Change, _cx: &mut StepContext<'_>) -> Option<Step> {
        None
    }

    /// Pushes the steps of `change` on `out` if this kind owns it; says
    /// whether it did. By default the one [`Kind::step`].
    fn steps(&self, change: &Change, cx: &mut StepContext<'_>, out: &mut Vec<Step>) -> bool {
        match self.step(change, cx) {
            Some(step) => {
                out.push(step);
                true
            }
            None => false,
        }
    }

    /// The fingerprint's lines of this kind's objects (frozen text: see
    /// [`crate::plan::fingerprint`]).
    fn fingerprint(&self, schema: &Schema, lines: &mut Vec<String>);

    /// The top-level `schema.yaml` section of this kind (extensions).
    fn export_top(&self, _schema: &Schema, _out: &mut String) {}

    /// This kind's section under the schema `namespace` in `schema.yaml`.
    fn export(&self, _schema: &Schema, _namespace: &str, _out: &mut String) {}
}

/// The kinds, in the order they are compared and exported.
pub(crate) static KINDS: &[&dyn Kind] = &[
    &schema::Schemas,
    &extension::Extensions,
    &enum_type::Enums,
    &sequence::Sequences,
    &table::Tables,
    &view::Views,
];
