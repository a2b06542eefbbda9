//! The host half of `rnn-train cost`: times the model `build.rs` generated
//! (the weight file named by `FIRMWARE_MODEL`, or with the argument
//! `quantized` the one named by `FIRMWARE_QUANTIZED_MODEL`) on this
//! machine with [`firmware_model::timing`], the code the benches'
//! `quant_step` bench runs, and criterion's settings of the benches' README
//! (`--warm-up-time 1 --measurement-time 2`).
//!
//! Built with the feature `host`: `FIRMWARE_MODEL=m.rnnw cargo run
//! --release -p firmware-model --features host --bin step-cost`. After
//! criterion's own report it prints `kernel=NAME` (the kernel rnn-core
//! detects; `integer` for the quantized model) and one line per
//! measurement, `streams=N median_ns=.. low_ns=.. high_ns=.. mad_ns=..`:
//! criterion's median time of one call (all `N` streams), the 95 %
//! confidence interval of that median, and the median absolute deviation.

use std::time::Duration;

use criterion::Criterion;
use firmware_model::timing::{self, STREAMS};
use rnn_core::Kernel;

/// criterion's group name (a folder of its output).
const GROUP: &str = "cost";

fn main() {
    let out = std::env::temp_dir().join(format!("rnn-cost-criterion-{}", std::process::id()));
    let mut c = Criterion::default()
        .output_directory(&out)
        .without_plots()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    let (kernel, ids) = if std::env::args().nth(1).as_deref() == Some("quantized") {
        timing::quantized(&mut c, GROUP);
        ("integer", vec![(1, "int8_1")])
    } else {
        timing::float(&mut c, GROUP);
        (
            Kernel::detected().isa().name(),
            vec![(1, "float_1"), (STREAMS, "float_16")],
        )
    };
    let lines: Vec<String> = ids
        .into_iter()
        .map(|(streams, id)| line(&out.join(GROUP).join(id), streams))
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    println!("kernel={kernel}");
    for l in lines {
        println!("{l}");
    }
}

/// The `streams=…` line of criterion's estimates in `dir`.
fn line(dir: &std::path::Path, streams: usize) -> String {
    let path = dir.join("new").join("estimates.json");
    let estimates: serde_json::Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("criterion wrote no {}", path.display()));
    let median = &estimates["median"];
    let number = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    format!(
        "streams={streams} median_ns={:.1} low_ns={:.1} high_ns={:.1} mad_ns={:.1}",
        number(&median["point_estimate"]),
        number(&median["confidence_interval"]["lower_bound"]),
        number(&median["confidence_interval"]["upper_bound"]),
        number(&estimates["median_abs_dev"]["point_estimate"]),
    )
}
