//! The batched steps of [`GROUP`] streams against the single-stream steps
//! run on each stream, bit for bit, at run-time sizes that take every
//! path of the gate products (every hidden size up to 40: tails below and
//! above each vector width, one and several tiles, overlapping last
//! tiles; 48, 64, 67, 96 and 128: several tiles and, for the widest, the
//! blocks of columns of weights larger than L1), input sizes 1, 3 and 17,
//! every layer kind and activation, both GRU variants, on every kernel
//! this CPU runs; and the const-generic [`crate::Layer::step_streams_with`]
//! of a stack (one layer batched, one not) for stream counts that are and
//! are not multiples of four.

extern crate std;

use std::vec;
use std::vec::Vec;

use super::cells::Gates;
use super::cells_streams::Streams;
use super::prop_tests::{scratch, split, Rng};
use super::{Kernel, GROUP};
use crate::activation::Activation;

const STEPS: usize = 4;
const INPUT_SIZES: [usize; 3] = [1, 3, 17];

fn hidden_sizes() -> impl Iterator<Item = usize> {
    (1..=40).chain([48, 64, 67, 96, 128])
}

/// One layer's weights: `G` gates of `[H × I]`, `[H × H]`, biases `[H]`
/// (and a second bias set for the GRU's recurrent part).
struct Weights {
    w: Vec<f32>,
    u: Vec<f32>,
    b: Vec<f32>,
    b_rec: Vec<f32>,
}

impl Weights {
    fn new(rng: &mut Rng, gates: usize, i: usize, h: usize) -> Self {
        let scale = 1.5 / ((i + h) as f32).sqrt();
        Weights {
            w: rng.values(gates * h * i, scale),
            u: rng.values(gates * h * h, scale),
            b: rng.values(gates * h, 0.5),
            b_rec: rng.values(gates * h, 0.5),
        }
    }

    fn gates<const G: usize>(&self) -> Gates<'_, G> {
        Gates {
            w: split(&self.w),
            u: split(&self.u),
            b: split(&self.b),
        }
    }
}

/// The kind of layer a case runs.
#[derive(Clone, Copy, Debug)]
enum Cell {
    SimpleRnn(Activation),
    Lstm,
    Gru { reset_after: bool },
}

/// `STEPS` timesteps of `GROUP` streams through the batched step and
/// through the single-stream step per stream: the states must stay equal
/// bit for bit.
fn case(kernel: Kernel, rng: &mut Rng, cell: Cell, i: usize, h: usize) {
    let gates = match cell {
        Cell::SimpleRnn(_) => 1,
        Cell::Lstm => 4,
        Cell::Gru { .. } => 3,
    };
    let wt = Weights::new(rng, gates, i, h);
    let mut batched: Vec<Vec<f32>> = (0..GROUP).map(|_| rng.values(h, 1.0)).collect();
    let mut cells: Vec<Vec<f32>> = (0..GROUP).map(|_| rng.values(h, 1.0)).collect();
    let (mut single, mut single_cells) = (batched.clone(), cells.clone());
    for t in 0..STEPS {
        let xs: Vec<Vec<f32>> = (0..GROUP).map(|_| rng.values(i, 2.0)).collect();
        let x: [&[f32]; GROUP] = core::array::from_fn(|b| &xs[b][..]);
        let mut z = vec![vec![0.0f32; 6 * h]; GROUP];
        {
            let mut bh = batched.iter_mut();
            let mut bc = cells.iter_mut();
            let state: [(&mut [f32], &mut [f32]); GROUP] = core::array::from_fn(|_| {
                let (c, h) = (bc.next(), bh.next());
                match (c, h) {
                    (Some(c), Some(h)) if matches!(cell, Cell::Lstm) => (&mut c[..], &mut h[..]),
                    (_, Some(h)) => (&mut [][..], &mut h[..]),
                    _ => (&mut [][..], &mut [][..]),
                }
            });
            let mut zs = z.iter_mut();
            match cell {
                Cell::SimpleRnn(act) => {
                    let z = core::array::from_fn(|_| {
                        scratch::<1>(zs.next().map_or(&mut [][..], |z| &mut z[..h]))
                    });
                    super::simple_rnn_streams(kernel, wt.gates(), act, Streams { z, state, x });
                }
                Cell::Lstm => {
                    let z = core::array::from_fn(|_| {
                        scratch::<4>(zs.next().map_or(&mut [][..], |z| &mut z[..4 * h]))
                    });
                    super::lstm_streams(kernel, wt.gates(), Streams { z, state, x });
                }
                Cell::Gru { reset_after } => {
                    let z = core::array::from_fn(|_| {
                        scratch::<6>(zs.next().map_or(&mut [][..], |z| &mut z[..]))
                    });
                    let b_rec = split(&wt.b_rec);
                    super::gru_streams(
                        kernel,
                        wt.gates(),
                        b_rec,
                        reset_after,
                        Streams { z, state, x },
                    );
                }
            }
        }
        for b in 0..GROUP {
            let mut z = vec![0.0f32; 6 * h];
            let (hs, cs) = (&mut single[b], &mut single_cells[b]);
            match cell {
                Cell::SimpleRnn(act) => {
                    super::simple_rnn(kernel, wt.gates(), act, scratch::<1>(&mut z[..h]), hs, x[b])
                }
                Cell::Lstm => super::lstm(
                    kernel,
                    wt.gates(),
                    scratch::<4>(&mut z[..4 * h]),
                    cs,
                    hs,
                    x[b],
                ),
                Cell::Gru { reset_after } => {
                    let b_rec = split(&wt.b_rec);
                    super::gru(
                        kernel,
                        wt.gates(),
                        b_rec,
                        reset_after,
                        scratch::<6>(&mut z),
                        hs,
                        x[b],
                    )
                }
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&batched[b]),
                bits(&single[b]),
                "{kernel:?} {cell:?} {i}->{h}: stream {b} h differs at step {t}"
            );
            assert_eq!(
                bits(&cells[b]),
                bits(&single_cells[b]),
                "{kernel:?} {cell:?} {i}->{h}: stream {b} c differs at step {t}"
            );
        }
    }
}

#[test]
fn batched_streams_match_single_streams_bit_for_bit() {
    let mut rng = Rng(0x5742_4541_4d53);
    let acts = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Softmax,
    ];
    for kernel in Kernel::available() {
        for h in hidden_sizes() {
            for i in INPUT_SIZES {
                let act = acts[h % acts.len()];
                for cell in [
                    Cell::SimpleRnn(act),
                    Cell::Lstm,
                    Cell::Gru { reset_after: true },
                    Cell::Gru { reset_after: false },
                ] {
                    case(kernel, &mut rng, cell, i, h);
                }
            }
        }
    }
}

#[test]
fn layer_streams_match_steps_for_any_stream_count() {
    use crate::{Dense, Gru, Layer, Lstm, SVector, Stack};
    // LSTM(48): weights of 39 KB, batched; GRU(9): 1.6 KB, stream by stream.
    type Model = Stack<Lstm<3, 48>, Stack<Gru<48, 9>, Dense<9, 2>>>;
    fn check<const N: usize>(kernel: Kernel, model: &Model, rng: &mut Rng) {
        let mut batched = [Model::zero_state(); N];
        let mut single = batched;
        for t in 0..STEPS {
            let x: [SVector<f32, 3>; N] =
                core::array::from_fn(|_| SVector::from_fn(|_, _| rng.next(2.0)));
            let got = model.step_streams_with(kernel, &mut batched, &x);
            for k in 0..N {
                let want = model.step_with(kernel, &mut single[k], &x[k]);
                assert_eq!(
                    got[k].map(f32::to_bits),
                    want.map(f32::to_bits),
                    "{kernel:?} N = {N}: stream {k} output differs at step {t}"
                );
            }
            assert_eq!(
                batched, single,
                "{kernel:?} N = {N}: states differ at step {t}"
            );
        }
    }
    let mut rng = Rng(0x4c41_5945_5253);
    let mut model = Model::ZEROED;
    model.visit_params_mut(&mut |p| p.iter_mut().for_each(|v| *v = rng.next(0.5)));
    model.rest.first.reset_after = true;
    model.rest.rest.activation = Activation::Sigmoid;
    for kernel in Kernel::available() {
        check::<1>(kernel, &model, &mut rng);
        check::<3>(kernel, &model, &mut rng);
        check::<4>(kernel, &model, &mut rng);
        check::<9>(kernel, &model, &mut rng);
        check::<16>(kernel, &model, &mut rng);
    }
}
