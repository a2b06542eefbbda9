//! The integer layers bit for bit against a straightforward reference
//! written here from the equations in the docs (i64 arithmetic, nested
//! vectors, its own activation table), on random weights, formats and
//! inputs, over several timesteps; stacks too. With `std`, the run-time
//! sized `QModel` is checked against the same reference through an
//! encode/decode round trip.

use rnn_core::quant::{QDense, QGru, QLayer, QLstm, QSimpleRnn};
use rnn_core::{Activation, Stack};

/// splitmix64: deterministic random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn i8(&mut self) -> i8 {
        self.range(-127, 127) as i8
    }
    fn i16(&mut self) -> i16 {
        self.range(-32768, 32767) as i16
    }
    fn mult(&mut self) -> u16 {
        self.range(16384, 32767) as u16
    }
    /// Shift bytes: a requantization shift that keeps typical accumulators
    /// inside the Q3.12 range, and an input shift `k` of 0 to 2.
    fn shift(&mut self) -> u8 {
        self.range(5, 12) as u8 | (self.range(0, 2) as u8) << 5
    }
    fn bias(&mut self) -> i32 {
        self.range(-3_000_000, 3_000_000) as i32
    }
}

// ---- reference arithmetic -------------------------------------------------

fn r_rescale(acc: i64, mult: u16, shift: u8) -> i64 {
    let t = 15 + i64::from(shift);
    (acc * i64::from(mult) + (1i64 << (t - 1))).div_euclid(1i64 << t)
}

fn r_sat(v: i64) -> i64 {
    v.clamp(-32768, 32767)
}

fn r_div_round(v: i64, s: i64) -> i64 {
    if s == 0 {
        v
    } else {
        (v + (1i64 << (s - 1))).div_euclid(1i64 << s)
    }
}

fn r_table() -> Vec<i64> {
    (0..=512)
        .map(|k| (libm::round(libm::tanh(f64::from(k) / 64.0) * 32768.0) as i64).min(32767))
        .collect()
}

fn r_interp(t: &[i64], a: i64, step: i64) -> i64 {
    let (i, f) = ((a / step) as usize, a % step);
    t[i] + ((t[i + 1] - t[i]) * f + step / 2).div_euclid(step)
}

fn r_tanh(t: &[i64], x: i64) -> i64 {
    let y = r_interp(t, x.abs().min(32767), 64).min(32767);
    if x < 0 {
        -y
    } else {
        y
    }
}

fn r_sigmoid(t: &[i64], x: i64) -> i64 {
    let s = (32768 + r_interp(t, x.abs().min(32767), 128) + 1).div_euclid(2);
    if x < 0 {
        32768 - s
    } else {
        s.min(32767)
    }
}

/// One requantized row: `sat16(rescale(bias + 2^k Σ w·x + Σ u·h))`, the
/// shift byte holding the requantization shift (low 5 bits) and `k`.
fn r_row(bias: i32, w: &[i8], x: &[i64], u: &[i8], h: &[i64], mult: u16, shift: u8) -> i64 {
    let mut wx = 0i64;
    for (a, b) in w.iter().zip(x) {
        wx += i64::from(*a) * b;
    }
    let mut acc = i64::from(bias) + wx * (1i64 << (shift / 32));
    for (a, b) in u.iter().zip(h) {
        acc += i64::from(*a) * b;
    }
    r_sat(r_rescale(acc, mult, shift % 32))
}

fn widen(v: &[i16]) -> Vec<i64> {
    v.iter().map(|&x| i64::from(x)).collect()
}

fn shifted(x: &[i16], input_frac: u8) -> Vec<i64> {
    x.iter()
        .map(|&v| i64::from(v) << (15 - i64::from(input_frac)))
        .collect()
}

fn r_lstm<const I: usize, const H: usize>(
    l: &QLstm<I, H>,
    h: &mut Vec<i64>,
    c: &mut [i64],
    x: &[i16],
) -> Vec<i64> {
    let t = r_table();
    let xs = shifted(x, l.input_frac);
    let cf = i64::from(l.cell_frac);
    let pre = |g: usize, j: usize| {
        r_row(
            l.bias[g][j],
            &l.w[g][j],
            &xs,
            &l.u[g][j],
            h,
            l.mult[g][j],
            l.shift[g][j],
        )
    };
    let mut out = vec![0; H];
    for j in 0..H {
        let i = r_sigmoid(&t, pre(0, j));
        let f = r_sigmoid(&t, pre(1, j));
        let g = r_tanh(&t, pre(2, j));
        let o = r_sigmoid(&t, pre(3, j));
        c[j] = r_sat(r_div_round(f * c[j], 15) + r_div_round(i * g, 30 - cf));
        let c12 = if cf >= 12 {
            r_sat(r_div_round(c[j], cf - 12))
        } else {
            r_sat(c[j] * (1 << (12 - cf)))
        };
        out[j] = r_sat(r_div_round(o * r_tanh(&t, c12), 15));
    }
    *h = out.clone();
    out
}

fn r_gru<const I: usize, const H: usize>(l: &QGru<I, H>, h: &mut Vec<i64>, x: &[i16]) -> Vec<i64> {
    let t = r_table();
    let xs = shifted(x, l.input_frac);
    let none: [i8; 0] = [];
    let mut z = vec![0; H];
    let mut r = vec![0; H];
    for j in 0..H {
        z[j] = r_sigmoid(
            &t,
            r_row(
                l.bias[0][j],
                &l.w[0][j],
                &xs,
                &l.u[0][j],
                h,
                l.mult[0][j],
                l.shift[0][j],
            ),
        );
        r[j] = r_sigmoid(
            &t,
            r_row(
                l.bias[1][j],
                &l.w[1][j],
                &xs,
                &l.u[1][j],
                h,
                l.mult[1][j],
                l.shift[1][j],
            ),
        );
    }
    let rh: Vec<i64> = (0..H)
        .map(|j| r_sat(r_div_round(r[j] * h[j], 15)))
        .collect();
    let mut out = vec![0; H];
    for j in 0..H {
        let pre = if l.reset_after {
            let xp = r_row(
                l.bias[2][j],
                &l.w[2][j],
                &xs,
                &none,
                &[],
                l.mult[2][j],
                l.shift[2][j],
            );
            let hp = r_row(
                l.bias[3][j],
                &none,
                &[],
                &l.u[2][j],
                h,
                l.mult[3][j],
                l.shift[3][j],
            );
            r_sat(xp + r_div_round(r[j] * hp, 15))
        } else {
            r_row(
                l.bias[2][j],
                &l.w[2][j],
                &xs,
                &l.u[2][j],
                &rh,
                l.mult[2][j],
                l.shift[2][j],
            )
        };
        let n = r_tanh(&t, pre);
        out[j] = r_sat(r_div_round(z[j] * h[j] + (32768 - z[j]) * n, 15));
    }
    *h = out.clone();
    out
}

fn r_simple<const I: usize, const H: usize>(
    l: &QSimpleRnn<I, H>,
    h: &mut Vec<i64>,
    x: &[i16],
) -> Vec<i64> {
    let t = r_table();
    let xs = shifted(x, l.input_frac);
    let out: Vec<i64> = (0..H)
        .map(|j| {
            r_tanh(
                &t,
                r_row(l.bias[j], &l.w[j], &xs, &l.u[j], h, l.mult[j], l.shift[j]),
            )
        })
        .collect();
    *h = out.clone();
    out
}

fn r_dense<const I: usize, const O: usize>(l: &QDense<I, O>, x: &[i16]) -> Vec<i64> {
    let t = r_table();
    let xs = widen(x);
    (0..O)
        .map(|o| {
            let mut acc = i64::from(l.bias[o]);
            for (a, b) in l.w[o].iter().zip(&xs) {
                acc += i64::from(*a) * b;
            }
            let v = r_rescale(acc, l.mult[o], l.shift[o] % 32);
            match l.activation {
                Activation::Linear => r_sat(v),
                Activation::Relu => r_sat(v.max(0)),
                Activation::Tanh => r_tanh(&t, r_sat(v)),
                Activation::Sigmoid => r_sigmoid(&t, r_sat(v)),
                // QDense's documented behaviour for a hand-built softmax.
                Activation::Softmax => r_sat(v),
            }
        })
        .collect()
}

// ---- random layers ----------------------------------------------------------

fn lstm<const I: usize, const H: usize>(rng: &mut Rng) -> QLstm<I, H> {
    let mut l = QLstm::<I, H>::zeroed();
    l.w.iter_mut()
        .flatten()
        .flatten()
        .for_each(|v| *v = rng.i8());
    l.u.iter_mut()
        .flatten()
        .flatten()
        .for_each(|v| *v = rng.i8());
    l.bias.iter_mut().flatten().for_each(|v| *v = rng.bias());
    l.mult.iter_mut().flatten().for_each(|v| *v = rng.mult());
    l.shift.iter_mut().flatten().for_each(|v| *v = rng.shift());
    l.input_frac = rng.range(12, 15) as u8;
    l.cell_frac = rng.range(9, 15) as u8;
    l
}

fn gru<const I: usize, const H: usize>(rng: &mut Rng, reset_after: bool) -> QGru<I, H> {
    let mut l = QGru::<I, H>::zeroed();
    l.w.iter_mut()
        .flatten()
        .flatten()
        .for_each(|v| *v = rng.i8());
    l.u.iter_mut()
        .flatten()
        .flatten()
        .for_each(|v| *v = rng.i8());
    l.bias.iter_mut().flatten().for_each(|v| *v = rng.bias());
    l.mult.iter_mut().flatten().for_each(|v| *v = rng.mult());
    l.shift.iter_mut().flatten().for_each(|v| *v = rng.shift());
    l.input_frac = rng.range(12, 15) as u8;
    l.reset_after = reset_after;
    l
}

fn simple<const I: usize, const H: usize>(rng: &mut Rng) -> QSimpleRnn<I, H> {
    let mut l = QSimpleRnn::<I, H>::zeroed();
    l.w.iter_mut().flatten().for_each(|v| *v = rng.i8());
    l.u.iter_mut().flatten().for_each(|v| *v = rng.i8());
    l.bias.iter_mut().for_each(|v| *v = rng.bias());
    l.mult.iter_mut().for_each(|v| *v = rng.mult());
    l.shift.iter_mut().for_each(|v| *v = rng.shift());
    l.input_frac = rng.range(12, 15) as u8;
    l
}

fn dense<const I: usize, const O: usize>(rng: &mut Rng, activation: Activation) -> QDense<I, O> {
    let mut l = QDense::<I, O>::zeroed();
    l.w.iter_mut().flatten().for_each(|v| *v = rng.i8());
    l.bias.iter_mut().for_each(|v| *v = rng.bias());
    l.mult.iter_mut().for_each(|v| *v = rng.mult());
    l.shift.iter_mut().for_each(|v| *v = rng.range(1, 16) as u8);
    l.activation = activation;
    l.input_frac = 15;
    l.output_frac = if matches!(activation, Activation::Tanh | Activation::Sigmoid) {
        15
    } else {
        12
    };
    l
}

fn input<const N: usize>(rng: &mut Rng) -> [i16; N] {
    core::array::from_fn(|_| rng.i16())
}

const STEPS: usize = 12;
const CASES: u64 = 40;

/// Counts outputs strictly inside the int16 range, so a test cannot pass on
/// saturated values alone.
fn interior(v: &[i64]) -> usize {
    v.iter()
        .filter(|&&x| x > -32767 && x < 32767 && x != 0)
        .count()
}

#[test]
fn lstm_matches_reference() {
    let mut live = 0;
    for seed in 0..CASES {
        let mut rng = Rng(seed);
        let l = lstm::<3, 5>(&mut rng);
        let mut s = QLstm::<3, 5>::zero_state();
        let (mut h, mut c) = (vec![0; 5], vec![0; 5]);
        for _ in 0..STEPS {
            let x = input::<3>(&mut rng);
            let y = l.step(&mut s, &x);
            let want = r_lstm(&l, &mut h, &mut c, &x);
            assert_eq!(widen(&y), want, "seed {seed}");
            assert_eq!(widen(&s.c), c, "seed {seed}");
            live += interior(&want);
        }
    }
    assert!(live > 500, "too few unsaturated outputs: {live}");
}

#[test]
fn gru_matches_reference_in_both_variants() {
    for reset_after in [false, true] {
        let mut live = 0;
        for seed in 0..CASES {
            let mut rng = Rng(seed + 100);
            let l = gru::<2, 6>(&mut rng, reset_after);
            let mut s = QGru::<2, 6>::zero_state();
            let mut h = vec![0; 6];
            for _ in 0..STEPS {
                let x = input::<2>(&mut rng);
                let y = l.step(&mut s, &x);
                let want = r_gru(&l, &mut h, &x);
                assert_eq!(widen(&y), want, "seed {seed} reset_after {reset_after}");
                live += interior(&want);
            }
        }
        assert!(live > 500, "too few unsaturated outputs: {live}");
    }
}

#[test]
fn simple_rnn_matches_reference() {
    let mut live = 0;
    for seed in 0..CASES {
        let mut rng = Rng(seed + 200);
        let l = simple::<4, 7>(&mut rng);
        let mut s = QSimpleRnn::<4, 7>::zero_state();
        let mut h = vec![0; 7];
        for _ in 0..STEPS {
            let x = input::<4>(&mut rng);
            let y = l.step(&mut s, &x);
            let want = r_simple(&l, &mut h, &x);
            assert_eq!(widen(&y), want, "seed {seed}");
            live += interior(&want);
        }
    }
    assert!(live > 500, "too few unsaturated outputs: {live}");
}

#[test]
fn dense_matches_reference_for_every_activation() {
    for act in [
        Activation::Linear,
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
    ] {
        let mut live = 0;
        for seed in 0..CASES * 4 {
            let mut rng = Rng(seed + 300);
            let l = dense::<9, 3>(&mut rng, act);
            let x = input::<9>(&mut rng);
            let want = r_dense(&l, &x);
            assert_eq!(widen(&l.step(&mut (), &x)), want, "seed {seed} {act:?}");
            live += interior(&want);
        }
        assert!(live > 50, "{act:?}: too few unsaturated outputs: {live}");
    }
}

type Model = Stack<QLstm<2, 4>, Stack<QGru<4, 3>, QDense<3, 2>>>;

fn stacked(rng: &mut Rng) -> Model {
    let mut first = lstm::<2, 4>(rng);
    first.input_frac = 13;
    let mut second = gru::<4, 3>(rng, true);
    second.input_frac = 15;
    let third = dense::<3, 2>(rng, Activation::Linear);
    Stack::new(first, Stack::new(second, third))
}

#[test]
fn stack_matches_reference_layer_by_layer() {
    for seed in 0..CASES {
        let mut rng = Rng(seed + 400);
        let m = stacked(&mut rng);
        let mut s = Model::zero_state();
        let (mut h1, mut c1, mut h2) = (vec![0; 4], vec![0; 4], vec![0; 3]);
        for _ in 0..STEPS {
            let x = input::<2>(&mut rng);
            let y = m.step(&mut s, &x);
            let a = r_lstm(&m.first, &mut h1, &mut c1, &x);
            let a: Vec<i16> = a.iter().map(|&v| v as i16).collect();
            let b = r_gru(&m.rest.first, &mut h2, &a);
            let b: Vec<i16> = b.iter().map(|&v| v as i16).collect();
            assert_eq!(widen(&y), r_dense(&m.rest.rest, &b), "seed {seed}");
        }
    }
}

#[cfg(feature = "std")]
#[test]
fn run_time_sized_model_matches_reference_through_the_format() {
    use rnn_core::quant::format::{encode_quantized, quantized_len};
    use rnn_core::quant::QModel;
    for seed in 0..CASES {
        let mut rng = Rng(seed + 500);
        let m = stacked(&mut rng);
        let specs: Vec<_> = (0..3).map(|i| m.spec(i).expect("3 layers")).collect();
        let mut blob = vec![0; quantized_len(&specs, None).expect("len")];
        encode_quantized(&m, None, &mut blob).expect("encode");
        let q = QModel::from_blob(&blob).expect("load");
        assert_eq!(q.to_blob().expect("encode"), blob);
        let mut s = Model::zero_state();
        let mut qs = q.zero_state();
        for _ in 0..STEPS {
            let x = input::<2>(&mut rng);
            assert_eq!(
                m.step(&mut s, &x).to_vec(),
                q.step(&mut qs, &x).expect("sizes")
            );
        }
    }
}
