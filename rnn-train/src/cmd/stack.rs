//! The recurrent layers of `train` and `classify` from the command line:
//! `--layers KIND:UNITS,...` (each layer its own cell, as a Keras stack of
//! `SimpleRNN` / `LSTM` / `GRU` layers), or the uniform shorthand
//! `--cell KIND --units A,B,...`; `--no-bias` for all of them.

use std::str::FromStr;

use rnn_core::Activation;

use crate::error::{Result, TrainError};
use crate::nn::{CellKind, RecurrentLayer};

/// A `--cell` value: the cell of every layer of the shorthand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellArg {
    /// Keras `SimpleRNN`.
    SimpleRnn,
    /// Keras `LSTM`.
    Lstm,
    /// Keras `GRU`.
    Gru,
}

impl CellArg {
    /// The name on the command line.
    fn name(self) -> &'static str {
        match self {
            CellArg::SimpleRnn => "simple-rnn",
            CellArg::Lstm => "lstm",
            CellArg::Gru => "gru",
        }
    }
}

/// One `--layers` item, `KIND:UNITS`: `lstm:8`, `gru:16`, `simple-rnn:8`
/// (tanh), `simple-rnn-relu:8` (also `-tanh`, `-linear`, `-sigmoid`: the
/// Keras `activation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerArg {
    /// The cell; a GRU's `reset_after` comes from `--reset-after`.
    kind: LayerKind,
    /// Hidden size, at least 1.
    units: usize,
}

/// The kind of a [`LayerArg`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LayerKind {
    SimpleRnn(Activation),
    Lstm,
    Gru,
}

/// The kinds `--layers` accepts, for messages.
const KINDS: &str = "lstm, gru, simple-rnn, simple-rnn-relu, simple-rnn-tanh, \
                     simple-rnn-linear, simple-rnn-sigmoid";

impl FromStr for LayerArg {
    type Err = String;

    /// Parses `KIND:UNITS`.
    ///
    /// # Errors
    /// A message naming the item when it is not `KIND:UNITS`, the kind is
    /// not one listed in the type's doc or the units are not a whole number of at least 1.
    fn from_str(s: &str) -> std::result::Result<LayerArg, String> {
        let Some((kind, units)) = s.split_once(':') else {
            return Err(format!(
                "{s:?} is not KIND:UNITS (e.g. gru:16,lstm:8; kinds: {KINDS})"
            ));
        };
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "lstm" => LayerKind::Lstm,
            "gru" => LayerKind::Gru,
            "simple-rnn" | "simple-rnn-tanh" => LayerKind::SimpleRnn(Activation::Tanh),
            "simple-rnn-relu" => LayerKind::SimpleRnn(Activation::Relu),
            "simple-rnn-linear" => LayerKind::SimpleRnn(Activation::Linear),
            "simple-rnn-sigmoid" => LayerKind::SimpleRnn(Activation::Sigmoid),
            other => return Err(format!("unknown layer kind {other:?} (kinds: {KINDS})")),
        };
        let units = match units.trim().parse::<usize>() {
            Ok(0) => return Err(format!("{s:?}: a layer needs at least 1 unit")),
            Ok(n) => n,
            Err(_) => return Err(format!("{s:?}: {units:?} is not a unit count")),
        };
        Ok(LayerArg { kind, units })
    }
}

/// The stack options as given (`None`: not on the command line).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackArgs {
    /// `--layers`: every layer with its own kind.
    pub layers: Option<Vec<LayerArg>>,
    /// `--cell` (default lstm) of the shorthand.
    pub cell: Option<CellArg>,
    /// `--units` (default 16) of the shorthand, one per layer.
    pub units: Option<Vec<usize>>,
    /// `--rnn-activation` (default tanh): the shorthand's SimpleRNN activation.
    pub rnn_activation: Option<Activation>,
    /// `--reset-after` (default true) of every GRU layer.
    pub reset_after: Option<bool>,
    /// `--no-bias`: recurrent layers without bias (Keras `use_bias=False`);
    /// the Dense head keeps its bias.
    pub no_bias: bool,
}

fn invalid(option: &'static str, reason: String) -> TrainError {
    TrainError::InvalidOption { option, reason }
}

impl StackArgs {
    /// The recurrent layers, input side first: those of `--layers`, or
    /// `--units` layers of `--cell` (one LSTM of 16 units by default),
    /// each with a bias unless `--no-bias`.
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for `--layers` together with `--cell`
    /// or `--units`, or with `--rnn-activation` (the activation is part of
    /// a SimpleRNN item's kind); an empty `--layers`; `--rnn-activation`
    /// for a cell other than SimpleRNN and `--reset-after` for a stack
    /// without GRU layer.
    pub fn layers(&self) -> Result<Vec<RecurrentLayer>> {
        let use_bias = !self.no_bias;
        let reset_after = self.reset_after.unwrap_or(true);
        let Some(items) = &self.layers else {
            return self.uniform(use_bias, reset_after);
        };
        if self.cell.is_some() || self.units.is_some() {
            return Err(invalid(
                "--layers",
                "give the recurrent layers either with --layers (each its own kind: \
                 gru:16,lstm:8) or with --cell and --units, not both"
                    .to_string(),
            ));
        }
        if self.rnn_activation.is_some() {
            return Err(invalid(
                "--rnn-activation",
                "with --layers, a SimpleRNN layer's activation is part of its kind \
                 (simple-rnn-relu:8)"
                    .to_string(),
            ));
        }
        if items.is_empty() {
            return Err(invalid(
                "--layers",
                "give at least one layer, KIND:UNITS".to_string(),
            ));
        }
        if self.reset_after.is_some() && !items.iter().any(|l| l.kind == LayerKind::Gru) {
            return Err(invalid(
                "--reset-after",
                "applies only to GRU layers, and --layers has none".to_string(),
            ));
        }
        Ok(items
            .iter()
            .map(|l| RecurrentLayer {
                cell: match l.kind {
                    LayerKind::SimpleRnn(activation) => CellKind::SimpleRnn { activation },
                    LayerKind::Lstm => CellKind::Lstm,
                    LayerKind::Gru => CellKind::Gru { reset_after },
                },
                units: l.units,
                use_bias,
            })
            .collect())
    }

    /// The shorthand's layers: one `--cell` for every `--units` entry.
    fn uniform(&self, use_bias: bool, reset_after: bool) -> Result<Vec<RecurrentLayer>> {
        let chosen = self.cell.unwrap_or(CellArg::Lstm);
        let only = |option, cell: CellArg, why: &str| {
            invalid(
                option,
                format!(
                    "applies only to --cell {}, not to --cell {}{why}",
                    cell.name(),
                    chosen.name()
                ),
            )
        };
        if self.rnn_activation.is_some() && chosen != CellArg::SimpleRnn {
            return Err(only(
                "--rnn-activation",
                CellArg::SimpleRnn,
                " (LSTM and GRU always use tanh and sigmoid)",
            ));
        }
        if self.reset_after.is_some() && chosen != CellArg::Gru {
            return Err(only("--reset-after", CellArg::Gru, ""));
        }
        let cell = match chosen {
            CellArg::SimpleRnn => CellKind::SimpleRnn {
                activation: self.rnn_activation.unwrap_or(Activation::Tanh),
            },
            CellArg::Lstm => CellKind::Lstm,
            CellArg::Gru => CellKind::Gru { reset_after },
        };
        let units = self.units.clone().unwrap_or_else(|| vec![16]);
        Ok(units
            .into_iter()
            .map(|units| RecurrentLayer {
                cell,
                units,
                use_bias,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(list: &str) -> Vec<LayerArg> {
        list.split(',').map(|s| s.parse().unwrap()).collect()
    }

    fn message(args: StackArgs) -> String {
        args.layers().unwrap_err().to_string()
    }

    #[test]
    fn layers_give_each_layer_its_own_cell() {
        let args = StackArgs {
            layers: Some(layers("gru:16,lstm:8,simple-rnn-relu:4,Simple-RNN:2")),
            reset_after: Some(false),
            no_bias: true,
            ..StackArgs::default()
        };
        let cells: Vec<(CellKind, usize, bool)> = args
            .layers()
            .unwrap()
            .iter()
            .map(|l| (l.cell, l.units, l.use_bias))
            .collect();
        let simple = |activation| CellKind::SimpleRnn { activation };
        assert_eq!(
            cells,
            [
                (CellKind::Gru { reset_after: false }, 16, false),
                (CellKind::Lstm, 8, false),
                (simple(Activation::Relu), 4, false),
                (simple(Activation::Tanh), 2, false),
            ]
        );
    }

    #[test]
    fn the_shorthand_is_one_cell_for_every_layer() {
        let default = StackArgs::default().layers().unwrap();
        assert_eq!(
            default,
            [RecurrentLayer {
                cell: CellKind::Lstm,
                units: 16,
                use_bias: true
            }]
        );
        let gru = StackArgs {
            cell: Some(CellArg::Gru),
            units: Some(vec![8, 4]),
            ..StackArgs::default()
        };
        let cells: Vec<_> = gru.layers().unwrap().iter().map(|l| l.cell).collect();
        assert_eq!(cells, [CellKind::Gru { reset_after: true }; 2]);
    }

    #[test]
    fn bad_layer_items_are_refused_with_a_reason() {
        for (item, expected) in [
            ("gru:0", "at least 1 unit"),
            ("rnn:4", "unknown layer kind \"rnn\""),
            ("", "is not KIND:UNITS"),
            ("lstm", "is not KIND:UNITS"),
            ("lstm:x", "\"x\" is not a unit count"),
            ("lstm:-1", "is not a unit count"),
        ] {
            let e = item.parse::<LayerArg>().unwrap_err();
            assert!(e.contains(expected), "{item:?}: {e}");
        }
    }

    #[test]
    fn layers_conflict_with_the_shorthand() {
        let with = |f: fn(&mut StackArgs)| {
            let mut args = StackArgs {
                layers: Some(layers("gru:8,lstm:4")),
                ..StackArgs::default()
            };
            f(&mut args);
            message(args)
        };
        let both = "invalid --layers: give the recurrent layers either with --layers";
        assert!(with(|a| a.cell = Some(CellArg::Lstm)).contains(both));
        assert!(with(|a| a.units = Some(vec![4])).contains(both));
        assert!(with(|a| a.rnn_activation = Some(Activation::Relu))
            .contains("invalid --rnn-activation: with --layers"));
        assert!(with(|a| a.layers = Some(Vec::new())).contains("at least one layer"));
        let no_gru = StackArgs {
            layers: Some(layers("lstm:4")),
            reset_after: Some(true),
            ..StackArgs::default()
        };
        assert!(message(no_gru).contains("invalid --reset-after: applies only to GRU layers"));
    }
}
