//! The forecast fan of `rnn-train forecast`: the observed series, the
//! autoregressive forecast paths started from windows inside it, and the
//! forecast from the series' end, as a PNG.

use std::path::Path;

use plotters::prelude::*;

use crate::error::Result;
use crate::plot::{font_ready, plot_error, range, FONT, SIZE};

/// One forecast path: the row index of its first forecast and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastPath {
    /// Data row (0-based) of the first forecast step.
    pub start: usize,
    /// Forecasts of steps 1, 2, ... in the target's units.
    pub values: Vec<f64>,
}

/// Writes the fan: `history` (the observed target, `history[i]` at data
/// row `first_row + i`) in black, every path of `paths` (forecasts started
/// inside the history, where they can be compared with it) thin in orange,
/// and `future` (the forecast from the last window, past the history's
/// end) in red; x is the data row, y the target in its units (`target`
/// names it).
///
/// # Errors
/// [`crate::TrainError::Plot`] if the chart cannot be drawn or the file
/// written.
pub fn forecast_fan(
    path: &Path,
    target: &str,
    (first_row, history): (usize, &[f64]),
    paths: &[ForecastPath],
    future: &ForecastPath,
) -> Result<()> {
    if !font_ready() {
        return Err(plot_error(path, "the embedded font could not be loaded"));
    }
    let err = |e| plot_error(path, e);
    let points = |start: usize, v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter(|(_, y)| y.is_finite())
            .map(|(i, &y)| ((start + i) as f64, y))
            .collect()
    };
    let observed = points(first_row, history);
    let fans: Vec<Vec<(f64, f64)>> = paths.iter().map(|p| points(p.start, &p.values)).collect();
    let ahead = points(future.start, &future.values);
    let all = || {
        observed
            .iter()
            .chain(fans.iter().flatten())
            .chain(&ahead)
            .copied()
    };
    let (x0, x1) = range(all().map(|p| p.0));
    let (y0, y1) = range(all().map(|p| p.1));
    let y1 = y1 + 0.2 * (y1 - y0);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Autoregressive forecasts of {target}"), (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("data row")
        .y_desc(target)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(err)?;
    let orange = RGBColor(240, 140, 0);
    let red = RGBColor(220, 30, 30);
    chart
        .draw_series(LineSeries::new(observed, BLACK.stroke_width(2)))
        .map_err(err)?
        .label("observed")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(3)));
    for (k, fan) in fans.into_iter().enumerate() {
        let drawn = chart
            .draw_series(LineSeries::new(fan, orange.stroke_width(1)))
            .map_err(err)?;
        if k == 0 {
            drawn
                .label("forecast paths (test windows)")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], orange.stroke_width(3))
                });
        }
    }
    chart
        .draw_series(LineSeries::new(ahead, red.stroke_width(3)))
        .map_err(err)?
        .label("forecast from the last window")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], red.stroke_width(3)));
    chart
        .configure_series_labels()
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}
