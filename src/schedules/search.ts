import { refreshSearchWords } from '../features/search/search.service'
import type { TickContext } from './types'

/** Every 15 minutes: words written since the last refresh become known to typo correction. */
export async function refreshSearchDictionary({ db }: TickContext) {
  return { words: await refreshSearchWords(db) }
}
