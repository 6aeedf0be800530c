/**
 * A campaign's spec as the database holds it, read back into the typed CampaignSpec by the same
 * zod schema that validated the file (plus the two fields the service adds: baseDir and
 * dataFolders). Readers get a checked value instead of casting a JSON column, and a stored spec
 * that no longer fits the format fails here, naming the campaign and the field.
 */
import { z } from 'zod';
import { formatPath, type PathSegment } from './errors.js';
import { campaignSpecSchema } from './schema.js';
import type { CampaignSpec } from './types.js';

export const storedSpecSchema = campaignSpecSchema.extend({
  baseDir: z.string().min(1),
  dataFolders: z.array(z.string()).optional(),
});

// Keeps the hand-written CampaignSpec equal to what the stored schema produces.
const _storedIsSpec = (o: z.output<typeof storedSpecSchema>): CampaignSpec => o;
const _specIsStored = (s: CampaignSpec): z.output<typeof storedSpecSchema> => s;
void _storedIsSpec;
void _specIsStored;

export class StoredSpecError extends Error {
  override readonly name = 'StoredSpecError';
}

/** Parsed specs by their JSON text: every read of a campaign parses its spec, and most reads are of
 * the same few campaigns (a parse costs about a millisecond, the text a few hundredths). */
const parsed = new Map<string, CampaignSpec>();
const MAX_CACHED = 256;

/** The stored spec of campaign `campaignId`, checked; each caller gets its own copy to change. */
export function parseStoredSpec(value: unknown, campaignId: string): CampaignSpec {
  const text = JSON.stringify(value);
  let spec = parsed.get(text);
  if (!spec) {
    const result = storedSpecSchema.safeParse(value);
    if (!result.success) {
      const problems = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path as PathSegment[]) || 'spec'}: ${i.message}`);
      throw new StoredSpecError(`campaign ${campaignId}: its stored spec does not fit the campaign format (${problems.join('; ')})`);
    }
    spec = result.data;
    if (parsed.size >= MAX_CACHED) parsed.delete(parsed.keys().next().value as string);
    parsed.set(text, spec);
  }
  return structuredClone(spec);
}
