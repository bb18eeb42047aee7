/*
 * main.c: the `cairn` program: global options, the command table, help.
 *
 *   cairn [-C DIR] [--user NAME] [--version] [--help] COMMAND [ARGS]
 *
 * -C DIR changes to DIR first, as git's does, so paths on the command
 * line are relative to DIR. --user NAME is the actor that the audit log
 * records for what the command changes (default: the OS user).
 * Global options stop at the first non-option (getopt "+"), which names
 * the command; each command then parses its own options with optind
 * reset. Every command's help text lives in this table, so `cairn help
 * COMMAND` and `cairn COMMAND --help` print the same thing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/banned.h"

const struct cmd commands[] = {
	{ "init", cmd_init, "create a cairn project in the current directory",
	  "usage: cairn init [DIR] [--chunk-min N] [--chunk-avg N] [--chunk-max N]\n"
	  "\n"
	  "Create .cairn/ (config, metadata database, object store) in DIR or\n"
	  "the current directory. Chunking sizes (bytes; default 16384, 65536,\n"
	  "524288) are fixed for the life of the store.\n" },
	{ "data", cmd_data, "version data sets: add, status, checkout, diff, log, ...",
	  "usage: cairn data add [--name NAME] [--run RUN] PATH...\n"
	  "   or: cairn data status [--json] [PATH...]\n"
	  "   or: cairn data checkout [--force] [PATH[@VERSION]...]\n"
	  "   or: cairn data diff [--json] PATH [V1 [V2]]\n"
	  "   or: cairn data log [--json] NAME|PATH\n"
	  "   or: cairn data ls [--json]\n"
	  "   or: cairn data show [--json] NAME[@VERSION]|PATH\n"
	  "   or: cairn data push [--remote NAME] [--json] [SPEC...]\n"
	  "   or: cairn data fetch [--remote NAME] [--json] [PATH[@VERSION]...]\n"
	  "   or: cairn data pull [--remote NAME] [--json] [PATH[@VERSION]...]\n"
	  "\n"
	  "add       store files or directories; write PATH.cairn (commit it to\n"
	  "          git) and a .gitignore entry; record a new version of the\n"
	  "          data set (named after PATH unless --name) if the content\n"
	  "          changed, produced by --run RUN or else $CAIRN_RUN_ID (set by\n"
	  "          'cairn run'); the same content again keeps its first run\n"
	  "status    what differs from the pointer files\n"
	  "checkout  restore the data the pointers name, or an older version\n"
	  "          (PATH@v1); refuses to overwrite local changes without --force\n"
	  "diff      files added, removed and modified between two versions, or\n"
	  "          between a version and the working tree\n"
	  "log       versions of a data set, oldest first\n"
	  "ls        data sets and their latest versions\n"
	  "show      one version, with the rows, columns and types of CSV files\n"
	  "push      send the objects of data set versions to a remote, only\n"
	  "          what it lacks (see 'cairn remote')\n"
	  "fetch     bring the objects the pointer files name from a remote\n"
	  "pull      fetch, then checkout\n"
	  "\n"
	  "A VERSION is vN, or an id prefix of at least 4 hex digits.\n" },
	{ "remote", cmd_remote, "manage remotes for push and pull",
	  "usage: cairn remote add NAME DIR\n"
	  "   or: cairn remote list [--json]\n"
	  "   or: cairn remote remove NAME\n"
	  "\n"
	  "A remote is a directory (local disk or a mount) holding a copy of the\n"
	  "objects and the version list; it is created by 'remote add'.\n" },
	{ "run", cmd_run, "run a command as a tracked run",
	  "usage: cairn run [--experiment E] [--name NAME] [-p KEY=VALUE]...\n"
	  "                 [--input DATA]... [--eval-input DATA]... [--tag KEY=VALUE]...\n"
	  "                 [--python PY]\n"
	  "                 -- COMMAND [ARGS]...\n"
	  "\n"
	  "Creates a run, runs COMMAND with CAIRN_RUN_ID set (so 'cairn log'\n"
	  "inside it logs into the run) and MLFLOW_TRACKING_URI / MLFLOW_RUN_ID\n"
	  "naming the run (so a script using the MLflow client logs into it\n"
	  "unchanged): on the tracking server if there is one (see 'cairn help'),\n"
	  "else on a private server on a loopback port; streams its output and\n"
	  "keeps a copy as\n"
	  "the artifact cairn/output.log, and ends the run FINISHED, FAILED (non-\n"
	  "zero exit) or KILLED (a signal; Ctrl-C is passed to COMMAND). It\n"
	  "records by itself: the git commit, branch, remote and dirty state (the\n"
	  "diff is stored as an artifact), OS, kernel, CPU and memory, for Python\n"
	  "commands the interpreter and its packages, the lock and environment\n"
	  "files, and the data set versions behind --input paths and any tracked\n"
	  "path among the arguments. --python (or $CAIRN_PYTHON) names the\n"
	  "interpreter whose packages to record when it cannot be told from\n"
	  "COMMAND. An --experiment name that does not exist yet is created.\n"
	  "cairn exits with COMMAND's exit status.\n" },
	{ "experiments", cmd_experiments, "create, list, rename, delete and restore experiments",
	  "usage: cairn experiments create NAME\n"
	  "   or: cairn experiments list [--all | --deleted] [--json]\n"
	  "   or: cairn experiments rename EXPERIMENT NEW-NAME\n"
	  "   or: cairn experiments delete EXPERIMENT\n"
	  "   or: cairn experiments restore EXPERIMENT\n"
	  "   or: cairn experiments tag EXPERIMENT KEY VALUE\n"
	  "\n"
	  "An EXPERIMENT is its id or its name. Experiment 0, Default, always\n"
	  "exists. Deleting is soft: restore brings an experiment back.\n" },
	{ "log", cmd_log, "log params, metrics, tags and inputs into a run",
	  "usage: cairn log param [--run RUN] KEY=VALUE...\n"
	  "   or: cairn log metric [--run RUN] [--step N] [--timestamp MS] KEY=VALUE...\n"
	  "   or: cairn log metrics [--run RUN] -\n"
	  "   or: cairn log tag [--run RUN] KEY=VALUE...\n"
	  "   or: cairn log tag [--run RUN] --delete KEY...\n"
	  "   or: cairn log input [--run RUN] [--context CONTEXT] DATA...\n"
	  "   or: cairn log artifact [--run RUN] [--path DIR] FILE|DIR...\n"
	  "   or: cairn log artifact [--run RUN] --checkpoint STEP [--meta JSON] FILE\n"
	  "\n"
	  "The run is --run (an id, an id prefix or a unique run name), else\n"
	  "$CAIRN_RUN_ID, which 'cairn run' sets for the command it runs.\n"
	  "'log metrics -' reads JSON lines from stdin, one object per step:\n"
	  "  {\"step\": 3, \"loss\": 0.41, \"accuracy\": 0.87}\n"
	  "Params are write-once: a different value for a logged key is an error.\n"
	  "DATA is a tracked path or a data set version (NAME@vN).\n"
	  "Artifacts go into the object store (deduplicated); a checkpoint is\n"
	  "stored as checkpoints/step-STEP/NAME with its metadata (a JSON object\n"
	  "such as '{\"epoch\": 3, \"loss\": 0.2}'), and fetched back with\n"
	  "'cairn runs checkpoint'.\n" },
	{ "runs", cmd_runs, "list, search, show and compare runs",
	  "usage: cairn runs list [--experiment E]... [--order-by KEY]... [--max N] [--all] [--json]\n"
	  "   or: cairn runs search FILTER [--experiment E]... [--order-by KEY [ASC|DESC]]...\n"
	  "                        [--max N] [--page-token T] [--metric KEY]... [--json]\n"
	  "   or: cairn runs show RUN [--json]\n"
	  "   or: cairn runs compare RUN RUN... [--json]\n"
	  "   or: cairn runs start [--experiment E] [--name NAME] [--parent RUN]\n"
	  "   or: cairn runs end RUN [--status FINISHED|FAILED|KILLED]\n"
	  "   or: cairn runs checkpoints RUN [--json]\n"
	  "   or: cairn runs checkpoint RUN [--step N | --latest] --out FILE\n"
	  "   or: cairn runs reproduce RUN [--exec]\n"
	  "   or: cairn runs delete RUN\n"
	  "   or: cairn runs restore RUN\n"
	  "\n"
	  "A RUN is its id, an id prefix (4+ hex digits) or a unique run name.\n"
	  "FILTER is MLflow's: clauses joined by AND, such as\n"
	  "  \"metrics.accuracy > 0.9 AND params.optimizer = 'adam'\"\n"
	  "on metrics.*, params.*, tags.*, attributes (run_id, run_name, status,\n"
	  "user_id, start_time, end_time) and datasets (name, digest, context).\n"
	  "compare marks params that differ with '*' and shows metric deltas.\n"
	  "reproduce prints what re-running RUN needs: the code commit, the data\n"
	  "set versions to check out and the command; --exec checks the data out\n"
	  "and runs it again as a new run tagged cairn.reproduces=RUN (the work\n"
	  "tree must be at the recorded commit, without local changes).\n" },
	{ "metrics", cmd_metrics, "a metric's history, as a table and a chart",
	  "usage: cairn metrics history RUN KEY [--json]\n" },
	{ "artifacts", cmd_artifacts, "list and fetch a run's artifacts",
	  "usage: cairn artifacts list RUN [PATH] [--json]\n"
	  "   or: cairn artifacts get RUN PATH DEST\n"
	  "\n"
	  "get writes the file or directory at PATH to DEST (which must not\n"
	  "exist), verifying every byte.\n" },
	{ "models", cmd_models, "the model registry: versions, stages, aliases, downloads",
	  "usage: cairn models create NAME [--description TEXT] [--tag KEY=VALUE]...\n"
	  "   or: cairn models list [--filter F] [--order-by KEY [ASC|DESC]]... [--max N]\n"
	  "                         [--page-token T] [--json]\n"
	  "   or: cairn models show NAME|URI [--json]\n"
	  "   or: cairn models rename NAME NEW-NAME\n"
	  "   or: cairn models describe NAME [VERSION] TEXT\n"
	  "   or: cairn models tag NAME [VERSION] KEY=VALUE... | --delete KEY...\n"
	  "   or: cairn models delete NAME [VERSION] [--force]\n"
	  "   or: cairn models register NAME (--run RUN [--path DIR] | --from DIR | --source URI)\n"
	  "                             [--semver X.Y.Z | --bump major|minor|patch]\n"
	  "                             [--description TEXT] [--tag KEY=VALUE]... [--json]\n"
	  "   or: cairn models versions [NAME] [--filter F] [--order-by KEY]... [--max N] [--json]\n"
	  "   or: cairn models stage VERSION STAGE [--archive-existing]\n"
	  "   or: cairn models alias NAME [ALIAS VERSION | --delete ALIAS]\n"
	  "   or: cairn models latest NAME [STAGE...] [--json]\n"
	  "   or: cairn models download VERSION --out DIR\n"
	  "   or: cairn models verify VERSION\n"
	  "   or: cairn models metadata VERSION [--out FILE]\n"
	  "   or: cairn models card VERSION [--out FILE]\n"
	  "   or: cairn models promote NAME VERSION --to ALIAS [--expect N|none] --reason TEXT\n"
	  "   or: cairn models rollback NAME [--alias ALIAS] [--expect N] --reason TEXT\n"
	  "   or: cairn models history NAME [--alias ALIAS] [--json]\n"
	  "   or: cairn models at NAME@ALIAS --time 2026-03-01T12:00Z\n"
	  "   or: cairn models policy set NAME ALIAS [GATE]... [--not-worse-than-current METRIC]...\n"
	  "                               [--require-input-context CONTEXT]... [--approvals N]\n"
	  "                               [--reason TEXT]\n"
	  "   or: cairn models policy show NAME [ALIAS] [--json]\n"
	  "   or: cairn models policy unset NAME ALIAS [--reason TEXT]\n"
	  "   or: cairn models request NAME VERSION --to ALIAS --reason TEXT\n"
	  "   or: cairn models approve ID [--reason TEXT]\n"
	  "   or: cairn models reject ID --reason TEXT\n"
	  "   or: cairn models requests [NAME] [--json]\n"
	  "\n"
	  "A VERSION is NAME N, or a model URI: models:/NAME/N, models:/NAME/STAGE\n"
	  "(the highest version in it), models:/NAME@ALIAS or models:/NAME/latest.\n"
	  "register pins the content of a run's artifact directory (--path,\n"
	  "default model) or of a local directory (stored like 'data add'): the\n"
	  "version's content id never changes, and download and verify check every\n"
	  "byte against it. Versions count 1, 2, 3 per model, never reused. Flavors\n"
	  "and signature come from an MLmodel file when there is one. STAGE is None,\n"
	  "Staging, Production or Archived; --archive-existing moves the versions\n"
	  "already in Staging or Production to Archived. Aliases are letters,\n"
	  "digits, _ and -, not 'latest' nor vN. A version in Production or holding\n"
	  "an alias (or a model with one) is deleted only with --force. metadata\n"
	  "writes JSON with the version, its data set versions, metrics and\n"
	  "training date. card writes a Markdown model card (Mitchell et al.'s nine\n"
	  "sections) from the registry, the source run and its data set versions;\n"
	  "tags card.intended_use, card.factors, card.ethical_considerations,\n"
	  "card.caveats, ... (version over model) fill sections, and what cairn\n"
	  "does not know is written \"unknown\". Filters are MLflow's: name,\n"
	  "tags.KEY (models); name, version_number, run_id, source_path, tags.KEY\n"
	  "(versions).\n"
	  "promote moves an alias with a recorded reason, refusing Archived\n"
	  "versions; --expect makes it a compare-and-swap on the current holder\n"
	  "(a concurrent move is a conflict, nothing changed). rollback moves an\n"
	  "alias (default production) back to its previous holder after verifying\n"
	  "that version's bytes; repeated rollbacks walk further back; with\n"
	  "--expect N it moves only if version N still holds the alias (else a\n"
	  "conflict, nothing changed). history lists alias and stage moves with\n"
	  "actor, time and reason; at tells what held an alias at a time (UTC).\n"
	  "Without --expect, promote compares with the holder it saw when it\n"
	  "started. download and rollback work against a cairn server too\n"
	  "(CAIRN_TRACKING_URI); a download from a server is verified against the\n"
	  "version's content id before it is written.\n"
	  "A policy names the gates a promotion to an alias must pass, checked in\n"
	  "the promotion's transaction; a refusal names each failed gate and why.\n"
	  "A GATE is 'metrics.KEY OP NUMBER' (the source run's metric), 'metrics.KEY\n"
	  "OP current' (against the current holder's run), 'input-context CONTEXT'\n"
	  "(a data set input so used) or 'approvals N' (OP: < <= > >= == !=). With\n"
	  "approvals, promote needs a request approved by N people other than its\n"
	  "requester (request, approve, reject), and uses it up.\n" },
	{ "server", cmd_server, "serve MLflow's REST API and artifact proxy",
	  "usage: cairn server [--host HOST] [--port PORT] [--store DIR] [--workers N]\n"
	  "\n"
	  "Serve the project's experiments, runs, artifacts and model registry\n"
	  "over MLflow's REST\n"
	  "API (2.0, under /api/2.0 and /ajax-api/2.0) and artifact proxy, so\n"
	  "MLflow clients work unchanged with MLFLOW_TRACKING_URI=http://HOST:PORT.\n"
	  "--host defaults to 127.0.0.1, --port to 5000 (0: any free port),\n"
	  "--store to the project around the current directory, --workers (the\n"
	  "threads serving connections) to 2. GET /health answers OK once ready.\n"
	  "SIGINT or SIGTERM stops accepting connections and lets the requests\n"
	  "already received finish; a second one stops at once.\n" },
	{ "serve", cmd_serve, "answer predictions of a registered model, following its alias",
	  "usage: cairn serve URI [--host HOST] [--port PORT] [--name NAME] [--keep N]\n"
	  "                   [--canary URI=PERCENT] [--shadow URI]\n"
	  "                   [--max-error-rate RATE] [--max-p99-ms MS] [--window DUR]\n"
	  "                   [--python PATH] [--timeout MS] [--poll-ms MS] [--threads N]\n"
	  "                   [--max-body SIZE]\n"
	  "\n"
	  "Load the version URI names (models:/NAME@ALIAS, models:/NAME/STAGE,\n"
	  "models:/NAME/N, models:/NAME/latest), verified byte for byte, and answer\n"
	  "predictions: MLflow's scoring protocol (POST /invocations with\n"
	  "dataframe_split, dataframe_records, instances, inputs or CSV; /ping,\n"
	  "/health, /version) and the Open Inference Protocol v2 (/v2/health/live,\n"
	  "/v2/health/ready, /v2/models/NAME[/versions/N][/infer]); /metrics in\n"
	  "Prometheus' format. Every prediction names its version in the header\n"
	  "X-Cairn-Model-Version: NAME/N. XGBoost models run in process;\n"
	  "sklearn and python_function models in a Python worker (--python, else\n"
	  "$CAIRN_PYTHON, else python3), each prediction limited to --timeout\n"
	  "(default 30000 ms, its wait for the worker included).\n"
	  "--max-body (default 16M; K, M, G or bytes) is the largest request body\n"
	  "read, a larger one is 413; decoding JSON holds about 20 times the body.\n"
	  "It follows the URI: when the alias or stage moves (from any process),\n"
	  "the new version is loaded and verified in the background and swapped in\n"
	  "atomically; requests in flight finish on their version. A version that\n"
	  "does not load or verify is not swapped in: the old one keeps serving.\n"
	  "The last --keep versions (default 2) stay loaded, so a rollback to one\n"
	  "of them is a pointer flip. --poll-ms (default 250) is how often it looks.\n"
	  "--canary sends PERCENT of requests to a second URI (sticky per\n"
	  "X-Cairn-Routing-Key header); --shadow sends a copy of each request the\n"
	  "primary answered to a third URI, after answering (copies are dropped\n"
	  "when it falls behind), and records its latency and agreement.\n"
	  "With --max-error-rate (1% or 0.01) or --max-p99-ms over --window\n"
	  "(default 60s), a version promoted to a followed alias that breaks the\n"
	  "budget is rolled back (the alias moves to its previous holder) and the\n"
	  "reason recorded with the measured figures; of replicas guarding one\n"
	  "alias, one rolls it back and the others follow.\n"
	  "Each start, swap, failed load, rollback and stop is recorded in the\n"
	  "deployment NAME (default: the model's name): see 'cairn deployments';\n"
	  "'cairn deployments set' changes the traffic of a running server.\n"
	  "--host defaults to 127.0.0.1, --port to 8080 (0: any free port; the\n"
	  "URL is printed), --threads (serving connections) to 2. SIGINT or\n"
	  "SIGTERM stops accepting connections, lets the requests already\n"
	  "received finish and records the stop.\n" },
	{ "lineage", cmd_lineage, "what data and runs a model came from, and what came of them",
	  "usage: cairn lineage data NAME@vN [--upstream | --downstream] [--format F]\n"
	  "   or: cairn lineage run RUN [--upstream | --downstream] [--format F]\n"
	  "   or: cairn lineage [model] models:/NAME/N [--upstream | --downstream] [--format F]\n"
	  "   or: cairn lineage deployment NAME [--format F]\n"
	  "\n"
	  "The graph data set version -> run that used it (with the input's\n"
	  "context) -> model version registered from the run, and run -> data set\n"
	  "versions it produced ('data add' inside 'cairn run', or --run), around\n"
	  "one node: upstream, what it came from, through producing runs\n"
	  "recursively; downstream, what came of it (default: both). A producing\n"
	  "run kept elsewhere shows as 'run ID (not in this store)'. 'lineage\n"
	  "data NAME@v2 --downstream' lists every run and model version that\n"
	  "used a data set version, with the stages and aliases they hold now. Any model URI names a version (models:/NAME@champion).\n"
	  "Downstream of a model version are the deployments that served it\n"
	  "(edge 'served', with the role: primary, canary or shadow); upstream\n"
	  "of a deployment, every version it served and what those came from.\n"
	  "F is tree (default), json, or dot (Graphviz: 'dot -Tsvg').\n" },
	{ "deployments", cmd_deployments, "what each model server serves, and what served when",
	  "usage: cairn deployments list [--json]\n"
	  "   or: cairn deployments show NAME [--json]\n"
	  "   or: cairn deployments set NAME [--model URI] [--canary URI=PCT |\n"
	  "                             --canary-percent PCT | --no-canary]\n"
	  "                             [--shadow URI | --no-shadow] [--reason TEXT]\n"
	  "   or: cairn deployments delete NAME [--reason TEXT]\n"
	  "   or: cairn deployments record NAME EVENT [--model NAME/VERSION]\n"
	  "                                [--details JSON] [--reason TEXT]\n"
	  "\n"
	  "A deployment is a named 'cairn serve': the model URI it follows\n"
	  "(models:/NAME@production), an optional canary URI answering PCT percent\n"
	  "of the requests (a whole number from 0 to 100, '10' or '10%'), and an\n"
	  "optional shadow URI that sees a copy of every request. set creates one\n"
	  "(--model is then required) or changes what is given, recorded in the\n"
	  "audit log with --reason; a running server picks the change up within a\n"
	  "second. Setting what is already set changes nothing. A URI need not\n"
	  "resolve yet: set warns about each one that does not (servers keep\n"
	  "serving what they serve until it does). delete removes a deployment's\n"
	  "settings; its events stay, and show still tells its history (a server\n"
	  "still running keeps serving what it serves, unrecorded: stop it first).\n"
	  "list shows each deployment with the versions its server serves now;\n"
	  "show adds its timeline: every change, start, swap,\n"
	  "rollback (with why) and stop, with the version and traffic concerned.\n"
	  "record adds such an event (EVENT: start, swap, rollback, load-failed or\n"
	  "stop; details a JSON object, e.g. {\"role\": \"canary\", \"traffic\": 10})\n"
	  "for a serving layer other than 'cairn serve', which records its own.\n"
	  "With CAIRN_TRACKING_URI (or MLFLOW_TRACKING_URI) naming a cairn server,\n"
	  "the commands work on that server's deployments.\n" },
	{ "audit", cmd_audit, "the tamper-evident log of every change to the store",
	  "usage: cairn audit log [--object OBJECT] [--action ACTION] [--since TIME]\n"
	  "                       [--until TIME] [--json]\n"
	  "   or: cairn audit verify [--expect SEQ:HASH] [--json]\n"
	  "\n"
	  "Every change to the store (experiments and runs created, renamed,\n"
	  "finished, deleted, restored; data set versions added or pulled; the\n"
	  "data a run used; model registrations and moves) is an event with its\n"
	  "time, actor, action, object, the state before and after, and a hash\n"
	  "that covers the previous event's: a chain.\n"
	  "\n"
	  "log     events, oldest first. OBJECT is KIND:ID (run:<id>,\n"
	  "        experiment:3, dataset:NAME@v2, model:NAME/3); dataset:NAME or\n"
	  "        model:NAME also match its versions. ACTION is exact, or a\n"
	  "        prefix ending in '.' (run.). TIME is 2026-03-01,\n"
	  "        2026-03-01T12:00Z or milliseconds since the epoch (UTC).\n"
	  "verify  recompute the chain; exit 1 naming the first event that was\n"
	  "        modified, removed, inserted or reordered, or a truncated tail.\n"
	  "        Prints the head hash: keep it elsewhere, and give it back\n"
	  "        with --expect to detect a history rewritten or cut as a whole.\n"
	  "\n"
	  "The actor is the OS user, or 'cairn --user NAME COMMAND'.\n" },
	{ "fsck", cmd_fsck, "verify every object in the store",
	  "usage: cairn fsck [--json]\n"
	  "\n"
	  "Read and verify every object; report each missing or damaged one by\n"
	  "id and by the data set versions, runs and model versions that\n"
	  "reference it. Exits 1 if any.\n" },
	{ "gc", cmd_gc, "remove unreferenced objects and repack",
	  "usage: cairn gc [--dry-run] [--json]\n"
	  "\n"
	  "Remove the objects that no data set version, no run's artifacts and\n"
	  "no model version reference, and repack the rest into one pack.\n"
	  "--dry-run only reports what would go.\n" },
	{ "help", cmd_help, "show help for cairn or a command",
	  "usage: cairn help [COMMAND]\n" },
	{ "version", cmd_version, "print cairn's version", "usage: cairn version\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cmd *cmd_lookup(const char *name)
{
	const struct cmd *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void print_overview(FILE *out)
{
	const struct cmd *c;

	fputs("usage: cairn [-C DIR] [--user NAME] [--version] [--help] COMMAND [ARGS]\n\n"
	      "cairn versions the data, runs and models of machine learning.\n\n"
	      "commands:\n", out);
	for (c = commands; c->name; c++)
		fprintf(out, "   %-9s %s\n", c->name, c->summary);
	fputs("\nenvironment:\n"
	      "   CAIRN_TRACKING_URI  where experiments and runs are tracked (else\n"
	      "                       MLFLOW_TRACKING_URI): http(s)://HOST:PORT, a\n"
	      "                       cairn server; file:PATH or PATH, that project;\n"
	      "                       unset, the project here. Data sets stay local.\n"
	      "\nSee 'cairn help COMMAND' for one command.\n", out);
}

int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *c;

	(void)ctx;
	if (argc < 2) {
		print_overview(stdout);
		return 0;
	}
	if (!(c = cmd_lookup(argv[1])))
		return cli_error("'%s' is not a cairn command; see 'cairn help'", argv[1]);
	fputs(c->usage, stdout);
	return 0;
}

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	printf("cairn version %s\n", cairn_version());
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx ctx = { ".", NULL };
	const struct cmd *c;
	int opt, i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+C:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			if (chdir(optarg) < 0)
				cli_die("cannot change to '%s': %s", optarg,
					strerror(errno));
			break;
		case 'u':
			ctx.user = optarg;
			break;
		case 'V':
			return cmd_version(0, NULL, &ctx);
		case 'h':
			print_overview(stdout);
			return 0;
		default:
			if (optopt == 'C')
				cli_usage(NULL, "option '-C' needs a directory");
			if (optopt == 'u')
				cli_usage(NULL, "option '--user' needs a name");
			cli_usage(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!(c = cmd_lookup(argv[optind])))
		cli_usage(NULL, "'%s' is not a cairn command", argv[optind]);
	for (i = optind + 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(c->usage, stdout);
			return 0;
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0;
	opterr = 1;
	return c->fn(argc, argv, &ctx);
}
