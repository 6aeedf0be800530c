ALTER TABLE "quarantined_results" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "quarantined_results" ADD COLUMN "assigned_experiment_id" uuid;--> statement-breakpoint
ALTER TABLE "quarantined_results" ADD COLUMN "resolution_reason" text;--> statement-breakpoint
ALTER TABLE "quarantined_results" ADD COLUMN "resolved_by" text;--> statement-breakpoint
ALTER TABLE "quarantined_results" ADD COLUMN "resolved_at" timestamp with time zone;