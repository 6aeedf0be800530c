/**
 * The service's log: JSON lines (for a log collector) unless a person watches the terminal, when
 * pino-pretty prints them as readable lines between the banner's. ATHANOR_LOG_FORMAT=json|pretty
 * overrides the guess (e.g. pretty under a process manager that keeps a terminal's colours).
 */
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { UsageError } from './errors.js';

export type LogFormat = 'json' | 'pretty';

/** Pretty when the log's stream (stderr) is a terminal, JSON otherwise; the environment decides first. */
export function logFormat(env: NodeJS.ProcessEnv, streamIsTty: boolean): LogFormat {
  const asked = env.ATHANOR_LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new UsageError(`ATHANOR_LOG_FORMAT: "${env.ATHANOR_LOG_FORMAT}" is not json or pretty`);
  return streamIsTty ? 'pretty' : 'json';
}

export function serviceLogger(format: LogFormat = logFormat(process.env, process.stderr.isTTY === true)): Logger {
  if (format === 'json') return pino({ name: 'athanor' }, pino.destination(2));
  // In this process, synchronously, to stderr: a worker-thread transport could lose the last
  // lines when the service exits, and the order against the banner on stdout would drift.
  const pretty = PinoPretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return pino({ name: 'athanor' }, pretty);
}
