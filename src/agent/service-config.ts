/**
 * The service's configuration file (docs/operations.md): what only an administrator decides.
 *   data_folders  folders campaigns may read datasets and tables from, besides --data-dir
 *   secrets       name → where its value is (an environment variable or a file); campaigns and
 *                 lab profiles name a secret, never hold it
 *   labs          lab profiles: id → a robot lab's settings (URL, broker or folder, callback
 *                 listen address, secrets by name); campaigns created through the API reach
 *                 robots only through these
 * Read from --config FILE, else ATHANOR_CONFIG, else <home>/service.yaml when it exists. Both
 * `athanor serve` and `athanor run` read it, so a campaign on a profile runs under either.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkRobotLab, robotLabSchema, type CampaignIssue, type LabProfiles, type RobotLabSpec } from '../campaign/index.js';
import { IssueList, formatPath } from '../campaign/errors.js';

export const CONFIG_FILE_NAME = 'service.yaml';

const registeredName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a name of letters, digits, _ . - (up to 64)');

const secretSchema = z.union(
  [
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable') }),
    z.strictObject({ file: z.string().trim().min(1) }),
  ],
  { error: 'must be {env: VARIABLE} or {file: PATH}' },
);

const configSchema = z.strictObject({
  data_folders: z.array(z.string().trim().min(1)).default([]),
  secrets: z.record(registeredName, secretSchema).default({}),
  labs: z.record(registeredName, robotLabSchema).default({}),
});

export type SecretSource = { env: string } | { file: string };

export class ServiceConfigError extends Error {
  override readonly name = 'ServiceConfigError';
}

/** What an administrator registered; secrets are looked up when a lab starts, never stored. */
export class ServiceConfig {
  constructor(
    /** Absolute; besides the service's --data-dir. */
    readonly dataFolders: readonly string[] = [],
    readonly profiles: LabProfiles = {},
    private readonly secrets: Readonly<Record<string, SecretSource>> = {},
    /** The file it was read from, for messages. */
    readonly file?: string,
  ) {}

  secretNames(): string[] {
    return Object.keys(this.secrets);
  }

  /**
   * The secret's value, read now (a rotated key is picked up at the next start). Throws a
   * message naming the secret and where it should be, never the value.
   */
  secret(name: string): string {
    const source = this.secrets[name];
    if (!source) throw new ServiceConfigError(`no secret "${name}" is registered${this.file ? ` in ${this.file}` : ''}`);
    if ('env' in source) {
      const value = process.env[source.env];
      if (value === undefined || value === '') throw new ServiceConfigError(`the secret "${name}": the environment variable ${source.env} is not set`);
      return value;
    }
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw new ServiceConfigError(`the secret "${name}": cannot read ${source.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new ServiceConfigError(`the secret "${name}": ${source.file} is empty`);
    return value;
  }
}

/** Where the configuration is: the given file, ATHANOR_CONFIG, else <home>/service.yaml (optional). */
export function configPath(home: string, given?: string, env: NodeJS.ProcessEnv = process.env): { path: string; required: boolean } {
  const explicit = given ?? (env.ATHANOR_CONFIG?.trim() ? env.ATHANOR_CONFIG : undefined);
  return explicit ? { path: resolve(explicit), required: true } : { path: join(home, CONFIG_FILE_NAME), required: false };
}

export async function loadServiceConfig(home: string, given?: string): Promise<ServiceConfig> {
  const { path, required } = configPath(home, given);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return new ServiceConfig();
    throw new ServiceConfigError(`cannot read the service configuration ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseServiceConfig(text, path);
}

/** Parses and checks a configuration; relative paths in it resolve against the file's folder. */
export function parseServiceConfig(text: string, file: string): ServiceConfig {
  const fail = (issues: CampaignIssue[]): never => {
    throw new ServiceConfigError(`the service configuration ${file} is invalid:\n${issues.map((i) => `  ${i.path || '(file)'}: ${i.message}`).join('\n')}`);
  };
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    return fail([{ path: '', message: (error as Error).message }]);
  }
  const shaped = configSchema.safeParse(data);
  if (!shaped.success) return fail(shaped.error.issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })));
  const base = dirname(file);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const config = shaped.data;
  const secrets: Record<string, SecretSource> = {};
  for (const [name, source] of Object.entries(config.secrets)) secrets[name] = 'file' in source ? { file: at(source.file) } : source;

  const issues = new IssueList();
  const profiles: Record<string, RobotLabSpec> = {};
  for (const [id, lab] of Object.entries(config.labs)) {
    checkRobotLab(lab, new Map(), issues, ['labs', id]);
    const named: [string[], string | undefined][] =
      lab.type === 'http'
        ? [[['auth', 'secret'], lab.auth?.secret], [['callback_secret'], lab.callback_secret]]
        : lab.type === 'mqtt'
          ? [[['password_secret'], lab.password_secret]]
          : lab.type === 'sila2'
            ? [[['access_token_secret'], lab.access_token_secret]]
            : [];
    for (const [field, name] of named) {
      if (name !== undefined && secrets[name] === undefined) {
        issues.add(['labs', id, ...field], `no secret "${name}" is registered (secrets: ${Object.keys(secrets).join(', ') || 'none'})`);
      }
    }
    profiles[id] =
      lab.type === 'files'
        ? { ...lab, folder: at(lab.folder) }
        : (lab.type === 'sila2' || lab.type === 'http' || lab.type === 'mqtt') && lab.tls !== undefined && lab.tls !== true && lab.tls.ca_file !== undefined
          ? { ...lab, tls: { ...lab.tls, ca_file: at(lab.tls.ca_file) } }
          : lab;
  }
  if (!issues.empty) fail(issues.items.map((i) => ({ path: formatPath(i.path), message: i.message })));
  return new ServiceConfig(config.data_folders.map(at), profiles, secrets, file);
}
