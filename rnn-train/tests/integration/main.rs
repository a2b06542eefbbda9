//! rnn-train's integration tests, one module per subject, in one test binary
//! (one link instead of eleven): `cargo test -p rnn-train --test integration
//! MODULE` runs one of them, e.g. `import_model`.

mod bad_input;
mod binary;
mod classify;
mod classify_sigmoid;
mod cost;
mod data_contract;
mod export_parity;
mod export_roundtrip;
mod export_rust;
mod gradcheck;
mod gradient_faults;
mod import_model;
mod keras_forward;
mod lecture;
mod mixed_stack;
mod multi_step;
mod old_checkpoint;
mod quantize;
mod seq2seq;
mod stock;
mod temp_dir;
