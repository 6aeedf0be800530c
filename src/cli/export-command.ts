/**
 * `athanor export <campaign> --email E`: a campaign's experiments with results as an Open Reaction
 * Database dataset (validated), written to a file (default <campaign name>.ord.pb.gz) or stdout
 * (--out -). Works beside a running `serve` through its API.
 */
import { writeFileSync } from 'node:fs';
import { initChem } from '../chem/index.js';
import { getCampaign, resolveHome } from '../db/index.js';
import { campaignOrdExport, encodeOrd, ORD_EMAIL, ORD_FORMATS, type OrdFormat } from '../export/ord/index.js';
import { fileStem } from '../util/file-stem.js';
import { UsageError } from './errors.js';
import { withHome } from './service-client.js';
import { CAMPAIGN_ID } from './arguments.js';


export interface ExportOptions {
  home?: string;
  email?: string;
  name?: string;
  orcid?: string;
  format?: string;
  out?: string;
}

/** What was exported; the counts are known when the database was read here, not through a service. */
interface Written {
  bytes: Uint8Array;
  name: string;
  reactions?: number;
  warnings?: number;
}

export async function exportCommand(campaignId: string, options: ExportOptions): Promise<number> {
  if (!CAMPAIGN_ID.test(campaignId)) throw new UsageError(`campaign: "${campaignId}" is not a campaign id (a UUID; athanor status lists them)`);
  if (!options.email) throw new UsageError('--email: required (the Open Reaction Database records an e-mail address with every reaction)');
  if (!ORD_EMAIL.test(options.email)) throw new UsageError(`--email: "${options.email}" is not an e-mail address such as chemist@example.org`);
  const format = (options.format ?? 'pb.gz') as OrdFormat;
  if (!ORD_FORMATS.includes(format)) throw new UsageError(`--format: "${options.format}" is not one of ${ORD_FORMATS.join(', ')}`);
  const id = campaignId.toLowerCase();
  const experimenter = { email: options.email, ...(options.name ? { name: options.name } : {}), ...(options.orcid ? { orcid: options.orcid } : {}) };
  const { bytes, name, reactions, warnings } = await withHome<Written>(
    resolveHome(options.home),
    async ({ db, location }) => {
      const row = await getCampaign(db, id);
      if (!row) throw new UsageError(`campaign: no campaign has the id ${campaignId} in ${location}`);
      await initChem();
      const exported = await campaignOrdExport(db, row, experimenter);
      return { bytes: encodeOrd(exported.dataset, format), name: row.name, reactions: exported.reactions, warnings: exported.validation.warnings.length };
    },
    async (client) => {
      const query = new URLSearchParams({ format, ...experimenter });
      const { name } = await client.request<{ name: string }>('GET', `/api/campaigns/${id}`);
      const bytes = await client.download(`/api/campaigns/${id}/export.ord?${query.toString()}`);
      return { bytes, name };
    },
  );
  if (reactions === 0) throw new UsageError(`campaign: no experiment of ${campaignId} has a result yet: an ORD dataset needs at least one`);
  const extension = format === 'json' ? 'ord.json' : `ord.${format}`;
  const out = options.out ?? `${fileStem(name)}.${extension}`;
  if (out === '-') process.stdout.write(bytes);
  else {
    writeFileSync(out, bytes);
    const counted = reactions === undefined ? '' : `${reactions} reactions, `;
    const warned = warnings === undefined ? '' : `${warnings} ORD validation warnings, `;
    process.stderr.write(`wrote ${out} (${counted}${warned}${bytes.length} bytes)\n`);
  }
  return 0;
}
