// A linear autoregression in plain Node (no packages), for the exec stage's
// benchmark slots, reading and writing csv tables.
//
//   node linear_ar.js fit       // in: train (csv)            out: model
//   node linear_ar.js forecast  // in: model, test, history   out: forecast
//
// Per system: x[t] = c + sum_{l=1..lags} A_l x[t-l], fitted by ridge least
// squares (normal equations, Gaussian elimination). config: lags (default
// 4), ridge (1e-8), label (linear_ar_node).
'use strict';
const fs = require('fs');

const run = JSON.parse(fs.readFileSync(process.env.RUNNER_CONFIG, 'utf8'));
const cfg = JSON.parse(fs.readFileSync(process.env.RUNNER_PARAMS, 'utf8'));

// readCSV parses the runner's csv (RFC 4180 quoting) into {name: [strings]}
// and returns the sidecar's metadata beside it.
function readCSV(ref) {
  const text = fs.readFileSync(ref.path, 'utf8');
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const header = rows.shift();
  const cols = {};
  header.forEach((h, j) => { cols[h] = rows.map(r => r[j]); });
  let meta = {};
  if (ref.sidecar && fs.existsSync(ref.sidecar)) meta = JSON.parse(fs.readFileSync(ref.sidecar, 'utf8')).metadata || {};
  return { cols, meta, n: rows.length };
}

function writeCSV(ref, cols, meta) {
  const names = Object.keys(cols);
  const q = s => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  const num = v => (typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : String(v)) : q(String(v)));
  const lines = [names.map(q).join(',')];
  const n = names.length ? cols[names[0]].length : 0;
  for (let i = 0; i < n; i++) lines.push(names.map(k => num(cols[k][i])).join(','));
  fs.writeFileSync(ref.path, lines.join('\n') + '\n');
  fs.writeFileSync(ref.sidecar, JSON.stringify({ columns: names, metadata: meta }));
}

// series groups a trajectory table by (system, trajectory), sorted by step,
// with the state cut to the columns that hold a number.
function series(t) {
  const xs = Object.keys(t.cols).filter(k => /^x\d+$/.test(k)).sort((a, b) => a.slice(1) - b.slice(1));
  const groups = new Map();
  for (let i = 0; i < t.n; i++) {
    const key = t.cols.system[i] + '\u0000' + t.cols.trajectory[i];
    if (!groups.has(key)) groups.set(key, { system: t.cols.system[i], trajectory: Number(t.cols.trajectory[i]), rows: [] });
    groups.get(key).rows.push({ step: Number(t.cols.step[i]), time: Number(t.cols.time[i]), x: xs.map(k => Number(t.cols[k][i])) });
  }
  for (const g of groups.values()) {
    g.rows.sort((a, b) => a.step - b.step);
    let d = 0;
    for (const r of g.rows) r.x.forEach((v, j) => { if (!Number.isNaN(v)) d = Math.max(d, j + 1); });
    for (const r of g.rows) r.x = r.x.slice(0, Math.max(d, 1));
  }
  return groups;
}

function solve(A, B) { // A: n×n, B: n×m, Gaussian elimination with partial pivoting
  const n = A.length, m = B[0].length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]]; [B[c], B[p]] = [B[p], B[c]];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
      for (let k = 0; k < m; k++) B[r][k] -= f * B[c][k];
    }
  }
  const X = Array.from({ length: n }, () => new Array(m).fill(0));
  for (let r = n - 1; r >= 0; r--) for (let k = 0; k < m; k++) {
    let s = B[r][k];
    for (let c = r + 1; c < n; c++) s -= A[r][c] * X[c][k];
    X[r][k] = s / A[r][r];
  }
  return X;
}

const feats = (win) => [1].concat(...win.slice().reverse()); // newest state first

function fit() {
  const lags = cfg.lags || 4, ridge = cfg.ridge || 1e-8;
  const model = { system: [], out: [], feature: [], weight: [] };
  for (const g of series(readCSV(run.inputs.train)).values()) {
    if (g.trajectory !== 0) continue;
    const X = g.rows.map(r => r.x), d = X[0].length, p = 1 + lags * d;
    const A = Array.from({ length: p }, () => new Array(p).fill(0));
    const B = Array.from({ length: p }, () => new Array(d).fill(0));
    for (let t = lags; t < X.length; t++) {
      const f = feats(X.slice(t - lags, t));
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) A[i][j] += f[i] * f[j];
        for (let k = 0; k < d; k++) B[i][k] += f[i] * X[t][k];
      }
    }
    for (let i = 0; i < p; i++) A[i][i] += ridge;
    const W = solve(A, B);
    W.forEach((row, i) => row.forEach((w, k) => {
      model.system.push(g.system); model.out.push(k); model.feature.push(i); model.weight.push(w);
    }));
  }
  writeCSV(run.outputs.model, model, { family: 'linear_ar_node', lags: String(lags) });
}

function forecast() {
  const m = readCSV(run.inputs.model), lags = Number(m.meta.lags);
  const W = {};
  for (let i = 0; i < m.n; i++) {
    const s = m.cols.system[i], f = Number(m.cols.feature[i]), k = Number(m.cols.out[i]);
    ((W[s] = W[s] || [])[f] = W[s][f] || [])[k] = Number(m.cols.weight[i]);
  }
  const test = readCSV(run.inputs.test);
  const hist = run.inputs.history && run.inputs.history.present ? series(readCSV(run.inputs.history)) : new Map();
  const label = cfg.label || 'linear_ar_node';
  const jobs = [];
  let width = 1;
  for (const [key, g] of series(test)) {
    const h = hist.get(key), first = g.rows[0].step;
    let win, start = 0;
    const before = h ? h.rows.filter(r => r.step < first) : [];
    if (before.length >= lags && before[before.length - 1].step === first - 1) win = before.slice(-lags).map(r => r.x);
    else { win = g.rows.slice(0, lags).map(r => r.x); start = lags; }
    const d = g.rows[0].x.length, Ws = W[g.system], out = [];
    let fail = -1;
    for (let t = start; t < g.rows.length; t++) {
      const f = feats(win);
      const x = Array.from({ length: d }, (_, k) => f.reduce((s, v, i) => s + v * Ws[i][k], 0));
      if (fail < 0 && x.some(v => !Number.isFinite(v) || Math.abs(v) > 1e8)) fail = out.length;
      out.push({ step: g.rows[t].step, time: g.rows[t].time, x: fail >= 0 ? x.map(() => NaN) : x });
      win = win.slice(1).concat([x]);
    }
    width = Math.max(width, d);
    jobs.push({ g, out, fail });
  }
  const cols = { system: [], trajectory: [], step: [], time: [] };
  for (let k = 0; k < width; k++) cols['x' + k] = [];
  cols.diverged = []; cols.failure_step = [];
  const systems = {}, failures = [];
  const meta = {};
  try { for (const e of JSON.parse(test.meta.systems || '[]')) meta[e.system] = e; } catch (e) { /* no metadata */ }
  for (const { g, out, fail } of jobs) {
    const failStep = fail >= 0 ? out[fail].step : -1;
    if (fail >= 0) failures.push({ system: g.system, trajectory: g.trajectory, step: failStep, reason: 'non-finite or exploding forecast' });
    out.forEach((r, i) => {
      cols.system.push(g.system); cols.trajectory.push(g.trajectory); cols.step.push(r.step); cols.time.push(r.time);
      for (let k = 0; k < width; k++) cols['x' + k].push(k < r.x.length ? r.x[k] : NaN);
      cols.diverged.push(fail >= 0 && i >= fail); cols.failure_step.push(failStep);
    });
    const e = { system: g.system, family: 'linear_ar_node', label, dim: g.rows[0].x.length, horizon: out.length };
    for (const k of ['sample_dt', 'lyapunov_time']) if (meta[g.system] && meta[g.system][k] != null) e[k] = meta[g.system][k];
    systems[g.system] = e;
  }
  writeCSV(run.outputs.forecast, cols, { 'runner.kind': 'forecast', family: 'linear_ar_node', systems: Object.values(systems), failures });
}

({ fit, forecast })[process.argv[2]]();
