CREATE TABLE "prior_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"source" text NOT NULL,
	"source_name" text NOT NULL,
	"task" text NOT NULL,
	"origin" integer NOT NULL,
	"candidate_key" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"values" jsonb NOT NULL,
	"excluded_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "prior_results" ADD CONSTRAINT "prior_results_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "prior_results_campaign_seq_uq" ON "prior_results" USING btree ("campaign_id","seq");--> statement-breakpoint
CREATE INDEX "prior_results_campaign_idx" ON "prior_results" USING btree ("campaign_id");