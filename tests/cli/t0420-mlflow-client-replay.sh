#!/bin/sh
# The MLflow 2.9.2 Python client's wire sequence (mlflow-rest.md 1.8)
# replayed against a live `cairn server` on a fresh store by
# tests/api/replay_client.py: experiment, run, params, metrics, tags,
# artifact upload (one of 5 MB), listing, download, log-model, metric
# history, search. The registry calls of the capture are reported as
# skipped until the server has the registry.
. "$TEST_DIRECTORY/lib.sh"

/usr/bin/python3 "$TEST_DIRECTORY/../api/replay_client.py" --cairn "$CAIRN" --tmp "$TRASH"
