CREATE TABLE "weekly_project_reports" (
	"owner_id" uuid NOT NULL,
	"week" date NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "weekly_project_reports_owner_id_week_pk" PRIMARY KEY("owner_id","week")
);
--> statement-breakpoint
ALTER TABLE "weekly_project_reports" ADD CONSTRAINT "weekly_project_reports_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;