//! The tests whose results depend on the kernel that runs: each runs on
//! every kernel this build and CPU have (`Kernel::available()`), and
//! `scripts/aarch64-test.sh` runs this binary on NEON under qemu-aarch64.
//! One binary, so the layer types they share are compiled once.

mod common;

mod activate;
mod golden_keras;
mod golden_onnx;
mod kernels_prop;
mod subnormal;
