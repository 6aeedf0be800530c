/**
 * The forward model's two template libraries, extracted from atom-mapped reactions: general
 * templates (the reaction centre alone, radius 0), which propose candidates and reach most
 * reactions, and specific ones (centre + first neighbours, radius 1), whose support tells the
 * ranker how well-precedented an outcome is in its context.
 */
import { readReactionGraph } from '../../chem/reaction/reaction-graph.js';
import { extractTemplate, templateKey, type ReactionTemplate } from '../../chem/reaction/templates.js';
import type { RecordedReaction } from './recorded-reaction.js';
import { resolveRecordedEdit, type ResolvedEdit } from './resolve-edit.js';

export interface CountedTemplate {
  template: ReactionTemplate;
  /** training reactions this template was extracted from */
  count: number;
}

export interface TemplateSet {
  general: CountedTemplate[];
  specific: CountedTemplate[];
}

export interface ExtractedReaction {
  index: number;
  resolved: ResolvedEdit;
  /** indices into TemplateSet.general / .specific of this reaction's own templates */
  general: number;
  specific: number;
}

export interface Extraction {
  set: TemplateSet;
  reactions: ExtractedReaction[];
  failures: { index: number; reason: string }[];
}

export function extractTemplateSet(reactions: readonly RecordedReaction[], onProgress?: (done: number, total: number) => void): Extraction {
  const general = new Map<string, CountedTemplate & { index: number }>();
  const specific = new Map<string, CountedTemplate & { index: number }>();
  const extracted: ExtractedReaction[] = [];
  const failures: { index: number; reason: string }[] = [];
  const add = (library: Map<string, CountedTemplate & { index: number }>, template: ReactionTemplate): number => {
    const key = templateKey(template);
    const entry = library.get(key);
    if (entry) {
      entry.count++;
      return entry.index;
    }
    library.set(key, { template, count: 1, index: library.size });
    return library.size - 1;
  };
  reactions.forEach((reaction, index) => {
    if (index % 500 === 0) onProgress?.(index, reactions.length);
    try {
      const graph = readReactionGraph(reaction.reactants);
      const resolution = resolveRecordedEdit(graph, reaction);
      if (!resolution.ok) {
        failures.push({ index, reason: resolution.reason });
        return;
      }
      const source = { graph, edit: resolution.resolved.edit, productAtoms: resolution.resolved.productAtoms };
      extracted.push({
        index,
        resolved: resolution.resolved,
        general: add(general, extractTemplate(source, 0)),
        specific: add(specific, extractTemplate(source, 1)),
      });
    } catch (error) {
      failures.push({ index, reason: (error as Error).message });
    }
  });
  onProgress?.(reactions.length, reactions.length);
  const strip = (library: Map<string, CountedTemplate & { index: number }>): CountedTemplate[] =>
    [...library.values()].sort((a, b) => a.index - b.index).map(({ template, count }) => ({ template, count }));
  return { set: { general: strip(general), specific: strip(specific) }, reactions: extracted, failures };
}
