//! Train SimpleRNN / LSTM / GRU predictors in f64 and export rnn-core weights.

pub mod fit;
pub mod loss;
pub mod nn;
pub mod optim;
