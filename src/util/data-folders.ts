/**
 * Confinement of file paths to the data folders an administrator (or, for `athanor run`, the
 * machine's owner) configured. A path is judged by where it really leads: the real path of its
 * nearest existing ancestor (symbolic links resolved) with the rest appended, so a link inside a
 * data folder that points outside is outside, and a path that does not exist yet (a lab folder
 * to create) is judged by the folder it would be created in. Callers do their I/O on the path
 * returned here, never on the one they were given, and check before any I/O: nothing is opened,
 * read or created to decide.
 *
 * Written by hand: Node has realpath but nothing that resolves a path that does not fully exist
 * or follows a dangling link, and no library we use does this.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Links followed before a path is taken as unresolvable (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/** The one message for every refused path: the same whether the path outside exists or not. */
export const OUTSIDE_DATA_FOLDERS = 'path is outside the data folders';

export class OutsideDataFoldersError extends Error {
  override readonly name = 'OutsideDataFoldersError';
  constructor(readonly field?: string) {
    super(field ? `${field}: ${OUTSIDE_DATA_FOLDERS}` : OUTSIDE_DATA_FOLDERS);
  }
}

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Where `path` really leads; undefined when it cannot be told (a link loop, no permission to look). */
export async function realPathOf(path: string, links = 0): Promise<string | undefined> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    if (!missing(error)) return undefined;
  }
  // A dangling link would be followed by a later write: judge it by its target.
  const stat = await lstat(absolute).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    if (links >= MAX_LINKS) return undefined;
    const target = await readlink(absolute).catch(() => undefined);
    return target === undefined ? undefined : realPathOf(resolve(dirname(absolute), target), links + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const real = await realPathOf(parent, links);
  return real === undefined ? undefined : join(real, basename(absolute));
}

/** realPathOf for code that is synchronous already (the file-drop lab). */
export function realPathOfSync(path: string, links = 0): string | undefined {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch (error) {
    if (!missing(error)) return undefined;
  }
  let stat;
  try {
    stat = lstatSync(absolute);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink()) {
    if (links >= MAX_LINKS) return undefined;
    let target: string;
    try {
      target = readlinkSync(absolute);
    } catch {
      return undefined;
    }
    return realPathOfSync(resolve(dirname(absolute), target), links + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const real = realPathOfSync(parent, links);
  return real === undefined ? undefined : join(real, basename(absolute));
}

/** Whether `path` is `folder` or inside it; both already real and absolute. */
export function isWithin(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A set of folders that paths must stay inside. */
export class DataFolders {
  /** Absolute, as given (for messages and for recording with a campaign). */
  readonly folders: readonly string[];
  private real?: Promise<string[]>;

  constructor(folders: readonly string[]) {
    this.folders = [...new Set(folders.map((f) => resolve(f)))];
  }

  private roots(): Promise<string[]> {
    // Resolved once: a data folder that is itself a link (a mounted share) counts as where it leads.
    this.real ??= Promise.all(this.folders.map(async (f) => (await realPathOf(f)) ?? f));
    return this.real;
  }

  /** The real path of `path` (relative paths resolve against `base`) when it is inside a data folder, else undefined. */
  async confine(path: string, base: string = this.folders[0] ?? process.cwd()): Promise<string | undefined> {
    const real = await realPathOf(resolve(base, path));
    if (real === undefined) return undefined;
    return (await this.roots()).some((root) => isWithin(root, real)) ? real : undefined;
  }

  /** confine, or an OutsideDataFoldersError naming `field`. */
  async require(path: string, field: string, base?: string): Promise<string> {
    const real = await this.confine(path, base);
    if (real === undefined) throw new OutsideDataFoldersError(field);
    return real;
  }
}
