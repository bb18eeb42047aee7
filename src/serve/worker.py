# worker.py: the worker of `cairn serve` for models that need Python
# (flavors sklearn and python_function). The cairn binary embeds this file
# (CMakeLists.txt turns it into a C array) and runs it as
#
#     PYTHON -c <this file> MODEL_DIR CONF
#
# with one end of a Unix socket pair as its stdin and stdout, and its
# stderr the server's. CONF is JSON: {"flavor": "sklearn" or
# "python_function", "flavors": {name: {setting: value}}}, the flavors of
# the MLmodel file as cairn read them. The protocol (line-delimited JSON,
# one request at a time) is in docs/internals/serve-worker.md:
#
#   worker -> cairn  {"ready": true, "flavor": ..., "columns": [...] | null,
#                     "n_features": N | null, "python": "3.11.2", "pid": N}
#                    or {"ready": false, "error": "..."} (then it exits 1)
#   cairn -> worker  {"id": N, "columns": [...] | null, "rows": [[...], ...],
#                     "params": {...}}           (null in rows: missing)
#   worker -> cairn  {"id": N, "predictions": [...]} or {"id": N, "error": "..."}
#
# Models load as MLflow's pyfunc loads them, without MLflow: sklearn's
# pickled_model through joblib (which also reads pickle and cloudpickle
# files) or pickle; python_function through its loader_module's
# _load_pyfunc(data path), with its `code` directory on sys.path, and the
# loader mlflow.sklearn mapped to the sklearn loader. Predictions call the
# model's predict (or sklearn's predict_fn), as MLflow's pyfunc does, on a
# pandas DataFrame when pandas is there, else a numpy array, else lists.
# The model's own prints go to stderr: stdout is the protocol's.
#
# A failed prediction logs its full traceback on stderr the first time
# its exception type (module and name) is seen, then one line per failure
# ("cairn worker: prediction failed: ValueError: ... (traceback above)").
# One bad client sending 60 bad requests gets one traceback, not 60, and
# a new kind of failure is still shown in full. This was chosen over a
# time-based limit, which would hide the first traceback of a new kind of
# error behind an old one's. The set of types seen is bounded (the types
# a model raises are few; past 1,000, every failure is one line). A
# restarted worker starts with an empty set.
import importlib
import inspect
import json
import math
import os
import sys
import traceback


def _pandas():
    # Debian's python3-pandas-lib without python3-pandas leaves a namespace
    # package "pandas" without DataFrame, which confuses other libraries.
    try:
        import pandas
        pandas.DataFrame
        return pandas
    except (ImportError, AttributeError):
        sys.modules["pandas"] = None
        return None


def _numpy():
    try:
        import numpy
        return numpy
    except ImportError:
        return None


PD = _pandas()
NP = _numpy()


def load_sklearn(model_dir, conf):
    path = os.path.join(model_dir, conf.get("pickled_model") or
                        conf.get("model_path") or "model.pkl")
    try:
        import joblib
        return joblib.load(path)
    except ImportError:
        import pickle
        with open(path, "rb") as f:
            return pickle.load(f)


def load(model_dir, conf):
    flavors = conf.get("flavors") or {}
    pyfunc = flavors.get("python_function") or {}
    if conf.get("flavor") == "sklearn":
        sk = flavors.get("sklearn") or {}
        return load_sklearn(model_dir, sk), sk.get("predict_fn") or \
            pyfunc.get("predict_fn") or "predict"
    loader = pyfunc.get("loader_module")
    if not loader:
        raise ValueError("the python_function flavor names no loader_module")
    if loader == "mlflow.sklearn":
        return load_sklearn(model_dir, pyfunc), \
            pyfunc.get("predict_fn") or "predict"
    if pyfunc.get("code"):
        sys.path.insert(0, os.path.join(model_dir, pyfunc["code"]))
    data = pyfunc.get("data")
    path = os.path.join(model_dir, data) if data else model_dir
    return importlib.import_module(loader)._load_pyfunc(path), "predict"


def features(model):
    names = getattr(model, "feature_names_in_", None)
    count = getattr(model, "n_features_in_", None)
    if names is not None:
        names = [str(n) for n in list(names)]
        count = len(names)
    return names, count if isinstance(count, int) else None


def model_input(rows, columns, frame):
    if NP is None:
        return [[math.nan if v is None else v for v in r] for r in rows]
    x = NP.array(rows, dtype=NP.float64).reshape(len(rows), -1)
    if frame and PD is not None and columns:
        return PD.DataFrame(x, columns=columns)
    return x


def jsonable(out):
    if PD is not None and isinstance(out, PD.DataFrame):
        return out.to_dict(orient="records")
    if hasattr(out, "tolist"):
        return out.tolist()
    if isinstance(out, dict):
        return {str(k): jsonable(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [jsonable(v) for v in out]
    return out


def finite(v):
    # JSON has no NaN or infinity: they travel as null.
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [finite(x) for x in v]
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    return v


def takes_params(fn):
    try:
        return "params" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def report(e, shown):
    kind = "%s.%s" % (type(e).__module__, type(e).__qualname__)
    if kind not in shown and len(shown) < 1000:
        shown.add(kind)
        traceback.print_exc()
    else:
        print("cairn worker: prediction failed: %s: %s%s" %
              (type(e).__name__, str(e).split("\n", 1)[0][:200],
               " (traceback above)" if kind in shown else ""),
              file=sys.stderr)
    sys.stderr.flush()


def main():
    model_dir, conf = sys.argv[1], json.loads(sys.argv[2])
    # The protocol's channel is fd 0 (and 1, the same socket); the model's
    # own reads and prints get /dev/null and stderr.
    chan_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    chan_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    if sys.path and sys.path[0] == "":
        del sys.path[0]

    def send(msg):
        try:
            line = json.dumps(msg, allow_nan=False)
        except ValueError:
            line = json.dumps(finite(msg), allow_nan=False)
        chan_out.write(line + "\n")
        chan_out.flush()

    try:
        model, predict_fn = load(model_dir, conf)
        predict = getattr(model, predict_fn)
        names, count = features(model)
    except Exception as e:
        traceback.print_exc()
        send({"ready": False, "error": "%s: %s" % (type(e).__name__, e)})
        sys.exit(1)
    send({"ready": True, "flavor": conf.get("flavor"), "columns": names,
          "n_features": count, "python": "%d.%d.%d" % sys.version_info[:3],
          "pid": os.getpid()})
    shown = set()
    params_ok = takes_params(predict)
    # scikit-learn warns about a DataFrame given to a model fitted on arrays.
    frame = names is not None or not hasattr(model, "n_features_in_")

    for line in chan_in:
        try:
            req = json.loads(line)
            rid = req["id"]
            rows, columns = req["rows"], req.get("columns")
        except (ValueError, KeyError, TypeError) as e:
            send({"id": None, "error": "bad request: %s" % e})
            continue
        try:
            x = model_input(rows, columns, frame)
            if params_ok and req.get("params") is not None:
                out = predict(x, params=req["params"])
            else:
                out = predict(x)
            send({"id": rid, "predictions": jsonable(out)})
        except Exception as e:
            report(e, shown)
            send({"id": rid, "error": "%s: %s" % (type(e).__name__, e)})


main()
