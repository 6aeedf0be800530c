/**
 * The Open Reaction Database export: a finished campaign downloaded over real HTTP, read back with
 * the ORD's published protobuf schema, checked field by field against the API's own experiments and
 * results, and validated by the ORD's rules; the validator itself catches each rule it ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { decodeOrd, ordRoleOf, validateOrdDataset } from '../src/export/ord/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

type Obj = Record<string, any>;

const EMAIL = 'ada.chemist@example.org';

describe('ORD export over HTTP', () => {
  let h: Harness;
  let id: string;
  let experiments: { id: string; seq: number; parameters: Record<string, string | number>; substances: Record<string, string> }[];
  let results: { experimentId: string; seq: number; values: Record<string, number> }[];

  beforeAll(async () => {
    await initChem();
    h = await startHarness();
    const created = await h.json('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: exampleYaml({ name: 'ORD export', experiments: 8, batch: 4, latencyMs: 0, strategy: 'diverse' }),
    });
    expect(created.status).toBe(201);
    id = created.body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 60_000);
    experiments = (await h.json(`/api/campaigns/${id}/experiments`)).body.experiments;
    results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
    expect(results.length).toBeGreaterThan(0);
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  async function download(format: 'pb.gz' | 'pb' | 'json'): Promise<{ dataset: Obj; res: Response }> {
    const res = await h.call(`/api/campaigns/${id}/export.ord?email=${encodeURIComponent(EMAIL)}&name=${encodeURIComponent('Ada Chemist')}&format=${format}`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { dataset: decodeOrd(bytes, format), res };
  }

  it('refuses without the e-mail the ORD requires, naming the field', async () => {
    const missing = await h.json(`/api/campaigns/${id}/export.ord`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('email');
    const malformed = await h.json(`/api/campaigns/${id}/export.ord?email=not-an-address`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('email');
    expect((await h.call(`/api/campaigns/${id}/export.ord?email=${EMAIL}`, { token: null })).status).toBe(401);
    expect((await h.call(`/api/campaigns/${id}/export.ord?email=${EMAIL}`, { token: h.tokens.viewer })).status).toBe(200);
  });

  it('writes one validated reaction per result, with the substances, conditions and yield the campaign stored', async () => {
    const { dataset, res } = await download('pb.gz');
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toMatch(/filename="ORD-export\.ord\.pb\.gz"/);
    expect(Number(res.headers.get('x-ord-reactions'))).toBe(results.length);
    expect(validateOrdDataset(dataset).errors).toEqual([]);
    expect(dataset.name).toBe('ORD export');
    expect(dataset.datasetId).toBe(`ord_dataset-${id.replace(/-/g, '')}`);
    const reactions = dataset.reactions as Obj[];
    expect(reactions).toHaveLength(results.length);
    for (const result of results) {
      const experiment = experiments.find((e) => e.id === result.experimentId)!;
      const reaction = reactions.find((r) => r.reactionId === `ord-${experiment.id.replace(/-/g, '')}`)!;
      expect(reaction).toBeDefined();
      for (const role of ['base', 'ligand', 'solvent']) {
        const component = reaction.inputs[role].components[0];
        expect(component.identifiers).toContainEqual({ type: 'SMILES', value: experiment.substances[role] });
        expect(component.identifiers).toContainEqual({ type: 'NAME', value: String(experiment.parameters[role]) });
      }
      expect(reaction.inputs.ligand.components[0].reactionRole).toBe('CATALYST');
      expect(reaction.inputs.solvent.components[0].reactionRole).toBe('SOLVENT');
      expect(reaction.inputs.base.components[0].reactionRole).toBe('REAGENT');
      expect(reaction.conditions.temperature.setpoint).toEqual({ value: experiment.parameters.temperature, units: 'CELSIUS' });
      const measurement = reaction.outcomes[0].products[0].measurements[0];
      expect(measurement.type).toBe('YIELD');
      // the ORD stores floats in 32 bits
      expect(measurement.percentage.value).toBeCloseTo(result.values.yield!, 4);
      expect(reaction.notes.procedureDetails).toContain(`concentration ${experiment.parameters.concentration} M`);
      expect(reaction.notes.procedureDetails).toContain('Simulated');
      expect(reaction.provenance.reactionMetadata.concentration.floatValue).toBeCloseTo(Number(experiment.parameters.concentration), 5);
      expect(reaction.provenance.recordCreated.person).toMatchObject({ email: EMAIL, name: 'Ada Chemist' });
    }
  });

  it('the JSON and uncompressed forms hold the same dataset', async () => {
    const gz = (await download('pb.gz')).dataset;
    const pb = (await download('pb')).dataset;
    const { dataset: json, res } = await download('json');
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(pb).toEqual(gz);
    expect((json.reactions as Obj[]).map((r) => r.reactionId).sort()).toEqual((gz.reactions as Obj[]).map((r) => r.reactionId).sort());
    expect(validateOrdDataset(json).errors).toEqual([]);
  });
});

describe('ORD validation rules', () => {
  beforeAll(async () => {
    await initChem();
  });

  const reaction = (): Obj => ({
    reactionId: `ord-${'a'.repeat(32)}`,
    inputs: { amine: { components: [{ identifiers: [{ type: 'SMILES', value: 'CCN' }], amount: { unmeasured: { type: 'CUSTOM', details: 'not recorded' } }, reactionRole: 'REACTANT' }] } },
    outcomes: [{ products: [{ identifiers: [{ type: 'SMILES', value: 'CCNC(C)=O' }], isDesiredProduct: true, reactionRole: 'PRODUCT', measurements: [{ analysisKey: 'lc', type: 'YIELD', percentage: { value: 42 } }] }], analyses: { lc: { type: 'LC' } } }],
    provenance: { recordCreated: { time: { value: '2026-12-04T10:00:00Z' }, person: { name: 'Ada', email: EMAIL } } },
  });
  const dataset = (r: Obj = reaction()): Obj => ({ name: 'd', description: 'a dataset', datasetId: `ord_dataset-${'b'.repeat(32)}`, reactions: [r] });
  const errorsOf = (d: Obj) => validateOrdDataset(d).errors.map((e) => e.message).join('\n');

  it('a complete reaction passes', () => {
    expect(validateOrdDataset(dataset()).errors).toEqual([]);
  });

  it('catches each broken rule', () => {
    const cases: [string, (r: Obj) => void, RegExp][] = [
      ['no inputs', (r) => (r.inputs = {}), /at least 1 reaction input/],
      ['no outcomes', (r) => (r.outcomes = []), /at least 1 reaction outcome/],
      ['a component without amount', (r) => delete r.inputs.amine.components[0].amount, /require an amount/],
      ['an unparsable SMILES', (r) => (r.inputs.amine.components[0].identifiers[0].value = 'C1CC'), /could not validate SMILES/],
      ['an analysis key nobody defined', (r) => (r.outcomes[0].products[0].measurements[0].analysisKey = 'nmr'), /analysis key nmr/],
      ['CUSTOM without details', (r) => (r.inputs.amine.components[0].amount.unmeasured = { type: 'CUSTOM' }), /CUSTOM but details/],
      ['a malformed reaction id', (r) => (r.reactionId = 'ord-123'), /Reaction ID is malformed/],
      ['no e-mail', (r) => delete r.provenance.recordCreated.person.email, /email is required/],
      ['a bad e-mail', (r) => (r.provenance.recordCreated.person.email = 'ada@'), /Invalid email/],
      ['a record before its experiment', (r) => (r.provenance.experimentStart = { value: '2026-12-05T00:00:00Z' }), /after experiment/],
      ['a temperature below absolute zero', (r) => (r.conditions = { temperature: { setpoint: { value: -300, units: 'CELSIUS' } } }), /Temperature must be between/],
      ['a temperature without units', (r) => (r.conditions = { temperature: { setpoint: { value: 20 } } }), /requires `units`/],
      ['a misspelt field', (r) => (r.outcome = []), /has no field outcome/],
      ['an unknown enum value', (r) => (r.inputs.amine.components[0].reactionRole = 'SOLVANT'), /not a ReactionRoleType value/],
    ];
    for (const [what, breakIt, expected] of cases) {
      const r = reaction();
      breakIt(r);
      expect(errorsOf(dataset(r)), what).toMatch(expected);
    }
    expect(errorsOf({ name: '', description: '', datasetId: 'x', reactions: [] })).toMatch(/name is required[\s\S]*description is required[\s\S]*requires reactions[\s\S]*Dataset ID/);
  });

  it('warns where the ORD warns', () => {
    const r = reaction();
    r.outcomes[0].products[0].measurements[0].percentage.value = 0.42;
    r.inputs.amine.components[0].identifiers = [{ type: 'NAME', value: 'ethylamine' }];
    const { errors, warnings } = validateOrdDataset(dataset(r));
    expect(errors).toEqual([]);
    const text = warnings.map((w) => w.message).join('\n');
    expect(text).toMatch(/not fractions/);
    expect(text).toMatch(/more specific identifiers than NAME/);
    expect(warnings).toHaveLength(2);
  });

  it('reads reaction roles from role names', () => {
    expect(['solvent', 'ligand', 'catalyst', 'base', 'additive', 'aryl_halide', 'amine'].map(ordRoleOf)).toEqual(['SOLVENT', 'CATALYST', 'CATALYST', 'REAGENT', 'REAGENT', 'REACTANT', 'REACTANT']);
  });
});
