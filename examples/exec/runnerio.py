"""Plain-numpy reader and writer of the exec stage's npy tables.

An exec stage with `format: npy` writes each input table as one 2-D float64
array (rows x columns, numpy.load reads it) plus a JSON sidecar: `columns`
(names in array order), `types` (Arrow types), `dictionaries` (strings of
each utf8 column: its float values are indexes into the list) and
`metadata` (the table's schema metadata). This module turns that into a
dict of columns and back, and holds what the two Python example models
share: the runner's run description, the series of a trajectory table and
the forecast table every benchmark forecast must write.
"""
import json
import math
import os

import numpy as np


def run():
    """The run description, runner.json: ports, seed, stage id."""
    with open(os.environ["RUNNER_CONFIG"]) as f:
        return json.load(f)


def params():
    """The stage's `config` param (params.json)."""
    with open(os.environ["RUNNER_PARAMS"]) as f:
        return json.load(f)


def read_table(ref):
    """Read the npy table of a port of runner.json: (columns, metadata).

    columns maps each name to a numpy array (utf8 columns to an object array
    of str); metadata maps each key to its string value.
    """
    a = np.load(ref["path"], allow_pickle=False)
    with open(ref["sidecar"]) as f:
        side = json.load(f)
    cols = {}
    for j, name in enumerate(side["columns"]):
        v = a[:, j]
        if name in side.get("dictionaries", {}):
            d = side["dictionaries"][name]
            cols[name] = np.array([d[int(c)] for c in v], dtype=object)
        else:
            cols[name] = v
    return cols, side.get("metadata", {})


def write_table(ref, cols, metadata=None):
    """Write columns (name -> sequence, in order) as the npy table of ref.

    str columns are coded through a dictionary; bools become 0/1.
    """
    names = list(cols)
    n = len(cols[names[0]]) if names else 0
    a = np.empty((n, len(names)), dtype=np.float64)
    dictionaries = {}
    for j, name in enumerate(names):
        v = cols[name]
        if len(v) and isinstance(v[0], str):
            codes, d = {}, []
            for i, s in enumerate(v):
                if s not in codes:
                    codes[s] = len(d)
                    d.append(s)
                a[i, j] = codes[s]
            dictionaries[name] = d
        else:
            a[:, j] = np.asarray(v, dtype=np.float64)
    np.save(ref["path"], a)
    side = {"columns": names, "dictionaries": dictionaries, "metadata": metadata or {}}
    with open(ref["sidecar"], "w") as f:
        json.dump(side, f)


def systems_meta(metadata):
    """The `systems` metadata entries by system name."""
    try:
        return {e["system"]: e for e in json.loads(metadata.get("systems", "[]"))}
    except (ValueError, KeyError, TypeError):
        return {}


def series(cols, metadata):
    """Group a trajectory table into {(system, trajectory): (steps, times, X)},
    X cut to the system's dimension (its non-NaN state columns), by step."""
    dims = {k: e.get("dim", 0) for k, e in systems_meta(metadata).items()}
    xs = [c for c in cols if c.startswith("x") and c[1:].isdigit()]
    xs.sort(key=lambda c: int(c[1:]))
    X = np.stack([cols[c] for c in xs], axis=1) if xs else np.zeros((len(cols["step"]), 0))
    out = {}
    keys = list(zip(cols["system"], cols["trajectory"].astype(np.int64)))
    for key in dict.fromkeys(keys):
        rows = np.array([i for i, k in enumerate(keys) if k == key])
        order = np.argsort(cols["step"][rows], kind="stable")
        rows = rows[order]
        x = X[rows]
        d = dims.get(key[0]) or int(np.max(np.nonzero(~np.all(np.isnan(x), axis=0))[0], initial=-1) + 1)
        out[key] = (cols["step"][rows].astype(np.int64), cols["time"][rows], x[:, : max(d, 1)])
    return out


def context(hist, test, need):
    """The last `need` points before a test series, from its history (same
    system and trajectory, steps just before the test's), else the first test
    points; returns (window, first forecast index into the test series)."""
    steps, _, x = test
    if hist is not None:
        hs, _, hx = hist
        before = hs < steps[0]
        hs, hx = hs[before], hx[before]
        if len(hs) >= need and hs[-1] == steps[0] - 1:
            return hx[len(hx) - need:], 0
    return x[:need], need


def write_forecast(ref, label, family, jobs, test_meta, horizon_of=None):
    """Write the benchmark's forecast table.

    jobs: list of (system, trajectory, steps, times, prediction) where
    prediction is a (len(steps), d) array; rows from the first non-finite or
    exploding value on are NaN, flagged diverged, and failure_step says where.
    """
    width = max([p.shape[1] for *_, p in jobs] + [1])
    cols = {"system": [], "trajectory": [], "step": [], "time": []}
    for k in range(width):
        cols["x%d" % k] = []
    cols["diverged"], cols["failure_step"] = [], []
    meta_in = systems_meta(test_meta)
    entries, failures = {}, []
    for system, traj, steps, times, pred in jobs:
        pred = np.array(pred, dtype=np.float64)
        bad = ~np.all(np.isfinite(pred), axis=1) | (np.max(np.abs(np.nan_to_num(pred)), axis=1, initial=0) > 1e8)
        fail = int(np.argmax(bad)) if bad.any() else -1
        if fail >= 0:
            pred[fail:] = np.nan
            failures.append({"system": system, "trajectory": int(traj), "step": int(steps[fail]), "reason": "non-finite or exploding forecast"})
        for i in range(len(steps)):
            cols["system"].append(system)
            cols["trajectory"].append(traj)
            cols["step"].append(steps[i])
            cols["time"].append(times[i])
            for k in range(width):
                cols["x%d" % k].append(pred[i, k] if k < pred.shape[1] else math.nan)
            cols["diverged"].append(1.0 if 0 <= fail <= i else 0.0)
            cols["failure_step"].append(steps[fail] if fail >= 0 else -1)
        e = {"system": system, "family": family, "label": label, "dim": int(pred.shape[1]), "horizon": len(steps)}
        for key in ("sample_dt", "lyapunov_time"):
            if meta_in.get(system, {}).get(key) is not None:
                e[key] = meta_in[system][key]
        entries[system] = e
    meta = {"runner.kind": "forecast", "family": family, "systems": list(entries.values()), "failures": failures}
    write_table(ref, cols, meta)
