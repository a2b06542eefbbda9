//! Absolute tolerance of each golden case: 4x the largest error measured on
//! any path (scalar, AVX2 and NEON kernels; fast and libm activations), at
//! least 2.5e-7, rounded up to two digits; written by
//! `scripts/golden-tolerances.py` (its docstring gives the commands).
//! The measured error is the comment.

pub const TOLERANCES: &[(&str, f32)] = &[
    ("bidirectional_lstm4_concat_f3_t10_b2", 1.5e-06), // 3.58e-07
    ("classifier_lstm8_dense4softmax_f6_t100_b3", 2.5e-07), // 2.98e-08
    ("dense_sigmoid_binary_lstm4_f2_t30_b3", 2.5e-07), // 2.98e-08
    ("irnn_relu_identity_u16_f1_t100_b2", 2.5e-07),    // 0
    ("mixed_gru16_lstm8_dense3_f1_t50_b2", 3.9e-07),   // 9.69e-08
    ("gru_ra0_u1_f1_t1_b3", 2.5e-07),                  // 4.47e-08
    ("gru_ra0_u8_f3_t10_b2", 4.8e-07),                 // 1.19e-07
    ("gru_ra1_initstate_u4_f3_t10_b2", 4.8e-07),       // 1.19e-07
    ("gru_ra1_saturated_u8_f1_t10_b2", 1.5e-06),       // 3.58e-07
    ("gru_ra1_u16_f1_t200_b3", 7.2e-07),               // 1.79e-07
    ("gru_ra1_u4_f3_t10_b2", 4.8e-07),                 // 1.19e-07
    ("lecture_simplernn50_dense1", 1.4e-06),           // 3.28e-07
    ("lecture_simplernn50_dense1_trained", 1.5e-06),   // 3.58e-07
    ("lstm16_dense1_t30_f1_b2", 2.5e-07),              // 4.47e-08
    ("lstm_gobackwards_seq_u4_f3_t10_b2", 7.2e-07),    // 1.79e-07
    ("lstm_initstate_u8_f3_t10_b2", 4.8e-07),          // 1.19e-07
    ("lstm_nobias_u8_f3_t10_b2", 2.9e-07),             // 7.24e-08
    ("lstm_saturated_u4_f3_t10_b3", 2.1e-06),          // 5.07e-07
    ("lstm_seq_state_u16_f3_t10_b2", 9.6e-07),         // 2.38e-07
    ("lstm_u1_f1_t10_b3", 6.0e-07),                    // 1.49e-07
    ("lstm_u33_f3_t200_b2", 2.0e-06),                  // 4.77e-07
    ("lstm_u4_f3_t10_b2", 4.8e-07),                    // 1.19e-07
    ("onnx_gru_lbr0_h4_i3_t10_b2", 4.8e-07),           // 1.19e-07
    (
        "onnx_gru_lbr1_from_keras_gru_ra1_initstate_u4_f3_t10_b2",
        4.8e-07,
    ), // 1.19e-07
    ("onnx_gru_lbr1_h8_i1_t10_b3", 4.8e-07),           // 1.19e-07
    ("onnx_lstm_from_keras_lstm_initstate_u8_f3_t10_b2", 4.8e-07), // 1.19e-07
    ("onnx_lstm_h16_i1_t200_b2", 4.2e-07),             // 1.04e-07
    ("onnx_lstm_h4_i3_t10_b2", 3.6e-07),               // 8.94e-08
    ("onnx_rnn_relu_h4_i1_t10_b2", 9.6e-07),           // 2.38e-07
    ("onnx_rnn_tanh_h8_i3_t10_b2", 1.1e-06),           // 2.68e-07
    ("seq2seq_gru8_timedistributed_dense2_f3_t20_b2", 7.2e-07), // 1.79e-07
    ("simplernn_relu_u8_f3_t10_b3", 1.5e-06),          // 3.58e-07
    ("simplernn_tanh_saturated_u8_f3_t10_b2", 2.9e-06), // 7.15e-07
    ("simplernn_tanh_u1_f1_t1_b2", 2.5e-07),           // 2.98e-08
    ("simplernn_tanh_u33_f3_t200_b3", 2.7e-06),        // 6.56e-07
    ("simplernn_tanh_u4_f3_t10_b2", 1.1e-06),          // 2.53e-07
    ("sine_simplernn10_dense1_trained", 1.7e-06),      // 4.02e-07
    ("stacked_lstm16_gru8_dense3_f3_t10_b2", 4.8e-07), // 1.19e-07
    ("streaming_lstm_u8_f3_t120_b2", 9.6e-07),         // 2.38e-07
];
