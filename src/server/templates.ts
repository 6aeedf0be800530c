/**
 * The shipped example campaigns offered as templates: a chemist starts a new campaign from the
 * Buchwald–Hartwig or direct-arylation file (or another example) and changes it, rather than from
 * a blank page. Only examples that run as written from the panel are offered: those on a
 * simulated or analytic lab. A robot's example needs a lab profile the administrator registers
 * (docs/lab-protocols.md), so it is no template.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The package's examples folder (the service's default data folder too). */
export const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

const RUNS_AS_WRITTEN = new Set(['simulator', 'analytic']);
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface CampaignTemplate {
  /** The file's stem: what /campaigns/new?template= and /api/templates/:name take. */
  name: string;
  /** The campaign's own name. */
  title: string;
  description: string | null;
  /** simulator or analytic */
  lab: string;
}

type Template = CampaignTemplate & { source: string };

/** Parsed files by path, kept while their size and time stamp stay: the panel lists the templates on every visit, and parsing a dozen YAML files is tens of ms of the event loop. */
const parsed = new Map<string, { stamp: string; template: Template | undefined }>();

async function readTemplate(folder: string, file: string): Promise<Template | undefined> {
  const path = join(folder, file);
  const { size, mtimeMs } = await stat(path);
  const stamp = `${size}:${mtimeMs}`;
  const known = parsed.get(path);
  if (known?.stamp === stamp) return known.template;
  const template = parseTemplate(file, await readFile(path, 'utf8'));
  parsed.set(path, { stamp, template });
  return template;
}

function parseTemplate(file: string, source: string): Template | undefined {
  let document: { name?: unknown; description?: unknown; lab?: { type?: unknown } };
  try {
    document = (parse(source) ?? {}) as typeof document;
  } catch {
    return undefined; // a broken example is no template (test/campaign-file checks that every example loads)
  }
  const lab = typeof document.lab?.type === 'string' ? document.lab.type : '';
  if (!RUNS_AS_WRITTEN.has(lab)) return undefined;
  return {
    name: file.replace(/\.ya?ml$/, ''),
    title: typeof document.name === 'string' ? document.name : file,
    description: typeof document.description === 'string' ? document.description.trim() : null,
    lab,
    source,
  };
}

export async function listTemplates(folder = EXAMPLES_DIR): Promise<CampaignTemplate[]> {
  const files = (await readdir(folder)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const templates = await Promise.all(files.map((f) => readTemplate(folder, f)));
  return templates.filter((t): t is Template => t !== undefined).map(({ source: _source, ...t }) => t);
}

/** One template with its file as written; undefined for a name that is not one (never a path: the name is checked). */
export async function readCampaignTemplate(name: string, folder = EXAMPLES_DIR): Promise<Template | undefined> {
  if (!TEMPLATE_NAME.test(name)) return undefined;
  for (const extension of ['.yaml', '.yml']) {
    const found = await readTemplate(folder, name + extension).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (found) return found;
  }
  return undefined;
}
