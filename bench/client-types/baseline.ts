// The baseline of `npm run bench:client-types`: the same program (the whole app) without the client's types.
import { app } from '../../src/app'

export const routes = app.routes.length
