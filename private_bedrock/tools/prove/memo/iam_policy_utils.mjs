// @cloud-copilot/iam-policy's internal utils.js as the package's condition and validation
// code sees it: re-exported unchanged, except the two case-insensitive comparisons, which
// remember their answers (hooks.mjs says why and how this module is loaded).
//
// Both are pure (two strings in, a boolean out) and are asked about the same few condition
// operator names for every statement of every cell; each answer costs an ICU collation
// (localeCompare with options), about a third of a matrix run once resource types are memoized.
import { caseInsensitiveEquals as computeEquals } from '@cloud-copilot/iam-policy/utils'

export * from '@cloud-copilot/iam-policy/utils'

const answers = new Map()
// How many distinct questions it was asked (simulate.mjs reports it: proof the stand-in is in use).
globalThis.proveMemo ??= {}
globalThis.proveMemo.caseInsensitive = answers

export function caseInsensitiveEquals(first, second) {
  const key = `${first}\u0000${second}`
  let answer = answers.get(key)
  if (answer === undefined) {
    answer = computeEquals(first, second)
    answers.set(key, answer)
  }
  return answer
}

// The package's own version calls its module-local caseInsensitiveEquals; this one the memo.
export function caseInsensitiveEndsWith(value, suffix) {
  return caseInsensitiveEquals(value.slice(suffix.length * -1), suffix)
}
