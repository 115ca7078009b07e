"""Regenerate dysts_rhs.json: right-hand sides of the dysts reference code.

Evaluates the _rhs / rhs functions of dysts' flows.py and maps.py (read from
a local clone of github.com/williamgilpin/dysts, not copied here) at each
system's initial condition and at a perturbed point, with a minimal
pure-Python stand-in for the few numpy functions they use, so that numpy,
scipy and numba are not needed. Usage:

    python3 gen_dysts_rhs.py /path/to/dysts/dysts > dysts_rhs.json

The perturbed point is x_i + 0.01 (1 + |x_i|) (-1)^i, as in systems_test.go.
"""

import json
import math
import sys
import types


class Arr(list):
    """A 1-D or 2-D numeric array with elementwise arithmetic."""

    def _op(self, o, f):
        if isinstance(o, list):
            return Arr(f(a, b) for a, b in zip(self, o))
        return Arr(f(a, o) for a in self)

    def _rop(self, o, f):
        return Arr(f(o, a) for a in self)

    __add__ = lambda s, o: s._op(o, lambda a, b: a + b)
    __radd__ = lambda s, o: s._rop(o, lambda a, b: a + b)
    __sub__ = lambda s, o: s._op(o, lambda a, b: a - b)
    __rsub__ = lambda s, o: s._rop(o, lambda a, b: a - b)
    __mul__ = lambda s, o: s._op(o, lambda a, b: a * b)
    __rmul__ = lambda s, o: s._rop(o, lambda a, b: a * b)
    __truediv__ = lambda s, o: s._op(o, lambda a, b: a / b)
    __rtruediv__ = lambda s, o: s._rop(o, lambda a, b: a / b)
    __pow__ = lambda s, o: s._op(o, lambda a, b: a**b)
    __neg__ = lambda s: Arr(-a for a in s)


def ufunc(f):
    def g(x, *rest):
        if isinstance(x, list):
            return Arr(g(v, *rest) for v in x)
        return f(x, *rest)

    return g


def heaviside(x, h0):
    return 1.0 if x > 0 else (h0 if x == 0 else 0.0)


def sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def matmul(a, b):
    return Arr(sum(r * v for r, v in zip(row, b)) for row in a)


np = types.ModuleType("numpy")
np.pi = math.pi
for name, f in [("sin", math.sin), ("cos", math.cos), ("tan", math.tan), ("exp", math.exp),
                ("sqrt", math.sqrt), ("tanh", math.tanh), ("cosh", math.cosh),
                ("sinh", math.sinh), ("abs", abs), ("log", math.log),
                ("arccos", math.acos), ("arctan", math.atan), ("sign", sign),
                ("heaviside", heaviside)]:
    setattr(np, name, ufunc(f))
np.arctan2 = math.atan2
np.dot = lambda a, b: sum(x * y for x, y in zip(a, b))
np.matmul = matmul
np.array = lambda a, *k, **kw: Arr(a) if isinstance(a, (list, tuple)) else a


class Scalar(float):
    shape = ()


np.asarray = lambda a, *k, **kw: Arr(a) if isinstance(a, (list, tuple)) else Scalar(a)
np.sum = lambda a, *k, **kw: sum(a)
np.arange = lambda *a: Arr(range(*a))
np.ndarray = list
np.zeros_like = lambda a: Arr(0.0 for _ in a)
np.float64 = float
sys.modules["numpy"] = np

scipy = types.ModuleType("scipy")
opt = types.ModuleType("scipy.optimize")


def fsolve(f, x0):
    x = x0
    for _ in range(200):
        fx = f(x)
        d = (f(x + 1e-7) - f(x - 1e-7)) / 2e-7
        x, prev = x - fx / d, x
        if abs(x - prev) < 1e-15:
            break
    return [x]


opt.fsolve = fsolve
scipy.optimize = opt
sys.modules["scipy"] = scipy
sys.modules["scipy.optimize"] = opt


class Stub:
    pass


base = types.ModuleType("dysts.base")
base.staticjit = staticmethod
base.DynSys = type("DynSys", (Stub,), {})
base.DynSysDelay = type("DynSysDelay", (Stub,), {})
base.DynMap = type("DynMap", (Stub,), {})
pkg = types.ModuleType("dysts")
pkg.__path__ = []
sys.modules["dysts"] = pkg
sys.modules["dysts.base"] = base


def load(src, modname):
    mod = types.ModuleType(modname)
    mod.__package__ = "dysts"
    exec(compile(open(src).read(), src, "exec"), mod.__dict__)
    return mod


def perturb(x):
    return [v + 0.01 * (1 + abs(v)) * (-1) ** i for i, v in enumerate(x)]


def tolist(v):
    if isinstance(v, (list, tuple)):
        return [float(a) for a in v]
    return [float(v)]


def main(root):
    flows = load(root + "/flows.py", "dysts.flows")
    maps = load(root + "/maps.py", "dysts.maps")
    out = {}
    for fname, mod, kind in [("chaotic_attractors.json", flows, "flow"),
                             ("discrete_maps.json", maps, "map")]:
        meta = json.load(open(root + "/data/" + fname))
        for name, e in meta.items():
            cls = getattr(mod, name, None)
            if cls is None:
                continue
            params = e["parameters"]
            plist = [Arr(params[k]) if isinstance(params[k], list) else params[k] for k in sorted(params)]
            obj = cls.__new__(cls)
            for k, v in params.items():
                setattr(obj, k, Arr(v) if isinstance(v, list) else v)
            key = ("DuffingMap" if kind == "map" and name == "Duffing" else name)
            rows = []
            ic = e["initial_conditions"]
            delay = e.get("delay", False)
            for x in ([ic, perturb(ic)] if not delay else [[ic[0]], [ic[0] + 0.1]]):
                try:
                    if kind == "map" and name == "BlinkingVortexMap":
                        # dysts flips b after every call; one catalog
                        # iterate is two dysts calls (+b, then -b).
                        obj.b = params["b"]
                        y = obj._rhs(*x, obj.a, obj.b, obj.gamma, obj.t)
                        f = obj._rhs(*y, obj.a, obj.b, obj.gamma, obj.t)
                    elif kind == "map":
                        f = obj._rhs(*x, *plist)
                    elif delay:
                        f = cls._rhs(x[0], x[0] - 0.05, 0.0, *plist)
                    elif "rhs" in cls.__dict__ or any("rhs" in b.__dict__ for b in cls.__mro__[1:-2]):
                        f = obj.rhs(Arr(x), 0.0)
                    else:
                        f = cls._rhs(*x, 0.0, *plist)
                    rows.append({"x": x, "f": tolist(f)})
                except Exception as err:  # noqa: BLE001
                    print(f"skip {name}: {err!r}", file=sys.stderr)
                    rows = []
                    break
            if rows:
                out[key] = rows
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
