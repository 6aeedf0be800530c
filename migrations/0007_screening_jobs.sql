CREATE TABLE "screening_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"library_name" text NOT NULL,
	"format" text NOT NULL,
	"library_bytes" double precision NOT NULL,
	"settings" jsonb NOT NULL,
	"progress" jsonb,
	"result" jsonb,
	"error" jsonb,
	"actor" text NOT NULL,
	"runner" text,
	"heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "screening_jobs" ADD CONSTRAINT "screening_jobs_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "screening_jobs_campaign_idx" ON "screening_jobs" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "screening_jobs_status_idx" ON "screening_jobs" USING btree ("status");