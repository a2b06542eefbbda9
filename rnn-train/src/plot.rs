//! PNG plots with plotters' bitmap backend: the loss curves of a training
//! run and the predicted vs actual series on the test split.
//!
//! Text is drawn with plotters' pure-Rust `ab_glyph` renderer and the DejaVu
//! Sans font embedded from the `dejavu` crate, so no system font library
//! (fontconfig, freetype) or installed font is needed.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Result, TrainError};

/// The family name the embedded font is registered under.
pub(crate) const FONT: &str = "sans-serif";
/// Plot size in pixels.
pub(crate) const SIZE: (u32, u32) = (1000, 560);

/// Registers the embedded DejaVu Sans once; `false` if plotters refused it.
pub(crate) fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    })
}

pub(crate) fn plot_error(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Plot {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// The (min, max) of the finite values, padded by 5 % (or by 1 when flat).
pub(crate) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };
    (lo - pad, hi + pad)
}

/// One named line: its points and colour.
struct Series<'a> {
    label: &'a str,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
}

/// Draws line series on one chart and writes it as a PNG; with `log_y`
/// the y axis is logarithmic (all values must then be positive).
fn line_chart(
    path: &Path,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    series: &[Series<'_>],
    log_y: bool,
    x_labels: Option<&[String]>,
) -> Result<()> {
    if !font_ready() {
        return Err(plot_error(path, "the embedded font could not be loaded"));
    }
    let err = |e| plot_error(path, e);
    let (x0, x1) = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let ys = || series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80);
    if log_y {
        let lo = ys().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        let hi = ys()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo <= hi {
            (lo / 1.5, hi * 1.5)
        } else {
            (1e-6, 1.0)
        };
        let mut chart = builder
            .build_cartesian_2d(x0..x1, (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        draw_series(&mut chart, series).map_err(err)?;
    } else {
        let (y0, y1) = range(ys());
        // Head room above the data for the legend.
        let y1 = y1 + 0.2 * (y1 - y0);
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        let x_label = |x: &f64| match x_labels {
            Some(l) if *x >= 0.0 => l.get(x.round() as usize).cloned().unwrap_or_default(),
            _ => format!("{x:.0}"),
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(if x_labels.is_some() { 5 } else { 10 })
            .x_label_formatter(&x_label)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        draw_series(&mut chart, series).map_err(err)?;
    }
    root.present().map_err(err)
}

/// Draws the lines (non-finite points skipped) and their legend.
fn draw_series<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    series: &[Series<'_>],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    for s in series {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied().filter(|p| p.1.is_finite()),
                color.stroke_width(s.width),
            ))?
            .label(s.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
}

/// Writes the training (and, if given, validation) loss per epoch as a PNG,
/// on a logarithmic axis.
///
/// `train[e]` and `val[e]` are the mean losses (scaled units) after epoch `e + 1`.
///
/// # Errors
/// [`TrainError::Plot`] if the chart cannot be drawn or the file written.
pub fn loss_curves(path: &Path, loss_name: &str, train: &[f64], val: Option<&[f64]>) -> Result<()> {
    let points = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(e, &l)| ((e + 1) as f64, l))
            .collect::<Vec<_>>()
    };
    let mut series = vec![Series {
        label: "training loss",
        points: points(train),
        color: BLUE,
        width: 2,
    }];
    if let Some(val) = val {
        series.push(Series {
            label: "validation loss",
            points: points(val),
            color: RGBColor(230, 120, 0),
            width: 2,
        });
    }
    line_chart(
        path,
        "Loss per epoch",
        ("epoch", loss_name),
        &series,
        true,
        None,
    )
}

/// Writes the actual test targets, the model's predictions and the
/// persistence forecast (all in the series' units) against the sample
/// index, labelled with `times` (the time column at each target) when given.
///
/// The actual series is drawn first and widest, the model over it, and the
/// persistence line last in a thin distinct colour, so it stays visible
/// although it is the actual series shifted by the horizon.
///
/// # Errors
/// [`TrainError::Plot`] if the chart cannot be drawn or the file written.
pub fn predictions(
    path: &Path,
    target: &str,
    actual: &[f64],
    predicted: &[f64],
    persistence: &[f64],
    times: Option<&[String]>,
) -> Result<()> {
    let points = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(k, &y)| (k as f64, y))
            .collect::<Vec<_>>()
    };
    let series = [
        Series {
            label: "actual",
            points: points(actual),
            color: BLACK,
            width: 3,
        },
        Series {
            label: "model",
            points: points(predicted),
            color: RGBColor(220, 30, 30),
            width: 2,
        },
        Series {
            label: "persistence",
            points: points(persistence),
            color: RGBColor(0, 150, 255),
            width: 1,
        },
    ];
    line_chart(
        path,
        &format!("Test split: predicted vs actual {target}"),
        (
            if times.is_some() {
                "time of the test target"
            } else {
                "test sample (timestep)"
            },
            target,
        ),
        &series,
        false,
        times,
    )
}

/// Writes a confusion matrix as a PNG heat map: rows the actual classes,
/// columns the predicted ones, each cell its count, shaded by the share of
/// its row (the class's recall on the diagonal).
///
/// # Errors
/// [`TrainError::Plot`] if the chart cannot be drawn or the file written.
pub fn confusion_matrix(path: &Path, names: &[String], counts: &[Vec<usize>]) -> Result<()> {
    if !font_ready() {
        return Err(plot_error(path, "the embedded font could not be loaded"));
    }
    let err = |e| plot_error(path, e);
    let n = names.len();
    let root = BitMapBackend::new(path, (760, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Confusion matrix (test split)", (FONT, 24))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(120)
        // A segmented `0..last` has a segment per value, `last` included.
        .build_cartesian_2d(
            (0..n.saturating_sub(1)).into_segmented(),
            (0..n.saturating_sub(1)).into_segmented(),
        )
        .map_err(err)?;
    let index = |v: &SegmentValue<usize>| match v {
        SegmentValue::Exact(k) | SegmentValue::CenterOf(k) => Some(*k),
        SegmentValue::Last => None,
    };
    let name = |k: Option<usize>| k.and_then(|k| names.get(k)).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(n)
        .y_labels(n)
        .x_label_formatter(&|v| name(index(v)))
        // Row 0 at the top, as the printed table.
        .y_label_formatter(&|v| name(index(v).and_then(|k| (n - 1).checked_sub(k))))
        .x_desc("predicted")
        .y_desc("actual")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    for (actual, row) in counts.iter().enumerate() {
        let total = row.iter().sum::<usize>().max(1) as f64;
        let y = n - 1 - actual;
        for (predicted, &count) in row.iter().enumerate() {
            let share = count as f64 / total;
            let shade = (255.0 * (1.0 - 0.8 * share)) as u8;
            let cell = Rectangle::new(
                [
                    (SegmentValue::Exact(predicted), SegmentValue::Exact(y)),
                    (
                        SegmentValue::Exact(predicted + 1),
                        SegmentValue::Exact(y + 1),
                    ),
                ],
                RGBColor(shade, shade, 255).filled(),
            );
            chart.draw_series(std::iter::once(cell)).map_err(err)?;
            let color = if share > 0.6 { WHITE } else { BLACK };
            let style = (FONT, 22)
                .into_font()
                .color(&color)
                .pos(Pos::new(HPos::Center, VPos::Center));
            let at = (SegmentValue::CenterOf(predicted), SegmentValue::CenterOf(y));
            let label = Text::new(count.to_string(), at, style);
            chart.draw_series(std::iter::once(label)).map_err(err)?;
        }
    }
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_png_files() {
        let dir = std::env::temp_dir().join(format!("rnn-train-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let loss = dir.join("loss.png");
        loss_curves(&loss, "MSE", &[1.0, 0.5, 0.25], Some(&[1.1, 0.6, f64::NAN])).unwrap();
        let pred = dir.join("pred.png");
        predictions(
            &pred,
            "t",
            &[1.0, 2.0, 3.0],
            &[1.1, 2.1, 2.9],
            &[0.9, 1.0, 2.0],
            Some(&["a".to_string(), "b".to_string(), "c".to_string()]),
        )
        .unwrap();
        for p in [&loss, &pred] {
            let bytes = std::fs::read(p).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
        }
        let e = loss_curves(&dir.join("no/such/dir/x.png"), "MSE", &[1.0], None).unwrap_err();
        assert!(matches!(e, TrainError::Plot { .. }), "{e:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
