//! Reading numeric columns from a sensor CSV (one header row, `,`
//! separated, `.` decimal point), with errors that name the line and column.

use std::path::{Path, PathBuf};

use crate::error::{Result, TrainError};

/// Named numeric columns read from one CSV file, each with one value per data row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The file the columns came from.
    pub path: PathBuf,
    /// Column names, in the order requested (duplicates removed).
    pub names: Vec<String>,
    /// `columns[j][r]` is column `names[j]` at data row `r`.
    pub columns: Vec<Vec<f64>>,
    /// `lines[r]`: the 1-based line of data row `r` in the file (the header
    /// is line 1; blank lines are skipped by the reader and not counted as rows).
    pub lines: Vec<u64>,
}

impl Table {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// The values of the column named `name` (it must be one of the columns read).
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let j = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[j])
    }
}

/// Reads the columns `wanted` from the CSV at `path`, parsing every cell of
/// them as a finite `f64`. Other columns are not parsed.
///
/// # Errors
/// [`TrainError::File`] if the file cannot be opened or read;
/// [`TrainError::EmptyFile`] without a header row; [`TrainError::NoDataRows`]
/// with only a header; [`TrainError::UnknownColumn`] for a name not in the
/// header; [`TrainError::NotNumeric`] / [`TrainError::NotFinite`] for a bad
/// cell (line and column named); [`TrainError::Csv`] for a row with the wrong
/// number of fields.
pub fn read_columns(path: &Path, wanted: &[&str]) -> Result<Table> {
    let file_err = |source| TrainError::File {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(file_err)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(TrainError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let mut names: Vec<String> = Vec::new();
    for w in wanted {
        if !names.iter().any(|n| n == w) {
            names.push((*w).to_string());
        }
    }
    let mut indices = Vec::with_capacity(names.len());
    for name in &names {
        let j =
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| TrainError::UnknownColumn {
                    path: path.to_path_buf(),
                    column: name.clone(),
                    available: headers.iter().map(str::to_string).collect(),
                })?;
        indices.push(j);
    }
    let mut columns = vec![Vec::new(); names.len()];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        lines.push(line);
        for ((&j, name), column) in indices.iter().zip(&names).zip(columns.iter_mut()) {
            let cell = record.get(j).unwrap_or("");
            column.push(parse_cell(path, line, name, cell)?);
        }
    }
    if columns.first().is_none_or(Vec::is_empty) {
        return Err(TrainError::NoDataRows {
            path: path.to_path_buf(),
        });
    }
    Ok(Table {
        path: path.to_path_buf(),
        names,
        columns,
        lines,
    })
}

fn parse_cell(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64> {
    let bad = |finite: bool| {
        let (path, column, value) = (path.to_path_buf(), column.to_string(), cell.to_string());
        if finite {
            TrainError::NotNumeric {
                path,
                line,
                column,
                value,
            }
        } else {
            TrainError::NotFinite {
                path,
                line,
                column,
                value,
            }
        }
    };
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(bad(false)),
        Err(_) => Err(bad(true)),
    }
}

/// Turns a CSV reader error into one that names the file and, where the
/// reader knows it, the line.
fn csv_error(path: &Path, e: csv::Error) -> TrainError {
    let path = path.to_path_buf();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => TrainError::File { path, source },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => TrainError::RaggedRow {
            path,
            line: pos.map_or(0, |p| p.line()),
            expected: expected_len,
            found: len,
        },
        csv::ErrorKind::Utf8 { pos, err } => TrainError::CsvRead {
            path,
            message: format!("line {}: {err}", pos.map_or(0, |p| p.line())),
        },
        other => TrainError::CsvRead {
            path,
            message: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn csv_file(text: &str) -> (PathBuf, impl Drop) {
        struct Rm(PathBuf);
        impl Drop for Rm {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("rnn-train-csv-{}-{n}.csv", std::process::id()));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("temp file");
        (path.clone(), Rm(path))
    }

    #[test]
    fn reads_requested_columns_in_order_without_duplicates() {
        let (p, _g) = csv_file("t,a,b\nx,1,2.5\ny,3, -4e1\n");
        let t = read_columns(&p, &["b", "a", "b"]).unwrap();
        assert_eq!(t.names, ["b", "a"]);
        assert_eq!(t.columns, vec![vec![2.5, -40.0], vec![1.0, 3.0]]);
        assert_eq!(t.rows(), 2);
        assert_eq!(t.lines, [2, 3]);
        assert_eq!(t.column("a"), Some(&[1.0, 3.0][..]));
    }

    #[test]
    fn bad_cell_names_line_and_column() {
        let (p, _g) = csv_file("t,a\n0,1\n1,oops\n");
        let e = read_columns(&p, &["a"]).unwrap_err();
        assert!(
            matches!(&e, TrainError::NotNumeric { line: 3, column, value, .. } if column == "a" && value == "oops"),
            "{e:?}"
        );
        assert!(e.to_string().contains("line 3, column \"a\""), "{e}");
    }

    #[test]
    fn nan_and_infinity_are_refused() {
        for cell in ["NaN", "nan", "inf", "-inf"] {
            let (p, _g) = csv_file(&format!("a\n1\n{cell}\n"));
            let e = read_columns(&p, &["a"]).unwrap_err();
            assert!(
                matches!(e, TrainError::NotFinite { line: 3, .. }),
                "{cell}: {e:?}"
            );
        }
    }

    #[test]
    fn empty_header_only_and_unknown_column() {
        let (p, _g) = csv_file("");
        assert!(matches!(
            read_columns(&p, &["a"]),
            Err(TrainError::EmptyFile { .. })
        ));
        let (p, _g) = csv_file("a,b\n");
        assert!(matches!(
            read_columns(&p, &["a"]),
            Err(TrainError::NoDataRows { .. })
        ));
        let (p, _g) = csv_file("a,b\n1,2\n");
        let e = read_columns(&p, &["c"]).unwrap_err();
        assert!(e.to_string().contains("no column named \"c\""), "{e}");
        assert!(e.to_string().contains("[\"a\", \"b\"]"), "{e}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = read_columns(Path::new("/no/such/file.csv"), &["a"]).unwrap_err();
        assert!(matches!(e, TrainError::File { .. }));
        assert!(e.to_string().starts_with("/no/such/file.csv: "), "{e}");
    }

    #[test]
    fn ragged_row_names_its_line() {
        let (p, _g) = csv_file("a,b\n1,2\n3\n");
        let e = read_columns(&p, &["a"]).unwrap_err();
        assert!(
            matches!(
                e,
                TrainError::RaggedRow {
                    line: 3,
                    expected: 2,
                    found: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("line 3"), "{e}");
    }
}
