import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { searchColumns, searchIndexes } from './search'
import { users } from './users'

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
}

/** A tenant of the cold-chain product: a company whose cold rooms are monitored. */
export const customers = pgTable('customers', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  contactEmail: text('contact_email'),
  ...timestamps,
})

/** The accounts of a customer's staff: a user belongs to at most one customer. */
export const customerUsers = pgTable(
  'customer_users',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
  },
  (t) => [index('customer_users_customer_idx').on(t.customerId)],
)

/** Which customers a technician looks after. */
export const technicianCustomers = pgTable(
  'technician_customers',
  {
    technicianId: uuid('technician_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.technicianId, t.customerId] }),
    index('technician_customers_customer_idx').on(t.customerId),
  ],
)

export const locations = pgTable(
  'locations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    address: text('address'),
    ...timestamps,
  },
  (t) => [index('locations_customer_idx').on(t.customerId)],
)

/**
 * A monitored cold room or freezer with its thresholds and alert tuning: an alert opens after
 * `pendingReadings` breaching readings in a row or a breach lasting `pendingSeconds` (0 = off),
 * and auto-resolves only once the value is back inside by `deadband` °C.
 */
export const coldCells = pgTable(
  'cold_cells',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    locationId: uuid('location_id')
      .notNull()
      .references(() => locations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    minTemp: real('min_temp').notNull(),
    maxTemp: real('max_temp').notNull(),
    pendingReadings: integer('pending_readings').notNull().default(1),
    pendingSeconds: integer('pending_seconds').notNull().default(0),
    deadband: real('deadband').notNull().default(0.5),
    ...timestamps,
  },
  (t) => [index('cold_cells_location_idx').on(t.locationId)],
)

export const DEVICE_STATUSES = ['ONLINE', 'OFFLINE'] as const

/** A sensor in a cold cell. Its key is shown once; only a SHA-256 hash and a prefix are kept. */
export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    coldCellId: uuid('cold_cell_id')
      .notNull()
      .references(() => coldCells.id, { onDelete: 'cascade' }),
    serialNumber: text('serial_number').notNull(),
    keyHash: text('key_hash').notNull(),
    keyPrefix: text('key_prefix').notNull(),
    status: text('status', { enum: DEVICE_STATUSES }).notNull().default('OFFLINE'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    firmwareVersion: text('firmware_version'),
    ...timestamps,
    ...searchColumns('simple', sql`"serial_number" || ' ' || coalesce("firmware_version", '')`),
  },
  (t) => [
    uniqueIndex('devices_serial_idx').on(t.serialNumber),
    index('devices_cold_cell_idx').on(t.coldCellId),
    ...searchIndexes('devices', t),
  ],
)

/** Sensor readings. UNIQUE (device, recorded_at): a device that resends a batch stores it once. */
export const readings = pgTable(
  'readings',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    coldCellId: uuid('cold_cell_id')
      .notNull()
      .references(() => coldCells.id, { onDelete: 'cascade' }),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
    temperature: doublePrecision('temperature').notNull(),
    humidity: real('humidity'),
    powerStatus: boolean('power_status').notNull(),
    doorStatus: boolean('door_status'),
    batteryLevel: smallint('battery_level'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('readings_device_recorded_idx').on(t.deviceId, t.recordedAt),
    // Time-range aggregation per cold cell reads only this index (temperature is included).
    index('readings_cold_cell_recorded_idx').on(t.coldCellId, t.recordedAt, t.temperature),
  ],
)

export const ALERT_TYPES = ['HIGH_TEMP', 'LOW_TEMP', 'POWER_LOSS', 'SENSOR_ERROR'] as const
export type AlertType = (typeof ALERT_TYPES)[number]
export const ALERT_SEVERITIES = ['WARNING', 'CRITICAL'] as const

/**
 * An alert of one device. At most one ACTIVE alert per (device, type), enforced by a partial
 * unique index, so even racing writers cannot open a duplicate.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    coldCellId: uuid('cold_cell_id')
      .notNull()
      .references(() => coldCells.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ALERT_TYPES }).notNull(),
    severity: text('severity', { enum: ALERT_SEVERITIES }).notNull(),
    status: text('status', { enum: ['ACTIVE', 'RESOLVED'] })
      .notNull()
      .default('ACTIVE'),
    message: text('message').notNull(),
    /** The reading value that last triggered it (°C for temperature alerts). */
    value: doublePrecision('value'),
    triggerCount: integer('trigger_count').notNull().default(1),
    firstTriggeredAt: timestamp('first_triggered_at', { withTimezone: true }).notNull(),
    lastTriggeredAt: timestamp('last_triggered_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    resolutionNote: text('resolution_note'),
    autoResolved: boolean('auto_resolved').notNull().default(false),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('alerts_one_active_idx').on(t.deviceId, t.type).where(sql`${t.status} = 'ACTIVE'`),
    index('alerts_customer_idx').on(t.customerId, t.status, t.firstTriggeredAt),
    index('alerts_cold_cell_idx').on(t.coldCellId, t.status),
    // Foreign keys (test/foreign-key-indexes.test.ts): deleting a device or a user finds these rows by index.
    index('alerts_device_idx').on(t.deviceId),
    index('alerts_resolved_by_idx').on(t.resolvedBy),
    index('alerts_escalation_idx')
      .on(t.firstTriggeredAt)
      .where(sql`${t.status} = 'ACTIVE' and ${t.escalatedAt} is null`),
  ],
)

export type Customer = typeof customers.$inferSelect
export type Location = typeof locations.$inferSelect
export type ColdCell = typeof coldCells.$inferSelect
export type Device = typeof devices.$inferSelect
export type Reading = typeof readings.$inferSelect
export type Alert = typeof alerts.$inferSelect
