/** Retries with exponential backoff and full jitter, for calls to labs and other flaky neighbours. */
export interface RetryOptions {
  label: string;
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  retryOn?: (error: unknown) => boolean;
}

export async function retry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 10_000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      if (attempt === attempts || (options.retryOn && !options.retryOn(error))) break;
      const delay = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  throw lastError;
}
