'use strict';
/*
 * test.js: cairn server driven by the npm package `mlflow` 2.0.7, a
 * third-party Node.js MLflow client (mlflow-rest.md section 6), through
 * every call the package makes: Experiments (create, get, update, delete,
 * restore, and list/setExperimentTag, which fail on MLflow itself: a route
 * MLflow 2.0 removed and a path the package misspells), Runs (create, get,
 * update, delete, restore, logMetric, logParameter, setTag, deleteTag,
 * logBatch, search with a filter, order and pages), Metrics.getHistory and
 * Artifacts.list (over files uploaded with a plain PUT to the artifact
 * proxy: the package cannot upload).
 *
 * The server is at $CAIRN_URL (tests/api/run.py --exec starts it). Prints
 * "ok N - ..." per check and "N passed, M failed"; exits 1 on a failure.
 * The package console.log()s every request body: those lines are kept
 * (the checks read them) instead of printed.
 */
const assert = require('node:assert/strict');
const MLflow = require('mlflow');
const { ViewType, RunStatus, LifecycleStage } = require('mlflow/enum');

const URL_BASE = process.env.CAIRN_URL;
if (!URL_BASE) {
	process.stdout.write('test.js: CAIRN_URL is not set\n');
	process.exit(2);
}

const sent = [];
console.log = (...args) => { sent.push(args.join(' ')); };
const lastSent = () => JSON.parse(sent[sent.length - 1]);

const watchdog = setTimeout(() => {
	process.stdout.write('not ok - timed out after 50 s\n0 passed, 1 failed\n');
	process.exit(1);
}, 50000);

const client = new MLflow({ endpoint: URL_BASE });
const { Experiments, Runs, Metrics, Artifacts } = client;

let n = 0, passed = 0, failed = 0;
const state = {};

async function check(name, fn) {
	n++;
	try {
		await fn();
		process.stdout.write(`ok ${n} - ${name}\n`);
		passed++;
	} catch (e) {
		process.stdout.write(`not ok ${n} - ${name}\n`);
		const text = e && e.stack ? e.stack : String(e);
		for (const line of text.split('\n').slice(0, 30))
			process.stdout.write(`#   ${line}\n`);
		failed++;
	}
}

function need(name) {
	if (state[name] === undefined)
		throw new Error(`no ${name}: an earlier check failed`);
	return state[name];
}

/* The package's error: Error("Error: " + JSON.stringify({status, statusText, data})). */
async function rejects(promise) {
	try {
		const v = await promise;
		throw new assert.AssertionError({ message: `expected an error, got ${JSON.stringify(v)}` });
	} catch (e) {
		if (e instanceof assert.AssertionError)
			throw e;
		const m = /^(?:Error: )*(\{.*\})$/s.exec(e.message);
		assert.ok(m, `not the package's error: ${e.message}`);
		return JSON.parse(m[1]);
	}
}

async function rejectsWith(promise, status, code) {
	const err = await rejects(promise);
	assert.equal(err.status, status, JSON.stringify(err));
	if (code !== undefined) {
		assert.ok(err.data, `no JSON error body: ${JSON.stringify(err)}`);
		assert.equal(err.data.error_code, code, JSON.stringify(err));
		assert.equal(typeof err.data.message, 'string');
	}
	return err;
}

const isInt = (v) => Number.isInteger(v);
const kv = (list) => Object.fromEntries((list || []).map((e) => [e.key, e.value]));
const sortByPath = (list) => [...(list || [])].sort((a, b) => (a.path < b.path ? -1 : 1));
const byKey = (list) => Object.fromEntries((list || []).map((e) => [e.key, e]));

function checkExperiment(e, id, name) {
	assert.equal(e.experiment_id, id);
	assert.equal(e.name, name);
	assert.equal(e.artifact_location, `mlflow-artifacts:/${id}`);
	assert.ok(isInt(e.creation_time) && isInt(e.last_update_time), JSON.stringify(e));
}

function checkRunInfo(i) {
	assert.match(i.run_id, /^[0-9a-f]{32}$/);
	assert.equal(i.run_uuid, i.run_id);
	assert.equal(i.experiment_id, need('exp'));
	assert.ok(Object.values(RunStatus).includes(i.status), i.status);
	assert.ok(isInt(i.start_time), JSON.stringify(i));
	assert.equal(i.artifact_uri, `mlflow-artifacts:/${i.experiment_id}/${i.run_id}/artifacts`);
	assert.ok(Object.values(LifecycleStage).includes(i.lifecycle_stage));
}

async function put(rel, body) {
	const run = need('run');
	const r = await fetch(`${URL_BASE}/api/2.0/mlflow-artifacts/artifacts/${need('exp')}/${run}/artifacts/${rel}`,
		{ method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
	const text = await r.text();
	assert.equal(r.status, 200, text);
	assert.deepEqual(JSON.parse(text), {});
}

async function main() {
	const name = `npm-client-${process.pid}`;
	const start = Date.now();

	await check('Experiments.create', async () => {
		const r = await Experiments.create({ name });
		assert.deepEqual(Object.keys(r), ['experiment_id']);
		assert.match(r.experiment_id, /^[0-9]+$/);
		state.exp = r.experiment_id;
		assert.deepEqual(lastSent(), { name });
	});
	await check('Experiments.create: a taken name is 400 RESOURCE_ALREADY_EXISTS', async () => {
		await rejectsWith(Experiments.create({ name }), 400, 'RESOURCE_ALREADY_EXISTS');
	});
	await check('Experiments.get', async () => {
		const { experiment } = await Experiments.get({ experiment_id: need('exp') });
		checkExperiment(experiment, state.exp, name);
		assert.equal(experiment.lifecycle_stage, 'active');
	});
	await check('Experiments.get: unknown id is 404 RESOURCE_DOES_NOT_EXIST', async () => {
		await rejectsWith(Experiments.get({ experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST');
	});
	await check('Experiments.update renames', async () => {
		assert.deepEqual(await Experiments.update({ experiment_id: need('exp'), new_name: `${name}-b` }), {});
		const { experiment } = await Experiments.get({ experiment_id: state.exp });
		assert.equal(experiment.name, `${name}-b`);
	});
	await check('Experiments.list: 404, the route MLflow 2.0 removed', async () => {
		await rejectsWith(Experiments.list({ view_type: ViewType.ALL }), 404);
	});
	await check('Experiments.setExperimentTag: 404, the package drops a "/"', async () => {
		await rejectsWith(Experiments.setExperimentTag({ experiment_id: need('exp'), key: 'k', value: 'v' }), 404);
	});

	await check('Runs.create: a generated run name, mirrored in mlflow.runName', async () => {
		const tags = [{ key: 'mlflow.source.type', value: 'LOCAL' }, { key: 'team', value: 'node' }];
		const { run } = await Runs.create({ experiment_id: need('exp'), user_id: 'npm', start_time: start, tags });
		checkRunInfo(run.info);
		assert.equal(run.info.user_id, 'npm');
		assert.equal(run.info.status, RunStatus.RUNNING);
		assert.equal(run.info.start_time, start);
		assert.equal(run.info.end_time, undefined);
		assert.ok(run.info.run_name && run.info.run_name.length > 0, JSON.stringify(run.info));
		const t = kv(run.data.tags);
		assert.equal(t['mlflow.runName'], run.info.run_name);
		assert.equal(t.team, 'node');
		assert.equal(t['mlflow.source.type'], 'LOCAL');
		assert.equal(run.data.metrics, undefined);
		assert.equal(run.data.params, undefined);
		state.run = run.info.run_id;
		state.runName = run.info.run_name;
	});
	await check('Runs.create: a second run', async () => {
		const { run } = await Runs.create({ experiment_id: need('exp'), user_id: 'npm', start_time: start + 1 });
		checkRunInfo(run.info);
		state.run2 = run.info.run_id;
	});
	await check('Runs.get', async () => {
		const { run } = await Runs.get({ run_id: need('run') });
		checkRunInfo(run.info);
		assert.equal(run.info.run_name, state.runName);
		assert.deepEqual(run.inputs, {});
	});
	await check('Runs.get: unknown run is 404 RESOURCE_DOES_NOT_EXIST', async () => {
		const err = await rejectsWith(Runs.get({ run_id: '0123456789abcdef0123456789abcdef' }), 404,
			'RESOURCE_DOES_NOT_EXIST');
		assert.equal(err.data.message, 'Run with id=0123456789abcdef0123456789abcdef not found');
	});
	await check('Runs.logParameter (run_id and run_uuid)', async () => {
		assert.deepEqual(await Runs.logParameter({ run_id: need('run'), key: 'lr', value: '0.01' }), {});
		assert.equal(lastSent().run_uuid, state.run);
		assert.deepEqual(await Runs.logParameter({ run_id: state.run, key: 'lr', value: '0.01' }), {});
	});
	await check('Runs.logParameter: changing a value is 400', async () => {
		await rejectsWith(Runs.logParameter({ run_id: need('run'), key: 'lr', value: '0.02' }), 400,
			'INVALID_PARAMETER_VALUE');
	});
	await check('Runs.logMetric x3, and one without step', async () => {
		const run_id = need('run');
		for (const [step, value] of [[0, 0.9], [1, 0.5], [2, 0.4]])
			assert.deepEqual(await Runs.logMetric({ run_id, key: 'loss', value, timestamp: start + step, step }), {});
		assert.deepEqual(await Runs.logMetric({ run_id, key: 'acc', value: 0.75, timestamp: start }), {});
		assert.equal(lastSent().step, undefined);
	});
	await check('Runs.logMetric: an unknown run is 404', async () => {
		await rejectsWith(Runs.logMetric({ run_id: '0123456789abcdef0123456789abcdef', key: 'x', value: 1,
			timestamp: start }), 404, 'RESOURCE_DOES_NOT_EXIST');
	});
	await check('Runs.setTag and Runs.deleteTag', async () => {
		const run_id = need('run');
		assert.deepEqual(await Runs.setTag({ run_id, key: 'phase', value: 'train' }), {});
		assert.deepEqual(await Runs.setTag({ run_id, key: 'tmp', value: 'x' }), {});
		assert.deepEqual(await Runs.deleteTag({ run_id, key: 'tmp' }), {});
	});
	await check('Runs.deleteTag: an unknown tag is 404', async () => {
		await rejectsWith(Runs.deleteTag({ run_id: need('run'), key: 'tmp' }), 404, 'RESOURCE_DOES_NOT_EXIST');
	});
	await check('Runs.logBatch: metrics, params, tags', async () => {
		assert.deepEqual(await Runs.logBatch({
			run_id: need('run'),
			metrics: [{ key: 'loss', value: 0.3, timestamp: start + 3, step: 3 },
				{ key: 'val_loss', value: 0.35, timestamp: start + 3, step: 3 }],
			params: [{ key: 'opt', value: 'adam' }, { key: 'epochs', value: '4' }],
			tags: [{ key: 'note', value: 'batch' }],
		}), {});
		assert.deepEqual(await Runs.logBatch({
			run_id: need('run2'),
			metrics: [{ key: 'loss', value: 0.2, timestamp: start, step: 0 }],
			params: [{ key: 'opt', value: 'sgd' }],
		}), {});
	});
	await check('Runs.logBatch: over 100 params is 400', async () => {
		const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
		await rejectsWith(Runs.logBatch({ run_id: need('run'), params }), 400, 'INVALID_PARAMETER_VALUE');
	});
	await check('Runs.get: latest metrics, params, tags', async () => {
		const { run } = await Runs.get({ run_id: need('run') });
		const m = byKey(run.data.metrics);
		assert.deepEqual(Object.keys(m).sort(), ['acc', 'loss', 'val_loss']);
		assert.deepEqual(m.loss, { key: 'loss', value: 0.3, timestamp: start + 3, step: 3 });
		assert.deepEqual(m.acc, { key: 'acc', value: 0.75, timestamp: start, step: 0 });
		assert.deepEqual(kv(run.data.params), { lr: '0.01', opt: 'adam', epochs: '4' });
		const t = kv(run.data.tags);
		assert.equal(t.phase, 'train');
		assert.equal(t.note, 'batch');
		assert.equal(t.tmp, undefined);
	});
	await check('Metrics.getHistory', async () => {
		const r = await Metrics.getHistory({ run_id: need('run'), metric_key: 'loss' });
		assert.deepEqual(r.metrics.map((m) => [m.value, m.timestamp, m.step]),
			[[0.9, start, 0], [0.5, start + 1, 1], [0.4, start + 2, 2], [0.3, start + 3, 3]]);
		assert.ok(r.metrics.every((m) => m.key === 'loss'));
		assert.equal(r.next_page_token, undefined);
	});
	await check('Metrics.getHistory: an unknown key is {}', async () => {
		assert.deepEqual(await Metrics.getHistory({ run_id: need('run'), metric_key: 'nope' }), {});
	});
	await check('Runs.search with a filter', async () => {
		const r = await Runs.search({
			experiment_ids: [need('exp')], filter: "metrics.loss < 0.6 and params.opt = 'adam'",
			run_view_type: ViewType.ACTIVE_ONLY, max_results: 10,
		});
		assert.deepEqual(r.runs.map((x) => x.info.run_id), [need('run')]);
		assert.equal(r.next_page_token, undefined);
		assert.equal(kv(r.runs[0].data.params).opt, 'adam');
		checkRunInfo(r.runs[0].info);
	});
	await check('Runs.search: order_by and pages', async () => {
		const q = { experiment_ids: [need('exp')], order_by: ['metrics.loss ASC'], max_results: 1 };
		const p1 = await Runs.search(q);
		assert.deepEqual(p1.runs.map((x) => x.info.run_id), [need('run2')]);
		assert.equal(typeof p1.next_page_token, 'string');
		const p2 = await Runs.search({ ...q, page_token: p1.next_page_token });
		assert.deepEqual(p2.runs.map((x) => x.info.run_id), [need('run')]);
		assert.equal(p2.next_page_token, undefined);
	});
	await check('Runs.search: no match is {}', async () => {
		assert.deepEqual(await Runs.search({ experiment_ids: [need('exp')], filter: "params.opt = 'rmsprop'" }), {});
	});
	await check('Runs.search: a bad filter is 400', async () => {
		await rejectsWith(Runs.search({ experiment_ids: [need('exp')], filter: 'metrics.loss < 1 OR metrics.loss > 2' }),
			400, 'INVALID_PARAMETER_VALUE');
	});
	await check('Artifacts.list: no artifacts yet', async () => {
		const r = await Artifacts.list({ run_id: need('run') });
		assert.deepEqual(r, { root_uri: `mlflow-artifacts:/${need('exp')}/${state.run}/artifacts` });
	});
	await check('Artifacts.list after uploads (root and a directory)', async () => {
		await put('notes.txt', 'hello from node\n');
		await put('model/MLmodel', 'artifact_path: model\n');
		await put('model/weights.bin', Buffer.alloc(3000, 7));
		const root = await Artifacts.list({ run_id: need('run') });
		assert.equal(root.root_uri, `mlflow-artifacts:/${need('exp')}/${state.run}/artifacts`);
		assert.deepEqual(sortByPath(root.files), [
			{ path: 'model', is_dir: true },
			{ path: 'notes.txt', is_dir: false, file_size: 16 },
		]);
		const dir = await Artifacts.list({ run_id: state.run, path: 'model' });
		assert.deepEqual(sortByPath(dir.files), [
			{ path: 'model/MLmodel', is_dir: false, file_size: 21 },
			{ path: 'model/weights.bin', is_dir: false, file_size: 3000 },
		]);
	});
	await check('Artifacts.list: a traversing path is 400', async () => {
		await rejectsWith(Artifacts.list({ run_id: need('run'), path: '../x' }), 400, 'INVALID_PARAMETER_VALUE');
	});
	await check('Runs.update: FINISHED with an end time', async () => {
		const end = Date.now();
		const { run_info } = await Runs.update({ run_id: need('run'), status: RunStatus.FINISHED, end_time: end });
		checkRunInfo(run_info);
		assert.equal(run_info.status, 'FINISHED');
		assert.equal(run_info.end_time, end);
		assert.equal(lastSent().run_uuid, state.run);
	});
	await check('Runs.delete, then get, search DELETED_ONLY, restore', async () => {
		const run_id = need('run');
		assert.deepEqual(await Runs.delete({ run_id }), {});
		assert.equal((await Runs.get({ run_id })).run.info.lifecycle_stage, LifecycleStage.deleted);
		const d = await Runs.search({ experiment_ids: [need('exp')], run_view_type: ViewType.DELETED_ONLY });
		assert.deepEqual(d.runs.map((x) => x.info.run_id), [run_id]);
		await rejectsWith(Runs.logMetric({ run_id, key: 'loss', value: 1, timestamp: start }), 400,
			'INVALID_PARAMETER_VALUE');
		assert.deepEqual(await Runs.restore({ run_id }), {});
		assert.equal((await Runs.get({ run_id })).run.info.lifecycle_stage, LifecycleStage.active);
	});
	await check('Experiments.delete and Experiments.restore', async () => {
		const experiment_id = need('exp');
		assert.deepEqual(await Experiments.delete({ experiment_id }), {});
		assert.equal((await Experiments.get({ experiment_id })).experiment.lifecycle_stage, 'deleted');
		await rejectsWith(Experiments.delete({ experiment_id }), 404, 'RESOURCE_DOES_NOT_EXIST');
		assert.deepEqual(await Experiments.restore({ experiment_id }), {});
		assert.equal((await Experiments.get({ experiment_id })).experiment.lifecycle_stage, 'active');
	});
	await check('every request body the package sent was JSON', async () => {
		assert.ok(sent.length > 20, `only ${sent.length} bodies`);
		for (const s of sent)
			JSON.parse(s);
	});

	clearTimeout(watchdog);
	process.stdout.write(`${passed} passed, ${failed} failed\n`);
	process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
	process.stdout.write(`not ok - crashed: ${e && e.stack}\n${passed} passed, ${failed + 1} failed\n`);
	process.exit(1);
});
