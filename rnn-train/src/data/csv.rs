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
    /// is line 1; blank lines are skipped by the reader and not counted as
    /// rows). Lines end at `\n`, `\r\n` or a lone `\r`, all counted alike.
    pub lines: Vec<u64>,
    /// The time column's name and its cells as text (timestamps are
    /// written back as they are, never parsed), if one was read.
    pub time: Option<(String, Vec<String>)>,
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

/// Which column holds the timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeColumn {
    /// None is read.
    None,
    /// The first header column whose name, in lower case, starts with
    /// `time` or `date` (`time_utc`, `Date`, `timestamp`) and is not a
    /// numeric column asked for; none if there is no such column.
    Auto,
    /// This column (an error if the header lacks it).
    Named(String),
}

/// 1-based line numbers of byte offsets in a text, whatever its line
/// endings: `\n`, `\r\n` and a lone `\r` each end one line.
struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Byte offset where each line after the first starts.
    starts: Vec<u64>,
}

impl LineIndex<'_> {
    fn new(bytes: &[u8]) -> LineIndex<'_> {
        let mut starts = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends {
                starts.push(i as u64 + 1);
            }
        }
        LineIndex { bytes, starts }
    }

    /// The line of the record the reader says starts at byte `offset`:
    /// the reader's offset includes the blank lines it skipped before the
    /// record, so they are skipped here too.
    fn line(&self, offset: u64) -> u64 {
        let mut at = offset as usize;
        while matches!(self.bytes.get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        self.starts.partition_point(|&s| s <= at as u64) as u64 + 1
    }
}

/// The header row's column names of the CSV at `path`.
///
/// # Errors
/// [`TrainError::File`] if the file cannot be read; [`TrainError::CsvRead`]
/// for a header that is not UTF-8.
pub fn header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let lines = LineIndex::new(&[]);
    let headers = reader.headers().map_err(|e| csv_error(path, &lines, e))?;
    Ok(headers.iter().map(str::to_string).collect())
}

/// Reads the columns `wanted` from the CSV at `path`, parsing every cell of
/// them as a finite `f64` that is also finite as an `f32` (the model's and
/// the weight file's type). Other columns are not parsed; no time column is
/// read ([`read_table`] reads one).
///
/// # Errors
/// Those of [`read_table`].
pub fn read_columns(path: &Path, wanted: &[&str]) -> Result<Table> {
    read_table(path, wanted, &TimeColumn::None)
}

/// [`read_columns`] plus the time column `time` as text.
///
/// # Errors
/// [`TrainError::File`] if the file cannot be opened or read;
/// [`TrainError::EmptyFile`] without a header row; [`TrainError::NoDataRows`]
/// with only a header; [`TrainError::UnknownColumn`] for a name not in the
/// header; [`TrainError::DuplicateColumn`] when a wanted name appears
/// twice in the header; [`TrainError::NotNumeric`] /
/// [`TrainError::NotFinite`] / [`TrainError::OutOfF32Range`] for a bad
/// cell (line and column named); [`TrainError::Csv`] for a row with the wrong
/// number of fields. [`TrainError::UnknownColumn`] also for a named time
/// column not in the header.
pub fn read_table(path: &Path, wanted: &[&str], time: &TimeColumn) -> Result<Table> {
    read_core(path, wanted, time, &[]).map(|(table, _)| table)
}

/// [`read_columns`] plus the columns `text` as text (labels, case names,
/// splits): `texts[k][r]` is column `text[k]` at data row `r`, trimmed.
///
/// # Errors
/// Those of [`read_table`]; [`TrainError::UnknownColumn`] for a `text`
/// name not in the header, [`TrainError::DuplicateColumn`] for one that
/// appears twice in it.
pub fn read_with_text(
    path: &Path,
    wanted: &[&str],
    text: &[&str],
) -> Result<(Table, Vec<Vec<String>>)> {
    read_core(path, wanted, &TimeColumn::None, text)
}

/// The position of the one header column `name`.
fn column_index(path: &Path, headers: &csv::StringRecord, name: &str) -> Result<usize> {
    if headers.iter().filter(|h| *h == name).count() > 1 {
        return Err(TrainError::DuplicateColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
        });
    }
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| TrainError::UnknownColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: headers.iter().map(str::to_string).collect(),
        })
}

fn read_core(
    path: &Path,
    wanted: &[&str],
    time: &TimeColumn,
    text: &[&str],
) -> Result<(Table, Vec<Vec<String>>)> {
    let file_err = |source| TrainError::File {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(file_err)?;
    let line_index = LineIndex::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(&bytes[..]);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(path, &line_index, e))?
        .clone();
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
    let indices = names
        .iter()
        .map(|name| column_index(path, &headers, name))
        .collect::<Result<Vec<usize>>>()?;
    let text_indices = text
        .iter()
        .map(|name| column_index(path, &headers, name))
        .collect::<Result<Vec<usize>>>()?;
    let mut texts = vec![Vec::new(); text.len()];
    let time_index = match time {
        TimeColumn::None => None,
        TimeColumn::Auto => headers.iter().position(|h| {
            let lower = h.to_lowercase();
            (lower.starts_with("time") || lower.starts_with("date"))
                && !names.iter().any(|n| n == h)
        }),
        TimeColumn::Named(name) => {
            Some(headers.iter().position(|h| h == name).ok_or_else(|| {
                TrainError::UnknownColumn {
                    path: path.to_path_buf(),
                    column: name.clone(),
                    available: headers.iter().map(str::to_string).collect(),
                }
            })?)
        }
    };
    let mut times = Vec::new();
    let mut columns = vec![Vec::new(); names.len()];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, &line_index, e))?
    {
        let line = record.position().map_or(0, |p| line_index.line(p.byte()));
        lines.push(line);
        if let Some(t) = time_index {
            times.push(record.get(t).unwrap_or("").to_string());
        }
        for (&j, column) in text_indices.iter().zip(texts.iter_mut()) {
            column.push(record.get(j).unwrap_or("").to_string());
        }
        for ((&j, name), column) in indices.iter().zip(&names).zip(columns.iter_mut()) {
            let cell = record.get(j).unwrap_or("");
            column.push(parse_cell(path, line, name, cell)?);
        }
    }
    if lines.is_empty() {
        return Err(TrainError::NoDataRows {
            path: path.to_path_buf(),
        });
    }
    let table = Table {
        path: path.to_path_buf(),
        names,
        columns,
        lines,
        time: time_index.map(|t| (headers[t].to_string(), times)),
    };
    Ok((table, texts))
}

/// The longest cell text an error repeats, in characters: a quote left open
/// makes the rest of the file one cell.
const SHOWN_CELL_CHARS: usize = 40;

/// `cell` as an error shows it: at most [`SHOWN_CELL_CHARS`] characters of
/// its first line, then how much more there was.
fn shown(cell: &str) -> String {
    let first = cell.lines().next().unwrap_or("");
    let head: String = first.chars().take(SHOWN_CELL_CHARS).collect();
    if head.len() == cell.len() {
        return head;
    }
    let more = cell.len() - head.len();
    let hint = if cell.contains('\n') {
        ", across lines: a quote left open?"
    } else {
        ""
    };
    format!("{head}... ({more} more bytes{hint})")
}

fn parse_cell(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64> {
    let (path, column, value) = (path.to_path_buf(), column.to_string(), shown(cell));
    match cell.parse::<f64>() {
        Ok(v) if (v as f32).is_finite() => Ok(v),
        Ok(v) if v.is_finite() => Err(TrainError::OutOfF32Range {
            path,
            line,
            column,
            value,
        }),
        Ok(_) => Err(TrainError::NotFinite {
            path,
            line,
            column,
            value,
        }),
        Err(_) => Err(TrainError::NotNumeric {
            path,
            line,
            column,
            value,
        }),
    }
}

/// Turns a CSV reader error into one that names the file and, where the
/// reader knows it, the line.
fn csv_error(path: &Path, lines: &LineIndex, e: csv::Error) -> TrainError {
    let path = path.to_path_buf();
    let line = |pos: Option<&csv::Position>| pos.map_or(0, |p| lines.line(p.byte()));
    match e.into_kind() {
        csv::ErrorKind::Io(source) => TrainError::File { path, source },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => TrainError::RaggedRow {
            path,
            line: line(pos.as_ref()),
            expected: expected_len,
            found: len,
        },
        csv::ErrorKind::Utf8 { pos, err } => TrainError::CsvRead {
            path,
            message: format!("line {}: {err}", line(pos.as_ref())),
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
    fn an_unclosed_quote_is_shown_short_with_a_hint() {
        let rest = "2,3\n".repeat(1000);
        let (p, _g) = csv_file(&format!("t,a\n0,1\n1,\"10.5\n{rest}"));
        let e = read_columns(&p, &["a"]).unwrap_err();
        let shown = match &e {
            TrainError::NotNumeric { line: 3, value, .. } => value.clone(),
            other => panic!("{other:?}"),
        };
        assert!(shown.starts_with("10.5... ("), "{shown}");
        assert!(shown.contains("a quote left open?"), "{shown}");
        assert!(e.to_string().len() < 200, "{e}");
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
    fn values_beyond_f32_are_refused_with_line_and_column() {
        let (p, _g) = csv_file("a\n1\n3e38\n-1e39\n");
        let e = read_columns(&p, &["a"]).unwrap_err();
        assert!(
            matches!(&e, TrainError::OutOfF32Range { line: 4, column, value, .. } if column == "a" && value == "-1e39"),
            "{e:?}"
        );
        assert!(e.to_string().contains("outside the f32 range"), "{e}");
    }

    #[test]
    fn a_wanted_column_named_twice_in_the_header_is_refused() {
        let (p, _g) = csv_file("t,v,v\n0,1,2\n");
        let e = read_columns(&p, &["v"]).unwrap_err();
        assert!(
            matches!(&e, TrainError::DuplicateColumn { column, .. } if column == "v"),
            "{e:?}"
        );
        // An unused repeated column is not ambiguous.
        assert_eq!(read_columns(&p, &["t"]).unwrap().columns, [vec![0.0]]);
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
    fn line_numbers_are_right_for_every_line_ending() {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["t,a", "x,1", "", "y,2", "z,oops", ""].join(end);
            let (p, _g) = csv_file(&text);
            let e = read_columns(&p, &["a"]).unwrap_err();
            assert!(
                matches!(e, TrainError::NotNumeric { line: 5, .. }),
                "{end:?}: {e:?}"
            );
            let (p, _g) = csv_file(&["t,a", "x,1", "", "y,2"].join(end));
            assert_eq!(read_columns(&p, &["a"]).unwrap().lines, [2, 4], "{end:?}");
            let (p, _g) = csv_file(&["t,a", "x,1", "y"].join(end));
            let e = read_columns(&p, &["a"]).unwrap_err();
            assert!(
                matches!(e, TrainError::RaggedRow { line: 3, .. }),
                "{end:?}: {e:?}"
            );
        }
    }

    #[test]
    fn the_time_column_is_read_as_text() {
        let (p, _g) = csv_file("Time_UTC,a\n2024-01-01T00:00Z,1\n2024-01-01T01:00Z,2\n");
        let t = read_table(&p, &["a"], &TimeColumn::Auto).unwrap();
        let (name, cells) = t.time.unwrap();
        assert_eq!(name, "Time_UTC");
        assert_eq!(cells, ["2024-01-01T00:00Z", "2024-01-01T01:00Z"]);
        assert!(read_table(&p, &["a"], &TimeColumn::None)
            .unwrap()
            .time
            .is_none());
        let e = read_table(&p, &["a"], &TimeColumn::Named("when".into())).unwrap_err();
        assert!(matches!(e, TrainError::UnknownColumn { .. }), "{e:?}");
        let (p, _g) = csv_file("a,b\n1,2\n");
        assert!(read_table(&p, &["a"], &TimeColumn::Auto)
            .unwrap()
            .time
            .is_none());
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
