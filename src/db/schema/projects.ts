import { sql } from 'drizzle-orm'
import { date, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import type { Json } from './notifications'
import { searchColumns, searchIndexes } from './search'
import { users } from './users'

export const PROJECT_STATUSES = ['active', 'archived'] as const
/** A member's role in one project; `owner` is held by exactly the user `projects.owner_id` names. */
export const PROJECT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const
export type ProjectRole = (typeof PROJECT_ROLES)[number]
export const TASK_STATUSES = ['todo', 'in_progress', 'review', 'done'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]
export const TASK_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
}

/** Seed 001's projects: owned by one user, shared with members. */
export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: PROJECT_STATUSES }).notNull().default('active'),
    settings: jsonb('settings').$type<{ [key: string]: Json }>().notNull().default({}),
    ...timestamps,
    ...searchColumns('english', sql`"name" || ' ' || coalesce("description", '')`),
  },
  (t) => [
    index('projects_owner_id_idx').on(t.ownerId),
    ...searchIndexes('projects', t),
    // Seed 001's idx_active_projects: most reads look at active projects only.
    index('projects_active_created_idx').on(t.createdAt).where(sql`${t.status} = 'active'`),
  ],
)

/**
 * Who belongs to a project, the owner included (role `owner`), so one lookup answers every access
 * question. The primary key is seed 001's unique (project_id, user_id) and serves lookups by project.
 */
export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: PROJECT_ROLES }).notNull().default('member'),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_id_idx').on(t.userId)],
)

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status', { enum: TASK_STATUSES }).notNull().default('todo'),
    priority: text('priority', { enum: TASK_PRIORITIES }).notNull().default('medium'),
    // A deleted account leaves its tasks behind, unassigned (seed 001 would refuse the delete).
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    dueDate: timestamp('due_date', { withTimezone: true }),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
    ...searchColumns('english', sql`"title" || ' ' || coalesce("description", '')`),
  },
  (t) => [
    ...searchIndexes('tasks', t),
    index('tasks_project_id_idx').on(t.projectId, t.createdAt),
    index('tasks_assignee_id_idx').on(t.assigneeId),
    index('tasks_created_by_idx').on(t.createdBy),
    index('tasks_status_idx').on(t.status),
    index('tasks_due_date_idx').on(t.dueDate),
    index('tasks_tags_idx').using('gin', t.tags),
    // Seed 001's idx_pending_tasks: open work is what boards and reminders read.
    index('tasks_pending_created_idx').on(t.createdAt).where(sql`${t.status} in ('todo', 'in_progress')`),
  ],
)

/**
 * Due-date reminders already sent: one row per (task, due date), claimed by the reminder job with
 * `ON CONFLICT DO NOTHING`, so a re-run or a second tick sends nothing; a new due date reminds again.
 */
export const taskReminders = pgTable(
  'task_reminders',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    dueDate: timestamp('due_date', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.dueDate] })],
)

/** Seed 001's weekly project report, one per owner and week (the Monday it was made for): stored once, emailed once. */
export const weeklyProjectReports = pgTable(
  'weekly_project_reports',
  {
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    week: date('week').notNull(),
    data: jsonb('data').$type<{ [key: string]: Json }>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.week] })],
)

export type Project = typeof projects.$inferSelect
export type ProjectMember = typeof projectMembers.$inferSelect
export type Task = typeof tasks.$inferSelect
