import { registerChannelAccess } from '../realtime'
import { customerOf, inScope, scopeOf } from './scope.service'

// Live cold-chain channels follow the same scope as the data: whoever may read the cold cell or
// the customer may subscribe (admins, linked technicians, the customer's own users).
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
registerChannelAccess(
  'coldcell',
  async (db, user, id) => UUID.test(id) && inScope(await scopeOf(db, user), await customerOf(db, 'coldCell', id)),
)
registerChannelAccess('customer', async (db, user, id) => UUID.test(id) && inScope(await scopeOf(db, user), id))
