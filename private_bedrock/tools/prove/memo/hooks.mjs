// Memoized pure functions inside @cloud-copilot/iam-simulate's dependencies, for simulate.mjs.
//
// A matrix asks the simulator thousands of questions that share a few hundred sub-questions
// (does this ARN match this action's resource types; is this condition operator an IfExists).
// The simulator answers each from scratch, which made the simulator most of `make test`'s and
// `make prove`'s time. A module resolve hook (node:module registerHooks) hands the simulator's
// imports of those two modules a stand-in that re-exports the real module and memoizes the
// pure functions; nothing in the simulator changes. Results are identical with and without
// (tests/unit/test_simulator_memo.py compares them); PROVE_SIMULATOR_MEMO=off turns it off.
//
// After a package upgrade: if a module stops exporting one of these functions, its stand-in
// fails to load and every matrix run fails at once (PROVE_SIMULATOR_MEMO=off runs without);
// if the simulator stops importing them, test_simulator_memo.py reports the stand-in unused.
// Either way the answers cannot silently change.
import { registerHooks } from 'node:module'

const IAM_UTILS = '@cloud-copilot/iam-utils'
// iam-policy imports its utils relatively ('../utils.js'); the stand-in imports the real file
// through this private specifier, which the hook resolves to that file.
const IAM_POLICY_UTILS = '@cloud-copilot/iam-policy/utils'
const IAM_POLICY_UTILS_FILE = /\/@cloud-copilot\/iam-policy\/dist\/esm\/utils\.js$/

const standIns = {
  iamUtils: new URL('./iam_utils.mjs', import.meta.url).href,
  iamPolicyUtils: new URL('./iam_policy_utils.mjs', import.meta.url).href
}
const isStandIn = (url) => url === standIns.iamUtils || url === standIns.iamPolicyUtils

export function installMemoHooks() {
  let policyUtilsFile
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === IAM_POLICY_UTILS && context.parentURL === standIns.iamPolicyUtils) {
        return { url: policyUtilsFile, shortCircuit: true }
      }
      if (isStandIn(context.parentURL)) {
        return nextResolve(specifier, context)
      }
      if (specifier === IAM_UTILS) {
        return { url: standIns.iamUtils, shortCircuit: true }
      }
      const resolved = nextResolve(specifier, context)
      if (IAM_POLICY_UTILS_FILE.test(resolved.url)) {
        policyUtilsFile = resolved.url
        return { url: standIns.iamPolicyUtils, shortCircuit: true }
      }
      return resolved
    }
  })
}
