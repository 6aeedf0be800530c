/** Molecule depictions (RDKit.js), optionally with highlighted or weighted atoms. */
import { moleculeSvg } from '../../chem/depict.js';
import { initChem } from '../../chem/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { depictionQuery, errorSchema } from '../openapi/schemas.js';

export function moleculeRoutes(api: ApiBuilder): void {
  api.define(
    {
      method: 'get',
      path: '/api/molecules/depiction.svg',
      tag: 'molecules',
      summary: 'Draw a molecule as SVG',
      description: '`highlight` marks atoms in one colour; `weights` colours every atom by a signed weight (red positive, blue negative).',
      access: 'read',
      query: depictionQuery,
      responses: { 200: { description: 'SVG drawing', contentType: 'image/svg+xml' }, 400: { description: 'Not a SMILES', schema: errorSchema } },
    },
    async (c, { query }) => {
      await initChem();
      const svg = moleculeSvg(query.smiles, {
        width: query.width,
        height: query.height,
        ...(query.highlight ? { highlightAtoms: query.highlight.split(',').map(Number) } : {}),
        ...(query.weights ? { atomWeights: query.weights.split(',').map(Number) } : {}),
      });
      // The drawing depends only on the query: let the browser keep it.
      return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, max-age=86400' });
    },
  );
}
