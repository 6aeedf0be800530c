/**
 * Forward reaction prediction: reactants (and reagents) in, ranked major products out, each with
 * a probability, the template that proposed it and the atoms it changed. Products are always
 * canonical SMILES that RDKit sanitises; candidates that do not are dropped before ranking.
 */
import { SmilesError } from '../../chem/errors.js';
import { withMolecule } from '../../chem/parse.js';
import { applyEdit } from '../../chem/reaction/edit.js';
import { readReactionGraph, type ReactionGraph } from '../../chem/reaction/reaction-graph.js';
import { componentSmiles } from '../../chem/reaction/write-smiles.js';
import { CandidateGenerator, type Candidate } from './candidates.js';
import { prepareReaction, rankProducts } from './examples.js';
import { decodeForwardModel, readForwardModel, type ForwardModelData, type ForwardModelHeader } from './model-file.js';
import { scoreExamples } from './train-ranker.js';

export interface ForwardPrediction {
  rank: number;
  /** canonical SMILES of the product */
  product: string;
  probability: number;
  /** reaction centre of the general template that proposed it (SMARTS) */
  template: string;
  /** the product written so that `changedAtoms` index its atoms (for drawings with highlights) */
  drawing: string;
  /** atoms of `drawing` whose bonds, hydrogens or charge the reaction changed */
  changedAtoms: number[];
  /** the reactants' atoms (in the order they are written) that end up in the product */
  reactantAtoms: number[];
}

export interface PredictOptions {
  /** how many products to return (default 5) */
  topK?: number;
  /**
   * Refuse reactants with more heavy atoms than this (all molecules together) before any template
   * is matched: matching grows with size far faster than linearly, and the model never saw
   * reactions that large (USPTO-15K's largest has 98). Default: no limit.
   */
  maxHeavyAtoms?: number;
}

/** The reactants are larger than the caller allows (PredictOptions.maxHeavyAtoms). */
export class ReactantsTooLargeError extends Error {
  override readonly name = 'ReactantsTooLargeError';
  constructor(
    readonly heavyAtoms: number,
    readonly limit: number,
  ) {
    super(`the reactants have ${heavyAtoms} heavy atoms, more than the limit of ${limit}`);
  }
}

export class ForwardPredictor {
  private readonly generator: CandidateGenerator;
  private readonly templateSlots: Map<number, number>;

  private constructor(private readonly model: ForwardModelData) {
    this.generator = new CandidateGenerator(model.header.templates);
    this.templateSlots = new Map(model.header.templateSlots);
  }

  /** The model shipped with Athanor (trained on USPTO-15K), or one written by `athanor predict-train`. */
  static load(path?: string): ForwardPredictor {
    return new ForwardPredictor(readForwardModel(path));
  }

  static fromBytes(bytes: Uint8Array): ForwardPredictor {
    return new ForwardPredictor(decodeForwardModel(bytes));
  }

  get info(): ForwardModelHeader['training'] & { generalTemplates: number; specificTemplates: number } {
    const { training, templates } = this.model.header;
    return { ...training, generalTemplates: templates.general.length, specificTemplates: templates.specific.length };
  }

  /**
   * Ranked products for `reactants`: '.'-separated SMILES, optionally written `reactants>reagents>`
   * (reagents join the reactants: the model was trained on both together). Throws SmilesError
   * naming the offending molecule when the input is not valid SMILES.
   */
  predict(reactants: string, options: PredictOptions = {}): ForwardPrediction[] {
    const text = normaliseReactionInput(reactants);
    const graph = readWholeInput(text);
    const heavyAtoms = graph.atoms.filter((atom) => atom.symbol !== 'H').length;
    if (options.maxHeavyAtoms !== undefined && heavyAtoms > options.maxHeavyAtoms) throw new ReactantsTooLargeError(heavyAtoms, options.maxHeavyAtoms);
    const candidates = withMolecule(text, (mol) => this.generator.generate(graph, mol));
    const prepared = prepareReaction(text, graph, candidates, this.model.header.templates, { cap: this.model.header.cap, templateSlots: this.templateSlots });
    if (prepared.candidates.length === 0) return [];
    const [scores] = scoreExamples(this.model.params, this.model.header.config, [prepared.example]);
    return rankProducts(prepared.candidates, scores!)
      .slice(0, options.topK ?? 5)
      .map((ranked, index) => ({
        rank: index + 1,
        product: ranked.smiles,
        probability: ranked.probability,
        template: this.model.header.templates.general[ranked.candidate.general]!.template.smarts,
        ...drawingOf(graph, ranked.candidate),
        reactantAtoms: [...ranked.candidate.productAtoms],
      }));
  }

  dispose(): void {
    this.generator.dispose();
    this.model.params.dispose();
  }
}

/** Accepts `A.B`, `A.B>>` and `A.B>reagents>`; rejects empty input and single-molecule junk early. */
export function normaliseReactionInput(input: string): string {
  const text = input.trim();
  if (text === '') throw new SmilesError(input, 'is empty: give reactant SMILES such as "CCO.CC(=O)Cl"');
  const parts = text.split('>');
  if (parts.length === 1) return checkedDots(text);
  if (parts.length !== 3) throw new SmilesError(input, 'is not "reactants" or "reactants>reagents>"');
  const [reactants, reagents, products] = parts as [string, string, string];
  if (products.trim() !== '') throw new SmilesError(input, 'already names products; give only reactants (and reagents)');
  return checkedDots([reactants, reagents].filter((p) => p.trim() !== '').join('.'));
}

function checkedDots(text: string): string {
  if (text.split('.').some((molecule) => molecule === '')) throw new SmilesError(text, 'has an empty molecule between dots');
  return text;
}

/** The reactants' graph; when RDKit refuses them, the error names the molecule at fault. */
function readWholeInput(text: string): ReactionGraph {
  try {
    return readReactionGraph(text);
  } catch (error) {
    if (!(error instanceof SmilesError)) throw error;
    // parsed again one molecule at a time only to say which one is wrong
    for (const molecule of text.split('.')) withMolecule(molecule, () => undefined);
    throw error;
  }
}

function drawingOf(graph: ReactionGraph, candidate: Candidate): { drawing: string; changedAtoms: number[] } {
  const members = new Set(candidate.productAtoms);
  const [component] = componentSmiles(applyEdit(graph, candidate.edit), (atom) => members.has(atom));
  const changed = new Set<number>([...candidate.edit.bonds.flatMap((b) => [b.a, b.b]), ...candidate.edit.atoms.map((a) => a.atom)]);
  return {
    drawing: component!.smiles,
    changedAtoms: component!.atoms.flatMap((atom, index) => (changed.has(atom) ? [index] : [])),
  };
}
