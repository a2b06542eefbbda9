//! Loading a weight file back into a trainable [`Network`]: the run-time
//! path `predict`, `eval` and `inspect` use, since a command-line tool only
//! learns the sizes when it reads the file.
//!
//! The blob is checked by `rnn_core::format::read_header` (magic, version,
//! lengths, CRC-32); the architecture is rebuilt from its layer records and
//! the parameters set with [`Network::import_params`], the inverse of
//! [`Network::export_params`].

use std::path::Path;

use rnn_core::format::{ClassLabels, DataContract, LayerSpec, Metadata};

use crate::error::{Result, TrainError};
use crate::head::Head;
use crate::nn::{Activation, Architecture, CellKind, Network, RecurrentLayer};

/// A model read from a weight file.
#[derive(Clone, Debug)]
pub struct Model {
    /// The network with the file's parameters (f32 widened to f64).
    pub network: Network,
    /// The file's layer records, input layer first.
    pub specs: Vec<LayerSpec>,
    /// The preprocessing saved with the model (`None` for files not written
    /// by `rnn-train train`).
    pub metadata: Option<Metadata>,
    /// The columns and split the model was trained on (`None` for files of
    /// weight format 1 or not written by `rnn-train train`).
    pub contract: Option<DataContract>,
    /// A classifier's class names (written by `rnn-train classify`). The
    /// file's last layer is then Dense softmax, or Dense(1) sigmoid with 2
    /// names ([`Model::head`]), and `network` stops before that activation:
    /// it gives the logits, [`Head::probabilities`] the probabilities.
    pub classes: Option<ClassLabels>,
    /// The classifier's head, `Some` exactly when [`Model::classes`] is.
    pub head: Option<Head>,
}

/// The [`Architecture`] that layer records describe: the inverse of
/// [`Network::layer_specs`]. Recurrent layers may mix cell kinds and go
/// without bias (Keras `use_bias=False`), as Keras stacks them.
///
/// # Errors
/// A message when the records are not one or more RNN layers followed by
/// Dense layers, when sizes do not chain, or when a Dense layer has no bias
/// (rnn-train's Dense layers always have one).
pub fn architecture(specs: &[LayerSpec]) -> std::result::Result<Architecture, String> {
    let mut recurrent = Vec::new();
    let mut dense = Vec::new();
    let mut input_size = None;
    let mut next_input = None;
    for (index, spec) in specs.iter().enumerate() {
        let shape = spec.shape();
        if next_input.is_some_and(|n| n != shape.input_size) {
            return Err(format!(
                "layer {index} takes {} inputs but the layer before gives {}",
                shape.input_size,
                next_input.unwrap_or(0)
            ));
        }
        input_size.get_or_insert(shape.input_size as usize);
        next_input = Some(shape.units);
        let (cell, use_bias) = match *spec {
            LayerSpec::SimpleRnn {
                activation,
                use_bias,
                ..
            } => (CellKind::SimpleRnn { activation }, use_bias),
            LayerSpec::Lstm { use_bias, .. } => (CellKind::Lstm, use_bias),
            LayerSpec::Gru {
                reset_after,
                use_bias,
                ..
            } => (CellKind::Gru { reset_after }, use_bias),
            LayerSpec::Dense {
                activation,
                use_bias,
                ..
            } => {
                if !use_bias {
                    return Err(format!(
                        "Dense layer {index} has no bias; rnn-train's Dense layers always have one"
                    ));
                }
                dense.push((shape.units as usize, activation));
                continue;
            }
        };
        if !dense.is_empty() {
            return Err(format!("recurrent layer {index} follows a Dense layer"));
        }
        recurrent.push(RecurrentLayer {
            cell,
            units: shape.units as usize,
            use_bias,
        });
    }
    if recurrent.is_empty() {
        return Err("no recurrent layer".to_string());
    }
    Ok(Architecture {
        input_size: input_size.unwrap_or(0),
        recurrent,
        dense,
        sequence_output: false,
    })
}

/// Rebuilds the model in a checked weight blob.
///
/// # Errors
/// [`TrainError::EmptyWeightFile`] for an empty blob;
/// [`TrainError::CheckpointNotModel`] for a training checkpoint;
/// [`TrainError::WeightFile`] (naming `path`) when rnn-core refuses the
/// blob (bad magic, version, length or checksum) or a weight is NaN or
/// infinite; [`TrainError::Architecture`] (naming `path`) when the layers
/// are not an architecture rnn-train runs.
pub fn from_blob(path: &Path, blob: &[u8]) -> Result<Model> {
    let refused = |source| TrainError::WeightFile {
        path: path.to_path_buf(),
        source,
    };
    if blob.is_empty() {
        return Err(TrainError::EmptyWeightFile {
            path: path.to_path_buf(),
        });
    }
    if crate::checkpoint::is_checkpoint(blob) {
        return Err(TrainError::CheckpointNotModel {
            path: path.to_path_buf(),
        });
    }
    let checked = rnn_core::format::read_header(blob).map_err(refused)?;
    let specs: Vec<LayerSpec> = checked.header.layers.iter().copied().collect();
    let bad = |reason: String| TrainError::Architecture {
        path: path.to_path_buf(),
        reason,
    };
    let mut arch = architecture(&specs).map_err(bad)?;
    arch.sequence_output = checked.header.sequence_output;
    let classes = checked.header.classes.clone();
    let head = match &classes {
        None => None,
        Some(k) => {
            let head = Head::of_file(k, specs.last()).ok_or_else(|| {
                bad(
                    "the file has class names but its last layer is neither Dense softmax \
                     nor Dense(1) sigmoid with 2 classes"
                        .to_string(),
                )
            })?;
            // The network gives the logits; the head applies the activation.
            if let Some((_, act)) = arch.dense.last_mut() {
                *act = Activation::Linear;
            }
            Some(head)
        }
    };
    let params: Vec<f32> = checked.params().collect();
    if let Some(index) = params.iter().position(|v| !v.is_finite()) {
        return Err(refused(rnn_core::Error::NonFiniteWeight { index }));
    }
    let mut network = Network::new(&arch, 0).map_err(|e| bad(e.to_string()))?;
    network
        .import_params(&params)
        .map_err(|e| bad(e.to_string()))?;
    Ok(Model {
        network,
        specs,
        metadata: checked.header.metadata,
        contract: checked.header.contract,
        classes,
        head,
    })
}

/// Reads and rebuilds the model in the weight file at `path`.
///
/// # Errors
/// [`TrainError::WeightFileMissing`] (naming the current directory) when a
/// relative `path` does not exist; [`TrainError::File`] if it cannot be
/// read otherwise; those of [`from_blob`].
pub fn load(path: &Path) -> Result<Model> {
    let blob = crate::export::read(path).map_err(|e| match e {
        TrainError::File { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound && path.is_relative() =>
        {
            TrainError::WeightFileMissing {
                path: path.to_path_buf(),
                cwd: std::env::current_dir().unwrap_or_default(),
            }
        }
        other => other,
    })?;
    from_blob(path, &blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(cell: CellKind, units: Vec<usize>, dense: Vec<(usize, Activation)>) -> Architecture {
        Architecture::uniform(3, cell, &units, dense)
    }

    #[test]
    fn architecture_inverts_layer_specs() {
        let relu = CellKind::SimpleRnn {
            activation: Activation::Relu,
        };
        let mut mixed = arch(
            CellKind::Gru { reset_after: true },
            vec![4, 3, 2],
            vec![(1, Activation::Linear)],
        );
        mixed.recurrent[1].cell = CellKind::Lstm;
        mixed.recurrent[1].use_bias = false;
        mixed.recurrent[2].cell = relu;
        let cases = [
            arch(relu, vec![5], vec![(1, Activation::Linear)]),
            arch(
                CellKind::Lstm,
                vec![4, 3],
                vec![(2, Activation::Tanh), (1, Activation::Sigmoid)],
            ),
            arch(
                CellKind::Gru { reset_after: false },
                vec![2],
                vec![(2, Activation::Linear)],
            ),
            arch(
                CellKind::Gru { reset_after: true },
                vec![2, 2, 2],
                vec![(1, Activation::Relu)],
            ),
            mixed,
        ];
        for a in cases {
            let net = Network::new(&a, 7).unwrap();
            assert_eq!(architecture(&net.layer_specs()).unwrap(), a);
        }
    }

    #[test]
    fn blob_round_trip_gives_the_same_predictions_as_f32_weights() {
        let a = arch(CellKind::Lstm, vec![4], vec![(1, Activation::Linear)]);
        let net = Network::new(&a, 3).unwrap();
        let meta =
            crate::export::metadata(rnn_core::format::ScalerKind::MinMax, &[], &[], 5, 1).unwrap();
        let blob =
            crate::export::encode(&net.layer_specs(), &meta, None, &net.export_params()).unwrap();
        let model = from_blob(Path::new("m.rnnw"), &blob).unwrap();
        assert_eq!(model.metadata, Some(meta));
        let mut rounded = net.clone();
        rounded.import_params(&net.export_params()).unwrap();
        let x: Vec<f64> = (0..15).map(|i| (i as f64 * 0.37).sin()).collect();
        assert_eq!(
            model.network.predict(&x).unwrap(),
            rounded.predict(&x).unwrap()
        );
        assert_eq!(model.network.params(), rounded.params());
    }

    #[test]
    fn refuses_architectures_it_cannot_run() {
        let dense = LayerSpec::Dense {
            input_size: 2,
            output_size: 1,
            activation: Activation::Linear,
            use_bias: true,
        };
        let lstm = |i, h, use_bias| LayerSpec::Lstm {
            input_size: i,
            hidden_size: h,
            use_bias,
        };
        assert!(architecture(&[dense])
            .unwrap_err()
            .contains("no recurrent layer"));
        assert!(architecture(&[lstm(1, 3, true), dense])
            .unwrap_err()
            .contains("layer 1 takes 2"));
        let dense_without_bias = LayerSpec::Dense {
            input_size: 2,
            output_size: 1,
            activation: Activation::Linear,
            use_bias: false,
        };
        assert!(architecture(&[lstm(1, 2, false), dense_without_bias])
            .unwrap_err()
            .contains("Dense layer 1 has no bias"));
        assert!(architecture(&[lstm(1, 2, true), dense, lstm(1, 2, true)])
            .unwrap_err()
            .contains("follows a Dense"));
    }

    /// A blob of GRU(3) over 2 inputs, then Dense(`units`, `act`), with
    /// class names `names` (the trainer's Dense is linear; the file's
    /// last layer gets `act`, as `classify` writes it).
    fn classifier_blob(units: usize, act: Activation, names: &[&str]) -> Vec<u8> {
        use rnn_core::format::{encode_raw_with_classes, encoded_len_with_classes, ClassLabels};
        let a = Architecture::uniform(
            2,
            CellKind::Gru { reset_after: true },
            &[3],
            vec![(units, Activation::Linear)],
        );
        let net = Network::new(&a, 5).unwrap();
        let mut specs = net.layer_specs();
        if let Some(LayerSpec::Dense { activation, .. }) = specs.last_mut() {
            *activation = act;
        }
        let classes = ClassLabels {
            label: "label".try_into().unwrap(),
            case: None,
            split: None,
            names: names.iter().map(|n| (*n).try_into().unwrap()).collect(),
        };
        let len = encoded_len_with_classes(&specs, None, None, &classes).unwrap();
        let mut blob = vec![0; len];
        encode_raw_with_classes(
            &specs,
            None,
            None,
            &classes,
            &net.export_params(),
            &mut blob,
        )
        .unwrap();
        blob
    }

    #[test]
    fn a_dense_1_sigmoid_file_with_two_names_is_a_binary_classifier() {
        let path = Path::new("b.rnnw");
        let model = from_blob(
            path,
            &classifier_blob(1, Activation::Sigmoid, &["no", "yes"]),
        )
        .unwrap();
        assert_eq!(model.head, Some(Head::Sigmoid));
        // The network gives the logit; the head applies the sigmoid.
        assert_eq!(
            model.network.architecture().dense,
            vec![(1, Activation::Linear)]
        );
        let softmax = from_blob(
            path,
            &classifier_blob(3, Activation::Softmax, &["a", "b", "c"]),
        );
        assert_eq!(softmax.unwrap().head, Some(Head::Softmax));
        // Class names on a last layer that is neither head.
        let err =
            from_blob(path, &classifier_blob(2, Activation::Sigmoid, &["a", "b"])).unwrap_err();
        assert!(
            matches!(&err, TrainError::Architecture { reason, .. } if reason.contains("neither Dense softmax nor Dense(1) sigmoid")),
            "{err}"
        );
    }
}
