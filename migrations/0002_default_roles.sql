-- Default roles and permissions (SPEC.md, Identity > RBAC model). Idempotent: re-running adds
-- only what is missing and never removes what an admin changed.
INSERT INTO "roles" ("name", "description", "is_system") VALUES
  ('admin', 'Everything', true),
  ('moderator', 'Reads users and manages posts', true),
  ('user', 'Own profile and own posts', true),
  ('technician', 'Cold-chain data of linked customers', true),
  ('customer', 'Own cold-chain data', true)
ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
INSERT INTO "permissions" ("resource", "action", "description") VALUES
  ('*', '*', 'Every action on every resource'),
  ('users', 'read', 'Read any user'),
  ('users', 'read_own', 'Read own profile'),
  ('users', 'update_own', 'Update own profile'),
  ('posts', 'manage', 'Create, read, update and delete any post'),
  ('posts', 'read', 'Read posts'),
  ('posts', 'create', 'Create posts'),
  ('posts', 'update_own', 'Update own posts'),
  ('posts', 'delete_own', 'Delete own posts'),
  ('customers', 'read', 'Read customers (scoped by technician links)'),
  ('devices', 'read', 'Read devices (scoped by technician links)'),
  ('alerts', 'read', 'Read alerts (scoped by technician links)'),
  ('alerts', 'resolve', 'Resolve alerts (scoped by technician links)'),
  ('readings', 'read', 'Read readings (scoped by technician links)'),
  ('devices', 'read_own', 'Read own devices'),
  ('alerts', 'read_own', 'Read own alerts'),
  ('readings', 'read_own', 'Read own readings')
ON CONFLICT ("resource", "action") DO NOTHING;
--> statement-breakpoint
INSERT INTO "role_permissions" ("role_id", "permission_id")
SELECT r.id, p.id
FROM (VALUES
  ('admin', '*', '*'),
  ('moderator', 'users', 'read'),
  ('moderator', 'users', 'read_own'),
  ('moderator', 'users', 'update_own'),
  ('moderator', 'posts', 'manage'),
  ('user', 'users', 'read_own'),
  ('user', 'users', 'update_own'),
  ('user', 'posts', 'read'),
  ('user', 'posts', 'create'),
  ('user', 'posts', 'update_own'),
  ('user', 'posts', 'delete_own'),
  ('technician', 'users', 'read_own'),
  ('technician', 'users', 'update_own'),
  ('technician', 'customers', 'read'),
  ('technician', 'devices', 'read'),
  ('technician', 'alerts', 'read'),
  ('technician', 'alerts', 'resolve'),
  ('technician', 'readings', 'read'),
  ('customer', 'users', 'read_own'),
  ('customer', 'users', 'update_own'),
  ('customer', 'devices', 'read_own'),
  ('customer', 'alerts', 'read_own'),
  ('customer', 'readings', 'read_own')
) AS d(role, resource, action)
JOIN "roles" r ON r.name = d.role
JOIN "permissions" p ON p.resource = d.resource AND p.action = d.action
ON CONFLICT DO NOTHING;
