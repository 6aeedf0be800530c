CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"spec_source" text NOT NULL,
	"spec_hash" text NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"seed" integer NOT NULL,
	"budget" integer NOT NULL,
	"batch_size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" uuid,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"payload" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"batch" integer NOT NULL,
	"candidate_key" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"substances" jsonb NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"proposal" jsonb NOT NULL,
	"dispatch_count" integer DEFAULT 0 NOT NULL,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dispatched_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "machine_snapshots" (
	"campaign_id" uuid PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"featurizer_version" text NOT NULL,
	"backend" text NOT NULL,
	"training_size" integer NOT NULL,
	"metrics" jsonb NOT NULL,
	"weights" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "molecules" (
	"smiles" text PRIMARY KEY NOT NULL,
	"heavy_atoms" integer NOT NULL,
	"formal_charge" integer NOT NULL,
	"fragments" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quarantined_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid,
	"experiment_id" text,
	"reason" text NOT NULL,
	"raw" jsonb NOT NULL,
	"source" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"experiment_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"values" jsonb NOT NULL,
	"raw" jsonb NOT NULL,
	"source" text NOT NULL,
	"excluded_reason" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machine_snapshots" ADD CONSTRAINT "machine_snapshots_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaigns_spec_hash_idx" ON "campaigns" USING btree ("spec_hash");--> statement-breakpoint
CREATE INDEX "campaigns_status_idx" ON "campaigns" USING btree ("status");--> statement-breakpoint
CREATE INDEX "events_campaign_idx" ON "events" USING btree ("campaign_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_campaign_seq_uq" ON "experiments" USING btree ("campaign_id","seq");--> statement-breakpoint
CREATE INDEX "experiments_campaign_status_idx" ON "experiments" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "experiments_campaign_candidate_idx" ON "experiments" USING btree ("campaign_id","candidate_key");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_campaign_version_uq" ON "model_versions" USING btree ("campaign_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "results_experiment_uq" ON "results" USING btree ("experiment_id");--> statement-breakpoint
CREATE INDEX "results_campaign_idx" ON "results" USING btree ("campaign_id");