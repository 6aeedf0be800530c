/**
 * The rate limit on quarantine writes: a report that matches no open experiment is kept (never
 * dropped), but a sender that floods a campaign with such reports is told to slow down (429 with
 * Retry-After over HTTP; redelivery later on other protocols) instead of filling the table. One
 * bucket per API token for reports made through the API, one per campaign's lab for what the lab
 * adapters receive. Reports already quarantined word for word do not count (they are not kept twice).
 */
import type { QuarantineGuard } from '../db/index.js';
import { RetryLaterError } from '../lab-adapters/contract.js';
import { RateLimiter, type RateLimit } from '../util/rate-limit.js';

/** Generous for a lab that reports late results of cancelled experiments; far below a flood. */
export const DEFAULT_QUARANTINE_LIMIT: RateLimit = { burst: 500, perHour: 1_000 };

export function quarantineLimiter(limit: RateLimit = DEFAULT_QUARANTINE_LIMIT, now?: () => number): RateLimiter {
  return new RateLimiter(limit, now);
}

/** A guard for storeResults: takes from `key`'s bucket, or refuses with RetryLaterError. */
export function quarantineGuard(limiter: RateLimiter, key: string, who: string): QuarantineGuard {
  return {
    beforeQuarantine: (count) => {
      const wait = limiter.take(key, count);
      if (wait > 0) {
        throw new RetryLaterError(
          'quarantine_rate_limited',
          `too many reports for experiments this campaign cannot take (unknown, cancelled or failed) from ${who}: ` +
            `at most ${limiter.limit.burst} at once and ${limiter.limit.perHour} an hour are kept; send again in ${wait} s ` +
            '(what was already recorded is not recorded twice)',
          wait,
        );
      }
    },
  };
}
