// Evaluate a batch of IAM requests with @cloud-copilot/iam-simulate.
//
// stdin:  {"cells": [{"id": "...", "simulation": <iam-simulate Simulation>}, ...]}
// stdout: {"simulator": "<version>", "memo": {...}, "results": [{"id", "decision", "identity", "endpoint",
//          "scp", "scpDenials", "statements", "blockedBy", "ignoredContextKeys", "error"}, ...]}
//
// One process per batch (the Python side sends every cell of a run at once). The
// simulator validates the policies, the action names, the resource ARN against the
// action's resource types and the context keys; a validation error is returned for the
// cell (never a guessed decision), and the Python side fails the run on it.
import { readFileSync } from 'node:fs'
import { installMemoHooks } from './memo/hooks.mjs'

// Memoized pure sub-questions (memo/hooks.mjs): same answers, a fraction of the time.
if (process.env.PROVE_SIMULATOR_MEMO !== 'off') {
  installMemoHooks()
}
const { runSimulation } = await import('@cloud-copilot/iam-simulate')

// The package exports only '.', so read its package.json next to the resolved entry point.
const entry = new URL(import.meta.resolve('@cloud-copilot/iam-simulate'))
const version = JSON.parse(readFileSync(new URL('../../package.json', entry), 'utf8')).version

const input = JSON.parse(readFileSync(0, 'utf8'))
const results = []
for (const { id, simulation } of input.cells) {
  let response
  try {
    response = await runSimulation(simulation, { simulationMode: 'Strict' })
  } catch (err) {
    results.push({ id, error: `exception: ${err?.stack ?? err}` })
    continue
  }
  if (response.resultType !== 'single') {
    // 'error' is a validation failure; 'wildcard' means a resource had a '*' the cell
    // did not intend (every request of the matrix names one concrete resource).
    results.push({ id, error: JSON.stringify(response.resultType === 'error' ? response.errors : response.resultType) })
    continue
  }
  const analysis = response.result.analysis
  // Which SCP statements denied, as "<policy name>/<Sid>" (the matrix names the SCP).
  const named = (s) => `${s.policyId}/${s.statement.sid() ?? s.statement.index()}`
  const scpDenials = (analysis.scpAnalysis?.ouAnalysis ?? []).flatMap((ou) => ou.denyStatements.map(named))
  // The statements that decided the cell, per layer (the evidence names them): the Allows that
  // matched and the Denies that matched, as "<policy name>/<Sid>".
  const statements = {}
  for (const [layer, a] of [['identity', analysis.identityAnalysis], ['endpoint', analysis.endpointAnalysis], ['resource', analysis.resourceAnalysis]]) {
    if (a) statements[layer] = { result: a.result, allow: a.allowStatements.map(named), deny: a.denyStatements.map(named) }
  }
  results.push({
    id,
    decision: response.overallResult,
    identity: analysis.identityAnalysis?.result ?? null,
    endpoint: analysis.endpointAnalysis?.result ?? null,
    scp: analysis.scpAnalysis?.result ?? null,
    scpDenials,
    statements,
    blockedBy: analysis.blockedBy ?? [],
    ignoredContextKeys: response.result.ignoredContextKeys ?? []
  })
}
// Distinct sub-questions each memo answered (absent with PROVE_SIMULATOR_MEMO=off).
const memo = Object.fromEntries(Object.entries(globalThis.proveMemo ?? {}).map(([name, answers]) => [name, answers.size]))
process.stdout.write(JSON.stringify({ simulator: version, memo, results }))
