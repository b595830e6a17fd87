//! The serde deserializer over the tree: where each error is (the node's
//! place and path, as serde_yaml gives them) and how each scalar reads.

use super::scalar::{
    invalid_type, parse_bool, parse_f64, parse_null, parse_signed, parse_unsigned, visit_scalar,
};
use super::{CoreTag, Error, Node};
use serde::de::{self, DeserializeSeed, Unexpected, Visitor};
use std::fmt;

/// Where a value is, for messages.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Deserializes `T` from a document's root.
pub(super) fn from_root<'de, T: de::Deserialize<'de>>(root: &Node) -> Result<T, Error> {
    T::deserialize(De {
        node: root,
        path: Path::Root,
    })
}

struct De<'a> {
    node: &'a Node,
    path: Path<'a>,
}

impl De<'_> {
    /// Gives an error raised at this node (without a place yet) this
    /// node's place and path, as serde_yaml does.
    fn fix(&self, mut e: Error) -> Error {
        if e.mark.is_none() {
            e.mark = Some(self.node.mark());
            e.path = self.path.to_string();
        }
        e
    }

    fn plain_scalar(&self) -> Option<&str> {
        match self.node {
            Node::Scalar(s) if s.plain => Some(&s.text),
            _ => None,
        }
    }

    fn is_empty_plain(&self) -> bool {
        self.plain_scalar().is_some_and(str::is_empty)
    }
}

macro_rules! typed {
    ($($method:ident => $parse:expr, $visit:ident;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                let parsed = self.plain_scalar().and_then($parse);
                let result = match parsed {
                    Some(v) => visitor.$visit(v),
                    None => Err(invalid_type(self.node, &visitor)),
                };
                result.map_err(|e| self.fix(e))
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visit_scalar(visitor, s),
            Node::Seq(items, _) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
                index: 0,
                path: &self.path,
            }),
            Node::Map(entries, _) => visitor.visit_map(MapAccess {
                entries: entries.iter(),
                value: None,
                path: &self.path,
            }),
        };
        result.map_err(|e| self.fix(e))
    }

    typed! {
        deserialize_bool => parse_bool, visit_bool;
        deserialize_i64 => parse_signed, visit_i64;
        deserialize_u64 => |v| parse_unsigned(v, u64::from_str_radix), visit_u64;
        deserialize_f64 => parse_f64, visit_f64;
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// Any scalar reads as its text: `type: 1` is the type name "1".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visitor.visit_str(&s.text),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(self.fix(de::Error::custom(
            "serialization and deserialization of bytes in YAML is not implemented",
        )))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    /// `~`, `null` and an empty value are `None`; a quoted `"~"` is not.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let is_some = match self.node {
            Node::Scalar(s) if !s.plain => true,
            Node::Scalar(s) => match s.tag {
                Some(CoreTag::Null) if parse_null(&s.text) => false,
                Some(CoreTag::Null) => {
                    let e = de::Error::invalid_value(Unexpected::Str(&s.text), &"null");
                    return Err(self.fix(e));
                }
                Some(_) => true,
                None => !s.text.is_empty() && !parse_null(&s.text),
            },
            Node::Seq(..) | Node::Map(..) => true,
        };
        if is_some {
            visitor.visit_some(self)
        } else {
            visitor.visit_none().map_err(|e| self.fix(e))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => {
                let null = s.plain
                    && match s.tag {
                        Some(CoreTag::Null) => parse_null(&s.text),
                        Some(_) => false,
                        None => s.text.is_empty() || parse_null(&s.text),
                    };
                if null {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(Unexpected::Str(&s.text), &"null"))
                }
            }
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A sequence; an empty value is an empty one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Seq(..) => return self.deserialize_any(visitor),
            _ if self.is_empty_plain() => visitor.visit_seq(SeqAccess {
                items: [].iter(),
                index: 0,
                path: &self.path,
            }),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    /// A mapping; an empty value is an empty one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Map(..) => return self.deserialize_any(visitor),
            _ if self.is_empty_plain() => visitor.visit_map(MapAccess {
                entries: [].iter(),
                value: None,
                path: &self.path,
            }),
            node => Err(invalid_type(node, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// A unit variant, written as its name (`on_delete: cascade`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let result = match self.node {
            Node::Scalar(s) => visitor.visit_enum(UnitVariant { name: &s.text }),
            Node::Seq(..) => Err(de::Error::invalid_type(
                Unexpected::Seq,
                &"a YAML tag starting with '!'",
            )),
            Node::Map(..) => Err(de::Error::invalid_type(
                Unexpected::Map,
                &"a YAML tag starting with '!'",
            )),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    path: &'a Path<'a>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(De {
            node,
            path: Path::Index(self.path, index),
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a str, &'a Node)>,
    path: &'a Path<'a>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = Error;

    /// A key is read with its mapping's path and its own place, as
    /// serde_yaml does ("schemas.public.tables.t: unknown field `colums`").
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key.text(), value));
        seed.deserialize(De {
            node: key,
            path: *self.path,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, node)) = self.value.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        seed.deserialize(De {
            node,
            path: Path::Key(self.path, key),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct UnitVariant<'a> {
    name: &'a str,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), Error> {
        let value = seed.deserialize(de::value::StrDeserializer::<Error>::new(self.name))?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}
