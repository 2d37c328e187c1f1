/**
 * The demo accounts `npm run db:seed` creates (documented in README.md; only ever seeded into local databases).
 * The dashboard's sign-in lists them when the Worker says ENVIRONMENT=development.
 */
export const DEMO_USERS = [
  { email: 'admin@outpost.dev', password: 'outpost-admin-demo', name: 'Demo Admin', role: 'admin' },
  { email: 'moderator@outpost.dev', password: 'outpost-moderator-demo', name: 'Demo Moderator', role: 'moderator' },
  { email: 'user@outpost.dev', password: 'outpost-user-demo', name: 'Demo User', role: 'user' },
  { email: 'tech@outpost.dev', password: 'outpost-tech-demo', name: 'Demo Technician', role: 'technician' },
  { email: 'customer1@outpost.dev', password: 'outpost-customer-demo', name: 'Nordic Foods Staff', role: 'customer' },
  { email: 'customer2@outpost.dev', password: 'outpost-customer-demo', name: 'Alpine Dairy Staff', role: 'customer' },
]
