//! `rnn-train predict` on a classifier (a weight file with class names,
//! written by `rnn-train classify`): the class probabilities and the
//! predicted label of every sequence of a CSV, read with the model's case
//! (or window), input and label columns. A binary sigmoid head gives
//! `p_<first class> = 1 − p`, `p_<second class> = p`, and predicts the
//! second (positive) class when `p > 0.5`.

use rnn_core::format::ClassLabels;

use super::classify::{predict, write_predictions};
use super::predict::PredictOptions;
use super::CsvSource;
use crate::classes::{argmax, Confusion};
use crate::data::cases::{read, Grouping, LabelColumns};
use crate::error::{Result, TrainError};
use crate::import::{self, Model};

/// What [`run`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassPredictions {
    /// Sequences classified.
    pub sequences: usize,
    /// The model's class names.
    pub classes: Vec<String>,
    /// Sequences predicted as each class.
    pub predicted: Vec<usize>,
    /// Accuracy against the CSV's labels, when it has the label column.
    pub accuracy: Option<f64>,
}

/// Classifies every sequence of the CSV and writes `opts.output` with the
/// columns `case,actual,predicted,p_<class>…` (`actual` empty without a
/// label column). Returns `None`, writing nothing, when the model is not a
/// classifier.
///
/// # Errors
/// [`TrainError::OutputIsInput`] when the output is the model or the CSV;
/// those of [`import::load`] and [`crate::data::cases::read`] (a missing
/// input or case column, a bad cell, cases of unequal length);
/// [`TrainError::InputCount`] for another number of inputs than the
/// model's, [`crate::data::cases::LabelError::CaseLength`] for cases of
/// another length; [`crate::data::cases::LabelError::UnknownClass`] for a label the
/// model does not know.
pub fn run(opts: &PredictOptions) -> Result<Option<ClassPredictions>> {
    let model = import::load(&opts.model)?;
    let (Some(classes), Some(head)) = (model.classes.clone(), model.head) else {
        return Ok(None);
    };
    super::predict::check_output_is_new(opts)?;
    // Without a CSV: the bundled labelled set, not the regression series.
    let source = match &opts.csv {
        CsvSource::Default => CsvSource::DefaultLabelled,
        given => given.clone(),
    };
    let path = source.existing()?;
    let columns = columns(&model, &classes, path, opts)?;
    let mut data = read(path, &columns)?;
    let names: Vec<String> = classes.names.iter().map(|n| n.to_string()).collect();
    let window = model.metadata.as_ref().map_or(0, |m| m.window as usize);
    if data.input_size != model.network.architecture().input_size {
        return Err(TrainError::InputCount {
            expected: model.network.architecture().input_size,
            found: data.input_size,
        });
    }
    if data.steps != window {
        return Err(crate::data::cases::LabelError::CaseLength {
            path: path.to_path_buf(),
            steps: data.steps,
            window,
        }
        .into());
    }
    // The CSV's labels as the model's class indices.
    let labelled = columns.label.is_some();
    if labelled {
        for s in &mut data.sequences {
            let name = &data.classes[s.label];
            s.label = names.iter().position(|n| n == name).ok_or_else(|| {
                crate::data::cases::LabelError::UnknownClass {
                    path: path.to_path_buf(),
                    case: s.id.clone(),
                    line: s.line,
                    class: name.clone(),
                    known: names.join(", "),
                }
            })?;
        }
    }
    data.classes = names.clone();
    let all: Vec<usize> = (0..data.sequences.len()).collect();
    let probabilities = predict(&model, head, &data, &all)?;
    write_predictions(&opts.output, &data, &all, &probabilities, labelled)?;
    let predicted: Vec<usize> = probabilities.iter().map(|p| argmax(p)).collect();
    let mut counts = vec![0; names.len()];
    for &p in &predicted {
        counts[p] += 1;
    }
    let accuracy = labelled.then(|| {
        let actual: Vec<usize> = data.sequences.iter().map(|s| s.label).collect();
        Confusion::new(names.len(), &actual, &predicted).accuracy()
    });
    Ok(Some(ClassPredictions {
        sequences: all.len(),
        classes: names,
        predicted: counts,
        accuracy,
    }))
}

/// The model's columns (inputs overridable with `--input`); the label
/// column only when the CSV has it.
fn columns(
    model: &Model,
    classes: &ClassLabels,
    path: &std::path::Path,
    opts: &PredictOptions,
) -> Result<LabelColumns> {
    let header = crate::data::csv::header(path)?;
    let inputs = match (&opts.overrides.inputs, &model.contract) {
        (Some(i), _) => i.clone(),
        (None, Some(c)) => c.inputs.iter().map(|n| n.to_string()).collect(),
        (None, None) => {
            return Err(TrainError::NoMetadata {
                path: opts.model.clone(),
            })
        }
    };
    let window = model.metadata.as_ref().map_or(0, |m| m.window as usize);
    let grouping = match &classes.case {
        Some(case) => Grouping::Case(case.to_string()),
        None => Grouping::Windows(window),
    };
    let label = classes.label.to_string();
    Ok(LabelColumns {
        inputs,
        label: header.contains(&label).then_some(label),
        grouping,
        split: None,
    })
}
