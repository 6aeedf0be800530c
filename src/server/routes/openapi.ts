/** The OpenAPI document and a browsable reference page drawn from it (served locally: no CDN). */
import { html, raw } from 'hono/html';
import type { Hono } from 'hono';
import type { ApiBuilder } from '../openapi/api-builder.js';
import type { ServerEnv } from '../env.js';
import { panelLayout } from '../panel/layout.js';

const INFO = {
  title: 'Athanor API',
  version: '1',
  description:
    'Watch and steer closed-loop experiment campaigns. Send a token as `Authorization: Bearer <token>` ' +
    '(create one with `athanor token create --role viewer|operator|lab`). Errors always have the shape `{"error": {"code", "message", "field"?}}`.',
};

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown; description?: string }> };
  responses?: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};

function referencePage(doc: Record<string, unknown>) {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const schemaBlock = (label: string, schema: unknown) =>
    html`<details><summary>${label}</summary><pre class="schema">${JSON.stringify(schema, null, 2)}</pre></details>`;
  const sections = [...byTag.entries()].map(
    ([tag, ops]) => html`<section aria-labelledby="tag-${tag}"><h2 id="tag-${tag}">${tag}</h2>
${ops.map(({ method, path, op }) => {
  const id = `${method}-${path}`.replace(/[^\w]+/g, '-');
  return html`<article class="op" id="${id}"><h3><span class="method method-${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${op.summary ?? ''}</p>${op.description ? html`<p class="muted">${op.description}</p>` : ''}
${
  op.parameters && op.parameters.length > 0
    ? html`<div class="table-wrap"><table><caption>Parameters</caption><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">required</th><th scope="col">description</th></tr></thead>
<tbody>${op.parameters.map((p) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td>${p.description ?? ''}</td></tr>`)}</tbody></table></div>`
    : ''
}
${op.requestBody ? Object.entries(op.requestBody.content).map(([type, body]) => schemaBlock(`Request body: ${type}${body.description ? ` — ${body.description}` : ''}`, body.schema ?? { type: 'string' })) : ''}
<ul class="responses">${Object.entries(op.responses ?? {}).map(
    ([status, r]) => html`<li><strong>${status}</strong> ${r.description}${
      r.content ? Object.entries(r.content).map(([type, c]) => (c.schema ? schemaBlock(type, c.schema) : html` <code>${type}</code>`)) : ''
    }</li>`,
  )}</ul></article>`;
})}</section>`,
  );
  return panelLayout({
    title: 'API reference',
    principal: undefined,
    body: html`<h1>${INFO.title}</h1><p>${INFO.description}</p>
<p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Contents: ${[...byTag.keys()].map(
      (tag, i) => html`${i > 0 ? ', ' : ''}<a href="#tag-${tag}">${tag}</a>`,
    )}.</p>${sections}${raw('')}`,
  });
}

export function openApiRoutes(app: Hono<ServerEnv>, api: ApiBuilder): void {
  let cached: Record<string, unknown> | undefined;
  const document = () => (cached ??= api.document(INFO));
  app.get('/api/openapi.json', (c) => c.json(document()));
  app.get('/api/docs', (c) => c.html(referencePage(document())));
}
