/**
 * Checks an ORD Dataset before it leaves Athanor, in two layers:
 * 1. the shape: every field exists in the published schema (a misspelt field would otherwise be
 *    dropped silently by protobufjs), enum values are known names, and the message survives
 *    protobufjs' verify and an encode/decode round trip;
 * 2. the ORD's own content rules, ported by hand from ord_schema/validations.py (the project's
 *    validator is Python only): the rules for every message kind the export writes: required
 *    inputs, outcomes, identifiers, amounts, units and values, type/details pairs, analysis keys,
 *    ids, provenance with a dated, e-mailed record, SMILES that RDKit parses. Errors and warnings
 *    are kept apart as there.
 */
import protobuf from 'protobufjs';
import { isValidSmiles } from '../../chem/index.js';
import { ordTypes } from './schema.js';

export interface OrdFinding {
  /** where, e.g. reactions[3].inputs.base.components[0].identifiers[0] */
  path: string;
  message: string;
}

export interface OrdValidation {
  errors: OrdFinding[];
  warnings: OrdFinding[];
}

type Obj = Record<string, unknown>;

/** The ORD's rules (validations.py) for a person's e-mail address and ORCID iD. */
export const ORD_EMAIL = /^[a-zA-Z0-9._+-]+(?:\[bot\])?@[a-zA-Z0-9.-]+\.[a-z]{2,}$/;
export const ORD_ORCID = /^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;
const REACTION_ID = /^ord-[0-9a-f]{32}$/;
const DATASET_ID = /^ord_dataset-[0-9a-f]{32}$/;
const CAS = /^\d{2,7}-\d{2}-\d$/;

/** Messages whose `type` is an enum with UNSPECIFIED and CUSTOM (the ORD's type/details pairs). */
function isTypeDetails(type: protobuf.Type): boolean {
  const field = type.fields.type;
  return field !== undefined && field.resolvedType instanceof protobuf.Enum && 'CUSTOM' in field.resolvedType.values;
}

function isEmpty(value: Obj): boolean {
  return Object.values(value).every((v) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) && isEmpty(v as Obj)) || (Array.isArray(v) && v.length === 0));
}

class Checker {
  readonly errors: OrdFinding[] = [];
  readonly warnings: OrdFinding[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Walks a message: shape first, then the content rule of its type, then its fields. */
  visit(type: protobuf.Type, value: unknown, path: string): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.error(path, `expected a ${type.name} message`);
      return;
    }
    const message = value as Obj;
    for (const [key, child] of Object.entries(message)) {
      if (child === undefined) continue;
      const field = type.fields[key];
      if (!field) {
        this.error(path, `${type.name} has no field ${key}`);
        continue;
      }
      const at = path ? `${path}.${key}` : key;
      if (field.map) {
        if (typeof child !== 'object' || child === null) this.error(at, 'expected a map');
        else for (const [k, v] of Object.entries(child as Obj)) this.visitField(field, v, `${at}.${k}`);
      } else if (field.repeated) {
        if (!Array.isArray(child)) this.error(at, 'expected a list');
        else child.forEach((v, i) => this.visitField(field, v, `${at}[${i}]`));
      } else this.visitField(field, child, at);
    }
    if (isTypeDetails(type) && !isEmpty(message)) {
      if (message.type === undefined || message.type === 'UNSPECIFIED') this.error(path, `${type.name} requires \`type\` to be set`);
      if (message.type === 'CUSTOM' && !message.details) this.error(path, `${type.name} has type CUSTOM but details field is empty`);
    }
    RULES[type.name]?.(this, message, path);
  }

  private visitField(field: protobuf.Field, value: unknown, path: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) this.visit(resolved, value, path);
    else if (resolved instanceof protobuf.Enum) {
      if (typeof value !== 'string' || !(value in resolved.values)) this.error(path, `${String(value)} is not a ${resolved.name} value`);
    }
  }
}

type Rule = (c: Checker, m: Obj, path: string) => void;

const num = (m: Obj, key: string): number | undefined => (typeof m[key] === 'number' ? (m[key] as number) : undefined);
const obj = (m: Obj, key: string): Obj | undefined => (typeof m[key] === 'object' && m[key] !== null ? (m[key] as Obj) : undefined);
const list = (m: Obj, key: string): Obj[] => (Array.isArray(m[key]) ? (m[key] as Obj[]) : []);

function valueAndUnits(c: Checker, m: Obj, path: string, name: string): void {
  if (num(m, 'value') === undefined) c.error(path, `${name} requires \`value\` to be set`);
  if (m.units === undefined || m.units === 'UNSPECIFIED') c.error(path, `${name} requires \`units\` to be set`);
  if ((num(m, 'precision') ?? 0) < 0) c.error(path, `Field precision of message ${name} must be non-negative`);
}

function nonNegativeUnit(name: string): Rule {
  return (c, m, path) => {
    valueAndUnits(c, m, path, name);
    if ((num(m, 'value') ?? 0) < 0) c.error(path, `Field value of message ${name} must be non-negative`);
  };
}

function parseDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

function compoundIdentifiers(c: Checker, m: Obj, path: string): void {
  const identifiers = list(m, 'identifiers');
  if (identifiers.length === 0) c.error(path, 'Compounds must have at least one identifier');
  else if (identifiers.every((i) => i.type === 'NAME')) c.warn(path, 'Compounds should have more specific identifiers than NAME whenever possible');
}

const RULES: Record<string, Rule> = {
  Dataset(c, m, path) {
    if (!m.name) c.error(path, 'Dataset name is required');
    if (!m.description) c.error(path, 'Dataset description is required');
    const reactions = list(m, 'reactions');
    const ids = Array.isArray(m.reactionIds) ? (m.reactionIds as string[]) : [];
    if (reactions.length === 0 && ids.length === 0) c.error(path, 'Dataset requires reactions or reaction_ids');
    else if (reactions.length > 0 && ids.length > 0) c.error(path, 'Dataset requires reactions or reaction_ids, not both');
    if (!DATASET_ID.test(String(m.datasetId ?? ''))) c.error(path, 'Dataset ID is malformed');
    const seen = new Set<string>();
    reactions.forEach((r, i) => {
      const id = String(r.reactionId ?? '');
      if (seen.has(id)) c.error(`${path ? `${path}.` : ''}reactions[${i}]`, `reaction_id ${id} appears twice`);
      seen.add(id);
    });
  },
  Reaction(c, m, path) {
    const inputs = obj(m, 'inputs') ?? {};
    if (Object.keys(inputs).length === 0) c.error(path, 'Reactions should have at least 1 reaction input');
    if (list(m, 'outcomes').length === 0) c.error(path, 'Reactions should have at least 1 reaction outcome');
    for (const [key, input] of Object.entries(inputs)) {
      list(input as Obj, 'components').forEach((component, i) => {
        const amount = obj(component, 'amount') ?? {};
        if (!['mass', 'moles', 'volume', 'unmeasured'].some((k) => amount[k] !== undefined)) c.error(`${path}.inputs.${key}.components[${i}]`, 'All reaction input components require an amount');
      });
    }
    if (list(m, 'outcomes').some((o) => o.conversion !== undefined)) {
      const limiting = Object.values(inputs).some((input) => list(input as Obj, 'components').some((component) => component.isLimiting === true));
      if (!limiting) c.error(path, 'If reaction conversion is specified, at least one reaction input component must be labeled is_limiting');
    }
    if (!REACTION_ID.test(String(m.reactionId ?? ''))) c.error(path, 'Reaction ID is malformed');
    if (!obj(m, 'provenance')) c.error(path, 'Reaction requires provenance');
  },
  ReactionInput(c, m, path) {
    if (list(m, 'components').length + list(m, 'crudeComponents').length === 0) c.error(path, 'Reaction inputs must have at least one component');
  },
  Amount(c, m, path) {
    if (m.volumeIncludesSolutes !== undefined && m.volume === undefined) c.error(path, 'volume_includes_solutes should only be set for volume amounts');
  },
  Compound: compoundIdentifiers,
  ProductCompound(c, m, path) {
    compoundIdentifiers(c, m, path);
    if (m.isDesiredProduct === true && m.reactionRole === 'SIDE_PRODUCT') c.error(path, 'a product cannot be (SIDE_PRODUCT & is_desired_product)');
  },
  CompoundIdentifier(c, m, path) {
    const value = typeof m.value === 'string' ? m.value : '';
    if (!value) {
      c.error(path, 'value must be set');
      return;
    }
    if (value !== value.trim()) c.warn(path, 'value has leading or trailing whitespace');
    if (m.type === 'SMILES' || m.type === 'CXSMILES') {
      if (!isValidSmiles(value)) c.error(path, `RDKit could not validate ${String(m.type)} identifier ${value}`);
    } else if (m.type === 'CAS_NUMBER' && !CAS.test(value)) c.warn(path, `CAS number ${value} is malformed (expected e.g. 64-17-5)`);
  },
  ReactionConditions(c, m, path) {
    if (m.conditionsAreDynamic === true && !m.details) c.error(path, 'Reaction conditions are dynamic, but no details provided');
    if (m.details && m.conditionsAreDynamic !== true) c.warn(path, 'Reaction condition details provided but field conditions_are_dynamic is False');
  },
  ReactionOutcome(c, m, path) {
    const keys = Object.keys(obj(m, 'analyses') ?? {});
    list(m, 'products').forEach((product, p) =>
      list(product, 'measurements').forEach((measurement, i) => {
        const key = measurement.analysisKey;
        if (typeof key === 'string' && key !== '' && !keys.includes(key)) c.error(`${path}.products[${p}].measurements[${i}]`, `analysis key ${key} does not match any known analysis (${keys.join(', ')})`);
      }),
    );
    if (list(m, 'products').length === 0 && m.conversion === undefined) c.warn(path, 'No products or conversion are specified for reaction');
    const desired = list(m, 'products').filter((p) => p.isDesiredProduct === true && p.reactionRole === 'PRODUCT').length;
    if (desired > 1) c.warn(path, `Usually at most one (reaction_role == PRODUCT & is_desired_product) product, but we have: ${desired}`);
  },
  ProductMeasurement(c, m, path) {
    if (!m.analysisKey) c.warn(path, 'Product measurements should be associated with an analysis through its analysis_key');
    const kind = ['percentage', 'floatValue', 'stringValue', 'amount'].find((k) => m[k] !== undefined);
    if (m.type === 'IDENTITY' && kind) c.error(path, 'Product measurements to confirm IDENTITY should not have any values defined');
    if ((m.type === 'YIELD' || m.type === 'PURITY') && kind !== 'percentage') c.warn(path, `${String(m.type)} measurements should be defined as percentage values if possible`);
    if (['AREA', 'COUNTS', 'INTENSITY'].includes(String(m.type)) && kind !== 'percentage' && kind !== 'floatValue') c.error(path, 'Product measurements of type AREA, COUNTS, or INTENSITY must use numeric values');
    if (m.selectivity !== undefined && m.type !== 'SELECTIVITY') c.error(path, 'The selectivity_type field should only be used for a product measurement with type SELECTIVITY');
  },
  ReactionProvenance(c, m, path) {
    const created = obj(m, 'recordCreated');
    if (!created) {
      c.error(path, 'Reactions must have record_created defined');
      return;
    }
    const createdAt = parseDate(obj(created, 'time')?.value);
    const startedAt = parseDate(obj(m, 'experimentStart')?.value);
    if (createdAt !== undefined && startedAt !== undefined && createdAt < startedAt) c.error(path, 'Record creation time should be after experiment');
    if (!obj(created, 'person')?.email) c.error(path, 'User email is required for record_created');
  },
  RecordEvent(c, m, path) {
    if (!obj(m, 'time')?.value) c.error(path, 'RecordEvent must have `time` specified');
    const person = obj(m, 'person') ?? {};
    if (!(person.username || person.name || person.orcid)) c.error(path, 'Person must have at least one of `username`, `name`, or `orcid` specified');
    if (!person.email) c.error(path, 'Person must have `email` specified');
  },
  Person(c, m, path) {
    if (m.email && !ORD_EMAIL.test(String(m.email))) c.error(path, `Invalid email address: ${String(m.email)}`);
    if (m.orcid && !ORD_ORCID.test(String(m.orcid))) c.error(path, 'Invalid ORCID: Enter as 0000-0000-0000-0000');
  },
  DateTime(c, m, path) {
    if (m.value && parseDate(m.value) === undefined) c.error(path, `Could not parse DateTime string ${String(m.value)}`);
  },
  Temperature(c, m, path) {
    valueAndUnits(c, m, path, 'Temperature');
    const v = num(m, 'value') ?? 0;
    const floor = m.units === 'CELSIUS' ? -273.15 : m.units === 'FAHRENHEIT' ? -459 : m.units === 'KELVIN' ? 0 : -Infinity;
    if (v < floor) c.error(path, `Field value of message Temperature must be between ${floor} and inf`);
  },
  Time: nonNegativeUnit('Time'),
  Mass: nonNegativeUnit('Mass'),
  Moles: nonNegativeUnit('Moles'),
  Volume: nonNegativeUnit('Volume'),
  Concentration: nonNegativeUnit('Concentration'),
  Percentage(c, m, path) {
    const v = num(m, 'value');
    if (v === undefined) {
      c.error(path, 'Percentage requires `value` to be set');
      return;
    }
    if (v > 0 && v < 1) c.warn(path, `Percentage values are 0-100, not fractions (${v} used)`);
    if (v < 0 || v > 100) c.warn(path, `Percentage value (${v}) is outside the expected range (0-100)`);
    if ((num(m, 'precision') ?? 0) < 0) c.error(path, 'Field precision of message Percentage must be non-negative');
  },
  FloatValue(c, m, path) {
    if ((num(m, 'precision') ?? 0) < 0) c.error(path, 'Field precision of message FloatValue must be non-negative');
  },
  Data(c, m, path) {
    if (!['floatValue', 'integerValue', 'bytesValue', 'stringValue', 'url'].some((k) => m[k] !== undefined)) c.error(path, 'Data requires one of {value, bytes_value, url}');
  },
};

/** Every error and warning of a Dataset in the shape ordDataset builds (enum values by name). */
export function validateOrdDataset(dataset: Obj): OrdValidation {
  const { Dataset } = ordTypes();
  const checker = new Checker();
  checker.visit(Dataset, dataset, '');
  if (checker.errors.length === 0) {
    const message = Dataset.fromObject(dataset);
    const problem = Dataset.verify(message);
    if (problem) checker.error('', `protobuf: ${problem}`);
    const decoded = Dataset.toObject(Dataset.decode(Dataset.encode(message).finish()), { enums: String });
    const before = (dataset.reactions as unknown[] | undefined)?.length ?? 0;
    const after = (decoded.reactions as unknown[] | undefined)?.length ?? 0;
    if (before !== after) checker.error('reactions', `${before} reactions written, ${after} read back`);
  }
  return { errors: checker.errors, warnings: checker.warnings };
}
