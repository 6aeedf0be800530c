/* The kinds a campaign file chooses from are listed once (src/campaign/kinds.ts, the lab union,
 * src/models/defaults.ts): the schema, the command line and the documentation must agree with them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ACQUISITIONS, campaignSpecSchema, INITIAL_DESIGNS, LAB_TYPES, PARETO_ACQUISITIONS, ROBOT_LAB_TYPES, STRATEGIES, STRATEGY_INFO } from '../src/campaign/index.js';
import { registerLabSimCommand } from '../src/cli/lab-sim-command.js';
import { MODEL_KINDS } from '../src/models/defaults.js';
import { ROOT } from './helpers.js';

const doc = readFileSync(join(ROOT, 'docs', 'campaign-file.md'), 'utf8');

/** The backticked values in the type column of the docs' table row for `field`. */
function documentedChoices(field: string): string[] {
  const row = doc.split('\n').find((line) => line.startsWith(`| \`${field}\` |`));
  if (!row) throw new Error(`docs/campaign-file.md has no row for ${field}`);
  const type = row.split(/(?<!\\)\|/)[2] ?? ''; // cells split on unescaped pipes
  return [...type.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

describe('kinds listed once', () => {
  it('the schema accepts exactly the listed strategies, initial designs and acquisitions', () => {
    const planner = campaignSpecSchema.shape.planner.unwrap();
    expect(planner.shape.strategy.unwrap().options).toEqual(STRATEGIES);
    expect(planner.shape.initial_design.unwrap().options).toEqual([...INITIAL_DESIGNS]);
    expect(planner.shape.acquisition.unwrap().options).toEqual([...ACQUISITIONS]);
    expect(planner.shape.pareto_acquisition.unwrap().options).toEqual(PARETO_ACQUISITIONS);
    expect(Object.keys(STRATEGY_INFO)).toEqual(STRATEGIES);
  });

  it('the documentation lists the same choices', () => {
    expect(documentedChoices('strategy')).toEqual(STRATEGIES);
    expect(documentedChoices('initial_design')).toEqual([...INITIAL_DESIGNS]);
    expect(documentedChoices('acquisition')).toEqual([...ACQUISITIONS]);
    expect(documentedChoices('pareto_acquisition')).toEqual(PARETO_ACQUISITIONS);
    const labSection = doc.slice(doc.indexOf('### `lab`'), doc.indexOf('## Matching table cells'));
    for (const type of LAB_TYPES) expect(labSection, `lab type ${type}`).toContain(`\`${type}\``);
  });

  it('lab types come from the schema, and the reference robot speaks every robot lab type', () => {
    expect(LAB_TYPES).toEqual(expect.arrayContaining(['simulator', 'http', 'mqtt', 'files', 'profile']));
    expect(LAB_TYPES).toEqual(expect.arrayContaining([...ROBOT_LAB_TYPES]));
    const program = registerLabSimCommand(new Command());
    const labSim = program.commands.find((c) => c.name() === 'lab-sim') ?? program;
    const protocol = labSim.options.find((o) => o.long === '--protocol');
    expect(protocol?.argChoices).toEqual([...ROBOT_LAB_TYPES]);
  });

  it('every stored model kind has a way back', () => {
    expect(Object.keys(MODEL_KINDS)).toEqual(['gp', 'mpnn-ensemble', 'mpnn-ensemble+gp', 'gp-multitask', 'gp-ranking-ensemble']);
  });
});
