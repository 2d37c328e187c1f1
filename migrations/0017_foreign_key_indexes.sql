CREATE INDEX "alerts_device_idx" ON "alerts" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "alerts_resolved_by_idx" ON "alerts" USING btree ("resolved_by");--> statement-breakpoint
CREATE INDEX "dead_letters_replayed_by_idx" ON "dead_letters" USING btree ("replayed_by");--> statement-breakpoint
CREATE INDEX "upload_sessions_owner_idx" ON "upload_sessions" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "upload_sessions_project_idx" ON "upload_sessions" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "tasks_created_by_idx" ON "tasks" USING btree ("created_by");