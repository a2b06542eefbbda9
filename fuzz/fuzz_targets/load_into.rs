//! `rnn_core::format::load_into` of arbitrary bytes, as given and with a
//! repaired checksum, into four model types (see `check_load_all`).
#![no_main]

use rnn_core_fuzz::{check_load_all, with_fixed_checksum};

libfuzzer_sys::fuzz_target!(|data: &[u8]| with_fixed_checksum(data, check_load_all));
