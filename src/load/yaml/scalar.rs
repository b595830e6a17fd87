//! Scalar resolution, as serde_yaml 0.9 does it (the YAML 1.2 core schema):
//! what a plain scalar is (null, boolean, integer, float or string), and
//! what it is called in "invalid type" messages.

use super::{CoreTag, Error, Node, Scalar};
use serde::de::{self, Expected, Unexpected, Visitor};
use std::fmt;

pub(super) fn parse_null(v: &str) -> bool {
    matches!(v, "null" | "Null" | "NULL" | "~")
}

pub(super) fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits make a string in YAML 1.2 (`017`).
fn digits_but_not_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_radix<T>(
    v: &str,
    negative: bool,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = v.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            let digits = if negative {
                format!("-{rest}")
            } else {
                rest.to_string()
            };
            if let Ok(int) = from_str_radix(&digits, radix) {
                return Some(int);
            }
        }
    }
    None
}

pub(super) fn parse_unsigned<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = v.strip_prefix('+').unwrap_or(v);
    if let Some(int) = parse_radix(unpositive, false, from_str_radix) {
        return Some(int);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(v) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    if let Some(rest) = v.strip_prefix('-')
        && let Some(int) = parse_radix(rest, true, from_str_radix)
    {
        return Some(int);
    }
    if digits_but_not_number(v) {
        return None;
    }
    from_str_radix(v, 10).ok()
}

pub(super) fn parse_signed(v: &str) -> Option<i64> {
    let unpositive = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    if let Some(int) = parse_radix(unpositive, false, i64::from_str_radix) {
        return Some(int);
    }
    if let Some(rest) = v.strip_prefix('-')
        && let Some(int) = parse_radix(rest, true, i64::from_str_radix)
    {
        return Some(int);
    }
    if digits_but_not_number(v) {
        return None;
    }
    unpositive.parse::<i64>().ok()
}

pub(super) fn parse_f64(v: &str) -> Option<f64> {
    let unpositive = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    match (unpositive, v) {
        (".inf" | ".Inf" | ".INF", _) => return Some(f64::INFINITY),
        (_, "-.inf" | "-.Inf" | "-.INF") => return Some(f64::NEG_INFINITY),
        (_, ".nan" | ".NaN" | ".NAN") => return Some(f64::NAN),
        _ => {}
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn visit_int<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<Result<V::Value, Error>, V> {
    if let Some(int) = parse_unsigned(v, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_negative(v, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_unsigned(v, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_negative(v, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

fn visit_untagged<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<V::Value, Error> {
    if v.is_empty() || parse_null(v) {
        return visitor.visit_unit();
    }
    if let Some(b) = parse_bool(v) {
        return visitor.visit_bool(b);
    }
    let visitor = match visit_int(visitor, v) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(v)
        && let Some(f) = parse_f64(v)
    {
        return visitor.visit_f64(f);
    }
    visitor.visit_str(v)
}

pub(super) fn visit_scalar<'de, V: Visitor<'de>>(
    visitor: V,
    s: &Scalar,
) -> Result<V::Value, Error> {
    let v = s.text.as_str();
    let invalid = |what: &str| de::Error::invalid_value(Unexpected::Str(v), &what);
    match s.tag {
        Some(CoreTag::Str) => visitor.visit_str(v),
        Some(CoreTag::Bool) => match parse_bool(v) {
            Some(b) => visitor.visit_bool(b),
            None => Err(invalid("a boolean")),
        },
        Some(CoreTag::Int) => match visit_int(visitor, v) {
            Ok(result) => result,
            Err(_) => Err(invalid("an integer")),
        },
        Some(CoreTag::Float) => match parse_f64(v) {
            Some(f) => visitor.visit_f64(f),
            None => Err(invalid("a float")),
        },
        Some(CoreTag::Null) if parse_null(v) => visitor.visit_unit(),
        Some(CoreTag::Null) => Err(invalid("null")),
        None if s.plain => visit_untagged(visitor, v),
        None => visitor.visit_str(v),
    }
}

/// "invalid type: <what the node resolves to>, expected <exp>".
pub(super) fn invalid_type(node: &Node, exp: &dyn Expected) -> Error {
    struct InvalidType<'a> {
        exp: &'a dyn Expected,
    }
    impl Visitor<'_> for InvalidType<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.exp.fmt(f)
        }
    }
    match node {
        Node::Scalar(s) => match visit_scalar(InvalidType { exp }, s) {
            Ok(()) => de::Error::invalid_type(Unexpected::Other("scalar"), exp),
            Err(e) => e,
        },
        Node::Seq(..) => de::Error::invalid_type(Unexpected::Seq, exp),
        Node::Map(..) => de::Error::invalid_type(Unexpected::Map, exp),
    }
}
