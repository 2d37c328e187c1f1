-- pg_trgm ships with Postgres (contrib) and is available on Neon; drizzle-kit does not write extensions.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "search_text" text GENERATED ALWAYS AS ("name" || ' ' || "email") STORED;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', "name" || ' ' || "email")) STORED;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "search_text" text GENERATED ALWAYS AS ("serial_number" || ' ' || coalesce("firmware_version", '')) STORED;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', "serial_number" || ' ' || coalesce("firmware_version", ''))) STORED;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "search_text" text GENERATED ALWAYS AS ("name" || ' ' || coalesce("description", '')) STORED;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "name" || ' ' || coalesce("description", ''))) STORED;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "search_text" text GENERATED ALWAYS AS ("title" || ' ' || coalesce("description", '')) STORED;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "title" || ' ' || coalesce("description", ''))) STORED;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "search_text" text GENERATED ALWAYS AS ("title" || ' ' || "content") STORED;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "title" || ' ' || "content")) STORED;--> statement-breakpoint
CREATE INDEX "users_search_vector_idx" ON "users" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "devices_search_vector_idx" ON "devices" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "projects_search_vector_idx" ON "projects" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "tasks_search_vector_idx" ON "tasks" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "posts_search_vector_idx" ON "posts" USING gin ("search_vector");--> statement-breakpoint
-- Written by hand (drizzle-kit does not model materialized views with indexes): the dictionary of words
-- that typo correction matches against with trigrams (features/search). Refreshed by the system job
-- `search-words-refresh`; CONCURRENTLY needs the unique index. Tables are schema-qualified: since Postgres 17
-- a refresh runs with search_path = pg_catalog, pg_temp.
CREATE MATERIALIZED VIEW "search_words" AS
  SELECT word FROM ts_stat($$
    SELECT to_tsvector('simple', search_text) FROM public.users
    UNION ALL SELECT to_tsvector('simple', search_text) FROM public.devices
    UNION ALL SELECT to_tsvector('simple', search_text) FROM public.projects
    UNION ALL SELECT to_tsvector('simple', search_text) FROM public.tasks
    UNION ALL SELECT to_tsvector('simple', search_text) FROM public.posts
  $$)
  WHERE word ~ '^[[:alpha:]]{3,}$';--> statement-breakpoint
CREATE UNIQUE INDEX "search_words_word_idx" ON "search_words" ("word");--> statement-breakpoint
CREATE INDEX "search_words_trgm_idx" ON "search_words" USING gin ("word" gin_trgm_ops);
