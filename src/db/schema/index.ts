export * from './emails'
export * from './users'
