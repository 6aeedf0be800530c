ALTER TABLE "api_tokens" ADD COLUMN "campaign_ids" jsonb;--> statement-breakpoint
CREATE INDEX "quarantined_results_campaign_idx" ON "quarantined_results" USING btree ("campaign_id","received_at");