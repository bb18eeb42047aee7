#!/usr/bin/python3
"""replay_client.py: the real MLflow 2.9.2 Python client's calls, replayed.

mlflow-rest.md 1.8 is a wire capture of the 2.9.2 client running
set_experiment, start_run, log_param(s), log_metric x3, set_tag,
log_artifact, log_dict, sklearn.log_model(registered_model_name=...),
list_artifacts, get_metric_history, the registry calls, a model load and
search_runs. This script sends the same requests to a fresh `cairn
server` the way that client sends them (requests on one keep-alive
session: same methods and paths, bodies with the proto's fields in field
order, GET parameters in the query string with both run_id and run_uuid,
no Content-Type on GETs, artifact uploads as raw PUT bodies with the
guessed mime type) and checks every answer: status, error codes, and the
shapes of mlflow-rest.md 1.2 (ids as strings, int64 as JSON numbers,
enums by name, unset fields and empty lists omitted, FileInfo basenames).

Artifacts: notes.txt, cfg/config.json, the five model files and a 5 MB
file go up, are listed (mlflow-artifacts listing with basenames, and
mlflow/artifacts/list with run-relative paths) and come back byte for
byte. Two more runs that must not match make the search filter
"metrics.loss < 0.6 and params.opt = 'adam'" mean something.

The model registry calls of the capture are replayed in its order:
registered-models/create (and the RESOURCE_ALREADY_EXISTS the client
catches on a second register), model-versions/create with the run's
mlflow-artifacts source, the client's polling of model-versions/get until
READY, get-latest-versions, alias, transition-stage, alias lookups and
get-download-uri, whose URI (the version's pinned content, not the run's
directory) the model files are then listed and downloaded through;
plus the searches MLflow's search_registered_models and
search_model_versions send.

Then the MLflow 3.x client's log_model (mlflow-rest.md 1.7): create a
logged model (POST logged-models, with the run as its source), tag it,
upload its files to its own artifact location
mlflow-artifacts:/<exp>/models/<model_id>/artifacts, record it as the
run's output (runs/outputs), finalize it READY, get it, search for it,
list its files (the proxy, and logged-models/<id>/artifacts/directories)
and download them byte for byte.

    replay_client.py [--cairn BIN] [--tmp DIR]

Prints "ok N - ..." per call, then "N passed, M failed, K skipped"; exits 1
on any failure. Python 3 standard library only.
"""

import gzip
import json
import os
import re
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the Server and the HTTP client)

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
USER_AGENT = "mlflow-python-client/2.9.2"
FILTER = "metrics.loss < 0.6 and params.opt = 'adam'"
EXPERIMENT = "cairn-wire"
MODEL = "cairn-wire-model"
VERSION_DIR = "registered-models/%s/1" % MODEL  # get-download-uri's place
STAGES = ("None", "Staging", "Production", "Archived")
RUN_ID_RE = re.compile(r"^[0-9a-f]{32}$")
STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")


class Fail(AssertionError):
    pass


def need(cond, fmt, *args):
    if not cond:
        raise Fail(fmt % args if args else fmt)


# ---- shapes (mlflow-rest.md 1.2) ---------------------------------------------

def is_int64(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_fields(obj, where, spec, required=()):
    """spec: name -> checker(value, where); no other key may appear."""
    need(isinstance(obj, dict), "%s: not an object: %r", where, obj)
    for k, v in obj.items():
        need(k in spec, "%s: unexpected field '%s'", where, k)
        spec[k](v, "%s.%s" % (where, k))
    for k in required:
        need(k in obj, "%s: field '%s' missing", where, k)


def string(v, where):
    need(isinstance(v, str), "%s: not a string: %r", where, v)


def int64(v, where):
    need(is_int64(v), "%s: not an int64 JSON number: %r", where, v)


def boolean(v, where):
    need(isinstance(v, bool), "%s: not a boolean: %r", where, v)


def double(v, where):
    need((isinstance(v, (int, float)) and not isinstance(v, bool)) or
         v in ("NaN", "Infinity", "-Infinity"),
         "%s: not a double: %r", where, v)


def list_of(check):
    def f(v, where):
        # MLflow omits empty repeated fields.
        need(isinstance(v, list) and v, "%s: not a non-empty list: %r",
             where, v)
        for i, e in enumerate(v):
            check(e, "%s[%d]" % (where, i))
    return f


def key_value(v, where):
    check_fields(v, where, {"key": string, "value": string}, ("key", "value"))


def lifecycle(v, where):
    need(v in ("active", "deleted"), "%s: bad lifecycle_stage %r", where, v)


def experiment_id(v, where):
    need(isinstance(v, str) and v.isdigit(),
         "%s: not a decimal string id: %r", where, v)


def run_id(v, where):
    need(isinstance(v, str) and RUN_ID_RE.match(v),
         "%s: not a 32-char lower-case hex id: %r", where, v)


def check_experiment(e, where="experiment"):
    check_fields(e, where, {
        "experiment_id": experiment_id, "name": string,
        "artifact_location": string, "lifecycle_stage": lifecycle,
        "last_update_time": int64, "creation_time": int64,
        "tags": list_of(key_value),
    }, ("experiment_id", "name", "artifact_location", "lifecycle_stage"))
    need(e["artifact_location"] == "mlflow-artifacts:/" + e["experiment_id"],
         "%s.artifact_location: %r, expected mlflow-artifacts:/%s", where,
         e["artifact_location"], e["experiment_id"])


def check_metric(m, where):
    # 3.x adds dataset_name, dataset_digest, model_id, run_id.
    check_fields(m, where, {"key": string, "value": double,
                            "timestamp": int64, "step": int64,
                            "dataset_name": string, "dataset_digest": string,
                            "model_id": string, "run_id": run_id},
                 ("key", "value", "timestamp", "step"))


def check_run_info(i, where="run_info"):
    def status(v, w):
        need(v in STATUSES, "%s: bad status %r", w, v)
    check_fields(i, where, {
        "run_id": run_id, "run_uuid": run_id, "run_name": string,
        "experiment_id": experiment_id, "user_id": string, "status": status,
        "start_time": int64, "end_time": int64, "artifact_uri": string,
        "lifecycle_stage": lifecycle,
    }, ("run_id", "run_uuid", "experiment_id", "status", "start_time",
        "artifact_uri", "lifecycle_stage"))
    need(i["run_uuid"] == i["run_id"], "%s: run_uuid %r != run_id %r",
         where, i["run_uuid"], i["run_id"])
    want = "mlflow-artifacts:/%s/%s/artifacts" % (i["experiment_id"],
                                                  i["run_id"])
    need(i["artifact_uri"] == want, "%s.artifact_uri: %r, expected %r",
         where, i["artifact_uri"], want)


def check_dataset_input(d, where):
    def dataset(v, w):
        check_fields(v, w, {k: string for k in (
            "name", "digest", "source_type", "source", "schema", "profile")},
            ("name", "digest", "source_type", "source"))
    check_fields(d, where, {"tags": list_of(key_value), "dataset": dataset})


def check_run(r, where="run"):
    def data(v, w):
        check_fields(v, w, {"metrics": list_of(check_metric),
                            "params": list_of(key_value),
                            "tags": list_of(key_value)})
        for kind in ("metrics", "params", "tags"):
            keys = [e["key"] for e in v.get(kind, [])]
            need(len(keys) == len(set(keys)),
                 "%s.%s: a key twice (metrics: latest value only): %r",
                 w, kind, keys)

    def model_ref(v, w):  # 3.x
        need(isinstance(v, dict) and isinstance(v.get("model_id"), str),
             "%s: not a model reference: %r", w, v)

    def inputs(v, w):
        check_fields(v, w, {"dataset_inputs": list_of(check_dataset_input),
                            "model_inputs": list_of(model_ref)})

    def outputs(v, w):  # 3.x
        check_fields(v, w, {"model_outputs": list_of(model_ref)})
    check_fields(r, where, {"info": check_run_info, "data": data,
                            "inputs": inputs, "outputs": outputs},
                 ("info", "data"))


def check_model_version(v, where="model_version"):
    def version(x, w):
        need(isinstance(x, str) and x.isdigit(), "%s: %r is not a version "
             "string", w, x)

    def stage(x, w):
        need(x in STAGES, "%s: stage %r", w, x)

    def ready(x, w):
        need(x == "READY", "%s: status %r, expected READY", w, x)
    check_fields(v, where, {
        "name": string, "version": version, "creation_timestamp": int64,
        "last_updated_timestamp": int64, "user_id": string,
        "current_stage": stage, "description": string, "source": string,
        "run_id": string, "status": ready, "status_message": string,
        "run_link": string, "tags": list_of(key_value),
        "aliases": list_of(string)},
        ("name", "version", "creation_timestamp", "current_stage", "source",
         "status"))


def check_registered_model(m, where="registered_model"):
    def alias(x, w):
        check_fields(x, w, {"alias": string, "version": string},
                     ("alias", "version"))
    check_fields(m, where, {
        "name": string, "creation_timestamp": int64,
        "last_updated_timestamp": int64, "user_id": string,
        "description": string, "latest_versions": list_of(check_model_version),
        "tags": list_of(key_value), "aliases": list_of(alias)},
        ("name", "creation_timestamp", "last_updated_timestamp"))


def check_file_info(f, where, basename_only):
    check_fields(f, where, {"path": string, "is_dir": boolean,
                            "file_size": int64}, ("path", "is_dir"))
    if f["is_dir"]:
        need("file_size" not in f, "%s: a directory with a file_size", where)
    else:
        need("file_size" in f, "%s: a file without file_size", where)
    if basename_only:
        need("/" not in f["path"], "%s.path: not a basename: %r", where,
             f["path"])


def tags_of(run_):
    return {t["key"]: t["value"] for t in run_["data"].get("tags", [])}


def by_key(items):
    return {e["key"]: e for e in items or []}


# ---- the client --------------------------------------------------------------

class Wire:
    """Requests as the 2.9.2 client's requests session sends them."""

    def __init__(self, server):
        self.client = run.Client(server)

    def send(self, method, target, body=None, headers=None):
        h = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
             "Accept": "*/*", "Connection": "keep-alive"}
        h.update(headers or {})
        status, hdrs, data = self.client.request(method, target, body, h)
        if hdrs.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return status, hdrs, data

    def api(self, method, path, params=None, body=None):
        """A tracking call; (status, JSON object). Asserts the envelope."""
        target = API + path
        if method == "GET":
            if params:
                target += "?" + urllib.parse.urlencode(params, doseq=True)
            status, hdrs, data = self.send("GET", target)
        else:
            status, hdrs, data = self.send(
                method, target, json.dumps(body).encode(),
                {"Content-Type": "application/json"})
        return status, self.json_of(status, hdrs, data)

    @staticmethod
    def json_of(status, hdrs, data):
        ctype = hdrs.get("content-type", "")
        need(ctype.split(";")[0].strip() == "application/json",
             "status %d, Content-Type %r, expected application/json: %.300r",
             status, ctype, data)
        try:
            obj = json.loads(data)
        except ValueError:
            raise Fail("status %d, the body is not JSON: %.300r"
                       % (status, data))
        need(isinstance(obj, dict), "status %d, the body is not a JSON "
             "object: %.300r", status, data)
        if status != 200:
            check_fields(obj, "error", {"error_code": string,
                                        "message": string,
                                        "stack_trace": string},
                         ("error_code", "message"))
        return obj


def ok200(status, obj):
    need(status == 200, "status %d, expected 200: %s", status,
         json.dumps(obj)[:500])
    return obj


# ---- the replay ---------------------------------------------------------------

class Replay:
    def __init__(self, server, workdir):
        self.server = server
        self.wire = Wire(server)
        self.workdir = workdir
        self.n = self.passed = self.failed = self.skipped = 0
        self.stopped = None
        self.exp_id = self.run_id = self.artifact_uri = None
        self.files = {}  # run-relative path -> bytes
        self.model_id = self.model_uri = None
        self.model_files = {}  # model-relative path -> bytes

    def step(self, name, fn):
        self.n += 1
        if self.stopped:
            print("not ok %d - %s" % (self.n, name))
            print("#   not run: %s" % self.stopped)
            self.failed += 1
            return
        try:
            fn()
        except Fail as e:
            self.fail(name, str(e))
            return
        except (OSError, run.http.client.HTTPException) as e:
            self.fail(name, "request failed: %s: %s" % (type(e).__name__, e))
            self.wire.client.close()
            if self.server.died():
                self.stopped = "the server died (exit %s)" % (
                    self.server.proc.returncode)
                print("#   " + self.stopped)
                for line in self.server.stderr()[-3000:].splitlines():
                    print("#   " + line)
            return
        print("ok %d - %s" % (self.n, name))
        self.passed += 1
        sys.stdout.flush()

    def fail(self, name, why):
        print("not ok %d - %s" % (self.n, name))
        for line in why.splitlines():
            print("#   " + line)
        self.failed += 1
        sys.stdout.flush()

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # skip %s" % (self.n, name, why))
        self.skipped += 1

    def needs(self, what):
        if getattr(self, what) is None:
            raise Fail("no %s: an earlier call failed" % what)

    # -- set_experiment

    def get_by_name_missing(self):
        status, obj = self.wire.api("GET", "/experiments/get-by-name",
                                    [("experiment_name", EXPERIMENT)])
        need(status == 404, "status %d, expected 404 (set_experiment "
             "creates on it): %s", status, obj)
        need(obj["error_code"] == "RESOURCE_DOES_NOT_EXIST",
             "error_code %r", obj["error_code"])
        need(obj["message"] == "Could not find experiment with name '%s'"
             % EXPERIMENT, "message %r", obj["message"])

    def create_experiment(self):
        obj = ok200(*self.wire.api("POST", "/experiments/create", None,
                                   {"name": EXPERIMENT}))
        check_fields(obj, "body", {"experiment_id": experiment_id},
                     ("experiment_id",))
        self.exp_id = obj["experiment_id"]

    def get_experiment(self):
        self.needs("exp_id")
        obj = ok200(*self.wire.api("GET", "/experiments/get",
                                   [("experiment_id", self.exp_id)]))
        check_fields(obj, "body", {"experiment": check_experiment},
                     ("experiment",))
        e = obj["experiment"]
        need(e["experiment_id"] == self.exp_id and e["name"] == EXPERIMENT,
             "wrong experiment: %s", e)
        need(e["lifecycle_stage"] == "active", "not active: %s", e)
        need("tags" not in e, "tags on a new experiment: %s", e)

    # -- start_run and logging

    def create_run(self, name="demo", extra_tags=()):
        self.needs("exp_id")
        start = int(time.time() * 1000)
        tags = [{"key": "mlflow.user", "value": "root"},
                {"key": "mlflow.source.name", "value": "train.py"},
                {"key": "mlflow.source.type", "value": "LOCAL"},
                {"key": "mlflow.runName", "value": name}] + list(extra_tags)
        obj = ok200(*self.wire.api("POST", "/runs/create", None, {
            "experiment_id": self.exp_id, "user_id": "root",
            "run_name": name, "start_time": start, "tags": tags}))
        check_fields(obj, "body", {"run": check_run}, ("run",))
        r = obj["run"]
        i = r["info"]
        need(i["experiment_id"] == self.exp_id, "experiment_id %r",
             i["experiment_id"])
        need(i["run_name"] == name and i["user_id"] == "root",
             "run_name/user_id: %s", i)
        need(i["status"] == "RUNNING" and i["start_time"] == start,
             "status/start_time: %s", i)
        need("end_time" not in i, "end_time on a running run: %s", i)
        need(i["lifecycle_stage"] == "active", "lifecycle_stage: %s", i)
        got = tags_of(r)
        for t in tags:
            need(got.get(t["key"]) == t["value"], "tag %s: %r in %s",
                 t["key"], got.get(t["key"]), got)
        need("metrics" not in r["data"] and "params" not in r["data"],
             "metrics or params on a new run: %s", r["data"])
        need(r.get("inputs") == {}, "inputs: %r, expected {}",
             r.get("inputs"))
        return i["run_id"], i["artifact_uri"]

    def create_main_run(self):
        self.run_id, self.artifact_uri = self.create_run()

    def empty_ok(self, path, body):
        obj = ok200(*self.wire.api("POST", path, None, body))
        need(obj == {}, "expected {}, got %s", obj)

    def log_param(self):
        self.needs("run_id")
        self.empty_ok("/runs/log-parameter", {
            "run_uuid": self.run_id, "key": "lr", "value": "0.01",
            "run_id": self.run_id})

    def log_params(self, rid=None, opt="adam"):
        self.needs("run_id")
        self.empty_ok("/runs/log-batch", {
            "run_id": rid or self.run_id,
            "params": [{"key": "epochs", "value": "3"},
                       {"key": "opt", "value": opt}]})

    def log_metric(self, step, value, rid=None):
        self.needs("run_id")
        rid = rid or self.run_id
        self.empty_ok("/runs/log-metric", {
            "run_uuid": rid, "key": "loss", "value": value,
            "timestamp": 1700000000000 + 100 * step, "step": step,
            "run_id": rid})

    def set_tag(self):
        self.needs("run_id")
        self.empty_ok("/runs/set-tag", {
            "run_uuid": self.run_id, "key": "phase", "value": "train",
            "run_id": self.run_id})

    def get_run(self):
        self.needs("run_id")
        obj = ok200(*self.wire.api("GET", "/runs/get", [
            ("run_uuid", self.run_id), ("run_id", self.run_id)]))
        check_fields(obj, "body", {"run": check_run}, ("run",))
        return obj["run"]

    def get_run_logged(self):
        r = self.get_run()
        d = r["data"]
        m = by_key(d.get("metrics"))
        need(set(m) == {"loss"}, "metrics: %s", d.get("metrics"))
        need(m["loss"]["value"] == 1 / 3 and m["loss"]["step"] == 2 and
             m["loss"]["timestamp"] == 1700000000200,
             "the latest loss is step 2, 1/3: %s", m["loss"])
        p = {e["key"]: e["value"] for e in d.get("params", [])}
        need(p == {"lr": "0.01", "epochs": "3", "opt": "adam"},
             "params: %s", p)
        t = tags_of(r)
        need(t.get("phase") == "train" and t.get("mlflow.runName") == "demo",
             "tags: %s", t)

    # -- artifacts

    def proxy_path(self, rel=""):
        self.needs("artifact_uri")
        prefix = "mlflow-artifacts:"
        need(self.artifact_uri.startswith(prefix + "/"),
             "artifact_uri %r is not mlflow-artifacts:/...", self.artifact_uri)
        root = self.artifact_uri[len(prefix):].lstrip("/")
        return root + ("/" + rel if rel else "")

    def put_artifact(self, rel, data, mime):
        path = os.path.join(self.workdir, "up", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        target = ARTIFACTS + "/" + urllib.parse.quote(self.proxy_path(rel))
        with open(path, "rb") as f:
            # requests with a file body: Content-Length from its size.
            status, hdrs, body = self.wire.send(
                "PUT", target, f, {"Content-Type": mime,
                                   "Content-Length": str(len(data))})
        obj = ok200(status, self.wire.json_of(status, hdrs, body))
        need(obj == {}, "expected {}, got %s", obj)
        self.files[rel] = data

    def log_model(self):
        self.needs("run_id")
        model = {
            "run_id": self.run_id, "artifact_path": "model",
            "utc_time_created": "2024-01-01 00:00:00.000000",
            "flavors": {
                "python_function": {
                    "model_path": "model.pkl", "predict_fn": "predict",
                    "loader_module": "mlflow.sklearn",
                    "python_version": "3.11.2",
                    "env": {"conda": "conda.yaml",
                            "virtualenv": "python_env.yaml"}},
                "sklearn": {"pickled_model": "model.pkl",
                            "sklearn_version": "1.3.2",
                            "serialization_format": "cloudpickle",
                            "code": None}},
            "model_uuid": "0f3c5a1e2b7d4c7f9a8e6d5c4b3a2918",
            "mlflow_version": "2.9.2", "model_size_bytes": 419}
        self.empty_ok("/runs/log-model", {"run_id": self.run_id,
                                          "model_json": json.dumps(model)})

    def get_run_model_history(self):
        r = self.get_run()
        hist = tags_of(r).get("mlflow.log-model.history")
        need(hist is not None, "no tag mlflow.log-model.history: %s",
             tags_of(r))
        try:
            models = json.loads(hist)
        except ValueError:
            raise Fail("mlflow.log-model.history is not JSON: %r" % hist)
        need(isinstance(models, list) and len(models) == 1 and
             models[0].get("artifact_path") == "model" and
             models[0].get("run_id") == self.run_id,
             "mlflow.log-model.history: %r", hist)

    def end_run(self):
        self.needs("run_id")
        end = int(time.time() * 1000)
        obj = ok200(*self.wire.api("POST", "/runs/update", None, {
            "run_uuid": self.run_id, "status": "FINISHED", "end_time": end,
            "run_id": self.run_id}))
        check_fields(obj, "body", {"run_info": check_run_info},
                     ("run_info",))
        i = obj["run_info"]
        need(i["run_id"] == self.run_id and i["status"] == "FINISHED" and
             i.get("end_time") == end, "run_info: %s", i)

    def expected_listing(self, rel):
        """Basename FileInfos of directory rel, from what was uploaded."""
        out = {}
        pre = rel + "/" if rel else ""
        for path, data in self.files.items():
            if not path.startswith(pre):
                continue
            first, _, rest = path[len(pre):].partition("/")
            out[first] = ({"path": first, "is_dir": True} if rest else
                          {"path": first, "is_dir": False,
                           "file_size": len(data)})
        return [out[k] for k in sorted(out)]

    def list_proxy(self, rel=""):
        params = [("path", self.proxy_path(rel))]
        status, hdrs, data = self.wire.send(
            "GET", ARTIFACTS + "?" + urllib.parse.urlencode(params))
        obj = ok200(status, self.wire.json_of(status, hdrs, data))
        check_fields(obj, "body", {"files": list_of(
            lambda f, w: check_file_info(f, w, True))})
        got = sorted(obj.get("files", []), key=lambda f: f["path"])
        want = self.expected_listing(rel)
        need(got == want, "listing of %r:\n got %s\nwant %s", rel,
             json.dumps(got), json.dumps(want))

    def list_tracking(self, rel=None):
        self.needs("run_id")
        params = [("run_uuid", self.run_id)]
        if rel is not None:
            params.append(("path", rel))
        params.append(("run_id", self.run_id))
        obj = ok200(*self.wire.api("GET", "/artifacts/list", params))
        check_fields(obj, "body", {
            "root_uri": string, "next_page_token": string,
            "files": list_of(lambda f, w: check_file_info(f, w, False))},
            ("root_uri",))
        need(obj["root_uri"] == self.artifact_uri, "root_uri %r, expected %r",
             obj["root_uri"], self.artifact_uri)
        pre = rel + "/" if rel else ""
        want = [dict(f, path=pre + f["path"])
                for f in self.expected_listing(rel or "")]
        got = sorted(obj.get("files", []), key=lambda f: f["path"])
        need(got == want, "listing of %r:\n got %s\nwant %s", rel,
             json.dumps(got), json.dumps(want))

    def download(self, rel, mime=None):
        target = ARTIFACTS + "/" + urllib.parse.quote(self.proxy_path(rel))
        status, hdrs, data = self.wire.send("GET", target)
        if status != 200:
            raise Fail("status %d, expected 200: %.300r" % (status, data))
        need(data == self.files[rel], "%s: %d bytes back, not the %d sent",
             rel, len(data), len(self.files[rel]))
        name = rel.rsplit("/", 1)[-1]
        cd = hdrs.get("content-disposition")
        need(cd == "attachment; filename=" + name,
             "Content-Disposition %r", cd)
        need(hdrs.get("x-content-type-options") == "nosniff",
             "X-Content-Type-Options %r", hdrs.get("x-content-type-options"))
        if mime:
            ct = hdrs.get("content-type", "").split(";")[0].strip()
            need(ct == mime, "Content-Type %r, expected %s", ct, mime)

    # -- metric history and search

    def metric_history(self):
        self.needs("run_id")
        obj = ok200(*self.wire.api("GET", "/metrics/get-history", [
            ("run_uuid", self.run_id), ("metric_key", "loss"),
            ("run_id", self.run_id)]))
        check_fields(obj, "body", {"metrics": list_of(check_metric),
                                   "next_page_token": string}, ("metrics",))
        got = [(m["key"], m["value"], m["timestamp"], m["step"])
               for m in obj["metrics"]]
        want = [("loss", 1.0, 1700000000000, 0),
                ("loss", 0.5, 1700000000100, 1),
                ("loss", 1 / 3, 1700000000200, 2)]
        need(got == want, "history %s, expected %s", got, want)
        need("next_page_token" not in obj, "a next_page_token: %s", obj)

    def other_runs(self):
        # Extra, not in the capture: runs the filter must leave out.
        rid, _ = self.create_run("too-lossy")
        self.log_params(rid, "adam")
        self.log_metric(0, 0.9, rid)
        self.log_metric(1, 0.7, rid)  # latest 0.7: not < 0.6
        rid, _ = self.create_run("sgd")
        self.log_params(rid, "sgd")
        self.log_metric(0, 0.1, rid)

    def search_runs(self):
        self.needs("exp_id")
        body = {"experiment_ids": [self.exp_id],
                "run_view_type": "ACTIVE_ONLY", "filter": FILTER,
                "max_results": 10000}
        runs = []
        for _ in range(10):
            obj = ok200(*self.wire.api("POST", "/runs/search", None, body))
            check_fields(obj, "body", {"runs": list_of(check_run),
                                       "next_page_token": string})
            runs += obj.get("runs", [])
            if "next_page_token" not in obj:
                break
            body = dict(body, page_token=obj["next_page_token"])
        ids = [r["info"]["run_id"] for r in runs]
        need(ids == [self.run_id], "runs %s, expected only %s", ids,
             self.run_id)
        r = runs[0]
        need(r["info"]["status"] == "FINISHED", "status %s",
             r["info"]["status"])
        m = by_key(r["data"].get("metrics"))
        need(m.get("loss", {}).get("value") == 1 / 3,
             "latest loss: %s", r["data"].get("metrics"))
        p = {e["key"]: e["value"] for e in r["data"].get("params", [])}
        need(p == {"lr": "0.01", "epochs": "3", "opt": "adam"},
             "params: %s", p)
        need("phase" in tags_of(r), "tags: %s", tags_of(r))
        need(r.get("inputs") == {}, "inputs %r, expected {}", r.get("inputs"))

    # -- the model registry (register_model, MlflowClient calls)

    def create_registered_model(self):
        obj = ok200(*self.wire.api("POST", "/registered-models/create", None,
                                   {"name": MODEL}))
        check_fields(obj, "body", {"registered_model": check_registered_model},
                     ("registered_model",))
        need(obj["registered_model"]["name"] == MODEL, "name %r",
             obj["registered_model"]["name"])

    def create_registered_model_again(self):
        # register_model() on an existing name: the client catches this.
        status, obj = self.wire.api("POST", "/registered-models/create", None,
                                    {"name": MODEL})
        need(status == 400 and obj["error_code"] == "RESOURCE_ALREADY_EXISTS",
             "status %d %s, expected 400 RESOURCE_ALREADY_EXISTS", status, obj)

    def create_model_version(self):
        self.needs("artifact_uri")
        body = {"name": MODEL, "source": self.artifact_uri + "/model",
                "run_id": self.run_id}
        obj = ok200(*self.wire.api("POST", "/model-versions/create", None,
                                   body))
        check_fields(obj, "body", {"model_version": check_model_version},
                     ("model_version",))
        v = obj["model_version"]
        need(v["version"] == "1" and v["run_id"] == self.run_id and
             v["source"] == body["source"], "model_version %s", v)

    def poll_model_version(self):
        obj = ok200(*self.wire.api("GET", "/model-versions/get",
                                   [("name", MODEL), ("version", "1")]))
        check_model_version(obj["model_version"])

    def latest_versions(self):
        obj = ok200(*self.wire.api("POST",
                                   "/registered-models/get-latest-versions",
                                   None, {"name": MODEL}))
        vs = obj.get("model_versions", [])
        need([v["version"] for v in vs] == ["1"], "versions %s", vs)
        check_model_version(vs[0], "model_versions[0]")

    def set_alias(self):
        obj = ok200(*self.wire.api("POST", "/registered-models/alias", None,
                                   {"name": MODEL, "alias": "champion",
                                    "version": "1"}))
        need(obj == {}, "body %s, expected {}", obj)

    def transition(self):
        obj = ok200(*self.wire.api("POST", "/model-versions/transition-stage",
                                   None, {"name": MODEL, "version": "1",
                                          "stage": "Staging",
                                          "archive_existing_versions": False}))
        check_model_version(obj["model_version"])
        need(obj["model_version"]["current_stage"] == "Staging", "stage %s",
             obj["model_version"]["current_stage"])

    def get_by_alias(self):
        obj = ok200(*self.wire.api("GET", "/registered-models/alias",
                                   [("name", MODEL), ("alias", "champion")]))
        v = obj["model_version"]
        check_model_version(v)
        need(v["version"] == "1" and v.get("aliases") == ["champion"],
             "model_version %s", v)

    def download_uri(self):
        obj = ok200(*self.wire.api("GET", "/model-versions/get-download-uri",
                                   [("name", MODEL), ("version", "1")]))
        want = "mlflow-artifacts:/" + VERSION_DIR
        need(obj == {"artifact_uri": want},
             "body %s, expected the version's pinned content %s", obj, want)

    def list_version(self):
        """The client lists the download URI: the version's own files."""
        params = [("path", VERSION_DIR)]
        status, hdrs, data = self.wire.send(
            "GET", ARTIFACTS + "?" + urllib.parse.urlencode(params))
        obj = ok200(status, self.wire.json_of(status, hdrs, data))
        got = sorted(obj.get("files", []), key=lambda f: f["path"])
        want = self.expected_listing("model")
        need(got == want, "listing of %s:\n got %s\nwant %s", VERSION_DIR,
             json.dumps(got), json.dumps(want))

    def download_version_file(self, rel):
        name = rel.split("/", 1)[1]
        target = ARTIFACTS + "/" + urllib.parse.quote(VERSION_DIR + "/" + name)
        status, hdrs, data = self.wire.send("GET", target)
        if status != 200:
            raise Fail("status %d, expected 200: %.300r" % (status, data))
        need(data == self.files[rel], "%s: %d bytes back, not the %d sent",
             rel, len(data), len(self.files[rel]))

    def search_registry(self):
        obj = ok200(*self.wire.api("GET", "/registered-models/search",
                                   [("filter", "name = '%s'" % MODEL),
                                    ("max_results", "100")]))
        ms = obj.get("registered_models", [])
        need([m["name"] for m in ms] == [MODEL], "models %s", ms)
        check_registered_model(ms[0], "registered_models[0]")
        obj = ok200(*self.wire.api("GET", "/model-versions/search",
                                   [("filter", "name='%s'" % MODEL),
                                    ("max_results", "10000")]))
        vs = obj.get("model_versions", [])
        need([v["version"] for v in vs] == ["1"], "versions %s", vs)

    # -- MLflow 3.x log_model: a logged model

    def check_model(self, m, where="model"):
        def info(v, w):
            check_fields(v, w, {
                "model_id": string, "experiment_id": experiment_id,
                "name": string, "creation_timestamp_ms": int64,
                "last_updated_timestamp_ms": int64, "artifact_uri": string,
                "status": string, "model_type": string,
                "source_run_id": run_id, "tags": list_of(key_value)},
                ("model_id", "experiment_id", "name", "artifact_uri",
                 "status", "creation_timestamp_ms"))
            need(re.match(r"^m-[0-9a-f]{32}$", v["model_id"]),
                 "%s.model_id %r is not m-<32 hex>", w, v["model_id"])
            need(v["artifact_uri"] == "mlflow-artifacts:/%s/models/%s/"
                 "artifacts" % (v["experiment_id"], v["model_id"]),
                 "%s.artifact_uri %r", w, v["artifact_uri"])
        check_fields(m, where, {"info": info, "data": lambda v, w:
                                check_fields(v, w, {
                                    "params": list_of(key_value),
                                    "metrics": list_of(check_metric)})},
                     ("info",))
        return m["info"]

    def create_logged_model(self):
        self.needs("run_id")
        obj = ok200(*self.wire.api("POST", "/logged-models", None, {
            "experiment_id": self.exp_id, "name": "model",
            "model_type": "sklearn", "source_run_id": self.run_id,
            "params": [{"key": "alpha", "value": "0.5"}],
            "tags": [{"key": "mlflow.source.type", "value": "LOCAL"}]}))
        i = self.check_model(obj.get("model"))
        need(i["status"] == "LOGGED_MODEL_PENDING" and i["name"] == "model"
             and i["source_run_id"] == self.run_id, "model info: %s", i)
        self.model_id = i["model_id"]
        self.model_uri = i["artifact_uri"]

    def tag_logged_model(self):
        self.needs("model_id")
        obj = ok200(*self.wire.api(
            "PATCH", "/logged-models/%s/tags" % self.model_id, None,
            {"model_id": self.model_id, "tags": [
                {"key": "mlflow.user", "value": "root"}]}))
        tags = by_key(self.check_model(obj["model"]).get("tags"))
        need(tags.get("mlflow.user", {}).get("value") == "root" and
             "mlflow.source.type" in tags, "tags: %s", tags)

    def model_path(self, rel=""):
        self.needs("model_uri")
        root = self.model_uri[len("mlflow-artifacts:"):].lstrip("/")
        return root + ("/" + rel if rel else "")

    def put_model_file(self, rel, data, mime):
        target = ARTIFACTS + "/" + urllib.parse.quote(self.model_path(rel))
        status, hdrs, body = self.wire.send(
            "PUT", target, data, {"Content-Type": mime,
                                  "Content-Length": str(len(data))})
        obj = ok200(status, self.wire.json_of(status, hdrs, body))
        need(obj == {}, "expected {}, got %s", obj)
        self.model_files[rel] = data

    def log_outputs(self):
        self.needs("model_id")
        self.empty_ok("/runs/outputs", {"run_id": self.run_id, "models": [
            {"model_id": self.model_id, "step": 0}]})

    def finalize_logged_model(self):
        self.needs("model_id")
        obj = ok200(*self.wire.api(
            "PATCH", "/logged-models/" + self.model_id, None,
            {"model_id": self.model_id, "status": "LOGGED_MODEL_READY"}))
        i = self.check_model(obj["model"])
        need(i["status"] == "LOGGED_MODEL_READY", "status %s", i["status"])

    def get_logged_model(self):
        self.needs("model_id")
        obj = ok200(*self.wire.api("GET", "/logged-models/" + self.model_id))
        i = self.check_model(obj["model"])
        need(i["status"] == "LOGGED_MODEL_READY" and
             i["model_id"] == self.model_id, "model info: %s", i)
        p = {e["key"]: e["value"] for e in obj["model"]["data"].get(
            "params", [])}
        need(p == {"alpha": "0.5"}, "params: %s", p)

    def search_logged_models(self):
        self.needs("model_id")
        obj = ok200(*self.wire.api("POST", "/logged-models/search", None, {
            "experiment_ids": [self.exp_id],
            "filter": "name = 'model' AND status = 'LOGGED_MODEL_READY'",
            "max_results": 50,
            "order_by": [{"field_name": "creation_timestamp",
                          "ascending": False}]}))
        models = obj.get("models", [])
        for k, m in enumerate(models):
            self.check_model(m, "models[%d]" % k)
        ids = [m["info"]["model_id"] for m in models]
        need(ids == [self.model_id], "models %s, expected %s", ids,
             self.model_id)
        need("next_page_token" not in obj, "a next_page_token: %s", obj)

    def run_outputs(self):
        r = self.get_run()
        out = r.get("outputs", {}).get("model_outputs")
        need(out == [{"model_id": self.model_id, "step": 0}],
             "outputs.model_outputs: %s", out)

    def list_model_proxy(self, rel=""):
        params = [("path", self.model_path(rel))]
        status, hdrs, data = self.wire.send(
            "GET", ARTIFACTS + "?" + urllib.parse.urlencode(params))
        obj = ok200(status, self.wire.json_of(status, hdrs, data))
        got = sorted(obj.get("files", []), key=lambda f: f["path"])
        saved, self.files = self.files, self.model_files
        try:
            want = self.expected_listing(rel)
        finally:
            self.files = saved
        need(got == want, "listing of %r:\n got %s\nwant %s", rel,
             json.dumps(got), json.dumps(want))

    def list_model_directories(self):
        self.needs("model_id")
        obj = ok200(*self.wire.api(
            "GET", "/logged-models/%s/artifacts/directories" % self.model_id))
        check_fields(obj, "body", {"root_uri": string, "files": list_of(
            lambda f, w: check_file_info(f, w, False))}, ("root_uri",))
        need(obj["root_uri"] == self.model_uri, "root_uri %r", obj["root_uri"])
        got = sorted(f["path"] for f in obj.get("files", []))
        want = sorted(self.model_files)
        need(got == want, "files %s, expected %s", got, want)

    def download_model_file(self, rel):
        target = ARTIFACTS + "/" + urllib.parse.quote(self.model_path(rel))
        status, hdrs, data = self.wire.send("GET", target)
        if status != 200:
            raise Fail("status %d, expected 200: %.300r" % (status, data))
        need(data == self.model_files[rel], "%s: %d bytes back, not the %d "
             "sent", rel, len(data), len(self.model_files[rel]))

    def play3(self):
        s = self.step
        s("3.x POST logged-models (log_model)", self.create_logged_model)
        s("3.x PATCH logged-models/<id>/tags", self.tag_logged_model)
        files = [("MLmodel", b"artifact_path: model\nflavors:\n  sklearn:\n"
                  b"    pickled_model: model.pkl\n", "text/plain"),
                 ("model.pkl", os.urandom(2048), "application/octet-stream"),
                 ("requirements.txt", b"scikit-learn\n", "text/plain")]
        for rel, data, mime in files:
            s("3.x PUT mlflow-artifacts/artifacts/<exp>/models/<id>/"
              "artifacts/%s" % rel,
              lambda a=rel, b=data, c=mime: self.put_model_file(a, b, c))
        s("3.x POST runs/outputs", self.log_outputs)
        s("3.x PATCH logged-models/<id> (finalize READY)",
          self.finalize_logged_model)
        s("3.x GET logged-models/<id>", self.get_logged_model)
        s("3.x POST logged-models/search", self.search_logged_models)
        s("3.x GET runs/get: outputs.model_outputs", self.run_outputs)
        s("3.x GET mlflow-artifacts/artifacts?path=<model root>",
          self.list_model_proxy)
        s("3.x GET logged-models/<id>/artifacts/directories",
          self.list_model_directories)
        for rel, _, _ in files:
            s("3.x GET mlflow-artifacts/artifacts/<exp>/models/<id>/"
              "artifacts/%s" % rel,
              lambda a=rel: self.download_model_file(a))

    # -- the sequence

    def play(self):
        s = self.step
        s("404 GET experiments/get-by-name (set_experiment)",
          self.get_by_name_missing)
        s("POST experiments/create", self.create_experiment)
        s("GET experiments/get", self.get_experiment)
        s("POST runs/create (start_run)", self.create_main_run)
        s("POST runs/log-parameter (log_param)", self.log_param)
        s("POST runs/log-batch (log_params)", self.log_params)
        for step, value in ((0, 1.0), (1, 0.5), (2, 1 / 3)):
            s("POST runs/log-metric step %d" % step,
              lambda a=step, b=value: self.log_metric(a, b))
        s("POST runs/set-tag", self.set_tag)
        s("GET runs/get: latest metric, params, tags", self.get_run_logged)
        uploads = [
            ("notes.txt", b"notes from the training run\n", "text/plain"),
            ("cfg/config.json",
             json.dumps({"lr": 0.01, "opt": "adam"}).encode(),
             "application/json"),
            ("model/requirements.txt", b"mlflow==2.9.2\nscikit-learn\n",
             "text/plain"),
            ("model/MLmodel", b"artifact_path: model\nflavors:\n"
             b"  sklearn:\n    pickled_model: model.pkl\n", "text/plain"),
            ("model/python_env.yaml", b"python: 3.11.2\n", "text/plain"),
            ("model/conda.yaml", b"name: mlflow-env\n", "text/plain"),
            ("model/model.pkl", os.urandom(419), "application/octet-stream"),
            ("data/weights.bin", os.urandom(5 * 1024 * 1024),
             "application/octet-stream"),
        ]
        for rel, data, mime in uploads:
            s("PUT mlflow-artifacts/artifacts/.../%s (%d bytes)"
              % (rel, len(data)),
              lambda a=rel, b=data, c=mime: self.put_artifact(a, b, c))
        s("POST runs/log-model", self.log_model)
        s("POST registered-models/create (register_model)",
          self.create_registered_model)
        s("400 POST registered-models/create again (caught by the client)",
          self.create_registered_model_again)
        s("GET runs/get: mlflow.log-model.history",
          self.get_run_model_history)
        s("POST model-versions/create", self.create_model_version)
        s("GET model-versions/get (polling for READY)",
          self.poll_model_version)
        s("POST runs/update (end_run)", self.end_run)
        s("GET mlflow-artifacts/artifacts?path=<run root> (basenames)",
          self.list_proxy)
        s("GET metrics/get-history", self.metric_history)
        s("POST registered-models/get-latest-versions", self.latest_versions)
        s("POST registered-models/alias", self.set_alias)
        s("POST model-versions/transition-stage", self.transition)
        s("GET registered-models/alias (get_model_version_by_alias)",
          self.get_by_alias)
        s("GET registered-models/alias (models:/ resolution)",
          self.get_by_alias)
        s("GET model-versions/get-download-uri", self.download_uri)
        for i in (1, 2):
            s("GET mlflow-artifacts/artifacts?path=registered-models/<name>/1"
              " (%d)" % i, self.list_version)
        for rel, _, _ in uploads:
            if rel.startswith("model/"):
                s("GET mlflow-artifacts/artifacts/registered-models/<name>/1/%s"
                  % rel[6:], lambda a=rel: self.download_version_file(a))
        s("GET mlflow-artifacts/artifacts?path=<run>/model",
          lambda: self.list_proxy("model"))
        for rel, _, mime in uploads:
            if rel.startswith("model/"):
                s("GET mlflow-artifacts/artifacts/.../%s" % rel,
                  lambda a=rel, b=mime: self.download(
                      a, "text/plain" if b == "text/plain" else None))
        s("GET mlflow-artifacts/artifacts?path=<run>/data",
          lambda: self.list_proxy("data"))
        for rel in ("notes.txt", "cfg/config.json", "data/weights.bin"):
            s("GET mlflow-artifacts/artifacts/.../%s" % rel,
              lambda a=rel: self.download(a))
        s("GET mlflow/artifacts/list (run root)", self.list_tracking)
        s("GET mlflow/artifacts/list?path=model (run-relative paths)",
          lambda: self.list_tracking("model"))
        s("extra: two runs the filter must not match", self.other_runs)
        s("POST runs/search filter \"%s\"" % FILTER, self.search_runs)
        s("GET registered-models/search and model-versions/search",
          self.search_registry)


def main(argv):
    cairn = tmp = None
    i = 0
    while i < len(argv):
        if argv[i] in ("--cairn", "--tmp") and i + 1 < len(argv):
            if argv[i] == "--cairn":
                cairn = argv[i + 1]
            else:
                tmp = argv[i + 1]
            i += 2
        else:
            sys.exit("usage: replay_client.py [--cairn BIN] [--tmp DIR]")
    cairn = run.find_cairn(cairn)
    workdir = tempfile.mkdtemp(prefix="cairn-replay-", dir=tmp)
    server = run.Server(cairn, workdir)
    try:
        t0 = time.monotonic()
        try:
            server.start()
        except run.ServerError as e:
            print("not ok 1 - start cairn server")
            for line in str(e).splitlines():
                print("#   " + line)
            server.stop()
            print("0 passed, 1 failed")
            return 1
        print("# cairn server on %s, /health after %.0f ms"
              % (server.url, (time.monotonic() - t0) * 1000))
        rp = Replay(server, workdir)
        rp.play()
        rp.play3()
        rp.wire.client.close()
        problems = server.stop()
        rp.n += 1
        if problems:
            rp.fail("the server stops on SIGTERM with status 0, no sanitizer "
                    "report", "\n".join(problems))
        else:
            print("ok %d - the server stops on SIGTERM with status 0, no "
                  "sanitizer report" % rp.n)
            rp.passed += 1
        print("%d passed, %d failed, %d skipped"
              % (rp.passed, rp.failed, rp.skipped))
        return 1 if rp.failed else 0
    finally:
        if server.alive():
            server.proc.kill()
            server.proc.wait()
        run.shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
