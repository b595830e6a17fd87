//! Canonical column types.
//!
//! Every spelling PostgreSQL accepts for a built-in type maps to the one
//! `format_type()` prints, so `int4`, `int` and `integer` compare equal.
//! User-defined types are schema-qualified by the caller's resolver.

use crate::model::{QualifiedName, Serial, SqlType, quote_ident};
use crate::sql::builtin_types::BUILTIN_TYPES;

/// Pseudo-types that are not in `BUILTIN_TYPES` but name a return type.
const PSEUDO_TYPES: &[&str] = &["record", "void", "trigger"];

/// The canonical spelling of a built-in type named `name` (its `pg_type`
/// name or its `format_type` spelling), from PostgreSQL's own catalog.
pub fn builtin_type(name: &str) -> Option<&'static str> {
    if let Some(p) = PSEUDO_TYPES.iter().find(|p| **p == name) {
        return Some(p);
    }
    BUILTIN_TYPES
        .iter()
        .find(|(typname, spelling)| *typname == name || *spelling == name)
        .map(|(_, spelling)| *spelling)
}

/// What a resolver says about a name that is not a built-in type.
pub type Resolver<'a> = &'a dyn Fn(Option<&str>, &str) -> Option<QualifiedName>;

/// Splits `a.b` (with `"quoted"` parts) into unquoted parts; lower-cases unquoted parts.
pub fn split_name(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(format!("unterminated quoted name in `{text}`")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c.is_whitespace() {
                    break;
                }
                part.push(c.to_ascii_lowercase());
                chars.next();
            }
        }
        if part.is_empty() {
            return Err(format!("empty name part in `{text}`"));
        }
        parts.push(part);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Ok(parts),
            Some('.') => {}
            Some(c) => return Err(format!("unexpected `{c}` in name `{text}`")),
        }
    }
}

fn parse_modifiers(text: &str) -> Result<Vec<i64>, String> {
    text.split(',')
        .map(|m| {
            m.trim()
                .parse::<i64>()
                .map_err(|_| format!("bad type modifier `{}`", m.trim()))
        })
        .collect()
}

/// Canonicalizes a type spelling. `resolve` decides the schema of non-built-in names.
pub fn canonical_type(text: &str, resolve: Resolver<'_>) -> Result<SqlType, String> {
    let mut base = text.trim().to_string();
    let mut array = false;
    while base.ends_with(']') {
        let Some(open) = base.rfind('[') else {
            return Err(format!("unbalanced `]` in type `{text}`"));
        };
        let dim = base[open + 1..base.len() - 1].trim();
        if !dim.is_empty() && dim.parse::<u32>().is_err() {
            return Err(format!("bad array bound `{dim}` in type `{text}`"));
        }
        base.truncate(open);
        base = base.trim_end().to_string();
        array = true;
    }
    if base.is_empty() {
        return Err("empty type".to_string());
    }
    // Pull out one parenthesised modifier list, e.g. `numeric(10, 2)` or `timestamp(3) with time zone`.
    let mut mods = Vec::new();
    let mut words_text = base.clone();
    if !base.starts_with('"')
        && let Some(open) = base.find('(')
    {
        {
            let close = base[open..]
                .find(')')
                .map(|i| i + open)
                .ok_or_else(|| format!("unbalanced `(` in type `{text}`"))?;
            mods = parse_modifiers(&base[open + 1..close])?;
            words_text = format!("{} {}", &base[..open], &base[close + 1..]);
        }
    }
    let lowered = if words_text.contains('"') {
        words_text.trim().to_string()
    } else {
        words_text.to_ascii_lowercase()
    };
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let joined = words.join(" ");
    let with = |name: &str| -> String {
        match mods.as_slice() {
            [] => name.to_string(),
            m => format!(
                "{name}({})",
                m.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
        }
    };
    let no_mods = |name: &str| -> Result<String, String> {
        if mods.is_empty() {
            Ok(name.to_string())
        } else {
            Err(format!("type `{name}` takes no modifier (in `{text}`)"))
        }
    };
    let precision_tz = |stem: &str, zone: &str| -> Result<String, String> {
        match mods.as_slice() {
            [] => Ok(format!("{stem} {zone}")),
            [p] if (0..=6).contains(p) => Ok(format!("{stem}({p}) {zone}")),
            _ => Err(format!("bad precision in type `{text}`")),
        }
    };
    let mut serial = None;
    let sql = match joined.as_str() {
        "int" | "int4" | "integer" => no_mods("integer")?,
        "int2" | "smallint" => no_mods("smallint")?,
        "int8" | "bigint" => no_mods("bigint")?,
        "serial" | "serial4" => {
            serial = Some(Serial::Regular);
            no_mods("integer")?
        }
        "bigserial" | "serial8" => {
            serial = Some(Serial::Big);
            no_mods("bigint")?
        }
        "smallserial" | "serial2" => {
            serial = Some(Serial::Small);
            no_mods("smallint")?
        }
        "real" | "float4" => no_mods("real")?,
        "float8" | "double precision" => no_mods("double precision")?,
        "float" => match mods.as_slice() {
            [] => "double precision".to_string(),
            [p] if (1..=24).contains(p) => "real".to_string(),
            [p] if (25..=53).contains(p) => "double precision".to_string(),
            _ => return Err(format!("bad precision in type `{text}`")),
        },
        "bool" | "boolean" => no_mods("boolean")?,
        "varchar" | "character varying" | "char varying" => with("character varying"),
        "char" | "character" | "bpchar" if mods.is_empty() => "character(1)".to_string(),
        "char" | "character" | "bpchar" => with("character"),
        "decimal" | "numeric" => match mods.as_slice() {
            [] => "numeric".to_string(),
            [p] => format!("numeric({p},0)"),
            [p, s] => format!("numeric({p},{s})"),
            _ => return Err(format!("bad modifiers in type `{text}`")),
        },
        "timestamp" | "timestamp without time zone" => {
            precision_tz("timestamp", "without time zone")?
        }
        "timestamptz" | "timestamp with time zone" => precision_tz("timestamp", "with time zone")?,
        "time" | "time without time zone" => precision_tz("time", "without time zone")?,
        "timetz" | "time with time zone" => precision_tz("time", "with time zone")?,
        "interval" => with("interval"),
        "bit" if mods.is_empty() => "bit(1)".to_string(),
        "bit" => with("bit"),
        "varbit" | "bit varying" => with("bit varying"),
        "\"char\"" => no_mods("\"char\"")?,
        other if builtin_type(other).is_some() => no_mods(builtin_type(other).unwrap_or(other))?,
        _ => {
            // A declared name used exactly as written (`Mood Type`, `MyEnum`).
            let exact = base.trim();
            if !exact.contains('"')
                && !exact.contains('.')
                && let Some(qn) = resolve(None, exact)
            {
                let sql = qn.sql();
                return Ok(SqlType {
                    sql: if array { format!("{sql}[]") } else { sql },
                    serial: None,
                });
            }
            if words.len() != 1 && !words_text.contains('"') {
                return Err(format!("unknown type `{}`", text.trim()));
            }
            let parts = split_name(words_text.trim())?;
            let (schema, name) = match parts.as_slice() {
                [name] => (None, name.as_str()),
                [schema, name] => (Some(schema.as_str()), name.as_str()),
                _ => return Err(format!("bad type name `{}`", text.trim())),
            };
            if schema == Some("pg_catalog") {
                return canonical_type(
                    &format!("{name}{}", if array { "[]" } else { "" }),
                    resolve,
                );
            }
            let qn =
                resolve(schema, name).ok_or_else(|| format!("unknown type `{}`", text.trim()))?;
            let rendered = with(&qn.sql());
            if array {
                return Ok(SqlType {
                    sql: format!("{rendered}[]"),
                    serial: None,
                });
            }
            return Ok(SqlType {
                sql: rendered,
                serial: None,
            });
        }
    };
    if array && serial.is_some() {
        return Err(format!("`{}` cannot be an array", text.trim()));
    }
    Ok(SqlType {
        sql: if array { format!("{sql}[]") } else { sql },
        serial,
    })
}

/// Canonical form of a type used inside an expression (a cast): user types
/// lose the qualifier of the expression's own schema.
pub fn canonical_cast_type(text: &str, context_schema: &str) -> String {
    let resolve = |schema: Option<&str>, name: &str| {
        Some(QualifiedName::new(schema.unwrap_or(context_schema), name))
    };
    match canonical_type(text, &resolve) {
        Ok(t) => {
            let prefix = format!("{}.", quote_ident(context_schema));
            t.sql
                .strip_prefix(&prefix)
                .map_or(t.sql.clone(), str::to_string)
        }
        Err(_) => text.trim().to_ascii_lowercase(),
    }
}

/// Describes how a change from `from` to `to` affects stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeChange {
    /// Values may be cut or refused (narrowing, or a different family).
    pub may_lose_data: bool,
    /// PostgreSQL rewrites the table (the change is not binary-coercible).
    pub rewrites: bool,
}

fn split_mods(sql: &str) -> (&str, Vec<i64>) {
    match sql.find('(') {
        Some(open) => {
            let close = sql[open..].find(')').map_or(sql.len(), |i| i + open);
            let mods = parse_modifiers(&sql[open + 1..close]).unwrap_or_default();
            (&sql[..open], mods)
        }
        None => (sql, Vec::new()),
    }
}

/// Classifies a type change between two canonical types.
pub fn classify_type_change(from: &str, to: &str) -> TypeChange {
    let lossless = TypeChange {
        may_lose_data: false,
        rewrites: true,
    };
    let free = TypeChange {
        may_lose_data: false,
        rewrites: false,
    };
    let lossy = TypeChange {
        may_lose_data: true,
        rewrites: true,
    };
    if from == to {
        return free;
    }
    let (fb, fm) = split_mods(from);
    let (tb, tm) = split_mods(to);
    let int_rank = |t: &str| match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        _ => None,
    };
    match (fb, tb) {
        ("character varying", "character varying") => match (fm.first(), tm.first()) {
            (_, None) => free,
            (Some(a), Some(b)) if b >= a => free,
            _ => lossy,
        },
        ("character varying" | "character", "text") => {
            if fb == "character" {
                lossless
            } else {
                free
            }
        }
        ("text", "character varying") if tm.is_empty() => free,
        ("numeric", "numeric") => match (fm.as_slice(), tm.as_slice()) {
            (_, []) => free,
            ([p1, s1], [p2, s2]) if s2 == s1 && p2 >= p1 => free,
            ([p1, s1], [p2, s2]) if s2 >= s1 && p2 - s2 >= p1 - s1 => lossless,
            _ => lossy,
        },
        _ if to == "text" || (tb == "character varying" && tm.is_empty()) => lossless,
        _ => match (int_rank(fb), int_rank(tb)) {
            (Some(a), Some(b)) if b > a => lossless,
            (Some(_), None) if tb == "numeric" && tm.is_empty() => lossless,
            _ => match (fb, tb) {
                ("real", "double precision")
                | ("timestamp", "timestamp")
                | ("time", "time")
                | ("bit varying", "bit varying") => {
                    if fm.is_empty() || tm.is_empty() || tm >= fm {
                        lossless
                    } else {
                        lossy
                    }
                }
                _ => lossy,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        let resolve = |schema: Option<&str>, name: &str| {
            (name == "user_role").then(|| QualifiedName::new(schema.unwrap_or("public"), name))
        };
        canonical_type(text, &resolve).map_or_else(|e| format!("error: {e}"), |t| t.sql)
    }

    #[test]
    fn spellings() {
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("int8", "bigint"),
            ("varchar(20)", "character varying(20)"),
            ("character varying ( 20 )", "character varying(20)"),
            ("VARCHAR", "character varying"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("numeric(10, 2)", "numeric(10,2)"),
            ("decimal(10)", "numeric(10,0)"),
            ("text[]", "text[]"),
            ("int[][]", "integer[]"),
            ("varchar(5)[3]", "character varying(5)[]"),
            ("double precision", "double precision"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("char", "character(1)"),
            ("bool", "boolean"),
            ("serial", "integer"),
            ("user_role", "public.user_role"),
            ("public.user_role[]", "public.user_role[]"),
            ("pg_catalog.int4", "integer"),
            ("nosuchtype", "error: unknown type `nosuchtype`"),
            (
                "int(3)",
                "error: type `integer` takes no modifier (in `int(3)`)",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn type_changes() {
        let c = classify_type_change;
        assert!(!c("integer", "bigint").may_lose_data);
        assert!(c("bigint", "integer").may_lose_data);
        assert!(c("text", "character varying(10)").may_lose_data);
        assert!(!c("character varying(10)", "text").may_lose_data);
        assert!(!c("character varying(10)", "text").rewrites);
        assert!(!c("numeric(8,2)", "numeric(12,2)").may_lose_data);
        assert!(c("numeric(12,2)", "numeric(8,2)").may_lose_data);
        assert!(c("character varying(10)", "character varying(5)").may_lose_data);
        assert!(!c("integer", "text").may_lose_data);
    }
}
