/** Campaign events: a page of them as JSON, or a live Server-Sent Events stream. */
import { z } from 'zod';
import { latestEventId } from '../../db/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, eventSchema, eventsQuery } from '../openapi/schemas.js';
import type { Services } from '../services.js';
import { eventStream, lastEventIdOf } from './event-stream.js';

const SSE_DESCRIPTION =
  'A `text/event-stream`. Each message has `event: campaign-event`, `id:` the event id and `data:` the event as JSON. ' +
  'The first message (`event: ready`) confirms the subscription. Reconnecting with `Last-Event-ID` (browsers do it by themselves) or `?after=` replays what was missed.';

export function eventRoutes(api: ApiBuilder, services: Services): void {
  const { db, feed } = services;

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/events',
      tag: 'events',
      summary: 'Events of a campaign, oldest first (up to 500 per page)',
      access: 'read',
      params: campaignParams,
      query: eventsQuery,
      responses: { 200: { description: 'Events after `after`', schema: z.object({ events: z.array(eventSchema) }) } },
    },
    async (c, { params, query }) => {
      const campaignId = await services.campaignId(params.id);
      const rows = await services.events.page(campaignId, query.after);
      return c.body(services.events.pageJson(campaignId, rows), 200, { 'content-type': 'application/json' });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/events/stream',
      tag: 'events',
      summary: "A campaign's events, live (Server-Sent Events)",
      description: SSE_DESCRIPTION,
      access: 'read',
      params: campaignParams,
      query: eventsQuery,
      responses: { 200: { description: 'An endless event stream', contentType: 'text/event-stream' } },
    },
    async (c, { params, query }) => {
      const campaign = await services.campaign(params.id);
      return eventStream(c, { db, feed, campaignId: campaign.id, after: lastEventIdOf(c, query.after) });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/events/stream',
      tag: 'events',
      summary: 'Events of every campaign, live (Server-Sent Events)',
      description: `${SSE_DESCRIPTION} Without \`after\`, only new events are sent.`,
      access: 'read',
      query: z.object({ after: z.coerce.number().int().nonnegative().optional().describe('Replay events after this id first') }),
      responses: { 200: { description: 'An endless event stream', contentType: 'text/event-stream' } },
    },
    async (c, { query }) => {
      const start = lastEventIdOf(c, query.after ?? -1);
      const after = start >= 0 ? start : await latestEventId(db);
      return eventStream(c, { db, feed, after });
    },
  );
}
