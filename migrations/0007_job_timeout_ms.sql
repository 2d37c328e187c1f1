-- Job timeouts move from seconds to milliseconds (the API's unit, as seed 004's "timeout": 10000).
-- drizzle-kit wrote only the rename; the new default and the conversion of stored rows are by hand.
ALTER TABLE "jobs" RENAME COLUMN "timeout_seconds" TO "timeout_ms";--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "timeout_ms" SET DEFAULT 10000;--> statement-breakpoint
UPDATE "jobs" SET "timeout_ms" = "timeout_ms" * 1000;
