//! A gradient that is not finite, or too large for Adam, never reaches the
//! weights: `fit` stops before the step and reports the epoch and the
//! batch (and `train` fails with them when no epoch finished). The clipping norm of a huge but finite gradient does not
//! overflow. (The CLI scales every CSV column into a small range, so these
//! faults are provoked here with raw datasets.)

use rnn_train::fit::{fit, Dataset, FitConfig, GradientStop, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network};
use rnn_train::optim::GradientFault;

fn net() -> Network {
    let linear = CellKind::SimpleRnn {
        activation: Activation::Linear,
    };
    let arch = Architecture::uniform(1, linear, &[3], vec![(1, Activation::Linear)]);
    Network::new(&arch, 1).unwrap()
}

/// 16 windows of 4 timesteps; window 9 holds `huge` (batch 3 of 4 when
/// unshuffled, batch size 4), the rest small values.
fn data(huge: f64) -> Dataset {
    let mut inputs: Vec<f64> = (0..64).map(|k| (k as f64 * 0.3).sin()).collect();
    inputs[9 * 4 + 2] = huge;
    Dataset {
        inputs,
        targets: (0..16).map(|k| (k as f64 * 0.5).cos()).collect(),
        window: 4,
        input_size: 1,
        output_size: 1,
    }
}

fn config(clip_norm: Option<f64>) -> FitConfig {
    FitConfig {
        epochs: 2,
        batch_size: 4,
        learning_rate: 0.01,
        clip_norm,
        patience: None,
        shuffle: false,
        seed: 0,
        loss: Loss::Mse,
    }
}

#[test]
fn an_infinite_gradient_stops_training_naming_epoch_and_batch() {
    // 1e300 · w overflows the loss to inf: its gradient is inf/NaN, which
    // clipping used to turn into NaN weights.
    let mut n = net();
    let initial = n.params().to_vec();
    let r = fit(&mut n, &data(1e300), None, &config(Some(1.0)), &mut |_| {}).unwrap();
    let e = r.gradient_fault.expect("refused");
    assert!(
        matches!(
            e,
            GradientStop {
                epoch: 1,
                batch: 3,
                fault: GradientFault::NonFinite { .. }
            }
        ),
        "{e:?}"
    );
    assert_eq!((r.diverged, r.best_epoch, r.history.len()), (Some(1), 0, 0));
    assert!(
        e.to_string()
            .starts_with("epoch 1, batch 3: the gradient is NaN or infinite"),
        "{e}"
    );
    assert!(n.params().iter().all(|p| p.is_finite()));
    assert_eq!(
        n.params(),
        &initial[..],
        "no epoch finished: the initial weights"
    );
}

#[test]
fn a_gradient_too_large_for_adam_is_refused_without_clipping() {
    // A finite gradient near 1e200 squares to inf in Adam's second moment.
    let mut n = net();
    let r = fit(&mut n, &data(1e100), None, &config(None), &mut |_| {}).unwrap();
    let e = r.gradient_fault.expect("refused");
    assert!(n.params().iter().all(|p| p.is_finite()));
    assert!(
        matches!(
            e,
            GradientStop {
                epoch: 1,
                batch: 3,
                fault: GradientFault::TooLarge { .. }
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("too large for Adam"), "{e}");
}

#[test]
fn clipping_a_huge_finite_gradient_keeps_training_finite() {
    // The same data with clipping: the norm (about 1e200) is computed
    // without overflow, the step has norm 1, the weights stay finite and move.
    let mut n = net();
    let initial = n.params().to_vec();
    let report = fit(&mut n, &data(1e100), None, &config(Some(1.0)), &mut |_| {});
    // The loss itself is huge (1e200), so the epoch counts as diverged (not
    // a finite f32) and the weights are restored, but no NaN got in.
    let report = report.unwrap();
    assert_eq!(
        report.gradient_fault, None,
        "the clipped gradient is accepted"
    );
    assert_eq!(report.diverged, Some(1));
    assert!(n.params().iter().all(|p| p.is_finite()));
    assert_eq!(n.params(), &initial[..]);
}
