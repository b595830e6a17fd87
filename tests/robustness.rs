//! The loader, the type parser and the expression normaliser never panic on
//! arbitrary input, and bad input through the binary exits 1 with a message.
//!
//! Soak: `PROPTEST_CASES=100000 cargo test --release --test robustness`.

use proptest::prelude::*;
use reconcile::load::{self, IgnoreRules};
use reconcile::model::QualifiedName;
use reconcile::sql::{normalize, types};

/// Text that looks a little like schema.yaml, so the fuzzer reaches past the
/// YAML parser into validation.
fn yamlish() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "schemas",
        "public",
        "tables",
        "columns",
        "type",
        "int",
        "text",
        "default",
        "not_null",
        "true",
        "references",
        "t.id",
        "indexes",
        "expressions",
        "where",
        "checks",
        "views",
        "query",
        "SELECT 1",
        "enums",
        "[a, b]",
        "primary_key",
        "unique",
        "identity",
        "always",
        "generated",
        "a + 1",
        "'x'",
        "(",
        ")",
        "foreign_keys",
        "renamed_from",
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        ",",
        "-",
        "#",
        "&a",
        "*a",
        "!!str",
        "sequences",
        "start",
        "1e309",
        "~",
    ]);
    prop::collection::vec(
        (
            0usize..8,
            word,
            prop::sample::select(vec![": ", ":", " ", "\n", ": {", ", "]),
        ),
        0..40,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(indent, w, sep)| format!("{}{w}{sep}", " ".repeat(indent * 2)))
            .collect()
    })
}

fn any_resolver(_: Option<&str>, name: &str) -> Option<QualifiedName> {
    name.len()
        .is_multiple_of(2)
        .then(|| QualifiedName::new("public", name))
}

proptest! {
    #[test]
    fn loader_never_panics(text in "\\PC{0,400}") {
        let _ = load::load_schema_text(&text, "schema.yaml", &IgnoreRules::default());
        let _ = load::load_ignore_text(&text, "ignore.yaml");
    }

    #[test]
    fn loader_never_panics_on_yamlish_text(text in yamlish()) {
        if let Err(e) = load::load_schema_text(&text, "schema.yaml", &IgnoreRules::default()) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn type_parser_never_panics(text in "\\PC{0,60}") {
        let _ = types::canonical_type(&text, &any_resolver);
        let _ = types::canonical_cast_type(&text, "public");
        let _ = types::classify_type_change(&text, "integer");
    }

    #[test]
    fn normaliser_never_panics(text in "\\PC{0,200}") {
        let _ = normalize::expr(&text, "public");
        let _ = normalize::query(&text, "public");
        let _ = normalize::expr_references(&text);
        let _ = normalize::query_references(&text);
    }

    #[test]
    fn normaliser_never_panics_on_sqlish_text(
        parts in prop::collection::vec(prop::sample::select(vec![
            "a", "b", "'x'", "1", "-", "+", "*", "(", ")", "::", "int", "text", "IN", "NOT", "BETWEEN",
            "AND", "OR", "LIKE", "ILIKE", "ANY", "ARRAY[", "]", ",", "now()", "lower(", "nextval('s')",
            "CASE", "WHEN", "THEN", "ELSE", "END", "IS", "NULL", "interval", "'1 day'", "SELECT",
            "FROM", "WHERE", "t", "JOIN", "ON", "WITH", "AS", "\"Q\"",
        ]), 0..30)
    ) {
        let text = parts.join(" ");
        if let Ok(e) = normalize::expr(&text, "public") {
            // The canonical form is stable: normalising it again changes nothing.
            if let Ok(again) = normalize::expr(&e.canonical, "public") {
                prop_assert_eq!(again.canonical, e.canonical);
            }
        }
        let _ = normalize::query(&text, "public");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(normalize::expr(&deep, "public").is_err());
    let yaml = format!(
        "schemas:\n  public:\n    tables:\n      t:\n        columns:\n          a: {{ type: int, default: \"{deep}\" }}\n"
    );
    // Text the parser cannot read is kept as written (the server reads it
    // when the plan runs); it must not crash the loader.
    let schema = load::load_schema_text(&yaml, "schema.yaml", &IgnoreRules::default())
        .expect("a deep but balanced default is kept as written");
    assert_eq!(
        schema.schema.unparsed(),
        vec!["default of public.t.a".to_string()]
    );
    let nested_yaml = format!("{}1{}", "[".repeat(10000), "]".repeat(10000));
    assert!(load::load_schema_text(&nested_yaml, "schema.yaml", &IgnoreRules::default()).is_err());
}

#[test]
fn garbage_through_the_binary_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, text) in [
        "\u{0}\u{1}binary",
        "schemas: [",
        "- a\n- b",
        "schemas:\n  public:\n    tables: 7\n",
        "&a [*a]",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.path().join(format!("s{i}.yaml"));
        std::fs::write(&path, text).expect("write");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
            .args(["validate", "--schema"])
            .arg(&path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{text:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{text:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
