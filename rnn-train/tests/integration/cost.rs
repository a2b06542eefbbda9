//! `rnn-train cost`: per-layer counts checked against hand counts, the
//! refusals, and (ignored by default: they build firmware and run QEMU,
//! `scripts/test-all.sh` runs them after `scripts/firmware-test.sh`) its
//! Cortex-M figures against the firmware script's own measurements.

use std::path::{Path, PathBuf};
use std::process::Command;

use rnn_core::format::{encode_raw, encoded_len, read_header, LayerSpec};
use rnn_core::Activation;
use rnn_train::cmd::cost::{run as cost_command, CostOptions};
use rnn_train::cost::{run, Core, CostReport, Target, Targets};
use rnn_train::error::TrainError;

use crate::temp_dir::TempDir;

/// `--target none`: the counts alone.
const NONE: Targets = Targets::Given(Vec::new());

fn given(targets: &[Target]) -> Targets {
    Targets::Given(targets.to_vec())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled model, LSTM(1→16) + Dense(16→1).
fn bundled() -> PathBuf {
    root().join("firmware-example/model/sea_temperature.rnnw")
}

/// GRU(1→12, reset_after) → GRU(12→8, reset_after) → Dense(8→1), window
/// 12, with the bundled model's scaler and small pseudo-random weights,
/// written to `dir`.
fn stacked_gru(dir: &TempDir) -> PathBuf {
    stacked_gru_with_window(dir, 12)
}

/// [`stacked_gru`] with another window.
fn stacked_gru_with_window(dir: &TempDir, window: u32) -> PathBuf {
    let bundled = std::fs::read(bundled()).expect("bundled model");
    let mut meta = read_header(&bundled)
        .expect("valid")
        .header
        .metadata
        .expect("scaler");
    meta.window = window;
    let specs = [
        LayerSpec::Gru {
            input_size: 1,
            hidden_size: 12,
            reset_after: true,
            use_bias: true,
        },
        LayerSpec::Gru {
            input_size: 12,
            hidden_size: 8,
            reset_after: true,
            use_bias: true,
        },
        LayerSpec::Dense {
            input_size: 8,
            output_size: 1,
            activation: Activation::Linear,
            use_bias: true,
        },
    ];
    let count: usize = specs.iter().map(|s| s.param_count().expect("small")).sum();
    let params: Vec<f32> = (0..count)
        .map(|i| 0.05 * ((i * 7919 % 13) as f32 - 6.0))
        .collect();
    let mut blob = vec![0; encoded_len(&specs, Some(&meta)).expect("len")];
    encode_raw(&specs, Some(&meta), &params, &mut blob).expect("encode");
    let path = dir.0.join("gru_stack.rnnw");
    std::fs::write(&path, blob).expect("write");
    path
}

/// (params, weight bytes, state bytes, multiply-adds, activations) of
/// each layer and the total.
fn counts(report: &CostReport) -> Vec<(usize, usize, usize, usize, usize)> {
    report
        .layers
        .iter()
        .chain([&report.total])
        .map(|l| {
            (
                l.params,
                l.weight_bytes,
                l.state_bytes,
                l.multiply_adds,
                l.activations,
            )
        })
        .collect()
}

#[test]
fn counts_of_the_bundled_model_by_hand() {
    let report = run(&bundled(), &NONE, false).expect("cost");
    // LSTM(1→16): 4·(16 + 256 + 16) params, 4·16·17 multiply-adds,
    // 5·16 activations, h and c of 16 f32; weights 4·1,152 + 1 flag byte,
    // rounded to 4. Dense(16→1): 17 params (4·17 + 2 flag bytes → 72 B).
    assert_eq!(
        counts(&report),
        [
            (1152, 4612, 128, 1088, 80),
            (17, 72, 0, 16, 0),
            (1169, 4684, 128, 1104, 80)
        ]
    );
    assert!(report.host.is_none() && report.cores.is_empty());
}

#[test]
fn counts_of_a_stacked_gru_by_hand() {
    let dir = TempDir::new("cost-gru-counts");
    let report = run(&stacked_gru(&dir), &NONE, false).expect("cost");
    // GRU(1→12), reset_after (two bias vectors): 3·(12·1 + 12·12) + 2·3·12
    // = 468 + 72 = 540 params, 468 multiply-adds, 3·12 = 36 activations,
    // h of 12 f32 = 48 B; weights: 540 f32 + 2 flag bytes → 2,164 B.
    // GRU(12→8): 3·(8·12 + 8·8) + 48 = 480 + 48 = 528, 480, 24, 32 B,
    // 4·528 + 2 → 2,116 B. Dense(8→1): 9 params, 8, 0, 0, 4·9 + 2 → 40 B.
    assert_eq!(
        counts(&report),
        [
            (540, 2164, 48, 468, 36),
            (528, 2116, 32, 480, 24),
            (9, 40, 0, 8, 0),
            (1077, 4320, 80, 956, 60)
        ]
    );
    let names: Vec<&str> = report.layers.iter().map(|l| l.layer.as_str()).collect();
    assert_eq!(names, ["GRU(1→12)", "GRU(12→8)", "Dense(8→1)"]);
}

#[test]
fn a_corrupted_or_truncated_file_is_a_weight_file_error() {
    let dir = TempDir::new("cost-corrupt");
    let mut blob = std::fs::read(bundled()).expect("bundled");
    let path = dir.0.join("truncated.rnnw");
    std::fs::write(&path, &blob[..blob.len() / 2]).expect("write");
    let err = run(&path, &given(&[Target::Core(Core::M4f)]), false).expect_err("truncated");
    assert!(matches!(err, TrainError::WeightFile { .. }), "{err}");
    let middle = blob.len() / 2;
    blob[middle] ^= 0x10;
    std::fs::write(&path, &blob).expect("write");
    let err = run(&path, &given(&[Target::Host]), false).expect_err("corrupted");
    assert!(
        matches!(
            err,
            TrainError::WeightFile {
                source: rnn_core::Error::Checksum { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_template_refuses_a_model_with_two_inputs_before_building() {
    let dir = TempDir::new("cost-two-inputs");
    let specs = [
        LayerSpec::Lstm {
            input_size: 2,
            hidden_size: 4,
            use_bias: true,
        },
        LayerSpec::Dense {
            input_size: 4,
            output_size: 1,
            activation: Activation::Linear,
            use_bias: true,
        },
    ];
    let count: usize = specs.iter().map(|s| s.param_count().expect("small")).sum();
    let mut blob = vec![0; encoded_len(&specs, None).expect("len")];
    encode_raw(&specs, None, &vec![0.1; count], &mut blob).expect("encode");
    let path = dir.0.join("two_inputs.rnnw");
    std::fs::write(&path, blob).expect("write");
    let err = run(&path, &given(&[Target::Core(Core::M0)]), false).expect_err("refused");
    let TrainError::CostTemplate { reason, .. } = &err else {
        panic!("{err}");
    };
    assert!(reason.contains("2 input(s) and 1 output(s)"), "{reason}");
    // No scaler metadata: the host timing cannot build it either; without
    // --target both are left out with a note, and nothing is built.
    let err = run(&path, &given(&[Target::Host]), false).expect_err("refused");
    assert!(matches!(err, TrainError::CostHost { .. }), "{err}");
    let report = run(&path, &Targets::Default, false).expect("counts");
    assert!(report.host.is_none() && report.cores.is_empty());
    assert!(report.host_skipped.is_some() && report.cores_skipped.is_some());
    // The counts need no template.
    assert_eq!(
        run(&path, &NONE, false).expect("counts").total.params,
        4 * 4 * 7 + 5
    );
}

#[test]
fn the_template_refuses_a_window_longer_than_it_keeps() {
    let dir = TempDir::new("cost-long-window");
    let path = stacked_gru_with_window(&dir, 4096);
    let err = run(&path, &given(&[Target::Core(Core::M4f)]), false).expect_err("refused");
    let TrainError::CostTemplate { reason, .. } = &err else {
        panic!("{err}");
    };
    assert!(
        reason.contains("window (4096 timesteps)") && reason.contains("2048"),
        "{reason}"
    );
}

#[test]
fn json_through_a_hard_link_leaves_the_model_alone() {
    let dir = TempDir::new("cost-hard-link");
    let model = dir.0.join("model.rnnw");
    std::fs::copy(bundled(), &model).expect("copy");
    let link = dir.0.join("link.json");
    std::fs::hard_link(&model, &link).expect("hard link");
    let before = std::fs::read(&model).expect("model");
    let opts = CostOptions {
        model: model.clone(),
        targets: NONE,
        json: Some(link.clone()),
        flash: None,
        ram: None,
        install: false,
    };
    cost_command(&opts).expect("cost");
    assert_eq!(std::fs::read(&model).expect("model"), before);
    assert!(std::fs::read_to_string(&link)
        .expect("json")
        .contains("\"multiply_adds\""));
}

#[test]
fn json_never_overwrites_the_model() {
    let opts = CostOptions {
        model: bundled(),
        targets: NONE,
        json: Some(bundled()),
        flash: None,
        ram: None,
        install: false,
    };
    let before = std::fs::read(bundled()).expect("bundled");
    let err = cost_command(&opts).expect_err("refused");
    assert!(matches!(err, TrainError::OutputIsInput { .. }), "{err}");
    assert_eq!(std::fs::read(bundled()).expect("bundled"), before);
}

/// `rnn-train cost BUNDLED ARGS` with `path` as PATH (or the inherited
/// one): (success, stdout, stderr).
fn cost_cli(args: &[&str], path: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rnn-train"));
    command.arg("cost").arg(bundled()).args(args);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let out = command.output().expect("run rnn-train");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_writes_json_and_names_a_bad_target() {
    let dir = TempDir::new("cost-cli");
    let json = dir.0.join("cost.json");
    let (ok, stdout, stderr) = cost_cli(
        &["--target", "none", "--json", json.to_str().expect("utf-8")],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("| total | 1,169 | 4,684 | 128 | 1,104 | 80 |"),
        "{stdout}"
    );
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parses");
    assert_eq!(value["total"]["multiply_adds"], 1104);
    for (args, message) in [
        (
            &["--target", "m3"][..],
            "expected host, m0, m4f, m7 or none",
        ),
        (&["--target", "none,m4f"][..], "none stands alone"),
        (&["--flash", "-1"][..], "is not a size"),
        (&["--ram", "0"][..], "is not a size"),
    ] {
        let (ok, _, stderr) = cost_cli(args, None);
        assert!(!ok && stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_tool_names_the_command_that_installs_it() {
    // No rustup and no QEMU on this PATH: the first check to fail is the
    // rustup target's, before anything is built.
    let (ok, _, stderr) = cost_cli(&["--target", "m4f"], Some("/nonexistent"));
    assert!(!ok);
    assert!(
        stderr.contains("the rustup target thumbv7em-none-eabihf is not installed")
            && stderr.contains("`rustup target add thumbv7em-none-eabihf`")
            && stderr.contains("--install"),
        "{stderr}"
    );
}

/// `key=value` words of a line of the firmware script's figures.
fn figure(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

#[test]
#[ignore = "builds the firmware and runs QEMU: run after scripts/firmware-test.sh (scripts/test-all.sh does)"]
fn qemu_figures_equal_the_firmware_scripts() {
    let figures = root().join("target/firmware-test/templates.txt");
    let figures = std::fs::read_to_string(&figures).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run scripts/firmware-test.sh first",
            figures.display()
        )
    });
    let cores = Core::ALL.map(Target::Core);
    for (model, kind) in [
        (bundled(), "f32"),
        (
            root().join("firmware-example/model/sea_temperature.q.rnnw"),
            "quantized",
        ),
    ] {
        let report = run(&model, &given(&cores), false).expect("cost");
        assert_eq!(report.cores.len(), 3);
        for c in &report.cores {
            let features = if c.core == Core::M7 {
                "mps2-an500"
            } else {
                "none"
            };
            let prefix = format!("kind={kind} target={} features={features} ", c.target);
            let line = figures
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no `{prefix}` line in the script's figures"));
            let cost = [
                c.flash_bytes,
                c.text_bytes,
                c.model_bytes,
                c.data_bss_bytes,
                c.stack_peak_bytes,
                c.instructions_per_step,
                c.instructions_per_forecast,
            ];
            let script = [
                "flash", "text", "model", "data_bss", "stack", "steps", "forecast",
            ]
            .map(|k| figure(line, k));
            assert_eq!(cost, script, "{kind} on {}", c.core.name());
            assert_eq!((c.bit_identical, c.forecasts), (24, 24));
        }
    }
}

#[test]
#[ignore = "builds the firmware and runs QEMU: run after scripts/firmware-test.sh (scripts/test-all.sh does)"]
fn stacked_gru_on_the_m4f_equals_its_firmware_report() {
    let dir = TempDir::new("cost-gru-qemu");
    let model = stacked_gru(&dir);
    let report = run(&model, &given(&[Target::Core(Core::M4f)]), false).expect("cost");
    let c = &report.cores[0];
    assert_eq!((c.bit_identical, c.forecasts), (24, 24));
    // The template's own report, run by hand the way the README says.
    let out = Command::new(env!("CARGO"))
        .args([
            "run",
            "-q",
            "--release",
            "--bin",
            "firmware-deploy",
            "--features",
            "report",
        ])
        .current_dir(root().join("firmware-example"))
        .env("FIRMWARE_MODEL", &model)
        // A plain build, as a user's (scripts/test-all.sh runs this test
        // under a clippy-driver wrapper, which compiles other code).
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .output()
        .expect("cargo run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let per_step = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("instructions per step")?
                .rsplit_once("mean ")
        })
        .map(|(_, n)| n.parse::<u64>().expect("number"))
        .expect("instructions per step line");
    assert_eq!(c.instructions_per_step, per_step);
    // 12 steps of two GRU layers cost more than nothing and less than the
    // M0's soft-float LSTM(16): a sanity bound, not a speed claim.
    assert!((1_000..400_000).contains(&per_step), "{per_step}");
}
