//! `rnn-train eval`: a weight file's errors on the test split (the last part
//! of the series), in the series' own units, next to persistence. The
//! columns and split come from the model's data contract unless flags
//! override them.

use std::path::PathBuf;

use super::{check_model, CsvSource};
use crate::data::contract::{resolve, rows_note, Contract, Overrides};
use crate::data::split::Split;
use crate::error::Result;
use crate::eval::Evaluation;
use crate::forecast::TestResult;
use crate::import;
use crate::seq2seq::{self, SequenceTest};
use crate::steps::test_steps;

/// What `eval` needs: the model, the data and any overrides of its contract.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalOptions {
    /// The weight file (written by `rnn-train train`).
    pub model: PathBuf,
    /// The CSV.
    pub csv: CsvSource,
    /// Flags that replace the model's stored columns or test split.
    pub overrides: Overrides,
}

/// What `eval` found.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    /// Test forecasts and errors (of a multi-step model's last step; of
    /// every scored (window, timestep) pair of a sequence-to-sequence
    /// model, against its baseline, see [`crate::seq2seq`]).
    pub result: TestResult,
    /// A sequence-to-sequence model's evaluation (which baseline, the
    /// window and timestep of each pair); `None` for other models.
    pub sequence: Option<SequenceTest>,
    /// The errors of every forecast step, step 1 first (one for a
    /// single-step model, the same as `result`'s).
    pub steps: Vec<Evaluation>,
    /// The split used.
    pub split: Split,
    /// The contract used (stored, with overrides applied).
    pub contract: Contract,
    /// Overrides, a missing contract, a CSV of another length.
    pub notes: Vec<String>,
}

/// Runs `eval`: loads the model, reads the contract's columns, splits the
/// CSV with the contract's window, horizon and test size, and evaluates the
/// test split (every step of a direct multi-step model; every timestep of
/// a sequence-to-sequence model's test windows).
///
/// # Errors
/// Those of [`import::load`], [`CsvSource::existing`], [`Contract::read`]
/// (a CSV lacking a contract column) and [`Split::new`];
/// [`crate::TrainError::NoMetadata`], [`crate::TrainError::InputCount`] or
/// [`crate::TrainError::Architecture`] when the model does not fit the columns.
pub fn run(opts: &EvalOptions) -> Result<Evaluated> {
    let model = import::load(&opts.model)?;
    let meta = model
        .metadata
        .as_ref()
        .ok_or_else(|| crate::TrainError::NoMetadata {
            path: opts.model.clone(),
        })?;
    let (contract, mut notes) = resolve(meta, model.contract.as_ref(), &opts.overrides);
    check_model(
        &opts.model,
        &model.network,
        Some(meta),
        model.contract.as_ref(),
        contract.inputs.len(),
    )?;
    let data = contract.read(opts.csv.existing()?, false, true)?;
    let rows = data.table.rows();
    notes.extend(rows_note(model.contract.as_ref(), rows));
    let split = contract.split(rows)?;
    if model.network.architecture().sequence_output {
        let baseline = seq2seq::baseline_for(&contract.inputs, &contract.target, &data, &split);
        let seq = seq2seq::evaluate(&model.network, meta, &data, &split, baseline)?;
        return Ok(Evaluated {
            steps: vec![seq.result.evaluation],
            result: seq.result.clone(),
            sequence: Some(seq),
            split,
            contract,
            notes,
        });
    }
    let per_step = test_steps(&model.network, meta, &data, &split)?;
    Ok(Evaluated {
        steps: per_step.evaluations(),
        result: per_step.last,
        sequence: None,
        split,
        contract,
        notes,
    })
}
