#!/usr/bin/env python3
"""Sets rnn-core/tests/kernels/common/tolerances.rs from measured golden errors.

Usage: cargo test -p rnn-core --features std --test kernels golden_ -- --nocapture > a.log
       (once per path: also --features std,exact-activations, and on aarch64)
       python3 scripts/golden-tolerances.py a.log b.log ...

Each case's tolerance is 4x the largest error any log shows for it, and at
least 2.5e-7 (a few ulp of values near 1), rounded up to two significant
digits; the tests refuse any above 1e-5.
"""
import math
import re
import sys

worst = {}
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        m = re.match(r"golden-error (\S+) (\S+) .* (\S+)$", line.strip())
        if m:
            case, err = m.group(1), float(m.group(3))
            worst[case] = max(worst.get(case, 0.0), err)


def round_up(x):
    e = math.floor(math.log10(x)) - 1
    return math.ceil(x / 10**e) * 10**e


out = [
    "//! Absolute tolerance of each golden case: 4x the largest error measured on",
    "//! any path (scalar, AVX2 and NEON kernels; fast and libm activations), at",
    "//! least 2.5e-7, rounded up to two digits; written by",
    "//! `scripts/golden-tolerances.py` (its docstring gives the commands).",
    "//! The measured error is the comment.",
    "",
    "pub const TOLERANCES: &[(&str, f32)] = &[",
]
for case in sorted(worst):
    tol = round_up(max(4 * worst[case], 2.5e-7))
    out.append(f'    ("{case}", {tol:.1e}), // {worst[case]:.2e}')
out.append("];")
open("rnn-core/tests/kernels/common/tolerances.rs", "w").write("\n".join(out) + "\n")
print(f"{len(worst)} cases")
