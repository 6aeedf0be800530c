/**
 * What every reference robot has whatever protocol it speaks: the deck (a RobotLab answering from
 * a dataset or a closed-form landscape, with queue, delays and failures) and the outbox of reports
 * awaiting acknowledgement.
 */
import { join } from 'node:path';
import { labLogger, type Logger } from '../log.js';
import type { RobotOracle } from './robot-oracle.js';
import { ReportOutbox } from './report-outbox.js';
import { RobotLab } from './robot-lab.js';

export interface RobotOptions {
  oracle: RobotOracle;
  /** The dataset or landscape, for messages. */
  source: string;
  /** Experiments accepted and unfinished at most (the queue's length); beyond it the robot is busy. */
  capacity?: number;
  /** Experiments running at once. */
  parallel?: number;
  /** Mean run time beyond the shortest one (exponential). */
  latencyMs?: number;
  /** Shortest run time. */
  minLatencyMs?: number;
  noiseSd?: number;
  failureRate?: number;
  /** Noisy values are clipped into these bounds. */
  clip?: [number, number];
  duplicateRate?: number;
  lateRate?: number;
  lateMs?: number;
  seed?: number;
  /** Where the robot keeps its journals; without one it forgets everything when it stops. */
  stateDir?: string;
  log?: Logger;
}

export interface RobotParts {
  lab: RobotLab;
  outbox: ReportOutbox;
  log: Logger;
}

/** The robot's deck and outbox; results go into the outbox with `routeOf(id)` (HTTP: a callback URL). */
export async function startRobotParts(name: string, options: RobotOptions, routeOf: (experimentId: string) => string | undefined = () => undefined): Promise<RobotParts> {
  const log = options.log ?? labLogger(name);
  const seed = options.seed ?? 0;
  const lab = new RobotLab(
    {
      name,
      capacity: options.capacity ?? 50,
      parallel: options.parallel ?? 4,
      seed,
      latencyMs: options.latencyMs ?? 200,
      minLatencyMs: options.minLatencyMs ?? 0,
      noiseSd: options.noiseSd ?? 0,
      failureRate: options.failureRate ?? 0,
      ...(options.clip ? { bounds: Object.fromEntries(options.oracle.quantities.map((q) => [q, options.clip as [number, number]])) } : {}),
      ...(options.stateDir ? { journalPath: join(options.stateDir, 'robot-journal.jsonl') } : {}),
      log,
    },
    options.oracle,
    options.source,
  );
  const outbox = new ReportOutbox({
    seed,
    duplicateRate: options.duplicateRate ?? 0,
    lateRate: options.lateRate ?? 0,
    lateMs: options.lateMs ?? 2000,
    ...(options.stateDir ? { journalPath: join(options.stateDir, 'reports.jsonl') } : {}),
  });
  await lab.start(async (result) => {
    outbox.add(result, lab.orderOf(result.experimentId)?.campaignId ?? '', routeOf(result.experimentId));
  });
  return { lab, outbox, log };
}
