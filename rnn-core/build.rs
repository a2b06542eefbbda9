//! Sets the cfgs that pick the integer dot-product kernel
//! (`src/quant/dot.rs`) and the float gate products (`src/kernels/`) from the target name: ARM's `target_feature`
//! cfgs (`dsp`, `thumb2`, `v6`) are unstable, so stable Rust cannot test
//! them directly.
//!
//! - `rnn_arm_dsp`: `thumbv7em-*` (ARMv7E-M: Cortex-M4, M4F, M7; the DSP
//!   extension is part of the architecture profile).
//! - `rnn_arm_v6m`: `thumbv6m-*` (ARMv6-M: Cortex-M0, M0+, M1).
//! - `rnn_arm_fpu`: `thumbv7em-none-eabihf` (Cortex-M4F, M7 with the
//!   hard-float ABI, so a single-precision FPU): the float gate products of
//!   `src/kernels/arm_fpu.rs`.
//! - `rnn_vector_kernels`: builds in which a vector kernel can run (x86-64
//!   with `std`, for run-time detection, or with AVX2 and FMA at compile
//!   time; AArch64 with `std` or NEON): only these compile the vector
//!   kernels (`src/kernels/x86_64_avx2.rs`, `x86_64_avx512.rs`,
//!   `aarch64_neon.rs`) and their per-size step instances
//!   (`src/kernels/sized.rs`). Elsewhere no vector kernel could be
//!   selected, so none is built: a `no_std` x86-64 build without AVX2 has
//!   the scalar kernel alone (`cargo test -p rnn-core --all-targets --no-run`
//!   built in 50 s instead of 124 s on a 2-vCPU EPYC).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TARGET");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_v6m)");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_fpu)");
    println!("cargo::rustc-check-cfg=cfg(rnn_vector_kernels)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);
    let std = std::env::var_os("CARGO_FEATURE_STD").is_some();
    let vectors = match arch.as_str() {
        "x86_64" => std || (has("avx2") && has("fma")),
        "aarch64" => std || has("neon"),
        _ => false,
    };
    if vectors {
        println!("cargo::rustc-cfg=rnn_vector_kernels");
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    if target == "thumbv7em-none-eabihf" {
        println!("cargo::rustc-cfg=rnn_arm_fpu");
    }
    if target.starts_with("thumbv7em-") {
        println!("cargo::rustc-cfg=rnn_arm_dsp");
    } else if target.starts_with("thumbv6m-") {
        println!("cargo::rustc-cfg=rnn_arm_v6m");
    }
}
