#!/usr/bin/env python3
"""Training time of rnn-train against Keras 3 (JAX backend, CPU), one
interleaved run on the machine at hand.

    pip install "keras>=3" "jax[cpu]"
    cargo build --release -p rnn-train
    python3 benches/keras_train.py [--rounds 3] [--only lstm16|lstm64x2]

Both sides train the same model on the same windows with the same settings
(rnn-train's `train` defaults): the bundled sea-temperature series, window
24, horizon 1, min-max scaling fitted on the training rows, the last 10 %
of the windows as test split and the 10 % before it as validation, batch
32, Adam (learning rate 0.002, beta 0.9 / 0.999, epsilon 1e-7), global
gradient clipping at norm 1.0, shuffled batches, validation loss after
every epoch, a fixed number of epochs (no early stopping), on every core
(rnn-train `--threads` default; XLA's CPU thread pool). Keras trains in
float32, rnn-train in its default precision (`train --precision`, where
it exists).

Each measurement is a fresh process: "process" is the whole command's wall
time (start-up, data loading, model building and, for Keras, JAX's
compilation included); "per epoch" is the median epoch time, without the
first epoch for Keras (it holds the compilation): Keras's from a callback,
rnn-train's from the `seconds` column of its history.csv (rnn-train
compiles nothing at run time). The rounds alternate between the two, so both see the same machine
load; the table gives the medians and the ratios rnn-train / Keras.
"""

import argparse
import csv
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "sea_surface_temperature_hourly.csv")
RNN_TRAIN = os.path.join(ROOT, "target", "release", "rnn-train")

# name -> (units of the stacked LSTMs, epochs)
CONFIGS = {
    "lstm16": ([16], 20),
    "lstm64x2": ([64, 64], 4),
}
WINDOW, BATCH, LR, CLIP = 24, 32, 0.002, 1.0


def windows():
    """The split of rnn-train's defaults, as float32 arrays."""
    import numpy as np

    with open(DATA, newline="") as f:
        series = np.array([float(r["temperature_c"]) for r in csv.DictReader(f)])
    n = len(series) - WINDOW
    test = int(n * 0.1)
    val = math.ceil((n - test) * 0.1)
    train = n - test - val
    # Min-max on the rows the training windows and targets use.
    fit_rows = series[: train + WINDOW]
    lo, hi = fit_rows.min(), fit_rows.max()
    s = ((series - lo) / (hi - lo)).astype(np.float32)
    x = np.stack([s[i : i + WINDOW] for i in range(n)])[..., None]
    y = s[WINDOW : WINDOW + n, None]
    return (x[:train], y[:train]), (x[train : train + val], y[train : train + val])


def keras_worker(units, epochs):
    """Trains in this process and prints the per-epoch times."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    (xt, yt), (xv, yv) = windows()
    keras.utils.set_random_seed(0)
    layers = [keras.Input((WINDOW, 1))]
    for k, u in enumerate(units):
        layers.append(keras.layers.LSTM(u, return_sequences=k + 1 < len(units)))
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LR, epsilon=1e-7, global_clipnorm=CLIP),
        loss="mse",
    )

    class Times(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch-seconds {time.perf_counter() - self.t:.6f}", flush=True)

    model.fit(
        xt, yt, batch_size=BATCH, epochs=epochs, shuffle=True,
        validation_data=(xv, yv), callbacks=[Times()], verbose=0,
    )


def run(cmd, env=None):
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return wall, out.stdout + out.stderr


def run_ours(units, epochs, out_dir):
    cmd = [
        RNN_TRAIN, "train", DATA, "--units", ",".join(map(str, units)),
        "--epochs", str(epochs), "--patience", "0", "--no-plots", "-o", out_dir,
    ]
    wall, text = run(cmd)
    with open(os.path.join(out_dir, "history.csv"), newline="") as f:
        times = [float(r["seconds"]) for r in csv.DictReader(f)]
    if len(times) != epochs:
        sys.exit(f"unexpected rnn-train history:\n{text}")
    return wall, statistics.median(times)


def run_keras(units, epochs):
    env = dict(os.environ, KERAS_BACKEND="jax")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", ",".join(map(str, units)), str(epochs)]
    wall, text = run(cmd, env)
    times = [float(v) for v in re.findall(r"epoch-seconds ([0-9.]+)", text)]
    if len(times) != epochs:
        sys.exit(f"unexpected Keras output:\n{text}")
    return wall, statistics.median(times[1:])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        keras_worker([int(u) for u in sys.argv[2].split(",")], int(sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", choices=sorted(CONFIGS))
    args = p.parse_args()
    if not os.path.exists(RNN_TRAIN):
        sys.exit("build first: cargo build --release -p rnn-train")
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import jax  # noqa: F401
        import keras  # noqa: F401
    except ImportError:
        sys.exit('needs Keras 3 and JAX: pip install "keras>=3" "jax[cpu]"')
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} logical CPUs")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (units, epochs) in CONFIGS.items():
            if args.only and name != args.only:
                continue
            r = {"ours": [], "keras": []}
            for i in range(args.rounds):
                r["ours"].append(run_ours(units, epochs, os.path.join(tmp, name)))
                r["keras"].append(run_keras(units, epochs))
                print(f"{name} round {i + 1}: rnn-train {r['ours'][-1]}, keras {r['keras'][-1]}", flush=True)
            med = {k: [statistics.median(v[j] for v in r[k]) for j in (0, 1)] for k in r}
            rows.append((name, epochs, med))
    print()
    print("| model | epochs | rnn-train process s | Keras process s | ratio | rnn-train s/epoch | Keras s/epoch | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, epochs, m in rows:
        (ow, oe), (kw, ke) = m["ours"], m["keras"]
        print(f"| {name} | {epochs} | {ow:.2f} | {kw:.2f} | {ow / kw:.2f} | {oe:.3f} | {ke:.3f} | {oe / ke:.2f} |")


if __name__ == "__main__":
    main()
