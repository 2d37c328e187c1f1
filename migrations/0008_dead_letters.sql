CREATE TABLE "dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"queue" text NOT NULL,
	"message_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"attempts" integer,
	"last_error" text,
	"failed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replayed_at" timestamp with time zone,
	"replayed_by" uuid
);
--> statement-breakpoint
CREATE TABLE "queue_failures" (
	"queue" text NOT NULL,
	"message_key" text NOT NULL,
	"attempts" integer NOT NULL,
	"error" text NOT NULL,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queue_failures_queue_message_key_pk" PRIMARY KEY("queue","message_key")
);
--> statement-breakpoint
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_replayed_by_users_id_fk" FOREIGN KEY ("replayed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_queue_message_idx" ON "dead_letters" USING btree ("queue","message_id");--> statement-breakpoint
CREATE INDEX "dead_letters_failed_idx" ON "dead_letters" USING btree ("failed_at" DESC NULLS LAST,"id");