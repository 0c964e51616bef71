//! A query built filter by filter, the same text for both backends.

use sqlx::{
    any::{AnyArguments, AnyRow},
    query::{Query, QueryAs, QueryScalar},
    Any, FromRow,
};

/// A query under construction: text with `$n` placeholders and the values
/// bound to them, so filters can be added one by one on both backends.
#[derive(Default, Clone)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

#[derive(Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Binds a value and returns its placeholder.
    pub fn text_arg(&mut self, v: impl Into<String>) -> String {
        self.args.push(Arg::Text(v.into()));
        format!("${}", self.args.len())
    }

    pub fn int_arg(&mut self, v: i64) -> String {
        self.args.push(Arg::Int(v));
        format!("${}", self.args.len())
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// The query, its rows read as `T` (a `FromRow` row struct).
    pub fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as::<_, T>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// The query, the first column of its rows read as `T` (a count).
    pub fn scalar<T>(&self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_scalar::<_, T>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// Placeholders for an `IN (...)` list, bound on `sql`.
pub fn in_list(sql: &mut Sql, values: &[String]) -> String {
    values
        .iter()
        .map(|v| sql.text_arg(v.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}
