//! Train SimpleRNN / LSTM / GRU predictors on sensor CSVs and export weights
//! that `rnn-core` runs on a microcontroller.
//!
//! Pipeline: [`data::contract`] says which columns and split a model uses
//! (saved in its weight file), [`data::csv`] reads columns, [`data::split`] splits the samples
//! by time (test last), [`data::scale`] fits the scaler on the training rows,
//! [`data::window`] builds the windows, [`fit`] trains in f32 or f64 (BPTT, Adam,
//! gradient clipping), [`forecast`] runs a network over windows in the series' units, [`steps`] evaluates every forecast step (direct multi-step models), [`seq2seq`] builds and scores sequence-to-sequence targets, [`autoregress`] feeds one-step forecasts back, [`eval`] compares with persistence, [`export`] writes
//! the rnn-core weight file with the scaler in its metadata, [`import`] reads
//! it back, [`plot`], [`fan_plot`] and [`report`] show the result. [`interop`] reads
//! models trained in PyTorch, Keras or exported to ONNX. [`cmd`] has the
//! commands of the `rnn-train` tool.

pub mod autoregress;
pub mod checkpoint;
pub mod class_weight;
pub mod classes;
pub mod cmd;
pub mod cost;
pub mod data;
pub mod error;
pub mod eval;
pub mod export;
pub mod fan_plot;
pub mod fit;
pub mod forecast;
pub mod head;
pub mod import;
pub mod interop;
pub mod loss;
pub mod nn;
pub mod optim;
pub mod plot;
pub mod report;
pub mod seq2seq;
pub mod steps;

pub use error::{Result, TrainError};
