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

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TARGET");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_v6m)");
    println!("cargo::rustc-check-cfg=cfg(rnn_arm_fpu)");
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
