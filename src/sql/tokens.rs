//! SQL text that sqlparser cannot parse (XMLTABLE, `xmlelement(name ...)`,
//! `ROWS FROM (...)` and other syntax it does not know), read token by token.
//!
//! Such text is kept as written and compared by the server (or, offline, as
//! text). What can still be checked without a parser is checked here: the
//! text is one statement (no `;` followed by more), an expression's
//! parentheses balance (it cannot close the parenthesis the DDL wraps it
//! in), and the names it may read are collected, generously, for ordering.
//! Plans send every statement on its own through the extended protocol,
//! which refuses a second statement whatever the tokenizer made of it.

use crate::sql::references::References;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| e.to_string())
}

fn is_blank(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

/// Checks that `sql` is a single query (one trailing `;` allowed) or, when
/// `query` is false, a single expression with balanced parentheses and no
/// `;` at all. Returns the text as DDL may embed it: trimmed, without the
/// trailing `;`, and ending in a newline when it ends in a `--` comment (so
/// the comment cannot swallow what the DDL writes after it).
pub fn single_statement(sql: &str, query: bool) -> Result<String, String> {
    let tokens = tokenize(sql)?;
    let mut depth = 0i64;
    let mut after_semicolon = false;
    for t in &tokens {
        if is_blank(t) {
            continue;
        }
        if after_semicolon && *t != Token::SemiColon {
            return Err("it holds more than one statement".to_string());
        }
        match t {
            Token::SemiColon if !query => {
                return Err("an expression cannot contain `;`".to_string());
            }
            Token::SemiColon => after_semicolon = true,
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth < 0 && !query {
                    return Err("unbalanced `)`".to_string());
                }
            }
            _ => {}
        }
    }
    if depth != 0 && !query {
        return Err("unbalanced parentheses".to_string());
    }
    if !tokens
        .iter()
        .any(|t| !is_blank(t) && *t != Token::SemiColon)
    {
        return Err("it is empty".to_string());
    }
    Ok(embeddable(sql))
}

/// `sql` trimmed, without trailing `;`, with a newline after a trailing
/// line comment.
pub fn embeddable(sql: &str) -> String {
    let mut text = sql.trim().trim_end_matches(';').trim_end().to_string();
    if ends_in_line_comment(&text) {
        text.push('\n');
    }
    text
}

/// Whether the last token of `sql` is a `--` comment.
fn ends_in_line_comment(sql: &str) -> bool {
    match tokenize(sql) {
        Ok(tokens) => matches!(
            tokens.last(),
            Some(Token::Whitespace(Whitespace::SingleLineComment { .. }))
        ),
        // Text the tokenizer cannot read: a newline never hurts.
        Err(_) => sql.contains("--"),
    }
}

/// The names unparsed text may read: every dotted name (`s.t`, `t`, `t.c`)
/// as a relation candidate, every word as a possible column, and `*` taken
/// as reading every column of the relations it names. Aliases, functions
/// and keywords end up in the lists too; callers keep only the names that
/// are declared, so the result errs towards more dependencies, never fewer.
pub fn names(sql: &str) -> Result<References, String> {
    let tokens = tokenize(sql)?;
    let mut refs = References {
        wildcard: true,
        ..References::default()
    };
    let words: Vec<&Token> = tokens.iter().filter(|t| !is_blank(t)).collect();
    let mut i = 0;
    while i < words.len() {
        let Token::Word(w) = words[i] else {
            i += 1;
            continue;
        };
        let mut parts = vec![fold(w)];
        let mut j = i + 1;
        while j + 1 < words.len()
            && *words[j] == Token::Period
            && let Token::Word(next) = words[j + 1]
        {
            parts.push(fold(next));
            j += 2;
        }
        for k in 0..parts.len() {
            refs.identifiers.insert(parts[k].clone());
            // `s.t.c` may be a column of `s.t`, `t.c` one of `t`.
            refs.relations.insert(parts[..=k].to_vec());
            if k > 0 {
                refs.relations.insert(parts[k - 1..=k].to_vec());
            }
        }
        i = j;
    }
    // `'seq'::regclass` in nextval() and its kin.
    for t in &tokens {
        if let Token::SingleQuotedString(s) = t {
            refs.sequences.insert(s.clone());
        }
    }
    Ok(refs)
}

fn fold(w: &sqlparser::tokenizer::Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_only() {
        assert!(single_statement("SELECT 1;", true).is_ok());
        assert!(single_statement("SELECT 1; ;", true).is_ok());
        assert!(single_statement("SELECT 1; DROP TABLE t", true).is_err());
        assert!(single_statement("SELECT ';' AS a, $x$;$x$ AS b -- ;\n", true).is_ok());
        assert!(single_statement("SELECT 1 /* ; */", true).is_ok());
        assert!(single_statement("1; SELECT 2", false).is_err());
        assert!(single_statement("1) CHECK (true", false).is_err());
        assert!(single_statement("(1", false).is_err());
        assert!(single_statement("  ;  ", true).is_err());
        assert!(single_statement("SELECT 'unterminated", true).is_err());
    }

    #[test]
    fn trailing_line_comment_gets_a_newline() {
        assert_eq!(
            single_statement("x > 0 -- positive", false).as_deref(),
            Ok("x > 0 -- positive\n")
        );
        assert_eq!(
            single_statement(" SELECT 1 ;\n", true).as_deref(),
            Ok("SELECT 1")
        );
        assert_eq!(embeddable("a -- '--'\n"), "a -- '--'\n");
    }

    #[test]
    fn names_err_towards_more() {
        let refs = names("SELECT x.item FROM public.docs d, XMLTABLE('/a' PASSING d.\"Body\" COLUMNS item text) x").unwrap();
        assert!(
            refs.relations
                .contains(&vec!["public".into(), "docs".into()])
        );
        assert!(refs.relations.contains(&vec!["d".into(), "Body".into()]));
        assert!(refs.identifiers.contains("Body"));
        assert!(refs.identifiers.contains("item"));
        assert!(refs.wildcard);
    }
}
