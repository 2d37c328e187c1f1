// The feature routers' types, for `outpost.routes<Jobs>()`: all are mounted under /api/v1.
import type { adminRouter } from '../features/admin'
import type { alertsRouter } from '../features/alerts'
import type { authRouter } from '../features/auth'
import type { coldCellsRouter } from '../features/coldcells'
import type { customersRouter } from '../features/customers'
import type { dashboardRouter } from '../features/dashboard'
import type { deadLettersRouter } from '../features/dead-letters'
import type { devicesRouter } from '../features/devices'
import type { healthRouter } from '../features/health'
import type { jobsRouter } from '../features/jobs'
import type { locationsRouter } from '../features/locations'
import type { notificationsRouter } from '../features/notifications'
import type { paymentsRouter } from '../features/payments'
import type { rbacRouter } from '../features/rbac'
import type { readingsRouter } from '../features/readings'
import type { realtimeRouter } from '../features/realtime'
import type { schedulerRouter } from '../features/scheduler'
import type { uploadsRouter } from '../features/uploads'
import type { usersRouter } from '../features/users'

export type Admin = typeof adminRouter
export type Alerts = typeof alertsRouter
export type Auth = typeof authRouter
export type ColdCells = typeof coldCellsRouter
export type Customers = typeof customersRouter
export type Dashboard = typeof dashboardRouter
export type DeadLetters = typeof deadLettersRouter
export type Devices = typeof devicesRouter
export type Health = typeof healthRouter
export type Jobs = typeof jobsRouter
export type Locations = typeof locationsRouter
export type Notifications = typeof notificationsRouter
export type Payments = typeof paymentsRouter
export type Rbac = typeof rbacRouter
export type Readings = typeof readingsRouter
export type Realtime = typeof realtimeRouter
export type Scheduler = typeof schedulerRouter
export type Uploads = typeof uploadsRouter
export type Users = typeof usersRouter
