/** `athanor run FILE`: a whole campaign in this process, against the lab its file names. */
import { loadCampaignFile, applyOverrides, substanceWarnings } from '../campaign/index.js';
import { summarizeCampaign, openCampaign, type CampaignRunner } from '../agent/index.js';
import { summarizeDiscovery, type DiscoverySummary } from '../agent/discovery-summary.js';
import { getCampaign, listObservations, openDatabase, resolveHome, type Db } from '../db/index.js';
import { formatParameters, formatSummary, formatValue } from './format.js';
import { formatParetoFront, frontEntries } from './pareto-table.js';
import { Measurements, paretoFrontOf } from '../measurements/measurements.js';
import { Objective } from '../objectives/objective.js';
import { UsageError } from './errors.js';
import { attendApprovals, type ApprovalMode } from './approval-prompt.js';
import { exitWhenDatabaseLost } from './database-lost.js';
import { loadServiceConfig, ServiceConfigError } from '../agent/service-config.js';

/** `athanor run` ends with this when the campaign paused because its lab is down or refuses our credentials. */
export const LAB_OUTAGE_EXIT_CODE = 4;

export interface RunOptions {
  budget?: number;
  batch?: number;
  seed?: number;
  resume?: boolean;
  campaign?: string;
  json?: boolean;
  home?: string;
  quiet?: boolean;
  /** Folders the campaign's files may be in besides the file's own folder and the home. */
  dataDir?: string[];
  /** The service configuration file (lab profiles, secrets, data folders). */
  config?: string;
  /** Campaigns with planner.approval: approve every batch ('all', or true), or ask on stdin ('ask'; the default on a terminal). */
  approve?: ApprovalMode | true;
}

/** One line per finished batch, with the best value so far. */
function watchProgress(runner: CampaignRunner, out: (line: string) => void, db: Db): void {
  const { spec } = runner;
  const started = Date.now();
  let lastReported = -1;
  runner.on('result', (event) => {
    if (event.outcome === 'error' || event.outcome === 'quarantined') out(`  ! ${event.reason ?? event.outcome}`);
    if (event.outcome === 'failed') out(`  ! experiment failed: ${event.reason}`);
    void runner.steps.progress().then((p) => {
      const batchDone = p.finished % spec.budget.batch === 0 || p.used >= spec.budget.experiments;
      if (!batchDone || p.inFlight > 0 || p.finished === lastReported) return;
      lastReported = p.finished;
      const unit = spec.objective.unit ?? null;
      const best = p.best ? `best ${spec.objective.target} ${formatValue(p.best.value, unit)} (experiment ${p.best.seq}: ${formatParameters(p.best.parameters)})` : 'no result yet';
      const line = (what: string) => out(`[${String(p.finished).padStart(4)}/${spec.budget.experiments}] ${what}  ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (spec.planner.strategy !== 'discovery') return line(best);
      // a discovery campaign's progress is its map of the space, not a best result
      return summarizeDiscovery(db, runner.campaignId, spec, runner.runtime).then((d) => {
        if (!d) return line(best);
        const accuracy = d.accuracy === null ? '' : `, ${(100 * d.accuracy).toFixed(1)} % of it right`;
        line(`${d.reacted} reacted; the map says ${d.predictedReactive} of ${d.candidates} react${accuracy}`);
      });
    });
  });
}

export async function runCommand(file: string | undefined, options: RunOptions): Promise<number> {
  if (!file && !options.campaign) throw new UsageError('give a campaign file, or --campaign ID to continue one');
  const home = resolveHome(options.home);
  const config = await loadServiceConfig(home, options.config).catch((error: unknown) => {
    throw error instanceof ServiceConfigError ? new UsageError(error.message) : error;
  });
  let spec;
  let source = '';
  if (file) {
    // The machine's owner runs this: the campaign's files may be beside the file, in the home
    // (where labs keep their working folders), or in a folder named with --data-dir or in the
    // configuration; nothing else is opened.
    const loaded = await loadCampaignFile(file, {
      dataFolders: [home, ...(options.dataDir ?? []), ...config.dataFolders],
      profiles: config.profiles,
    });
    spec = applyOverrides(loaded.spec, {
      ...(options.budget !== undefined ? { budget: options.budget } : {}),
      ...(options.batch !== undefined ? { batch: options.batch } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    source = loaded.source;
    // allowed, but worth a look: one SMILES pasted twice would look the same
    for (const w of substanceWarnings(loaded.spec)) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
  }
  const database = await openDatabase({ home });
  exitWhenDatabaseLost(database, (reason) => process.stderr.write(`athanor: the database is gone (${reason.message}); the campaign is saved up to its last step: continue it with --resume\n`));
  const log = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  try {
    const { campaign, runner, resumed } = await openCampaign(database.db, {
      ...(spec ? { spec, source } : {}),
      ...(options.resume !== undefined ? { resume: options.resume } : {}),
      ...(options.campaign ? { campaignId: options.campaign } : {}),
      home,
      actor: 'cli',
      config,
    });
    if (options.resume && !resumed && !options.quiet) log('No unfinished campaign from this file: starting a new one.');
    if (!options.quiet) {
      log(`${resumed ? 'Resuming' : 'Running'} campaign ${campaign.id} "${campaign.name}": ${describeSpace(runner.runtime.space)}, budget ${campaign.budget}, batch ${campaign.batchSize}, lab ${runner.runtime.lab.name}`);
      watchProgress(runner, log, database.db);
    }
    const interrupt = () => {
      log(`Interrupted: the campaign is saved; continue it with --resume or --campaign ${campaign.id}`);
      void runner.detach().then(() => database.close()).then(() => process.exit(130));
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    // The lab stayed unhealthy past lab.pause_after_unhealthy_s, or refused our credentials: the
    // campaign paused itself (nothing failed, no budget spent); this process ends with exit code 4.
    const outage = new Promise<{ outage: string }>((resolve) => runner.once('lab-outage', (reason) => resolve({ outage: reason })));
    const approvalMode: ApprovalMode | undefined = options.approve === true ? 'all' : (options.approve ?? (process.stdin.isTTY ? 'ask' : undefined));
    const stopApprovals = runner.spec.planner.approval?.required ? attendApprovals(runner, database.db, { mode: approvalMode, out: log }) : undefined;
    await runner.start();
    // continuing a paused campaign (--campaign, --resume) is the person saying "go on"
    if (runner.state === 'paused') await runner.resume('cli');
    const end = await Promise.race([runner.done, outage]);
    stopApprovals?.();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    if ('outage' in end) {
      await runner.detach();
      if (options.json) process.stdout.write(`${JSON.stringify({ campaignId: campaign.id, status: 'paused', outcome: end.outage })}\n`);
      process.stderr.write(`athanor: campaign ${campaign.id} paused: ${end.outage}\nNo experiment was failed for it. Fix the lab, then continue with: athanor run --campaign ${campaign.id}\n`);
      // as after an interrupt: a detached runner may leave workers (model fits) that would keep the process alive
      await database.close();
      process.exit(LAB_OUTAGE_EXIT_CODE);
    }

    const finished = await getCampaign(database.db, campaign.id);
    const summary = await summarizeCampaign(database.db, finished ?? campaign, runner.runtime.reference);
    const discovery = await summarizeDiscovery(database.db, campaign.id, runner.spec, runner.runtime);
    const objective = Objective.of(runner.spec);
    const front = objective.kind === 'pareto' ? frontEntries(paretoFrontOf(Measurements.from(await listObservations(database.db, campaign.id)), objective), objective) : undefined;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          campaignId: summary.campaignId,
          status: summary.status,
          outcome: summary.outcome,
          experiments: summary.experiments,
          target: summary.target,
          best: summary.best,
          // deprecated alias of best.value (documented in README.md)
          bestYield: summary.bestYield,
          firstTop1At: summary.firstTop1At,
          firstMaxAt: summary.firstMaxAt,
          top1Threshold: summary.reference?.top1Threshold ?? null,
          counts: summary.counts,
          ...(discovery ? { discovery } : {}),
          ...(front ? { paretoFront: front } : {}),
        })}\n`,
      );
    } else {
      process.stdout.write(`\n${formatSummary(summary, database.location, discovery ? formatDiscovery(discovery) : undefined)}\n`);
      if (front) process.stdout.write(`\n${formatParetoFront(front, objective).join('\n')}\n`);
    }
    return end.status === 'failed' ? 1 : 0;
  } finally {
    await database.close();
  }
}

function formatDiscovery(d: DiscoverySummary): string[] {
  const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `  reactivity    ${d.reacted} of ${d.experiments} experiments reacted; the map says ${d.predictedReactive} of ${d.candidates.toLocaleString('en')} combinations react`,
  ];
  if (d.productsObserved > 0) {
    lines.push(`  products      the forward model's top product was the one observed in ${d.forwardAgreed} of ${d.productsObserved} reacted experiments that reported a product`);
  }
  if (d.accuracy !== null && d.majorityAccuracy !== null) {
    lines.push(`  map accuracy  ${percent(d.accuracy)} of the dataset's combinations right after exploring ${percent(d.experiments / d.candidates)} (the majority outcome everywhere: ${percent(d.majorityAccuracy)})`);
  }
  return lines;
}

/** "1,728 candidates", or for a searched space its parameters (its candidates are the points it proposes). */
function describeSpace(space: { size: number; domain?: { continuous: unknown[]; discrete: unknown[]; discreteCombinations: number } }): string {
  if (!space.domain) return `${space.size.toLocaleString('en')} candidates`;
  const { continuous, discrete, discreteCombinations } = space.domain;
  return `a searched space (${continuous.length} continuous parameter${continuous.length === 1 ? '' : 's'}${discrete.length ? `, ${discreteCombinations.toLocaleString('en')} discrete combinations` : ''})`;
}
