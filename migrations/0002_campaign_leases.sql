CREATE TABLE "campaign_commands" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"command" text NOT NULL,
	"actor" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	"outcome" text,
	"ok" boolean
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "lease_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_commands" ADD CONSTRAINT "campaign_commands_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaign_commands_pending_idx" ON "campaign_commands" USING btree ("campaign_id","done_at");