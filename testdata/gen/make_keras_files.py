"""Generates the Keras 3 `.keras` fixtures of `rnn-train import` and their
expected outputs (testdata/golden/keras_files/).

Run once from the repository root (the outputs are committed, so the tests
need no Python):

    python3 -m venv /tmp/kvenv
    /tmp/kvenv/bin/pip install keras==3.15.1 "jax[cpu]==0.10.2" h5py numpy
    KERAS_BACKEND=jax /tmp/kvenv/bin/python testdata/gen/make_keras_files.py

Every weight (kernels, recurrent kernels and biases) is drawn uniform(-0.6,
0.6) by a NumPy generator seeded by the case name, so the biases are not
Keras' zeros; inputs uniform(-1, 1). float32 throughout. Each case writes
`<name>.keras` (model.save) and `<name>.json` with the layer list, the input
(batch, timesteps, features) and Keras' `model(x)` output, as JSON numbers (the exact float32 values).
"""

import json
import os
import zlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "golden", "keras_files")


def cases():
    L = keras.layers
    yield "keras_gru8_gru6_dense4relu_dense2_f3_t12_b2", (12, 3), [
        L.GRU(8, return_sequences=True),
        L.GRU(6),
        L.Dense(4, activation="relu"),
        L.Dense(2),
    ]
    yield "keras_lstm16_nobias_dense1tanh_f1_t20_b3", (20, 1), [
        L.LSTM(16, use_bias=False),
        L.Dense(1, activation="tanh"),
    ]
    yield "keras_simplernn8relu_simplernn4relu_f2_t10_b2", (10, 2), [
        L.SimpleRNN(8, activation="relu", return_sequences=True),
        L.SimpleRNN(4, activation="relu"),
    ]
    yield "keras_gru5_ra0_dense3sigmoid_f2_t15_b2", (15, 2), [
        L.GRU(5, reset_after=False),
        L.Dense(3, activation="sigmoid"),
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (steps, features), layers in cases():
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        batch = int(name.rsplit("_b", 1)[1])
        model = keras.Sequential([keras.Input((steps, features))] + layers, name=name)
        model.set_weights([
            rng.uniform(-0.6, 0.6, w.shape).astype(np.float32) for w in model.get_weights()
        ])
        x = rng.uniform(-1, 1, (batch, steps, features)).astype(np.float32)
        y = np.asarray(model(x), np.float32)
        model.save(os.path.join(OUT, name + ".keras"))
        case = {
            "name": name,
            "framework": "keras " + keras.__version__,
            "backend": keras.backend.backend(),
            "model_file": name + ".keras",
            "layers": [l.__class__.__name__ for l in model.layers],
            "input_shape": list(x.shape),
            "input": x.tolist(),
            "expected": {"output": y.tolist(), "output_shape": list(y.shape)},
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            # float32 values widened to float64 print exactly: parse as f64,
            # cast to f32 to get Keras' bits back.
            json.dump(case, f, separators=(",", ":"))
        print(name, y.shape)


if __name__ == "__main__":
    main()
