#!/usr/bin/env python3
"""Markdown table of per-step latency from a criterion run of the `step` and
`peak` benches (reads target/criterion/*/new/estimates.json, median).

    cargo bench -p benches --bench peak --bench step -- --warm-up-time 1 --measurement-time 3
    python3 benches/table.py

Limit = max(multiply-adds / measured peak FMA rate, weight bytes / measured
read bandwidth of L1 (weights that fit this machine's L1d, read from
/sys/devices/system/cpu/cpu0/cache) or L2), both measured by `peak` with
the kernel's ISA in the same run. The ISA of the limit and ratio columns is
the widest one the run measured (AVX-512 if present, else AVX2).
Ratios to RTNeural come from peer-bench (../shared/peer-bench), not here.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def l1d_bytes():
    """This machine's L1 data cache per core (Linux sysfs), else 32 KiB."""
    caches = pathlib.Path("/sys/devices/system/cpu/cpu0/cache")
    for index in sorted(caches.glob("index*")):
        try:
            if (index / "level").read_text().strip() == "1" and \
                    (index / "type").read_text().strip() in ("Data", "Unified"):
                size = (index / "size").read_text().strip()
                return int(size.rstrip("K")) * 1024 if size.endswith("K") else int(size)
        except OSError:
            continue
    return 32 * 1024


L1_BYTES = l1d_bytes()
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
BIASES = {"simple_rnn": 1, "lstm": 4, "gru": 6}


def median(*parts):
    f = ROOT.joinpath(*parts, "new", "estimates.json")
    if not f.exists():
        return None
    return json.loads(f.read_text())["median"]["point_estimate"]


def peak(isa):
    macs = {"avx2": 1024 * 96, "avx512": 1024 * 256}[isa]
    fma = median("peak", f"fma_{isa}", str(macs))
    l1 = median("peak", f"read_{isa}", "32")
    l2 = median("peak", f"read_{isa}", "256")
    if None in (fma, l1, l2):
        return None
    return macs / fma, 32 * 1024 / l1, 256 * 1024 / l2


def fmt(ns):
    return "–" if ns is None else (f"{ns:.0f}" if ns >= 10 else f"{ns:.1f}")


def main():
    peaks = {isa: peak(isa) for isa in ("avx2", "avx512")}
    for isa, p in peaks.items():
        if p:
            print(f"<!-- {isa}: {p[0]:.1f} MAC/ns, L1 {p[1]:.0f} B/ns, L2 {p[2]:.0f} B/ns; "
                  f"L1d {L1_BYTES // 1024} KiB -->")
    best = "avx512" if peaks["avx512"] else "avx2"
    name = {"avx2": "AVX2", "avx512": "AVX-512"}[best]
    print(f"| layer + Dense 1 | I | H | scalar | nalgebra | AVX2 | AVX-512 | limit ({name}) | {name} / limit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in ("lstm", "gru", "simple_rnn"):
        for i in (1, 8):
            for h in (8, 16, 32, 64, 128):
                group = f"{kind}_i{i}"
                t = {imp: median(group, imp, str(h))
                     for imp in ("scalar", "nalgebra", "avx2", "avx512")}
                g = GATES[kind]
                macs = g * h * (i + h) + h
                weights = 4 * (g * h * (i + h) + BIASES[kind] * h + h + 1)
                p = peaks[best]
                limit = None
                if p:
                    bw = p[1] if weights <= L1_BYTES else p[2]
                    limit = max(macs / p[0], weights / bw)
                ratio = (t[best] / limit) if (limit and t[best]) else None
                print(f"| {kind} | {i} | {h} | {fmt(t['scalar'])} | {fmt(t['nalgebra'])} "
                      f"| {fmt(t['avx2'])} | {fmt(t['avx512'])} | {fmt(limit)} "
                      f"| {'' if ratio is None else f'{ratio:.1f}'} |")


main()
