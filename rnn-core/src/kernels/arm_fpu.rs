//! The gate products on Cortex-M4F and M7 (ARMv7E-M with a single-precision
//! FPU: `thumbv7em-none-eabihf`, cfg `rnn_arm_fpu` set by `build.rs`), in
//! `asm!` loops that keep a tile of 16 (or 8) rows in `s0`–`s15` and load
//! each column's weights with one `VLDM` per 8 rows.
//!
//! Per column of a 16-row tile: `VLDM` of the vector element, two `VLDM`
//! of 8 weights, 16 `VMLA.F32`, the column stride and the loop: 22
//! instructions for 16 multiply-adds (1.4 per multiply-add), where the
//! compiled [`super::scalar::affine`] takes a `VLDR` and a `VMLA.F32` for
//! each (2.2 with its addressing and loop). `VMLA.F32` rounds the product
//! before the addition (Arm ARM, "VMLA": not fused), as `a * b + c` does in
//! Rust, and every row is accumulated in the reference's order (bias, then
//! the input columns, then the recurrent columns, in column order): the
//! results are those of the scalar reference bit for bit. The firmware
//! tests check that on every forecast (`scripts/firmware-test.sh`, QEMU
//! M4F and M7 against the host's scalar kernel).
#![allow(unsafe_code)]

/// `out[g] = bias[g] + w[g] · x + u[g] · h` for every gate `g`, as
/// [`super::scalar::affine`] computes it: tiles of 16 rows and one of 8 in
/// `asm!`, the rest (fewer than 8 rows) in the reference loop.
///
/// # Shapes
/// `out`, `bias`: `G` slices `[H]`; `w`: `G` matrices `[H × K1]`
/// column-major, `x: [K1]`; `u`: `G` matrices `[H × K2]`, `h: [K2]`. With
/// other lengths this does nothing and returns `false` (the caller runs
/// the reference).
#[inline(always)]
pub(super) fn affine<const G: usize>(
    out: &mut [&mut [f32]; G],
    bias: [&[f32]; G],
    w: [&[f32]; G],
    x: &[f32],
    u: [&[f32]; G],
    h: &[f32],
) -> bool {
    let rows = out.first().map_or(0, |o| o.len());
    let (k1, k2) = (x.len(), h.len());
    let shaped = (0..G).all(|g| {
        out[g].len() == rows
            && bias[g].len() == rows
            && Some(w[g].len()) == rows.checked_mul(k1)
            && Some(u[g].len()) == rows.checked_mul(k2)
    });
    if !shaped {
        return false;
    }
    // From here on only pointers, and the shapes as plain values: the
    // `asm!` blocks may write memory, and the compiler must not have to
    // reload (and then check again) a slice's length after one.
    let out = out.each_mut().map(|o| o.as_mut_ptr());
    let (bias, w, u) = (
        bias.map(|b| b.as_ptr()),
        w.map(|m| m.as_ptr()),
        u.map(|m| m.as_ptr()),
    );
    for g in 0..G {
        let mut row = 0;
        while row + 8 <= rows {
            let tile = if row + 16 <= rows { 16 } else { 8 };
            // SAFETY: `row + tile <= H`, so rows `row..row + tile` of
            // `out[g]`, `bias[g]` and of each of the `K1` (`K2`) columns
            // of `w[g]` (`u[g]`), at a column stride of `H` floats (`tile`
            // read, `skip` bytes skipped), are inside the slices checked
            // above; `x`, `h` are read `K1`, `K2` times.
            unsafe {
                let t = Tile {
                    out: out[g].add(row),
                    bias: bias[g].add(row),
                    w: w[g].add(row),
                    x: x.as_ptr(),
                    k1,
                    u: u[g].add(row),
                    h: h.as_ptr(),
                    k2,
                    skip: (rows - tile) * core::mem::size_of::<f32>(),
                };
                if tile == 16 {
                    tile16(&t)
                } else {
                    tile8(&t)
                }
            }
            row += tile;
        }
        // The last rows (fewer than 8), column by column as the reference.
        for r in row..rows {
            // SAFETY: `r < H`, and column `k` of an `[H × K]` matrix
            // starts at `k·H`: every index is inside the checked slices.
            unsafe {
                let mut acc = *bias[g].add(r);
                for k in 0..k1 {
                    acc += *w[g].add(k * rows + r) * *x.as_ptr().add(k);
                }
                for k in 0..k2 {
                    acc += *u[g].add(k * rows + r) * *h.as_ptr().add(k);
                }
                *out[g].add(r) = acc;
            }
        }
    }
    true
}

/// The operands of one tile: pointers at its first row.
struct Tile {
    out: *mut f32,
    bias: *const f32,
    w: *const f32,
    x: *const f32,
    k1: usize,
    u: *const f32,
    h: *const f32,
    k2: usize,
    /// Bytes from the end of the tile's rows in one column to its first
    /// row in the next: `(H - tile) · 4`.
    skip: usize,
}

/// One column of a 16-row tile: [`column8`] for rows 0–7, then the next 8
/// weights to `s24`–`s31` and 8 multiply-accumulates into `s8`–`s15`.
macro_rules! column16 {
    ($m:literal, $v:literal) => {
        concat!(
            column8!($m, $v),
            "vldmia ",
            $m,
            "!, {{s24-s31}}\n",
            "vmla.f32 s8, s24, s16\n",
            "vmla.f32 s9, s25, s16\n",
            "vmla.f32 s10, s26, s16\n",
            "vmla.f32 s11, s27, s16\n",
            "vmla.f32 s12, s28, s16\n",
            "vmla.f32 s13, s29, s16\n",
            "vmla.f32 s14, s30, s16\n",
            "vmla.f32 s15, s31, s16\n",
        )
    };
}

/// One column of an 8-row tile: the vector element to `s16`, 8 weights to
/// `s24`–`s31`, 8 multiply-accumulates into `s0`–`s7`.
macro_rules! column8 {
    ($m:literal, $v:literal) => {
        concat!(
            "vldmia ",
            $v,
            "!, {{s16}}\n",
            "vldmia ",
            $m,
            "!, {{s24-s31}}\n",
            "vmla.f32 s0, s24, s16\n",
            "vmla.f32 s1, s25, s16\n",
            "vmla.f32 s2, s26, s16\n",
            "vmla.f32 s3, s27, s16\n",
            "vmla.f32 s4, s28, s16\n",
            "vmla.f32 s5, s29, s16\n",
            "vmla.f32 s6, s30, s16\n",
            "vmla.f32 s7, s31, s16\n",
        )
    };
}

/// The tile's loops over the input and the recurrent columns, with the
/// column text `$column` and the accumulators `$acc` (a `VLDM` list).
macro_rules! tile_asm {
    ($t:expr, $column:ident, $acc:literal) => {{
        let t: &Tile = $t;
        // SAFETY: the caller's contract (see `tile16`); the block reads
        // only the tile's rows of `bias`, `w`, `u` and the `K1`/`K2`
        // elements of `x`/`h`, writes only the tile's rows of `out`, and
        // clobbers only the registers it names and the flags.
        unsafe {
            core::arch::asm!(
                concat!("vldmia {b}, {{", $acc, "}}"),
                "cmp {k1}, #0",
                "beq 3f",
                "2:",
                $column!("{w}", "{x}"),
                "add {w}, {w}, {skip}",
                "subs {k1}, {k1}, #1",
                "bne 2b",
                "3:",
                "cmp {k2}, #0",
                "beq 5f",
                "4:",
                $column!("{u}", "{h}"),
                "add {u}, {u}, {skip}",
                "subs {k2}, {k2}, #1",
                "bne 4b",
                "5:",
                concat!("vstmia {o}, {{", $acc, "}}"),
                b = in(reg) t.bias,
                o = in(reg) t.out,
                w = inout(reg) t.w => _,
                x = inout(reg) t.x => _,
                k1 = inout(reg) t.k1 => _,
                u = inout(reg) t.u => _,
                h = inout(reg) t.h => _,
                k2 = inout(reg) t.k2 => _,
                skip = in(reg) t.skip,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _,
                out("s24") _, out("s25") _, out("s26") _, out("s27") _,
                out("s28") _, out("s29") _, out("s30") _, out("s31") _,
                options(nostack),
            );
        }
    }};
}

/// A 16-row tile.
///
/// # Safety
/// `t.out`, `t.bias` valid for 16 floats; `t.w` (`t.u`) for `K1` (`K2`)
/// columns of 16 floats at a stride of `16 + t.skip / 4` floats; `t.x`
/// (`t.h`) for `K1` (`K2`) floats; `t.out` aliases none of them.
#[inline(always)]
unsafe fn tile16(t: &Tile) {
    tile_asm!(t, column16, "s0-s15")
}

/// An 8-row tile: as [`tile16`], with 8 floats per column.
///
/// # Safety
/// As for [`tile16`], with 8 rows.
#[inline(always)]
unsafe fn tile8(t: &Tile) {
    tile_asm!(t, column8, "s0-s7")
}
