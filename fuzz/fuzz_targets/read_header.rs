//! `rnn_core::format::read_header` on arbitrary bytes, as given and with a
//! repaired checksum (see `check_header`).
#![no_main]

use rnn_core_fuzz::{check_header, with_fixed_checksum};

libfuzzer_sys::fuzz_target!(|data: &[u8]| with_fixed_checksum(data, check_header));
