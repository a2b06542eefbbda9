//! Autoregressive multi-step forecasting (`rnn-train forecast`): a
//! one-step model whose only input is its target column forecasts the next
//! value, that forecast is appended to the window as if observed, and the
//! model runs again, `N` times.

use rnn_core::format::Metadata;

use crate::data::scale;
use crate::error::Result;
use crate::forecast::predict_at;
use crate::nn::Network;

/// The `steps` forecasts (target units, step 1 first) from the window
/// `history` of raw target values (the model's window, oldest first): step
/// `s + 1` runs the model on the last `history.len()` values of `history`
/// followed by the forecasts of steps `1..=s`.
///
/// Step 1 is exactly [`predict_at`] on the same window (what `predict`
/// writes): the window is scaled with `meta.inputs[0]` and the output
/// unscaled with `meta.targets[0]`, as there. Errors compound: every later
/// step reads earlier forecasts as inputs.
///
/// # Errors
/// [`crate::TrainError::Network`] if the window does not fit the network.
///
/// # Panics
/// If `meta` has no input or no target scale (the `forecast` command
/// refuses such models first).
pub fn rollout(
    network: &Network,
    meta: &Metadata,
    history: &[f64],
    steps: usize,
) -> Result<Vec<f64>> {
    let window = history.len();
    let mut series = history.to_vec();
    let mut forecasts = Vec::with_capacity(steps);
    for _ in 0..steps {
        let recent = &series[series.len() - window..];
        let scaled = vec![scale::scale_all(&meta.inputs[0], recent)];
        let next = predict_at(network, &scaled, 0, window, &meta.targets[0])?;
        forecasts.push(next);
        series.push(next);
    }
    Ok(forecasts)
}
