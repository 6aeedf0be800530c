/** Pages of events from memory (and their JSON text) answer exactly what the database answers, as events are appended. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, campaigns, listEvents, openDatabase, type Database } from '../src/db/index.js';
import { EventPages } from '../src/server/event-pages.js';
import { tempHome } from './helpers.js';

const A = '00000000-0000-4000-8000-0000000000a1';
const B = '00000000-0000-4000-8000-0000000000b2';

describe('event pages kept in memory', () => {
  let database: Database;
  let cleanup: () => void;

  beforeAll(async () => {
    const home = tempHome('athanor-event-pages-');
    cleanup = home.cleanup;
    database = await openDatabase({ home: home.home });
    for (const id of [A, B]) {
      await database.db.insert(campaigns).values({ id, name: id, spec: {}, specSource: '', specHash: id, seed: 1, budget: 1, batchSize: 1, status: 'running' });
    }
  }, 300_000); // a fresh PGlite runs every migration: minutes on a busy machine
  afterAll(async () => {
    await database?.close();
    cleanup();
  });

  it('answers every page as the database does, before and after more events are appended', async () => {
    // A small limit per campaign so the part beyond it (read from the database) is exercised too.
    const pages = new EventPages(database.db, true, 7);
    const unbounded = new EventPages(database.db, true);
    const append = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await appendEvent(database.db, { campaignId: A, type: 'test.a', actor: 't', payload: { i } });
        await appendEvent(database.db, { campaignId: B, type: 'test.b', actor: 't', payload: { i } });
      }
    };
    const compare = async () => {
      const all = await listEvents(database.db, A, 0, 10_000);
      const afters = [0, ...all.map((e) => e.id), all[all.length - 1]!.id + 5];
      for (const after of afters) {
        for (const limit of [1, 3, 500]) {
          const expected = await listEvents(database.db, A, after, limit);
          const page = await pages.page(A, after, limit);
          expect(page).toEqual(expected);
          // the text answered, kept per campaign and given again for the same page: always this page's
          expect(pages.pageJson(A, page)).toBe(JSON.stringify({ events: expected }));
          expect(pages.pageJson(A, page)).toBe(JSON.stringify({ events: expected }));
          expect(await unbounded.page(A, after, limit)).toEqual(expected);
        }
      }
      expect((await unbounded.page(B)).every((e) => e.campaignId === B)).toBe(true);
    };
    await append(4);
    await compare();
    await append(6);
    await compare();
    // Read at once by many: each sees every event appended before it asked.
    await append(1);
    const expected = await listEvents(database.db, A, 0, 500);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => unbounded.page(A)));
    for (const page of concurrent) expect(page).toEqual(expected);
  });
});
