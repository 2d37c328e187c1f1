import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql'

export const MAX_DEPTH = 8
export const MAX_COST = 5_000
/** What a list field is assumed to return when it has no `limit` argument (nested lists). */
const NESTED_LIST_SIZE = 20
const LIST_FIELDS = new Set(['users', 'posts', 'projects', 'tasks', 'members'])

type Fragments = Record<string, FragmentDefinitionNode>

/** The selection's depth: 1 for a flat selection, through inline and named fragments. */
function depthOf(set: SelectionSetNode | undefined, fragments: Fragments, seen = new Set<string>()): number {
  if (!set) return 0
  let max = 0
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD)
      max = Math.max(max, s.name.value.startsWith('__') ? 0 : 1 + depthOf(s.selectionSet, fragments, seen))
    else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet, fragments, seen))
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value)
      max = Math.max(max, depthOf(fragments[s.name.value]?.selectionSet, fragments, seen))
    }
  }
  return max
}

/** A field's `limit` argument when it is a literal, else the assumed size of a nested list. */
function listSize(field: FieldNode) {
  const limit = field.arguments?.find((a) => a.name.value === 'limit')?.value
  return limit?.kind === Kind.INT ? Number(limit.value) : NESTED_LIST_SIZE
}

/** Each field costs 1, times the size of every list above it: 20 projects × 20 tasks × assignee ≈ 820. */
function costOf(set: SelectionSetNode | undefined, fragments: Fragments, seen = new Set<string>()): number {
  if (!set) return 0
  let total = 0
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      const times = LIST_FIELDS.has(s.name.value) ? listSize(s) : 1
      total += 1 + times * costOf(s.selectionSet, fragments, seen)
    } else if (s.kind === Kind.INLINE_FRAGMENT) total += costOf(s.selectionSet, fragments, seen)
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value)
      total += costOf(fragments[s.name.value]?.selectionSet, fragments, seen)
    }
  }
  return total
}

const fragmentsOf = (context: ValidationContext) =>
  Object.fromEntries(
    context
      .getDocument()
      .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  )

/** Refuses operations nested deeper than MAX_DEPTH or costing more than MAX_COST, before any resolver runs. */
export function limitsRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const fragments = fragmentsOf(context)
      const depth = depthOf(node.selectionSet, fragments)
      if (depth > MAX_DEPTH)
        context.reportError(
          new GraphQLError(`Query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_DEEP' },
          }),
        )
      const cost = costOf(node.selectionSet, fragments)
      if (cost > MAX_COST)
        context.reportError(
          new GraphQLError(`Query cost ${cost} exceeds the limit of ${MAX_COST}`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_COSTLY' },
          }),
        )
    },
  }
}
