/**
 * `athanor lab-sim --protocol http|mqtt|files|sila2 --dataset FILE` (or `--function NAME
 * --dimensions …` for continuous conditions): a standalone reference robot that speaks one lab
 * protocol, backed by a dataset or a closed-form landscape — for the demo, the tests, and anyone
 * writing an integration. When it is ready it prints one JSON line on stdout ({"ready":true,…}); logs go to
 * stderr. It runs until SIGINT or SIGTERM.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROBOT_LAB_TYPES } from '../campaign/index.js';
import { isMultiObjectiveFunction, MULTI_ANALYTIC_FUNCTIONS } from '../campaign/analytic-problems.js';
import { ANALYTIC_DIMENSIONS } from '../lab-adapters/analytic-functions.js';
import type { AnalyticLandscapeOptions } from '../lab-adapters/analytic-landscape.js';
import type { RobotOptions } from '../lab-adapters/reference-robot/robot-parts.js';
import type { RobotOracle } from '../lab-adapters/reference-robot/robot-oracle.js';
import { UsageError } from './errors.js';

// The robots, RDKit and MQTT.js load only when this command runs: every other command of the
// `athanor` binary would otherwise pay for them at start-up.

export interface LabSimOptions {
  protocol: string;
  dataset?: string;
  function?: AnalyticLandscapeOptions['function'];
  dimensions?: string;
  range?: string;
  direction?: 'maximize' | 'minimize';
  columns?: string;
  result?: string[];
  host?: string;
  port?: number;
  broker?: string;
  topicPrefix?: string;
  folder?: string;
  secretEnv?: string;
  authEnv?: string;
  authHeader?: string;
  tlsCert?: string;
  tlsKey?: string;
  capacity?: number;
  parallel?: number;
  latencyMs?: number;
  minLatencyMs?: number;
  noiseSd?: number;
  failureRate?: number;
  duplicateRate?: number;
  lateRate?: number;
  lateMs?: number;
  clip?: string;
  seed?: number;
  state?: string;
}

/** "a=b,c=d" or ["a=b", "c=d"] → { a: 'b', c: 'd' } */
function pairs(text: string | string[] | undefined, flag: string): Record<string, string> {
  const items = (Array.isArray(text) ? text : (text ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  const out: Record<string, string> = {};
  for (const item of items) {
    const [key, ...rest] = item.split('=');
    const value = rest.join('=').trim();
    if (!key?.trim() || !value) throw new UsageError(`${flag}: expected NAME=COLUMN, got "${item}"`);
    out[key.trim()] = value;
  }
  return out;
}

function secretFrom(name: string | undefined, flag: string): string | undefined {
  if (!name) return undefined;
  const value = process.env[name];
  if (!value) throw new UsageError(`${flag}: the environment variable ${name} is not set`);
  return value;
}

async function datasetOracle(options: LabSimOptions, file: string): Promise<{ oracle: RobotOracle; source: string }> {
  const dataset = resolve(file);
  const [{ initChem }, { DatasetOracle }, { readCsv }] = await Promise.all([
    import('../chem/index.js'),
    import('../lab-adapters/reference-robot/dataset-oracle.js'),
    import('../util/csv.js'),
  ]);
  let rows: Record<string, string>[];
  try {
    rows = (await readCsv(dataset)).rows;
  } catch (error) {
    throw new UsageError(`--dataset: cannot read ${dataset}: ${(error as Error).message}`);
  }
  const results = options.result?.length ? pairs(options.result, '--result') : { yield: 'yield' };
  await initChem();
  try {
    return { oracle: new DatasetOracle({ rows, source: dataset, results, ...(options.columns ? { columns: pairs(options.columns, '--columns') } : {}) }), source: dataset };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--dimensions temperature=20:120,time=1:60`: each condition's range, scaled onto the landscape's unit cube. */
function dimensionsOf(text: string | undefined): { name: string; min: number; max: number }[] {
  if (!text) throw new UsageError('--function needs --dimensions NAME=MIN:MAX,… (the conditions the robot varies, in the order the landscape takes them)');
  return Object.entries(pairs(text, '--dimensions')).map(([name, range]) => {
    const [min, max, ...extra] = range.split(':').map(Number);
    if (extra.length > 0 || !Number.isFinite(min) || !Number.isFinite(max) || (min as number) >= (max as number)) {
      throw new UsageError(`--dimensions: expected ${name}=MIN:MAX with MIN < MAX, got "${range}"`);
    }
    return { name, min: min as number, max: max as number };
  });
}

async function analyticOracle(options: LabSimOptions, fn: AnalyticLandscapeOptions['function']): Promise<{ oracle: RobotOracle; source: string }> {
  if (options.columns) throw new UsageError('--columns belongs to --dataset; a landscape takes its conditions from --dimensions');
  const range = (options.range ?? '0,100').split(',').map(Number);
  if (range.length !== 2 || !range.every(Number.isFinite) || (range[0] as number) >= (range[1] as number)) throw new UsageError('--range: expected LOW,HIGH with LOW < HIGH');
  const quantities = options.result?.map((r) => r.split('=')[0]!.trim()) ?? [];
  if (quantities.length > 1) throw new UsageError('--result: a single-score landscape reports one quantity (--result NAME)');
  const { AnalyticOracle } = await import('../lab-adapters/reference-robot/analytic-oracle.js');
  try {
    const oracle = new AnalyticOracle({
      function: fn,
      // a multi-objective problem names its own variables
      dimensions: isMultiObjectiveFunction(fn) ? [] : dimensionsOf(options.dimensions),
      quantity: quantities[0] || 'score',
      range: range as [number, number],
      direction: options.direction ?? 'maximize',
      seed: options.seed ?? 0,
    });
    return { oracle, source: `the ${fn} landscape` };
  } catch (error) {
    throw new UsageError(`--function ${fn}: ${(error as Error).message}`);
  }
}

export async function labSimCommand(options: LabSimOptions): Promise<number> {
  const protocol = options.protocol;
  if (!['http', 'mqtt', 'files', 'sila2'].includes(protocol)) throw new UsageError(`--protocol must be http, mqtt, files or sila2, got "${protocol}"`);
  if (!options.dataset === !options.function) throw new UsageError('give --dataset FILE (a CSV of measured reactions) or --function NAME with --dimensions (a closed-form landscape)');
  const clip = options.clip?.split(',').map(Number);
  if (clip && (clip.length !== 2 || !clip.every(Number.isFinite))) throw new UsageError('--clip: expected LOW,HIGH');
  const { labLogger } = await import('../lab-adapters/log.js');
  const { oracle, source } = options.function ? await analyticOracle(options, options.function) : await datasetOracle(options, options.dataset as string);

  const common: RobotOptions = {
    oracle,
    source,
    log: labLogger(`lab-sim ${protocol}`),
    ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.minLatencyMs !== undefined ? { minLatencyMs: options.minLatencyMs } : {}),
    ...(options.noiseSd !== undefined ? { noiseSd: options.noiseSd } : {}),
    ...(options.failureRate !== undefined ? { failureRate: options.failureRate } : {}),
    ...(options.duplicateRate !== undefined ? { duplicateRate: options.duplicateRate } : {}),
    ...(options.lateRate !== undefined ? { lateRate: options.lateRate } : {}),
    ...(options.lateMs !== undefined ? { lateMs: options.lateMs } : {}),
    ...(clip ? { clip: clip as [number, number] } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.state ? { stateDir: resolve(options.state) } : {}),
  };

  let robot: { close(): Promise<void> };
  let ready: Record<string, unknown>;
  if (protocol === 'http') {
    const secret = secretFrom(options.secretEnv ?? (process.env.ATHANOR_LAB_SECRET ? 'ATHANOR_LAB_SECRET' : undefined), '--secret-env');
    const token = secretFrom(options.authEnv, '--auth-env');
    const { startHttpRobot } = await import('../lab-adapters/reference-robot/http-robot.js');
    const http = await startHttpRobot({
      ...common,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 7411,
      ...(secret ? { secret } : {}),
      ...(token ? { auth: { header: options.authHeader ?? 'Authorization', value: token } } : {}),
    });
    robot = http;
    ready = { url: http.url, callbacks: secret ? 'signed' : 'off (no --secret-env): results only on GET /results' };
  } else if (protocol === 'mqtt') {
    const { startMqttRobot } = await import('../lab-adapters/reference-robot/mqtt-robot.js');
    const secret = secretFrom(options.secretEnv ?? (process.env.ATHANOR_LAB_SECRET ? 'ATHANOR_LAB_SECRET' : undefined), '--secret-env');
    const mqttRobot = await startMqttRobot({
      ...common,
      brokerUrl: options.broker ?? 'mqtt://127.0.0.1:1883',
      topicPrefix: options.topicPrefix ?? 'athanor/lab',
      ...(secret ? { secret } : {}),
    });
    await mqttRobot.ready;
    robot = mqttRobot;
    ready = { broker: options.broker ?? 'mqtt://127.0.0.1:1883', topicPrefix: options.topicPrefix ?? 'athanor/lab' };
  } else if (protocol === 'sila2') {
    const token = secretFrom(options.authEnv, '--auth-env');
    if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    const { readFileSync } = await import('node:fs');
    const read = (file: string, flag: string) => {
      try {
        return readFileSync(resolve(file));
      } catch (error) {
        throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
      }
    };
    const tls = options.tlsCert && options.tlsKey ? { cert: read(options.tlsCert, '--tls-cert'), key: read(options.tlsKey, '--tls-key') } : undefined;
    const { startSila2Station } = await import('../lab-adapters/reference-robot/sila2-station.js');
    const station = await startSila2Station({ ...common, host: options.host ?? '127.0.0.1', port: options.port ?? 7412, ...(token ? { accessToken: token } : {}), ...(tls ? { tls } : {}) });
    robot = station;
    ready = { address: station.address, serverUuid: station.serverUuid, tls: Boolean(tls), accessToken: token ? 'required' : 'off (no --auth-env)' };
  } else {
    if (!options.folder) throw new UsageError('--protocol files needs --folder DIR (the lab folder of the campaign)');
    const { startFilesRobot } = await import('../lab-adapters/reference-robot/files-robot.js');
    const files = await startFilesRobot({ ...common, folder: resolve(options.folder) });
    robot = files;
    ready = { folder: resolve(options.folder) };
  }
  process.stdout.write(`${JSON.stringify({ ready: true, protocol, ...(options.function ? { function: options.function } : { dataset: source }), ...ready })}\n`);

  await new Promise<void>((resolveStop) => {
    const stop = () => void robot.close().finally(resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function number(min: number, max = Infinity, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`must be ${integer ? 'an integer' : 'a number'} ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}`);
    }
    return n;
  };
}

export function registerLabSimCommand(program: Command): Command {
  return program
    .command('lab-sim')
    .description(`run a reference robot that speaks a lab protocol (${ROBOT_LAB_TYPES.join(', ')}), answering from a dataset or a closed-form landscape`)
    .addOption(new Option('--protocol <protocol>', 'the protocol to speak').choices([...ROBOT_LAB_TYPES]).makeOptionMandatory())
    .option('--dataset <file>', 'CSV of measured reactions the robot answers from')
    .addOption(new Option('--function <name>', 'instead of a dataset: a closed-form landscape over numeric conditions (any values, continuous spaces)').choices([...Object.keys(ANALYTIC_DIMENSIONS), ...MULTI_ANALYTIC_FUNCTIONS]))
    .option('--dimensions <list>', 'with --function: NAME=MIN:MAX pairs, comma-separated, each condition\'s range in the landscape\'s order')
    .option('--range <low,high>', 'with --function: the values the score runs between (default 0,100)')
    .addOption(new Option('--direction <direction>', 'with --function: where the best score sits in --range (default maximize)').choices(['maximize', 'minimize']))
    .option('--columns <list>', 'parameter=column pairs, comma-separated (default: found from the first experiment)')
    .option('--result <name=column>', 'a measured quantity and its column (repeatable; default yield=yield)', (v: string, all: string[] = []) => [...all, v])
    .option('--host <address>', 'http, sila2: address to listen on (default 127.0.0.1)')
    .option('--port <n>', 'http, sila2: port (default 7411 for http, 7412 for sila2; 0 = any free port)', number(0, 65535, true))
    .option('--secret-env <name>', 'http, mqtt: variable holding the key to sign callbacks (http) or result messages (mqtt) with (default ATHANOR_LAB_SECRET when set)')
    .option('--auth-env <name>', 'http: variable holding a token every request must carry; sila2: the access token (AuthorizationService metadata)')
    .option('--auth-header <name>', 'http: header carrying that token (default Authorization)')
    .option('--tls-cert <file>', 'sila2: PEM certificate chain; serve over TLS (with --tls-key)')
    .option('--tls-key <file>', 'sila2: PEM private key of --tls-cert')
    .option('--broker <url>', 'mqtt: broker URL (default mqtt://127.0.0.1:1883)')
    .option('--topic-prefix <prefix>', 'mqtt: topic prefix (default athanor/lab)')
    .option('--folder <dir>', "files: the lab folder (the campaign's lab.folder)")
    .option('--capacity <n>', 'experiments accepted and unfinished at most (default 50)', number(1, Infinity, true))
    .option('--parallel <n>', 'experiments running at once (default 4)', number(1, Infinity, true))
    .option('--latency-ms <ms>', 'mean run time of an experiment beyond the shortest (exponential; default 200)', number(0))
    .option('--min-latency-ms <ms>', 'shortest run time of an experiment (default 0)', number(0))
    .option('--noise-sd <sd>', 'Gaussian noise on every value (default 0)', number(0))
    .option('--clip <low,high>', 'clip noisy values into this range')
    .option('--failure-rate <p>', 'probability that an experiment fails (default 0)', number(0, 1))
    .option('--duplicate-rate <p>', 'probability that a result is reported twice (default 0)', number(0, 1))
    .option('--late-rate <p>', 'probability that a result is reported late (default 0)', number(0, 1))
    .option('--late-ms <ms>', 'how late a late report is (default 2000)', number(0))
    .option('--seed <n>', 'seed for latency, noise, failures and misbehaviour (default 0)', number(-Infinity, Infinity, true))
    .option('--state <dir>', 'keep the robot\'s journals here, so it remembers across restarts')
    .action(async (options: LabSimOptions) => {
      process.exitCode = await labSimCommand(options);
    });
}
