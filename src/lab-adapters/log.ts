/**
 * Logs of the lab adapters and reference robots: JSON lines on stderr (stdout belongs to the
 * commands' own output), level from ATHANOR_LOG_LEVEL. The default is `warn`, so `athanor run`
 * shows refusals and lost connections but not every message.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function labLogger(name: string): Logger {
  root ??= pino({ level: process.env.ATHANOR_LOG_LEVEL ?? 'warn' }, pino.destination({ fd: 2, sync: true }));
  return root.child({ lab: name });
}

/** A short reason for a failed call, for logs and error messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: string } | undefined)?.code ?? (error as { code?: string }).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
