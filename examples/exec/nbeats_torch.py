"""A small N-BEATS-style network (Oreshkin et al. 2020, ICLR; one of the deep
baselines of Gilpin 2023, NeurIPS Datasets and Benchmarks) in PyTorch, for
the exec stage's benchmark slots: CPU only, seeded, a few seconds per system.

    python3 nbeats_torch.py fit       # in: train (npy)            out: model
    python3 nbeats_torch.py forecast  # in: model, test, history   out: forecast

Per system: a window of the last `lookback` standardised states goes through
`blocks` fully connected blocks; each block removes its backcast from the
window it passes on and adds its forecast of the next increment. Trained
full-batch with Adam on one-step increments, rolled out autoregressively.
config: lookback (4), hidden (32), blocks (2), epochs (150), lr (5e-3),
points (fit on the last 600 points), label (nbeats_torch).
"""
import sys
import zlib

import numpy as np
import torch

import runnerio

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_dtype(torch.float64)


class Block(torch.nn.Module):
    def __init__(self, n_in, d, hidden):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU())
        self.backcast = torch.nn.Linear(hidden, n_in)
        self.forecast = torch.nn.Linear(hidden, d)

    def forward(self, x):
        h = self.body(x)
        return self.backcast(h), self.forecast(h)


class NBeats(torch.nn.Module):
    def __init__(self, lookback, d, hidden, blocks):
        super().__init__()
        self.blocks = torch.nn.ModuleList([Block(lookback * d, d, hidden) for _ in range(blocks)])

    def forward(self, x):
        out = 0
        for b in self.blocks:
            back, f = b(x)
            x = x - back
            out = out + f
        return out


def hyper(cfg):
    return (int(cfg.get("lookback", 4)), int(cfg.get("hidden", 32)), int(cfg.get("blocks", 2)))


def fit(run, cfg):
    lookback, hidden, blocks = hyper(cfg)
    epochs, lr = int(cfg.get("epochs", 150)), float(cfg.get("lr", 5e-3))
    points = int(cfg.get("points", 600))
    cols, meta = runnerio.read_table(run["inputs"]["train"])
    out = {"system": [], "tensor": [], "index": [], "value": []}

    def put(system, name, values):
        for i, v in enumerate(np.asarray(values, dtype=np.float64).reshape(-1)):
            out["system"].append(system)
            out["tensor"].append(name)
            out["index"].append(i)
            out["value"].append(v)

    for (system, traj), (_, _, x) in runnerio.series(cols, meta).items():
        if traj != 0:
            continue
        # Seeded from the stage's seed and the system, never from the order.
        torch.manual_seed((run["seed"] + zlib.crc32(system.encode())) % 2**31)
        x = x[-points:]  # the most recent points: the fit ends where the forecast starts
        mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-12
        z = torch.tensor((x - mu) / sd)
        d = z.shape[1]
        X = torch.stack([z[t - lookback:t].reshape(-1) for t in range(lookback, len(z))])
        Y = z[lookback:] - z[lookback - 1:-1]
        net = NBeats(lookback, d, hidden, blocks)
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        for epoch in range(epochs):
            opt.zero_grad()
            loss = torch.mean((net(X) - Y) ** 2)
            loss.backward()
            opt.step()
        print("%s: final training loss %.3e" % (system, loss.item()), file=sys.stderr)
        put(system, "mean", mu)
        put(system, "std", sd)
        for name, p in net.state_dict().items():
            put(system, name, p.detach().numpy())
    md = {"family": "nbeats_torch", "lookback": str(lookback), "hidden": str(hidden), "blocks": str(blocks)}
    runnerio.write_table(run["outputs"]["model"], out, md)


def load(mcols, mmeta, system, d):
    lookback, hidden, blocks = int(mmeta["lookback"]), int(mmeta["hidden"]), int(mmeta["blocks"])
    sel = mcols["system"] == system
    names, idx, vals = mcols["tensor"][sel], mcols["index"][sel].astype(int), mcols["value"][sel]
    tensors = {}
    for name in dict.fromkeys(names):
        s = names == name
        v = np.zeros(idx[s].max() + 1)
        v[idx[s]] = vals[s]
        tensors[name] = v
    net = NBeats(lookback, d, hidden, blocks)
    state = {k: torch.tensor(tensors[k]).reshape(p.shape) for k, p in net.state_dict().items()}
    net.load_state_dict(state)
    return net, tensors["mean"], tensors["std"], lookback


def forecast(run, cfg):
    mcols, mmeta = runnerio.read_table(run["inputs"]["model"])
    tcols, tmeta = runnerio.read_table(run["inputs"]["test"])
    test = runnerio.series(tcols, tmeta)
    hist = {}
    if run["inputs"].get("history", {}).get("present"):
        hist = runnerio.series(*runnerio.read_table(run["inputs"]["history"]))
    jobs = []
    for (system, traj), (steps, times, x) in test.items():
        net, mu, sd, lookback = load(mcols, mmeta, system, x.shape[1])
        window, start = runnerio.context(hist.get((system, traj)), (steps, times, x), lookback)
        z = torch.tensor((window - mu) / sd)
        n = min(int(cfg.get("horizon", len(steps) - start)), len(steps) - start)
        pred = np.full((n, x.shape[1]), np.nan)
        with torch.no_grad():
            for t in range(n):
                nxt = z[-1] + net(z.reshape(1, -1))[0]
                if not torch.all(torch.isfinite(nxt)):
                    break
                z = torch.cat([z[1:], nxt.reshape(1, -1)])
                pred[t] = nxt.numpy() * sd + mu
        jobs.append((system, traj, steps[start:start + n], times[start:start + n], pred))
    runnerio.write_forecast(run["outputs"]["forecast"], cfg.get("label", "nbeats_torch"), "nbeats_torch", jobs, tmeta)


if __name__ == "__main__":
    {"fit": fit, "forecast": forecast}[sys.argv[1]](runnerio.run(), runnerio.params())
