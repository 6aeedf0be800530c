/**
 * Trained surrogates, one numbered version per retrain of a campaign. The shape mirrors
 * SavedModel in src/models (declared here, not imported: the db layer does not depend on models).
 */
import { and, desc, eq, max } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { modelVersions } from '../schema.js';

export interface StoredModel {
  kind: string;
  featurizerVersion: string;
  backend: string;
  trainingSize: number;
  metrics: Record<string, number>;
  weights: Uint8Array;
}

export interface ModelVersionInfo {
  version: number;
  kind: string;
  featurizerVersion: string;
  backend: string;
  trainingSize: number;
  metrics: Record<string, number>;
  createdAt: Date;
}

export type ModelVersion = ModelVersionInfo & StoredModel;

/** JSON has no NaN or infinity: such metrics are left out rather than stored as null. */
function finiteMetrics(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

/** Drivers hand bytea back as Buffer (pg) or a view into a larger buffer; models want a plain copy. */
function plainBytes(bytes: Uint8Array | null): Uint8Array {
  return bytes ? new Uint8Array(bytes) : new Uint8Array(0);
}

/**
 * Stores a model as the campaign's next version and returns its number (1, 2, …). Two writers
 * racing for the same number are separated by the unique index; the loser retries.
 */
export async function saveModelVersion(db: DbOrTx, campaignId: string, saved: StoredModel): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx.select({ latest: max(modelVersions.version) }).from(modelVersions).where(eq(modelVersions.campaignId, campaignId));
        const version = (row?.latest ?? 0) + 1;
        await tx.insert(modelVersions).values({
          campaignId,
          version,
          kind: saved.kind,
          featurizerVersion: saved.featurizerVersion,
          backend: saved.backend,
          trainingSize: saved.trainingSize,
          metrics: finiteMetrics(saved.metrics),
          weights: saved.weights,
        });
        return version;
      });
    } catch (error) {
      if (attempt >= 4 || !/model_versions_campaign_version_uq|duplicate key/i.test(String((error as Error).message) + String((error as { cause?: Error }).cause?.message ?? ''))) throw error;
    }
  }
}

function toVersion(row: typeof modelVersions.$inferSelect): ModelVersion {
  return {
    version: row.version,
    kind: row.kind,
    featurizerVersion: row.featurizerVersion,
    backend: row.backend,
    trainingSize: row.trainingSize,
    metrics: row.metrics,
    createdAt: row.createdAt,
    weights: plainBytes(row.weights),
  };
}

export async function loadLatestModelVersion(db: DbOrTx, campaignId: string): Promise<ModelVersion | undefined> {
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.campaignId, campaignId)).orderBy(desc(modelVersions.version)).limit(1);
  return row ? toVersion(row) : undefined;
}

export async function loadModelVersion(db: DbOrTx, campaignId: string, version: number): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.campaignId, campaignId), eq(modelVersions.version, version)));
  return row ? toVersion(row) : undefined;
}

/** Every version of a campaign without the weights, newest first (for status pages). */
export async function listModelVersions(db: DbOrTx, campaignId: string): Promise<ModelVersionInfo[]> {
  return db
    .select({
      version: modelVersions.version,
      kind: modelVersions.kind,
      featurizerVersion: modelVersions.featurizerVersion,
      backend: modelVersions.backend,
      trainingSize: modelVersions.trainingSize,
      metrics: modelVersions.metrics,
      createdAt: modelVersions.createdAt,
    })
    .from(modelVersions)
    .where(eq(modelVersions.campaignId, campaignId))
    .orderBy(desc(modelVersions.version));
}
