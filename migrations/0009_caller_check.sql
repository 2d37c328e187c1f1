-- The proof an authenticated GET sends in one transaction ahead of its own first statement, when the
-- Worker remembers its caller (src/features/rbac/callers.service.ts): it raises SQLSTATE OU401 unless
-- the session is live and the user and the RBAC epoch are still what the Worker remembers, so the
-- statement after it never runs for a caller that changed.
CREATE FUNCTION "assert_caller"(
  p_session uuid, p_user uuid, p_email text, p_name text, p_verified boolean, p_epoch text
) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM "users" u JOIN "sessions" s ON s."user_id" = u."id"
    WHERE s."id" = p_session AND u."id" = p_user
      AND s."revoked_at" IS NULL AND s."expires_at" > now()
      AND u."email" = p_email AND u."name" = p_name
      AND (u."email_verified_at" IS NOT NULL) = p_verified
  ) OR (SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text FROM "rbac_epoch") IS DISTINCT FROM p_epoch THEN
    RAISE EXCEPTION 'the caller changed since it was loaded' USING ERRCODE = 'OU401';
  END IF;
END
$$;
