//! Sequence options, shared by free-standing sequences, the sequences of
//! identity columns and the sequence a `serial` column implies.

use serde::Serialize;

/// Every option of a sequence, resolved to its effective value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min_value: i64,
    /// `MAXVALUE`.
    pub max_value: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
}

/// The range of a sequence type (`bigint` for anything else).
pub fn type_range(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

impl SequenceOptions {
    /// What `CREATE SEQUENCE ... AS data_type` gives: also the sequence of a
    /// `serial` column and of an identity column without options.
    pub fn defaults(data_type: &str) -> SequenceOptions {
        let (_, max) = type_range(data_type);
        SequenceOptions {
            data_type: data_type.to_string(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: max,
            cache: 1,
            cycle: false,
        }
    }

    /// The default `MINVALUE`, `MAXVALUE` and `START WITH` for this type
    /// and direction (a descending sequence counts down from -1).
    pub fn implied(&self) -> (i64, i64, i64) {
        let (type_min, type_max) = type_range(&self.data_type);
        if self.increment > 0 {
            (1, type_max, self.min_value)
        } else {
            (type_min, -1, self.max_value)
        }
    }

    /// The options after a change of the sequence's type, as PostgreSQL
    /// applies it (`AS`, or an identity column's `ALTER COLUMN ... TYPE`):
    /// a bound that was the old type's default becomes the new one's.
    pub fn retyped(&self, data_type: &str) -> SequenceOptions {
        let (old_min, old_max) = type_range(&self.data_type);
        let (new_min, new_max) = type_range(data_type);
        let mut out = self.clone();
        out.data_type = data_type.to_string();
        if self.max_value == old_max {
            out.max_value = new_max;
        }
        if self.min_value == old_min {
            out.min_value = new_min;
        }
        out
    }

    /// The option clauses of `CREATE SEQUENCE` (`from` = `None`: those that
    /// differ from the defaults) or `ALTER SEQUENCE` (those that differ from
    /// `from`), in the order PostgreSQL documents them. `with_type` = false
    /// leaves out `AS` (an identity column's sequence follows its column).
    pub fn clauses(&self, from: Option<&SequenceOptions>, with_type: bool) -> Vec<String> {
        let (min_default, max_default, start_default) = self.implied();
        let differs = |old: &dyn Fn(&SequenceOptions) -> String, default: bool| match from {
            None => default,
            Some(f) => old(f) != old(self),
        };
        let mut out = Vec::new();
        if with_type && differs(&|x| x.data_type.clone(), self.data_type != "bigint") {
            out.push(format!("AS {}", self.data_type));
        }
        if differs(&|x| x.increment.to_string(), self.increment != 1) {
            out.push(format!("INCREMENT BY {}", self.increment));
        }
        if differs(&|x| x.min_value.to_string(), self.min_value != min_default) {
            out.push(format!("MINVALUE {}", self.min_value));
        }
        if differs(&|x| x.max_value.to_string(), self.max_value != max_default) {
            out.push(format!("MAXVALUE {}", self.max_value));
        }
        if differs(&|x| x.start.to_string(), self.start != start_default) {
            out.push(format!("START WITH {}", self.start));
        }
        if differs(&|x| x.cache.to_string(), self.cache != 1) {
            out.push(format!("CACHE {}", self.cache));
        }
        if differs(&|x| x.cycle.to_string(), self.cycle) {
            out.push(if self.cycle { "CYCLE" } else { "NO CYCLE" }.to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retyping_moves_default_bounds_only() {
        let mut o = SequenceOptions::defaults("integer");
        assert_eq!(o.retyped("bigint"), SequenceOptions::defaults("bigint"));
        o.max_value = 1000;
        assert_eq!(o.retyped("bigint").max_value, 1000);
        assert!(SequenceOptions::defaults("integer").clauses(None, true) == ["AS integer"]);
        assert!(
            SequenceOptions::defaults("bigint")
                .clauses(None, true)
                .is_empty()
        );
    }
}
