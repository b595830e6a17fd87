//! The YAML file formats as serde types. Unknown keys are errors.
#![allow(missing_docs)] // the field names are the file format, documented in the README

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

/// A YAML mapping that keeps key order and rejects duplicate keys (a typed
/// map would silently keep the last one).
#[derive(Debug)]
pub struct IndexMap<V>(pub indexmap::IndexMap<String, V>);

impl<V> Default for IndexMap<V> {
    fn default() -> Self {
        IndexMap(indexmap::IndexMap::new())
    }
}

impl<V> std::ops::Deref for IndexMap<V> {
    type Target = indexmap::IndexMap<String, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'a, V> IntoIterator for &'a IndexMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = indexmap::map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for IndexMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = IndexMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IndexMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = indexmap::IndexMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.insert(key, value);
                }
                Ok(IndexMap(out))
            }
        }
        d.deserialize_any(MapVisitor(PhantomData))
    }
}

/// A YAML scalar read as text: `default: 0`, `default: true` and
/// `default: "'x'"` are all SQL.
#[derive(Debug, Clone)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `schema.yaml`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    #[serde(default)]
    pub extensions: Option<IndexMap<Option<RawExtension>>>,
    #[serde(default)]
    pub schemas: Option<IndexMap<Option<RawSchema>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    pub schema: Option<String>,
    pub version: Option<Scalar>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    #[serde(default)]
    pub enums: IndexMap<RawEnum>,
    #[serde(default)]
    pub sequences: IndexMap<Option<RawSequence>>,
    #[serde(default)]
    pub tables: IndexMap<Option<RawTable>>,
    #[serde(default)]
    pub views: IndexMap<RawView>,
    #[serde(default)]
    pub materialized_views: IndexMap<RawView>,
    /// Accepted only empty until functions are supported.
    #[serde(default)]
    pub functions: Option<IndexMap<de::IgnoredAny>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSequence {
    #[serde(rename = "type", alias = "as")]
    pub data_type: Option<String>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    #[serde(default)]
    pub cycle: bool,
    /// `table.column` or `schema.table.column`.
    pub owned_by: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    #[serde(default)]
    pub columns: IndexMap<RawColumn>,
    pub primary_key: Option<RawPrimaryKey>,
    #[serde(default)]
    pub unique: IndexMap<Vec<String>>,
    #[serde(default)]
    pub checks: IndexMap<RawCheck>,
    #[serde(default)]
    pub foreign_keys: IndexMap<RawForeignKey>,
    #[serde(default)]
    pub indexes: IndexMap<RawIndex>,
    pub comment: Option<String>,
    pub renamed_from: Option<String>,
}

/// `primary_key: [id]` (PostgreSQL's default name `<table>_pkey`) or
/// `primary_key: { name: pk_users, columns: [id] }`.
#[derive(Debug)]
pub enum RawPrimaryKey {
    Columns(Vec<String>),
    Named(RawNamedKey),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamedKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

impl RawPrimaryKey {
    /// The key's columns, whichever form was written.
    pub fn columns(&self) -> &[String] {
        match self {
            RawPrimaryKey::Columns(c) => c,
            RawPrimaryKey::Named(k) => &k.columns,
        }
    }

    /// The name given in the map form, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            RawPrimaryKey::Columns(_) => None,
            RawPrimaryKey::Named(k) => k.name.as_deref(),
        }
    }
}

/// `checks: { name: "expr" }` or `{ name: { expression: "expr", validated: false } }`.
#[derive(Debug)]
pub enum RawCheck {
    Expression(String),
    Full(RawCheckFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheckFull {
    pub expression: String,
    #[serde(default = "yes")]
    pub validated: bool,
}

impl RawCheck {
    /// The SQL condition.
    pub fn expression(&self) -> &str {
        match self {
            RawCheck::Expression(e) => e,
            RawCheck::Full(f) => &f.expression,
        }
    }

    /// `validated` (true unless written `false`).
    pub fn validated(&self) -> bool {
        match self {
            RawCheck::Expression(_) => true,
            RawCheck::Full(f) => f.validated,
        }
    }
}

fn yes() -> bool {
    true
}

/// An enum: `[a, b]` or `{ values: [a, b], comment: ... }`.
#[derive(Debug)]
pub enum RawEnum {
    Values(Vec<String>),
    Full(RawEnumFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnumFull {
    pub values: Vec<String>,
    pub comment: Option<String>,
}

impl RawEnum {
    /// The labels in order.
    pub fn values(&self) -> &[String] {
        match self {
            RawEnum::Values(v) => v,
            RawEnum::Full(f) => &f.values,
        }
    }

    /// `COMMENT ON TYPE`, map form only.
    pub fn comment(&self) -> Option<&str> {
        match self {
            RawEnum::Values(_) => None,
            RawEnum::Full(f) => f.comment.as_deref(),
        }
    }
}

/// Deserializes "a list or a mapping" (or "a string or a mapping") types by
/// hand rather than with `#[serde(untagged)]`, which would replace the
/// mapping's precise error (an unknown key, with its place) by a vague one.
macro_rules! list_or_map {
    ($ty:ident, $expecting:literal, $seq:expr, $map:expr, $full:ty, str: $str:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<$ty, A::Error> {
                        let build: Option<fn(Vec<String>) -> $ty> = $seq;
                        match build {
                            Some(build) => Vec::<String>::deserialize(
                                de::value::SeqAccessDeserializer::new(seq),
                            )
                            .map(build),
                            None => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
                        }
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        let build: Option<fn(String) -> $ty> = $str;
                        match build {
                            Some(build) => Ok(build(v.to_string())),
                            None => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
                        }
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        <$full>::deserialize(de::value::MapAccessDeserializer::new(map)).map($map)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

list_or_map!(
    RawPrimaryKey,
    "a list of columns or { name, columns }",
    Some(RawPrimaryKey::Columns),
    RawPrimaryKey::Named,
    RawNamedKey,
    str: None
);
list_or_map!(
    RawCheck,
    "an SQL expression or { expression, validated }",
    None,
    RawCheck::Full,
    RawCheckFull,
    str: Some(RawCheck::Expression)
);
list_or_map!(
    RawEnum,
    "a list of values or { values, comment }",
    Some(RawEnum::Values),
    RawEnum::Full,
    RawEnumFull,
    str: None
);

/// A column: either a bare type (`team_id: bigint`) or the full form.
#[derive(Debug, Default)]
pub struct RawColumn(pub RawColumnFull);

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawColumnFull {
    #[serde(rename = "type")]
    pub ty: Option<String>,
    #[serde(default)]
    pub not_null: bool,
    pub default: Option<Scalar>,
    #[serde(default, deserialize_with = "identity")]
    pub identity: Option<RawIdentity>,
    pub generated: Option<String>,
    pub collation: Option<String>,
    pub comment: Option<String>,
    pub renamed_from: Option<String>,
    #[serde(default)]
    pub primary_key: bool,
    #[serde(default)]
    pub unique: bool,
    pub references: Option<String>,
    pub on_delete: Option<RawAction>,
    pub on_update: Option<RawAction>,
}

impl<'de> Deserialize<'de> for RawColumn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawColumn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a type name or a column mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawColumn, E> {
                Ok(RawColumn(RawColumnFull {
                    ty: Some(v.to_string()),
                    ..RawColumnFull::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawColumn, A::Error> {
                RawColumnFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawColumn)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawIdentityKind {
    Always,
    ByDefault,
}

/// `identity: always | by_default`, or the map form with sequence options.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    pub generated: RawIdentityKind,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    #[serde(default)]
    pub cycle: bool,
}

impl RawIdentity {
    fn of(generated: RawIdentityKind) -> RawIdentity {
        RawIdentity {
            generated,
            start: None,
            increment: None,
            min_value: None,
            max_value: None,
            cache: None,
            cycle: false,
        }
    }
}

/// Deserializes [`RawIdentity`] from its short (string) or map form.
pub fn identity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawIdentity>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = RawIdentity;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "`always`, `by_default` or a mapping with `generated:` and sequence options",
            )
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<RawIdentity, E> {
            RawIdentityKind::deserialize(de::value::StrDeserializer::<E>::new(v))
                .map(RawIdentity::of)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawIdentity, A::Error> {
            RawIdentity::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V).map(Some)
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

/// `deferrable: false | true | initially_deferred`.
#[derive(Debug, Clone, Copy, Default)]
pub enum RawDeferrable {
    #[default]
    No,
    Yes,
    InitiallyDeferred,
}

impl<'de> Deserialize<'de> for RawDeferrable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawDeferrable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or initially_deferred")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawDeferrable, E> {
                Ok(if v {
                    RawDeferrable::Yes
                } else {
                    RawDeferrable::No
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDeferrable, E> {
                match v {
                    "initially_deferred" => Ok(RawDeferrable::InitiallyDeferred),
                    "initially_immediate" | "true" => Ok(RawDeferrable::Yes),
                    "false" => Ok(RawDeferrable::No),
                    other => Err(E::custom(format!(
                        "unknown value `{other}`, expected true, false or initially_deferred"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    pub columns: Vec<String>,
    pub references: RawReference,
    pub on_delete: Option<RawAction>,
    pub on_update: Option<RawAction>,
    #[serde(default)]
    pub deferrable: RawDeferrable,
    #[serde(default = "yes")]
    pub validated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    pub table: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub expressions: Vec<String>,
    #[serde(default)]
    pub unique: bool,
    #[serde(rename = "where")]
    pub predicate: Option<String>,
    pub method: Option<RawMethod>,
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Brin,
    Spgist,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawView {
    pub query: String,
    pub comment: Option<String>,
}

/// `ignore.yaml` (its rules live with their compiled form).
pub use crate::ignore::RawIgnore;
