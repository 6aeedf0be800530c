/**
 * The panel's forward-prediction page: type reactants, see them drawn, and the ranked products
 * drawn with the atoms the reaction changed highlighted, each with its probability.
 */
import { html } from 'hono/html';
import type { MechanismView } from '../../mechanism/prediction-view.js';
import type { Principal } from '../../auth/index.js';
import type { ForwardPrediction } from '../../models/forward/predictor.js';
import type { SecondOpinion } from '../../mechanism/second-opinion.js';
import { panelLayout } from './layout.js';

export interface PredictPageInput {
  reactants: string;
  /** with the mechanisms' second opinion where it could be asked (mechanismSupport) */
  products?: (ForwardPrediction & Partial<SecondOpinion>)[];
  /** the most likely mechanism, step by step, with pictures (absent when it could not be searched) */
  mechanism?: MechanismView;
  error?: string;
}

function mechanismSection(view: MechanismView) {
  const [best] = view.mechanisms;
  return html`<section class="card" id="mechanism" aria-labelledby="mechanism-heading"><h2 id="mechanism-heading">Mechanism, step by step</h2>${
    !best
      ? html`<p class="empty-state">No elementary step the mechanism library knows applies to these species.</p>`
      : html`${view.lowConfidence ? html`<p class="warn small" role="note">Low confidence: ${view.outsideKnowledge ? 'no step with precedent in this context applies' : `the step model gives even the most likely chain only ${(100 * (view.confidence ?? 0)).toFixed(0)} %`}; the chain below is a guess.</p>` : ''}
<p class="small">The most likely chain (${(100 * best.probability).toFixed(0)} % of the chains found) ends in <code>${best.products.join(' + ')}</code>. Curved arrows move electron pairs: from a lone pair or a bond to an atom or a new bond.</p>
<ol class="mechanism-steps">${best.steps.map(
          (step, k) => html`<li class="mechanism-step"><figure><img class="mechanism-picture" src="data:image/svg+xml;base64,${Buffer.from(step.svg ?? '').toString('base64')}" width="420" height="300" alt="step ${k + 1}: curved arrows ${step.arrows.join(', ')}"><figcaption class="small">step ${k + 1} (${(100 * step.probability).toFixed(0)} %): ${step.arrows.join(', ')} → <code>${step.species.join(' + ')}</code></figcaption></figure></li>`,
        )}</ol>`
  }<p class="muted small">Steps from elementary-step templates of labelled USPTO mechanisms (MechFinder), ${view.scoring === 'learned' ? 'scored by the learned step model (a graph network over the species)' : 'ranked by template precedent'}; see the API's <code>/api/reactions/mechanism</code> for the other chains.</p></section>`;
}

const EXAMPLES: [string, string][] = [
  ['amide coupling', 'CC(=O)Cl.NCc1ccccc1'],
  ['Suzuki coupling', 'Brc1ccc(C)cc1.OB(O)c1ccccc1>[Pd].O=C([O-])[O-].[K+].[K+]>'],
  ['esterification', 'CC(=O)O.OCC'],
  ['Buchwald–Hartwig', 'Brc1ccc(C(F)(F)F)cc1.Cc1ccc(N)cc1'],
];

function depiction(smiles: string, width: number, height: number, highlight: number[] = []): string {
  const marks = highlight.length > 0 ? `&highlight=${highlight.join(',')}` : '';
  return `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=${width}&height=${height}${marks}`;
}

export function predictPage(principal: Principal, input: PredictPageInput) {
  const molecules = input.reactants ? input.reactants.split('>').filter(Boolean).join('.').split('.').filter(Boolean) : [];
  const body = html`<div class="page-head"><h1>Predict products</h1></div>
<section class="card">
  <form class="inline-form" method="get" action="/predict">
    <label for="reactants">Reactants</label>
    <input id="reactants" name="reactants" value="${input.reactants}" size="60" placeholder="SMILES, e.g. CC(=O)Cl.NCc1ccccc1" required aria-describedby="reactants-help">
    <button type="submit" class="primary">Predict</button>
  </form>
  <p id="reactants-help" class="muted small">Molecules separated by “.”; reagents may follow as <code>reactants&gt;reagents&gt;</code>. Try:
    ${EXAMPLES.map(([name, smiles], i) => html`${i > 0 ? ' · ' : ''}<a href="/predict?reactants=${encodeURIComponent(smiles)}">${name}</a>`)}</p>
  ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
</section>
${
  molecules.length > 0 && !input.error
    ? html`<section class="card"><h2>Reactants</h2><div class="mol-row">${molecules.map(
        (m) => html`<figure class="mol-figure"><img class="mol" src="${depiction(m, 160, 120)}" width="160" height="120" alt="structure of ${m}"><figcaption class="small muted">${m}</figcaption></figure>`,
      )}</div></section>`
    : ''
}
${
  input.products
    ? html`<section class="card" aria-labelledby="products-heading"><h2 id="products-heading">Products</h2>${
        input.products.length === 0
          ? html`<p class="empty-state">No known reaction template applies to these reactants.</p>`
          : html`<ol class="product-list">${input.products.map(
              (p) => html`<li class="product">
  <img class="mol" src="${depiction(p.drawing, 240, 180, p.changedAtoms)}" width="240" height="180" alt="predicted product ${p.product}, changed atoms highlighted">
  <div>
    <p class="big num">${(100 * p.probability).toFixed(1)} %</p>
    <meter min="0" max="1" value="${p.probability.toFixed(4)}" aria-label="probability">${(100 * p.probability).toFixed(1)} %</meter>
    <p class="small"><code>${p.product}</code></p>
    ${p.mechanismSupport !== undefined ? html`<p class="small mechanism-support">${p.mechanismSupport > 0 ? `reached by ${(100 * p.mechanismSupport).toFixed(0)} % of the most likely mechanisms` : 'no likely mechanism reaches it'}</p>` : ''}
    <p class="small muted">reaction centre <code>${p.template}</code></p>
  </div>
</li>`,
            )}</ol><p class="muted small">Highlighted: atoms whose bonds, hydrogens or charge the reaction changes.${input.products.some((p) => p.mechanismSupport !== undefined) ? ' The mechanisms’ support is a second opinion shown beside the forward model’s ranking (docs/mechanisms.md).' : ''}</p>`
      }</section>`
    : ''
}`;
  return panelLayout({ title: 'Predict products', principal, body: input.mechanism ? html`${body}${mechanismSection(input.mechanism)}` : body, current: 'predict' });
}
