import type { Database } from '../../db/client'
import type { Principal } from '../../lib/types'
import { customerOf, inScope, scopeOf } from './scope.service'

type Reader = Pick<Principal, 'id' | 'roles'>

// Live cold-chain channels follow the same scope as the data: whoever may read the cold cell or
// the customer may subscribe (admins, linked technicians, the customer's own users).
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/** Whether `user` may subscribe to `coldcell:<id>`. */
export async function canReadColdCell(db: Database, user: Reader, id: string) {
  return UUID.test(id) && inScope(await scopeOf(db, user), await customerOf(db, 'coldCell', id))
}

/** Whether `user` may subscribe to `customer:<id>`. */
export async function canReadCustomer(db: Database, user: Reader, id: string) {
  return UUID.test(id) && inScope(await scopeOf(db, user), id)
}
