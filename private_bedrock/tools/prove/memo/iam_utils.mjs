// @cloud-copilot/iam-utils as iam-simulate sees it: the package re-exported unchanged, except
// one pure function that remembers its answers (hooks.mjs says why and how it is loaded).
//
// mostSpecificMatchingResourceTypePatterns(arn, patterns): which of an action's resource types
// a resource ARN matches. Its answer depends only on its two arguments; computing it (an
// automaton intersection per ARN component) was over half of a matrix run's time, for the same
// few hundred action/ARN pairs asked thousands of times.
import { mostSpecificMatchingResourceTypePatterns as computeMatchingPatterns } from '@cloud-copilot/iam-utils'

export * from '@cloud-copilot/iam-utils'

const answers = new Map()
// How many distinct questions it was asked (simulate.mjs reports it: proof the stand-in is in use).
globalThis.proveMemo ??= {}
globalThis.proveMemo.resourceTypes = answers

export function mostSpecificMatchingResourceTypePatterns(resourceString, resourcePatterns) {
  const key = JSON.stringify([resourceString, resourcePatterns])
  let answer = answers.get(key)
  if (answer === undefined) {
    answer = computeMatchingPatterns(resourceString, resourcePatterns)
    answers.set(key, answer)
  }
  return [...answer] // each caller gets its own array, as from the real function
}
