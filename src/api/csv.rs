//! A CSV writer (RFC 4180, by hand: a field with a comma, quote or line
//! break is quoted, quotes doubled), for the back office's exports and the
//! trader's history. Text that a spreadsheet would run as a formula (`=`,
//! `+`, `-`, `@`, tab, carriage return first) gets a leading `'`: names and
//! notification bodies come from outside. Numbers such as "-5.00" are left
//! alone.

/// A CSV document being written.
pub struct Csv {
    out: String,
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

impl Csv {
    pub fn new(header: &[&str]) -> Csv {
        let mut c = Csv { out: String::new() };
        c.row(header.iter().copied());
        c
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        for (i, f) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.field(f);
        }
        self.out.push_str("\r\n");
    }

    fn field(&mut self, f: &str) {
        let risky = f
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'))
            && !is_number(f);
        let quote = risky || f.contains([',', '"', '\n', '\r']);
        if quote {
            self.out.push('"');
        }
        if risky {
            self.out.push('\'');
        }
        for c in f.chars() {
            if c == '"' {
                self.out.push('"');
            }
            self.out.push(c);
        }
        if quote {
            self.out.push('"');
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Csv;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(["plain", "with, comma"]);
        c.row(["say \"hi\"", "two\nlines"]);
        c.row(["=HYPERLINK(\"x\")", "-5.00"]);
        c.row(["@SUM(A1)", "+1"]);
        assert_eq!(
            c.finish(),
            "a,b\r\nplain,\"with, comma\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n\
             \"'=HYPERLINK(\"\"x\"\")\",-5.00\r\n\"'@SUM(A1)\",\"'+1\"\r\n"
        );
    }
}
