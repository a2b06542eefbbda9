//! Gradient checks: the analytic gradients of backpropagation through time
//! against central differences in f64, for every layer kind, every
//! parameter and every input value, over several timesteps.
//!
//! As PyTorch `torch.autograd.gradcheck`: step `eps = 1e-6`, and each
//! analytic value `a` must satisfy `|a − n| ≤ atol + rtol·|n|` against the
//! numerical value `n`, with `atol = 1e-5`, `rtol = 1e-3`.
//!
//! Mixed stacks and layers without bias are checked too; a layer without
//! bias computes and differentiates as the layer with zero biases
//! (`no_bias_is_bias_held_at_zero`).
//!
//! The f32 gradients (what `train` uses by default) are checked against
//! these f64 ones on the same network and batch (`f32_gradients_agree_with_f64`).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rnn_train::fit::{evaluate, fit, Dataset, FitConfig, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network, RecurrentLayer};

const EPS: f64 = 1e-6;
const ATOL: f64 = 1e-5;
const RTOL: f64 = 1e-3;

struct Case {
    arch: Architecture,
    steps: usize,
    windows: usize,
    loss: Loss,
}

/// A tanh SimpleRNN (`arch` gives it the activation asked for).
const SIMPLE_RNN: CellKind = CellKind::SimpleRnn {
    activation: Activation::Tanh,
};

/// Layers of `units` of one `cell`, each with a bias; a SimpleRNN gets the
/// activation `act` (LSTM and GRU have none to set).
fn arch(
    cell: CellKind,
    act: Activation,
    input: usize,
    units: &[usize],
    dense: &[(usize, Activation)],
) -> Architecture {
    let cell = match cell {
        CellKind::SimpleRnn { .. } => CellKind::SimpleRnn { activation: act },
        other => other,
    };
    Architecture::uniform(input, cell, units, dense.to_vec())
}

fn loss_of(net: &Network, inputs: &[f64], targets: &[f64], case: &Case) -> f64 {
    let data = Dataset {
        inputs: inputs.to_vec(),
        targets: targets.to_vec(),
        window: case.steps,
        input_size: case.arch.input_size,
        output_size: net.outputs_per_window(case.steps),
    };
    evaluate(net, &data, case.loss)
}

fn close(analytic: f64, numeric: f64) -> bool {
    (analytic - numeric).abs() <= ATOL + RTOL * numeric.abs()
}

/// Checks every parameter and input of `case`; returns how many values were checked.
fn gradcheck(case: &Case, seed: u64) -> usize {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut net = Network::new(&case.arch, seed).unwrap();
    // Move away from the initial zero biases so every term of the gradient is exercised.
    for p in net.params_mut() {
        *p += rng.random_range(-0.3..0.3);
    }
    let n_in = case.windows * case.steps * case.arch.input_size;
    let inputs: Vec<f64> = (0..n_in).map(|_| rng.random_range(-1.0..1.0)).collect();
    let targets: Vec<f64> = (0..case.windows * net.outputs_per_window(case.steps))
        .map(|_| rng.random_range(-1.5..1.5))
        .collect();
    let grads = net
        .sequence_gradients(&inputs, &targets, case.steps, case.loss)
        .unwrap();
    let base = loss_of(&net, &inputs, &targets, case);
    assert!(
        (grads.loss - base).abs() < 1e-12,
        "loss {} vs {base}",
        grads.loss
    );

    let mut bad = Vec::new();
    for k in 0..net.param_count() {
        let original = net.params()[k];
        net.params_mut()[k] = original + EPS;
        let up = loss_of(&net, &inputs, &targets, case);
        net.params_mut()[k] = original - EPS;
        let down = loss_of(&net, &inputs, &targets, case);
        net.params_mut()[k] = original;
        let numeric = (up - down) / (2.0 * EPS);
        if !close(grads.params[k], numeric) {
            bad.push(format!(
                "param {k}: analytic {} numeric {numeric}",
                grads.params[k]
            ));
        }
    }
    let mut x = inputs.clone();
    for k in 0..x.len() {
        x[k] = inputs[k] + EPS;
        let up = loss_of(&net, &x, &targets, case);
        x[k] = inputs[k] - EPS;
        let down = loss_of(&net, &x, &targets, case);
        x[k] = inputs[k];
        let numeric = (up - down) / (2.0 * EPS);
        if !close(grads.inputs[k], numeric) {
            bad.push(format!(
                "input {k}: analytic {} numeric {numeric}",
                grads.inputs[k]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{:?}: {} mismatches:\n{}",
        case.arch,
        bad.len(),
        bad.join("\n")
    );
    // The check is not vacuous: the gradient is far from zero.
    assert!(grads.params.iter().any(|g| g.abs() > 1e-3));
    assert!(grads.inputs.iter().any(|g| g.abs() > 1e-3));
    net.param_count() + x.len()
}

fn single(cell: CellKind, act: Activation, dense: &[(usize, Activation)], loss: Loss) -> Case {
    Case {
        arch: arch(cell, act, 3, &[4], dense),
        steps: 6,
        windows: 3,
        loss,
    }
}

const LINEAR_HEAD: &[(usize, Activation)] = &[(2, Activation::Linear)];

#[test]
fn simple_rnn_tanh() {
    gradcheck(
        &single(SIMPLE_RNN, Activation::Tanh, LINEAR_HEAD, Loss::Mse),
        1,
    );
}

#[test]
fn simple_rnn_relu() {
    gradcheck(
        &single(SIMPLE_RNN, Activation::Relu, LINEAR_HEAD, Loss::Mse),
        2,
    );
}

#[test]
fn simple_rnn_linear() {
    gradcheck(
        &single(SIMPLE_RNN, Activation::Linear, LINEAR_HEAD, Loss::Mse),
        3,
    );
}

#[test]
fn lstm() {
    gradcheck(
        &single(CellKind::Lstm, Activation::Tanh, LINEAR_HEAD, Loss::Mse),
        4,
    );
}

#[test]
fn gru_reset_after() {
    let cell = CellKind::Gru { reset_after: true };
    gradcheck(&single(cell, Activation::Tanh, LINEAR_HEAD, Loss::Mse), 5);
}

#[test]
fn gru_reset_before() {
    let cell = CellKind::Gru { reset_after: false };
    gradcheck(&single(cell, Activation::Tanh, LINEAR_HEAD, Loss::Mse), 6);
}

#[test]
fn dense_head_every_activation() {
    let head = [
        (5, Activation::Tanh),
        (4, Activation::Sigmoid),
        (3, Activation::Relu),
        (2, Activation::Linear),
    ];
    gradcheck(
        &single(CellKind::Lstm, Activation::Tanh, &head, Loss::Mse),
        7,
    );
}

#[test]
fn stacked_layers_of_every_cell() {
    let cells = [
        SIMPLE_RNN,
        CellKind::Lstm,
        CellKind::Gru { reset_after: true },
        CellKind::Gru { reset_after: false },
    ];
    for (k, cell) in cells.into_iter().enumerate() {
        let case = Case {
            arch: arch(
                cell,
                Activation::Tanh,
                2,
                &[5, 4, 3],
                &[(3, Activation::Tanh), (1, Activation::Linear)],
            ),
            steps: 7,
            windows: 2,
            loss: Loss::Mse,
        };
        gradcheck(&case, 10 + k as u64);
    }
}

#[test]
fn mae_and_huber_losses() {
    for (k, loss) in [Loss::Mae, Loss::Huber].into_iter().enumerate() {
        gradcheck(
            &single(
                CellKind::Gru { reset_after: true },
                Activation::Tanh,
                LINEAR_HEAD,
                loss,
            ),
            20 + k as u64,
        );
    }
}

#[test]
fn no_dense_head_and_one_timestep() {
    let case = Case {
        arch: arch(CellKind::Lstm, Activation::Tanh, 2, &[3], &[]),
        steps: 1,
        windows: 4,
        loss: Loss::Mse,
    };
    gradcheck(&case, 30);
    let case = Case {
        arch: arch(
            CellKind::Gru { reset_after: false },
            Activation::Tanh,
            2,
            &[3, 2],
            LINEAR_HEAD,
        ),
        steps: 1,
        windows: 2,
        loss: Loss::Mse,
    };
    gradcheck(&case, 31);
}

#[test]
fn wide_layers_use_the_blocked_product() {
    // Sizes above 5 in every dimension take the matrixmultiply path.
    for (k, cell) in [
        CellKind::Lstm,
        CellKind::Gru { reset_after: false },
        SIMPLE_RNN,
    ]
    .into_iter()
    .enumerate()
    {
        gradcheck(&stacked_wide(cell), 40 + k as u64);
    }
}

/// Two stacked `cell` layers (8, 6) on 7 features and a Dense(6, tanh) +
/// Dense(1) head, 7 windows of 5 steps, MSE.
fn stacked_wide(cell: CellKind) -> Case {
    Case {
        arch: arch(
            cell,
            Activation::Tanh,
            7,
            &[8, 6],
            &[(6, Activation::Tanh), (1, Activation::Linear)],
        ),
        steps: 5,
        windows: 7,
        loss: Loss::Mse,
    }
}

/// Relative tolerance of the f32 gradients against the f64 ones, on the
/// gradient's Euclidean norm: `‖g₃₂ − g₆₄‖ ≤ F32_RTOL · ‖g₆₄‖`.
///
/// Both run on the same values (the f64 network and batch are the f32 ones
/// widened, so only the arithmetic differs). Each f32 operation rounds by
/// at most u = 2⁻²⁴ ≈ 6e-8 relative; a gradient value here is a sum of a
/// few hundred rounded products along 5–7 timesteps of forward and
/// backward recursion, so its error is at most a few hundred u (≈ 1e-5)
/// of the terms' size, which is about the gradient's norm; 1e-4 leaves a
/// margin of ten over that bound (the errors measured are 1e-7 to 4e-7)
/// and is still far below the 1e-3 relative tolerance of the central
/// differences above.
const F32_RTOL: f64 = 1e-4;

/// `‖a − b‖ / ‖b‖` of an f32 gradient `a` against an f64 one `b`.
fn relative_error(a: &[f32], b: &[f64]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let diff = norm(&mut a.iter().zip(b).map(|(&x, &y)| f64::from(x) - y));
    diff / norm(&mut b.iter().copied())
}

/// The f32 and f64 gradients of `case` on the same (f32-representable)
/// weights and batch; returns the relative errors of the parameter and
/// input gradients.
fn f32_against_f64(case: &Case, seed: u64) -> (f64, f64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut wide = Network::new(&case.arch, seed).unwrap();
    for p in wide.params_mut() {
        *p += rng.random_range(-0.3..0.3);
    }
    let narrow = wide.cast::<f32>();
    let wide = narrow.cast::<f64>();
    let n_in = case.windows * case.steps * case.arch.input_size;
    let inputs: Vec<f32> = (0..n_in).map(|_| rng.random_range(-1.0..1.0)).collect();
    let targets: Vec<f32> = (0..case.windows * wide.output_size())
        .map(|_| rng.random_range(-1.5..1.5))
        .collect();
    let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
    let g64 = wide
        .gradients(&widen(&inputs), &widen(&targets), case.loss)
        .unwrap();
    let g32 = narrow.gradients(&inputs, &targets, case.loss).unwrap();
    let loss_error = (f64::from(g32.loss) - g64.loss).abs() / g64.loss;
    assert!(loss_error <= F32_RTOL, "loss {} vs {}", g32.loss, g64.loss);
    (
        relative_error(&g32.params, &g64.params),
        relative_error(&g32.inputs, &g64.inputs),
    )
}

#[test]
fn f32_gradients_agree_with_f64() {
    let cells = [
        SIMPLE_RNN,
        CellKind::Lstm,
        CellKind::Gru { reset_after: true },
        CellKind::Gru { reset_after: false },
    ];
    let mut cases = Vec::new();
    for cell in cells {
        cases.push(single(cell, Activation::Tanh, LINEAR_HEAD, Loss::Mse));
        // Stacked and wide: every product on matrixmultiply's f32 kernel.
        cases.push(stacked_wide(cell));
    }
    cases.push(single(
        CellKind::Gru { reset_after: true },
        Activation::Tanh,
        LINEAR_HEAD,
        Loss::Huber,
    ));
    for (k, case) in cases.iter().enumerate() {
        let (params, inputs) = f32_against_f64(case, 50 + k as u64);
        println!(
            "{:?}: params {params:.1e}, inputs {inputs:.1e}",
            case.arch.recurrent
        );
        assert!(
            params <= F32_RTOL && inputs <= F32_RTOL,
            "{:?}: relative errors {params:e} (parameters), {inputs:e} (inputs)",
            case.arch
        );
    }
}

/// The classification loss (softmax cross-entropy on the logits of a
/// 2-unit head) through an LSTM; the targets are arbitrary reals, so the
/// `Σt` term of its gradient is exercised as well as one-hot labels.
#[test]
fn lstm_cross_entropy() {
    let case = single(
        CellKind::Lstm,
        Activation::Tanh,
        LINEAR_HEAD,
        Loss::CrossEntropy,
    );
    gradcheck(&case, 11);
}

/// The binary classification loss (sigmoid cross-entropy on the logit of
/// a Dense(1) head) through a GRU, with `classify --class-weight`'s
/// weights: the targets are signed weights in (−1.5, 1.5) (a label by the
/// sign, a Keras `class_weight` by the size), so the weight's factor in
/// the loss and in its gradient are checked together.
#[test]
fn gru_weighted_binary_cross_entropy() {
    let case = Case {
        windows: 8,
        ..single(
            CellKind::Gru { reset_after: true },
            Activation::Tanh,
            &[(1, Activation::Linear)],
            Loss::BinaryCrossEntropy,
        )
    };
    gradcheck(&case, 12);
}

/// GRU (reset after) → LSTM → ReLU SimpleRNN, and GRU (reset before) →
/// tanh SimpleRNN: each layer's gradient through the others' kinds.
#[test]
fn mixed_stacks() {
    let mut a = arch(
        CellKind::Gru { reset_after: true },
        Activation::Tanh,
        2,
        &[5, 4, 3],
        LINEAR_HEAD,
    );
    a.recurrent[1].cell = CellKind::Lstm;
    a.recurrent[2].cell = CellKind::SimpleRnn {
        activation: Activation::Relu,
    };
    let mut b = arch(
        CellKind::Gru { reset_after: false },
        Activation::Tanh,
        3,
        &[4, 3],
        LINEAR_HEAD,
    );
    b.recurrent[1].cell = SIMPLE_RNN;
    for (k, arch) in [a, b].into_iter().enumerate() {
        let case = Case {
            arch,
            steps: 6,
            windows: 2,
            loss: Loss::Mse,
        };
        gradcheck(&case, 60 + k as u64);
    }
}

/// Sequence-to-sequence: a stacked recurrent pair (mixed, then uniform)
/// with a two-layer Dense head applied at every timestep (Keras
/// `return_sequences=True` into `TimeDistributed(Dense)`); the loss is the
/// mean over every window, timestep and output, and the backward pass
/// seeds every timestep of the top layer.
#[test]
fn sequence_to_sequence() {
    let mut a = arch(
        CellKind::Gru { reset_after: true },
        Activation::Tanh,
        2,
        &[4, 3],
        &[(3, Activation::Tanh), (2, Activation::Linear)],
    );
    a.recurrent[1].cell = CellKind::Lstm;
    let mut b = arch(SIMPLE_RNN, Activation::Tanh, 3, &[3, 4], LINEAR_HEAD);
    b.recurrent[0].cell = CellKind::Gru { reset_after: false };
    for (k, (mut arch, loss)) in [(a, Loss::Mse), (b, Loss::Huber)].into_iter().enumerate() {
        arch.sequence_output = true;
        let case = Case {
            arch,
            steps: 5,
            windows: 3,
            loss,
        };
        let checked = gradcheck(&case, 90 + k as u64);
        assert!(checked > 100, "{checked} values checked");
    }
}

/// `gradients` cannot tell windows from timesteps of a sequence-output
/// network and says so; `sequence_gradients` gives the same as
/// `gradients` for a many-to-one one.
#[test]
fn sequence_output_needs_the_steps() {
    let mut a = arch(CellKind::Lstm, Activation::Tanh, 2, &[3], LINEAR_HEAD);
    let net = Network::new(&a, 3).unwrap();
    let inputs: Vec<f64> = (0..2 * 4 * 2).map(|k| (k as f64 * 0.3).sin()).collect();
    let targets = [0.2, -0.1, 0.3, 0.0];
    let one = net.gradients(&inputs, &targets, Loss::Mse).unwrap();
    let two = net
        .sequence_gradients(&inputs, &targets, 4, Loss::Mse)
        .unwrap();
    assert_eq!(one, two);
    a.sequence_output = true;
    let seq = Network::new(&a, 3).unwrap();
    assert_eq!(
        seq.gradients(&inputs, &[0.0; 16], Loss::Mse).unwrap_err(),
        rnn_train::nn::NetworkError::StepsNeeded
    );
    assert!(matches!(
        seq.sequence_gradients(&inputs, &[0.0; 15], 4, Loss::Mse),
        Err(rnn_train::nn::NetworkError::TargetLength {
            expected: 16,
            found: 15
        })
    ));
}

/// A mixed stack with every recurrent layer without bias (Keras
/// `use_bias=False`; the Dense head keeps its bias).
fn no_bias_case() -> Case {
    let mut arch = arch(
        CellKind::Gru { reset_after: true },
        Activation::Tanh,
        2,
        &[4, 3, 3],
        LINEAR_HEAD,
    );
    arch.recurrent[1].cell = CellKind::Lstm;
    arch.recurrent[2].cell = SIMPLE_RNN;
    for layer in &mut arch.recurrent {
        layer.use_bias = false;
    }
    Case {
        arch,
        steps: 5,
        windows: 3,
        loss: Loss::Mse,
    }
}

/// Where each parameter of the network of `arch` (layers without bias)
/// sits in the network of the same layers with biases: `W` and `U` of a
/// recurrent layer, then (skipped) its biases; Dense layers unchanged.
fn index_with_bias(arch: &Architecture) -> Vec<usize> {
    let mut map = Vec::new();
    let (mut at, mut input) = (0, arch.input_size);
    for layer in &arch.recurrent {
        let with = RecurrentLayer {
            use_bias: true,
            ..*layer
        };
        let weights = layer.param_count(input).unwrap();
        map.extend(at..at + weights);
        at += with.param_count(input).unwrap();
        input = layer.units;
    }
    let dense: usize = arch
        .dense
        .iter()
        .map(|&(o, _)| {
            let n = o * (input + 1);
            input = o;
            n
        })
        .sum();
    map.extend(at..at + dense);
    map
}

#[test]
fn no_bias_gradients() {
    gradcheck(&no_bias_case(), 70);
}

/// A layer without bias is the layer with its biases held at zero: the
/// same loss and the same gradients of every other parameter, while the
/// bias gradient (which `--no-bias` never applies) is not zero. Training
/// keeps it so: after Adam steps the network still has no bias
/// parameters and computes as the bias network with zero biases.
#[test]
fn no_bias_is_bias_held_at_zero() {
    let case = no_bias_case();
    let mut with_bias = case.arch.clone();
    for layer in &mut with_bias.recurrent {
        layer.use_bias = true;
    }
    let map = index_with_bias(&case.arch);
    let mut rng = ChaCha20Rng::seed_from_u64(71);
    let mut net = Network::new(&case.arch, 71).unwrap();
    for p in net.params_mut() {
        *p += rng.random_range(-0.3..0.3);
    }
    // The same weights, zero biases.
    let biased_twin = |net: &Network| {
        let mut twin = Network::new(&with_bias, 0).unwrap();
        twin.params_mut().fill(0.0);
        for (k, &at) in map.iter().enumerate() {
            twin.params_mut()[at] = net.params()[k];
        }
        twin
    };
    let twin = biased_twin(&net);
    assert_eq!(map.len(), net.param_count());
    assert!(twin.param_count() > net.param_count());
    let n_in = case.windows * case.steps * case.arch.input_size;
    let inputs: Vec<f64> = (0..n_in).map(|_| rng.random_range(-1.0..1.0)).collect();
    let targets: Vec<f64> = (0..case.windows * net.output_size())
        .map(|_| rng.random_range(-1.5..1.5))
        .collect();
    let g = net.gradients(&inputs, &targets, case.loss).unwrap();
    let g_twin = twin.gradients(&inputs, &targets, case.loss).unwrap();
    assert!(
        (g.loss - g_twin.loss).abs() < 1e-14,
        "{} vs {}",
        g.loss,
        g_twin.loss
    );
    for (k, &at) in map.iter().enumerate() {
        assert!((g.params[k] - g_twin.params[at]).abs() < 1e-13, "param {k}");
    }
    let bias_gradient = (0..twin.param_count())
        .filter(|at| !map.contains(at))
        .map(|at| g_twin.params[at].abs())
        .fold(0.0, f64::max);
    assert!(bias_gradient > 1e-3, "bias gradient {bias_gradient}");

    let data = Dataset {
        inputs: inputs.clone(),
        targets: targets.clone(),
        window: case.steps,
        input_size: case.arch.input_size,
        output_size: net.output_size(),
    };
    let config = FitConfig {
        epochs: 3,
        batch_size: 2,
        learning_rate: 0.01,
        clip_norm: None,
        patience: None,
        shuffle: false,
        seed: 0,
        loss: case.loss,
    };
    let before = net.params().to_vec();
    fit(&mut net, &data, None, &config, &mut |_| {}).unwrap();
    assert_eq!(net.param_count(), before.len());
    assert_ne!(net.params(), &before[..], "training moved the weights");
    let trained_twin = biased_twin(&net);
    let windows = net.predict_batch(&inputs, case.steps).unwrap();
    assert_eq!(
        windows,
        trained_twin.predict_batch(&inputs, case.steps).unwrap()
    );
    use rnn_core::format::LayerSpec;
    let no_bias = |s: &LayerSpec| {
        matches!(
            s,
            LayerSpec::Gru {
                use_bias: false,
                ..
            } | LayerSpec::Lstm {
                use_bias: false,
                ..
            } | LayerSpec::SimpleRnn {
                use_bias: false,
                ..
            }
        )
    };
    let specs = net.layer_specs();
    assert!(specs[..3].iter().all(no_bias), "{specs:?}");
}
