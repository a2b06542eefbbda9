//! `rnn-train cost`: what one streaming step of a model costs, from its
//! weight file: per-layer counts, the host's time per step, and on each
//! Cortex-M core the deployment template's instructions per step, flash,
//! RAM and stack, measured in QEMU.
//!
//! The host and Cortex-M figures come from builds of the workspace's own
//! crates with the model's compile-time types, generated from the file by
//! `firmware-model`'s build script (`rnn_core::format::codegen`, the code
//! generation the firmware uses), the file named by the environment
//! variable `FIRMWARE_MODEL` (`FIRMWARE_QUANTIZED_MODEL` for a quantized
//! one). Builds go to the workspace's `target/` and are cached by cargo;
//! a new model rebuilds only the crates generated from it.

mod cargo;
pub mod cores;
pub mod counts;
mod elf;
pub mod host;
mod toolchain;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rnn_core::format::read_header;
use rnn_core::quant::format::QUANTIZED_FORMAT_VERSION;
use rnn_core::quant::QModel;
use serde::Serialize;

pub use cores::{Core, CoreCost};
pub use counts::LayerCost;
pub use host::{HostCost, Timing};

use crate::error::{Result, TrainError};

/// Where to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// This machine.
    Host,
    /// A Cortex-M core in QEMU.
    Core(Core),
}

impl FromStr for Target {
    type Err = String;

    /// `host`, `m0`, `m4f` or `m7` (any case).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.to_ascii_lowercase();
        if s == "host" {
            return Ok(Target::Host);
        }
        Core::ALL
            .into_iter()
            .find(|c| c.option_name() == s)
            .map(Target::Core)
            .ok_or_else(|| format!("unknown target {s:?}: expected host, m0, m4f, m7 or none"))
    }
}

/// Float (`f32`, weight format 1 and 2) or quantized (int8 weights, int16
/// state, format 3); in JSON `float` or `quantized`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// `f32` weights and state.
    Float,
    /// int8 weights, int16 state (`rnn-train quantize`).
    Quantized,
}

impl ModelKind {
    /// The environment variable that hands the file to `firmware-model`.
    fn env_var(self) -> &'static str {
        match self {
            ModelKind::Float => "FIRMWARE_MODEL",
            ModelKind::Quantized => "FIRMWARE_QUANTIZED_MODEL",
        }
    }

    /// Start of the legacy-mangled name of the model's `static` in the ELF.
    fn model_symbol(self) -> &'static str {
        match self {
            ModelKind::Float => "_ZN14firmware_model5MODEL",
            ModelKind::Quantized => "_ZN14firmware_model9quantized15QUANTIZED_MODEL",
        }
    }

    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Float => "f32 weights and state",
            ModelKind::Quantized => "int8 weights, int16 state",
        }
    }
}

/// Everything `cost` measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostReport {
    /// The weight file, as given.
    pub model: PathBuf,
    /// Its kind.
    pub kind: ModelKind,
    /// Per-layer counts, input side first.
    pub layers: Vec<LayerCost>,
    /// Their sums (`layer` is `total`).
    pub total: LayerCost,
    /// The host's time per step, if `host` was a target.
    pub host: Option<HostCost>,
    /// The template on each Cortex-M target asked for.
    pub cores: Vec<CoreCost>,
    /// Why the Cortex-M targets were not measured, when they were left
    /// out (targets not given, and the template cannot take the model).
    pub cores_skipped: Option<String>,
    /// Why the host was not measured, when it was left out (targets not
    /// given, and the model has no scaler metadata).
    pub host_skipped: Option<String>,
}

/// Where [`run`] measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Every target; the Cortex-M cores only if the deployment template
    /// can take the model (else [`CostReport::cores_skipped`] says why).
    Default,
    /// These targets (empty: the counts alone); a Cortex-M target the
    /// template cannot take is an error.
    Given(Vec<Target>),
}

/// The workspace this program was built from: `firmware-example/` and
/// `firmware-example/model/` are built from it.
///
/// # Errors
/// [`TrainError::CostSources`] when they are not there (a binary copied
/// away from its clone).
pub fn workspace() -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if root.join("firmware-example/model/Cargo.toml").is_file() {
        Ok(root)
    } else {
        Err(TrainError::CostSources { path: root })
    }
}

/// The model file, read and checked.
struct ModelFile {
    kind: ModelKind,
    layers: Vec<LayerCost>,
    /// Input size of the first layer and output size of the last.
    io: (usize, usize),
    /// The window and horizon stored with the model (its scaler
    /// metadata; a quantized model keeps its float model's).
    window: Option<(usize, usize)>,
    /// Whether the file is a classifier (class names, softmax or binary
    /// sigmoid head, no target scale).
    classifier: bool,
}

fn read_model(path: &Path) -> Result<ModelFile> {
    let blob = std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let weight_file = |source| TrainError::WeightFile {
        path: path.to_path_buf(),
        source,
    };
    let overflow = || TrainError::CostBuild {
        what: path.display().to_string(),
        reason: "a layer's counts overflow".into(),
    };
    // Each kind: the check the firmware's code generation makes, then the
    // layers' counts, shapes and preprocessing.
    let (kind, layers, shapes, metadata, classifier) = match read_header(&blob) {
        Ok(checked) => {
            rnn_core::format::codegen::rust_source(&blob).map_err(weight_file)?;
            let specs = &checked.header.layers;
            (
                ModelKind::Float,
                specs
                    .iter()
                    .map(counts::float_layer)
                    .collect::<Option<Vec<_>>>(),
                specs.iter().map(|s| s.shape()).collect::<Vec<_>>(),
                checked.header.metadata,
                checked.header.classes.is_some(),
            )
        }
        Err(rnn_core::Error::UnsupportedVersion { found, .. })
            if found == QUANTIZED_FORMAT_VERSION =>
        {
            let model = QModel::from_blob(&blob).map_err(weight_file)?;
            rnn_core::quant::format::codegen::quantized_rust_source(&blob).map_err(weight_file)?;
            let specs = model.specs();
            (
                ModelKind::Quantized,
                specs.iter().map(counts::quantized_layer).collect(),
                specs.iter().map(|s| s.shape()).collect(),
                model.metadata().cloned(),
                false,
            )
        }
        Err(e) => return Err(weight_file(e)),
    };
    Ok(ModelFile {
        kind,
        layers: layers.ok_or_else(overflow)?,
        io: io(&shapes),
        window: metadata.map(|m| (m.window as usize, m.horizon as usize)),
        classifier,
    })
}

fn io(shapes: &[rnn_core::format::LayerShape]) -> (usize, usize) {
    let first = shapes.first().map_or(0, |s| s.input_size as usize);
    let last = shapes.last().map_or(0, |s| s.units as usize);
    (first, last)
}

/// Forecasts the template makes over the bundled series (`FORECASTS` in
/// firmware-example's `build.rs`): its excerpt is `window + 23 + horizon`
/// readings.
const TEMPLATE_FORECASTS: usize = 24;

/// The longest window the template takes: it keeps the window in a
/// `heapless::HistoryBuf` on the stack (8 KiB of `f32` at 2,048), which
/// must fit the micro:bit's 16 KiB of RAM with the step's own stack.
pub const TEMPLATE_MAX_WINDOW: usize = 2048;

/// Why the firmware's model crate, which host timing and the template are
/// built from, cannot take a classifier: it unscales the output with the
/// model's target scale, which a classifier has none of.
const CLASSIFIER_REFUSAL: &str = "the model is a classifier (class names, no target scale: a \
     softmax or binary sigmoid head); the firmware's model crate the timing is built from \
     forecasts one target (--target none gives the counts)";

/// Why the deployment template cannot take `model`, if it cannot: it
/// forecasts one sensor (one input, one output per timestep) with the
/// model's stored scaler over the bundled series.
fn template_refusal(model: &ModelFile, series_rows: usize) -> Option<String> {
    if model.classifier {
        return Some(CLASSIFIER_REFUSAL.into());
    }
    let (inputs, outputs) = model.io;
    if inputs != 1 || outputs != 1 {
        return Some(format!(
            "it takes one input and gives one output per timestep (one sensor); this model has \
             {inputs} input(s) and {outputs} output(s)"
        ));
    }
    let Some((window, horizon)) = model.window else {
        return Some(
            "the model file has no scaler metadata (a weight file from rnn-train train, \
             or imported with --window, has it; quantize such a file)"
                .into(),
        );
    };
    if window > TEMPLATE_MAX_WINDOW {
        return Some(format!(
            "its window ({window} timesteps) is longer than the {TEMPLATE_MAX_WINDOW} the \
             template keeps on the stack (the micro:bit has 16 KiB of RAM)"
        ));
    }
    if window + TEMPLATE_FORECASTS - 1 + horizon > series_rows {
        return Some(format!(
            "its window ({window} timesteps), horizon ({horizon}) and {TEMPLATE_FORECASTS} \
             forecasts do not fit the {series_rows} readings of the bundled series it replays"
        ));
    }
    None
}

/// Rows of the bundled series the template replays (its header excluded).
fn series_rows(workspace: &Path) -> Result<usize> {
    let path = workspace.join("data/sea_surface_temperature_hourly.csv");
    let text =
        std::fs::read_to_string(&path).map_err(|source| TrainError::File { path, source })?;
    Ok(text.lines().count().saturating_sub(1))
}

/// Measures the model at `path` on `targets`; with `install`, installs a
/// missing rustup target or QEMU first (`rustup target add`, `apt-get
/// install qemu-system-arm`). Progress goes to standard error.
///
/// # Errors
/// [`TrainError::File`] and [`TrainError::WeightFile`] for an unreadable or
/// corrupted file (rnn-core's checks, float and quantized);
/// [`TrainError::CostHost`] when `host` is given and the model has no
/// scaler metadata; [`TrainError::CostTemplate`] when a Cortex-M target is given and the
/// template cannot take the model (one input and one output per timestep,
/// scaler metadata, a window of at most [`TEMPLATE_MAX_WINDOW`]); [`TrainError::CostToolMissing`] when a
/// rustup target or `qemu-system-arm` is missing; [`TrainError::CostSources`]
/// and [`TrainError::CostBuild`] from the builds and runs.
pub fn run(path: &Path, targets: &Targets, install: bool) -> Result<CostReport> {
    let model = read_model(path)?;
    let total = LayerCost {
        layer: "total".into(),
        params: model.layers.iter().map(|l| l.params).sum(),
        weight_bytes: model.layers.iter().map(|l| l.weight_bytes).sum(),
        state_bytes: model.layers.iter().map(|l| l.state_bytes).sum(),
        multiply_adds: model.layers.iter().map(|l| l.multiply_adds).sum(),
        activations: model.layers.iter().map(|l| l.activations).sum(),
    };
    let mut report = CostReport {
        model: path.to_path_buf(),
        kind: model.kind,
        layers: model.layers.clone(),
        total,
        host: None,
        cores: Vec::new(),
        cores_skipped: None,
        host_skipped: None,
    };
    let given = matches!(targets, Targets::Given(_));
    let all: Vec<Target> = [Target::Host]
        .into_iter()
        .chain(Core::ALL.map(Target::Core))
        .collect();
    let targets = match targets {
        Targets::Default => &all,
        Targets::Given(t) if t.is_empty() => return Ok(report),
        Targets::Given(t) => t,
    };
    let workspace = workspace()?;
    let absolute = std::path::absolute(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let mut cores: Vec<Core> = Core::ALL
        .into_iter()
        .filter(|c| targets.contains(&Target::Core(*c)))
        .collect();
    if !cores.is_empty() {
        if let Some(reason) = template_refusal(&model, series_rows(&workspace)?) {
            if given {
                return Err(TrainError::CostTemplate {
                    path: path.to_path_buf(),
                    reason,
                });
            }
            report.cores_skipped = Some(reason);
            cores.clear();
        }
        for &core in &cores {
            toolchain::ensure(&workspace, core, install)?;
        }
    }
    if targets.contains(&Target::Host) {
        let refusal = if model.classifier {
            Some(CLASSIFIER_REFUSAL.to_string())
        } else if model.window.is_none() {
            Some(
                "the model file has no scaler metadata, which the firmware's model crate \
                 the timing is built from needs (a weight file from rnn-train train, or \
                 imported with --window, has it)"
                    .to_string(),
            )
        } else {
            None
        };
        if let Some(reason) = refusal {
            if given {
                return Err(TrainError::CostHost {
                    path: path.to_path_buf(),
                    reason,
                });
            }
            report.host_skipped = Some(reason);
        } else {
            eprintln!("cost: host: building and timing the step (cargo, release)");
            report.host = Some(host::measure(&workspace, &absolute, model.kind)?);
        }
    }
    for core in cores {
        eprintln!(
            "cost: {}: building the template and running it in QEMU {}",
            core.name(),
            core.machine()
        );
        report
            .cores
            .push(cores::measure(&workspace, &absolute, model.kind, core)?);
    }
    Ok(report)
}
