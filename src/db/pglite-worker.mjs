// The thread the embedded database (PGlite) runs in: it opens the data folder, runs the statements
// the service's thread sends (pglite-thread.ts; messages in pglite-protocol.ts), and holds
// transactions open between them.
//
// Plain JavaScript, unlike the rest of the code: a worker does not inherit the TypeScript loader,
// and registering it here (as the other workers do) cost every process that opens the database
// about two seconds more at start (the loader's own thread, compiling this file), which every
// `athanor` command paid.
//
// PGlite is Postgres compiled to WebAssembly: a statement runs synchronously on the thread that
// calls it. Here that thread is this worker, so the service's event loop keeps answering requests
// while statements run. Serialisation stays PGlite's own: `transaction()` holds its exclusive lock
// from BEGIN to COMMIT/ROLLBACK, and statements sent outside the transaction meanwhile wait for it,
// exactly as they did when PGlite ran on the service's thread.
import { parentPort } from 'node:worker_threads';
import { openCluster } from './pglite-cluster-template.mjs';

const port = parentPort;
if (!port) throw new Error('pglite-worker.mjs runs as a worker thread (src/db/pglite-thread.ts starts it)');

/** @type {import('@electric-sql/pglite').PGlite | undefined} */
let database;
/** Open transactions by id: PGlite's transaction object, how to end it, and its outcome. */
const transactions = new Map();

function opened() {
  if (!database) throw new Error('the embedded database is not open');
  return database;
}

/** drizzle's PGlite driver asks for these types as the text Postgres sent (it parses them itself). */
function rawParsers(types) {
  return Object.fromEntries(types.map((type) => [type, (value) => value]));
}

function begin(id) {
  return new Promise((started, failed) => {
    let entered = false;
    const outcome = opened().transaction(async (tx) => {
      entered = true;
      // true commits, false rolls back
      const decision = new Promise((finish) => transactions.set(id, { tx, finish, outcome }));
      started(null);
      if (!(await decision)) await tx.rollback();
    });
    outcome.catch((error) => {
      if (!entered) failed(error);
    });
  });
}

async function end(id, commit) {
  const open = transactions.get(id);
  if (!open) throw new Error(`transaction ${id} is not open`);
  transactions.delete(id);
  open.finish(commit);
  await open.outcome;
  return null;
}

async function run(request) {
  switch (request.op) {
    case 'open':
      database = await openCluster(request.dataDir);
      return null;
    case 'query': {
      const options = { rowMode: request.rowMode, parsers: rawParsers(request.rawTypes) };
      if (request.tx === undefined) return opened().query(request.sql, request.params, options);
      const open = transactions.get(request.tx);
      if (!open) throw new Error(`transaction ${request.tx} is not open (it was committed or rolled back)`);
      return open.tx.query(request.sql, request.params, options);
    }
    case 'begin':
      return begin(request.tx);
    case 'end':
      return end(request.tx, request.commit);
    case 'close':
      for (const [id] of transactions) await end(id, false).catch(() => undefined);
      await database?.close();
      database = undefined;
      return null;
    default:
      throw new Error(`unknown request ${String(request.op)}`);
  }
}

/** Name, message and the scalar fields PostgreSQL errors carry (code, constraint, detail …). */
function describe(error) {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

port.on('message', (request) => {
  run(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value }),
    (error) => port.postMessage({ id: request.id, ok: false, error: describe(error) }),
  );
});
