# lib-serve.sh: real model directories for the tests of `cairn serve`,
# laid out as MLflow writes them (an MLmodel file naming the flavors and
# the signature, beside the model file) and trained in the test's set-up
# by Debian's Python ($SERVE_PYTHON, default /usr/bin/python3, which has
# python3-xgboost 1.7.4, scikit-learn and joblib). Source it after lib.sh.
#
#   serve_train_xgb DIR [VARIANT]
#           an XGBoost 1.7 binary classifier (XGBClassifier, 10 trees of
#           depth 3) on four numeric features f0..f3, saved as
#           DIR/model.json; flavors xgboost + python_function. Training
#           data is synthetic and seeded, so the same VARIANT always gives
#           the same bytes; another VARIANT (any string) trains on another
#           rule, so its predictions differ.
#   serve_train_xgb_ubj DIR [VARIANT]
#           the same model saved as UBJSON (DIR/model.ubj).
#   serve_train_sklearn DIR [VARIANT]
#           a scikit-learn LogisticRegression on f0..f3 saved with
#           joblib.dump as DIR/model.pkl; flavors sklearn + python_function
#           (loader_module mlflow.sklearn). Its predict() gives labels 0/1.
#   serve_broken_model DIR [MODE]
#           a python_function model (loader module broken_model in
#           DIR/code) that loads, takes f0..f3 and then misbehaves when
#           asked to predict, by MODE:
#             crash  the worker process exits (default; a 500)
#             raise  predict() raises ValueError (a 400, as MLflow's)
#             hang   predict() sleeps for an hour (the timeout: a 504)
#             slow   predict() sleeps 200 ms, then answers 0.5 per row
#             load   _load_pyfunc() raises: the model never loads
#             trap   answers the sum of each row, except for a row whose
#                    f0 is -1 (crash), -2 (hang) or -3 (raise)
#   serve_predict_py DIR ROWS
#           what Python predicts for ROWS (a JSON array of rows of four
#           numbers) with the model in DIR, one JSON array on stdout: the
#           probability of class 1 for XGBoost, the label for scikit-learn.
#
# Every function fails (non-zero) when Python fails, with its message on
# stderr. Each takes about half a second (mostly Python importing).

SERVE_PYTHON=${SERVE_PYTHON:-/usr/bin/python3}

# The Python that trains: $1 the format (json, ubj or sklearn), $2 the
# directory, $3 the variant.
serve__train() {
	mkdir -p "$2" &&
	"$SERVE_PYTHON" - "$@" <<'EOF'
import json, os, sys, zlib
import numpy as np

# Debian's python3-pandas-lib without python3-pandas leaves a namespace
# package "pandas" that has no DataFrame and breaks xgboost's data checks.
try:
    import pandas
    pandas.DataFrame
except (ImportError, AttributeError):
    sys.modules["pandas"] = None

fmt, out, variant = sys.argv[1], sys.argv[2], sys.argv[3]
features = ["f0", "f1", "f2", "f3"]

# Synthetic, seeded data: the default rule, or one drawn from the variant.
rng = np.random.RandomState(zlib.crc32(variant.encode()) if variant else 7)
X = rng.normal(size=(256, 4))
if variant:
    w = rng.normal(size=4)
    y = (X @ w + 0.3 * X[:, 0] * X[:, 1] > 0).astype(int)
else:
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] > 0).astype(int)

inputs = json.dumps([{"type": "double", "name": f, "required": True}
                     for f in features])
if fmt == "sklearn":
    import joblib, sklearn
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression().fit(X, y)
    joblib.dump(model, os.path.join(out, "model.pkl"))
    outputs = json.dumps([{"type": "long", "required": True}])
    flavors = f"""\
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: joblib
    sklearn_version: {sklearn.__version__}
"""
    requirements = f"scikit-learn=={sklearn.__version__}\njoblib\n"
else:
    import xgboost
    model = xgboost.XGBClassifier(n_estimators=10, max_depth=3,
                                  learning_rate=0.5, n_jobs=1,
                                  random_state=0)
    model.fit(X, y)
    # As if trained from a DataFrame: the model names its features.
    model.get_booster().feature_names = features
    data = "model." + fmt
    model.save_model(os.path.join(out, data))
    outputs = json.dumps([{"type": "tensor", "tensor-spec":
                           {"dtype": "int64", "shape": [-1]}}])
    flavors = f"""\
  python_function:
    data: {data}
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.xgboost
    python_version: 3.11.2
  xgboost:
    code: null
    data: {data}
    model_class: xgboost.sklearn.XGBClassifier
    model_format: {fmt}
    xgb_version: {xgboost.__version__}
"""
    requirements = f"xgboost=={xgboost.__version__}\n"

uuid = "%032x" % zlib.crc32((fmt + "/" + variant).encode())
with open(os.path.join(out, "MLmodel"), "w") as f:
    f.write(f"""\
artifact_path: model
flavors:
{flavors}mlflow_version: 2.9.2
model_uuid: {uuid}
signature:
  inputs: '{inputs}'
  outputs: '{outputs}'
  params: null
utc_time_created: '2026-11-27 20:00:00.000000'
""")
with open(os.path.join(out, "requirements.txt"), "w") as f:
    f.write("mlflow==2.9.2\n" + requirements)
with open(os.path.join(out, "python_env.yaml"), "w") as f:
    f.write("python: 3.11.2\nbuild_dependencies:\n- pip\ndependencies:\n"
            "- -r requirements.txt\n")
with open(os.path.join(out, "conda.yaml"), "w") as f:
    f.write("channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n"
            "- pip:\n  - mlflow==2.9.2\nname: mlflow-env\n")
EOF
}

serve_train_xgb() {
	serve__train json "$1" "${2:-}"
}

serve_train_xgb_ubj() {
	serve__train ubj "$1" "${2:-}"
}

serve_train_sklearn() {
	serve__train sklearn "$1" "${2:-}"
}

serve_broken_model() {
	case ${2:-crash} in
	crash|raise|hang|slow|load|trap) ;;
	*) echo "serve_broken_model: unknown mode '$2'" >&2; return 1 ;;
	esac
	mkdir -p "$1/code" &&
	echo "${2:-crash}" >"$1/mode.txt" &&
	cat >"$1/code/broken_model.py" <<'EOF' &&
# A python_function model that loads and then fails on purpose (mode.txt).
import os
import time


class BrokenModel:
    def __init__(self, mode):
        self.mode = mode

    def predict(self, model_input, params=None):
        # A DataFrame (MLflow's input), a numpy array or lists.
        data = getattr(model_input, "values", model_input)
        rows = data.tolist() if hasattr(data, "tolist") else list(data)
        if self.mode == "trap":
            for row in rows:
                if row[0] in (-1.0, -2.0, -3.0):
                    self.spring(row[0])
            return [float(sum(row)) for row in rows]
        self.spring(self.mode)
        return [0.5] * len(rows)

    def spring(self, mode):
        if mode in ("crash", -1.0):
            os._exit(3)
        if mode in ("raise", -3.0):
            raise ValueError("this model is broken on purpose")
        if mode in ("hang", -2.0):
            time.sleep(3600)
        if mode == "slow":
            time.sleep(0.2)


def _load_pyfunc(path):
    with open(path) as f:
        mode = f.read().strip()
    if mode == "load":
        raise RuntimeError("this model does not load, on purpose")
    return BrokenModel(mode)
EOF
	cat >"$1/MLmodel" <<'EOF'
artifact_path: model
flavors:
  python_function:
    code: code
    data: mode.txt
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: broken_model
    python_version: 3.11.2
mlflow_version: 2.9.2
model_uuid: 0badc0de0badc0de0badc0de0badc0de
signature:
  inputs: '[{"type": "double", "name": "f0", "required": true}, {"type": "double",
    "name": "f1", "required": true}, {"type": "double", "name": "f2", "required":
    true}, {"type": "double", "name": "f3", "required": true}]'
  outputs: null
  params: null
utc_time_created: '2026-11-27 20:00:00.000000'
EOF
}

serve_predict_py() {
	"$SERVE_PYTHON" - "$1" "$2" <<'EOF'
import json, os, sys
import numpy as np

# Debian's python3-pandas-lib without python3-pandas leaves a namespace
# package "pandas" that has no DataFrame and breaks xgboost's data checks.
try:
    import pandas
    pandas.DataFrame
except (ImportError, AttributeError):
    sys.modules["pandas"] = None

d, rows = sys.argv[1], np.array(json.loads(sys.argv[2]), dtype=np.float64)
if os.path.exists(os.path.join(d, "model.pkl")):
    import joblib
    out = joblib.load(os.path.join(d, "model.pkl")).predict(rows)
else:
    import xgboost
    b = xgboost.Booster()
    b.load_model(os.path.join(d, "model.json" if os.path.exists(
        os.path.join(d, "model.json")) else "model.ubj"))
    out = b.predict(xgboost.DMatrix(rows, feature_names=b.feature_names))
print(json.dumps([float(v) if isinstance(v, np.floating) else v.item()
                  for v in out]))
EOF
}
