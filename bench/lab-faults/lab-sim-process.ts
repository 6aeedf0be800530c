/**
 * `athanor lab-sim` as a child process the chaos benchmark can kill (SIGKILL: no goodbye, no
 * flushing) and start again with the same arguments, so it comes back on the same port, topic or
 * folder with its journals (`--state`) as a real robot controller would after a power cut.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib.js';

const CLI = join(ROOT, 'bin', 'athanor.js');

export class LabSimProcess {
  private child: ChildProcess | undefined;
  ready: Record<string, unknown> = {};
  starts = 0;
  kills = 0;

  constructor(
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Resolves with the robot's ready line. */
  async start(timeoutMs = 600_000): Promise<Record<string, unknown>> {
    const child = spawn(process.execPath, [CLI, 'lab-sim', ...this.args], { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    this.ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`lab-sim ${this.args.join(' ')} not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`lab-sim exited with ${code} before it was ready: ${stderr}`));
      });
    });
    return this.ready;
  }

  /** SIGKILL, and wait until the process is gone (its port free again). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.kills++;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM: the robot closes cleanly. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}
