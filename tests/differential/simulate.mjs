// Decide request cases with @cloud-copilot/iam-simulate, an independent AWS policy evaluator.
//
// Input: JSON lines on stdin in the fixed batch format of `iamlab simulate aws --batch`
//   {id, principal, action, resource, resource_account, context, identity_policies, resource_policy,
//    permissions_boundary, session_policy, scps, rcps, restrict_public_buckets}
// Output: one JSON line per case, in input order:
//   {"id", "decision": "allow" | "explicit_deny" | "implicit_deny"}  or  {"id", "error": "..."}
// With --stats, a JSON summary {"cases", "eval_seconds", "cpu_seconds"} goes to stderr; both cover only
// the evaluation loop (input parsing and output writing are excluded) so benchmarks compare like with
// like; cpu_seconds (user + system time of this process) is steadier on a shared machine.
// With --repeat N, the evaluation loop runs N times (results of the last run are printed).
// With --warmup, one untimed pass runs first, so the timed runs measure compiled code, not V8 warming up.

import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const DECISIONS = {
  Allowed: 'allow',
  ExplicitlyDenied: 'explicit_deny',
  ImplicitlyDenied: 'implicit_deny'
}

function parseArgs(argv) {
  const options = { stats: false, repeat: 1, warmup: false }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stats') {
      options.stats = true
    } else if (argv[i] === '--warmup') {
      options.warmup = true
    } else if (argv[i] === '--repeat') {
      options.repeat = Math.max(1, Number.parseInt(argv[++i], 10) || 1)
    } else {
      throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  return options
}

// The account a principal belongs to: the fifth ARN field, or undefined for service principals.
function accountOf(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
    return undefined
  }
  const account = arn.split(':')[4]
  return account || undefined
}

// iam-simulate takes string or string[] context values; JSON numbers and booleans become their text,
// which is how AWS presents them to condition operators.
function contextValues(context) {
  const values = {}
  for (const [key, value] of Object.entries(context ?? {})) {
    values[key] = Array.isArray(value) ? value.map((item) => String(item)) : String(value)
  }
  return values
}

function orgLevels(levels, label) {
  return (levels ?? []).map((policies, level) => ({
    orgIdentifier: `${label}-level-${level}`,
    policies: policies.map((policy, index) => ({ name: `${label}-${level}-${index}`, policy }))
  }))
}

function toSimulation(testCase) {
  const resourceAccount =
    testCase.resource_account ?? accountOf(testCase.resource) ?? accountOf(testCase.principal) ?? ''
  const simulation = {
    request: {
      principal: testCase.principal,
      action: testCase.action,
      resource: { resource: testCase.resource, accountId: resourceAccount },
      contextVariables: contextValues(testCase.context)
    },
    identityPolicies: (testCase.identity_policies ?? []).map((policy, index) => ({
      name: `identity-${index}`,
      policy
    })),
    serviceControlPolicies: orgLevels(testCase.scps, 'scp'),
    resourceControlPolicies: orgLevels(testCase.rcps, 'rcp')
  }
  if (testCase.resource_policy) {
    simulation.resourcePolicy = testCase.resource_policy
  }
  if (testCase.permissions_boundary) {
    simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: testCase.permissions_boundary }]
  }
  if (testCase.session_policy) {
    simulation.sessionPolicy = testCase.session_policy
  }
  if (testCase.restrict_public_buckets) {
    simulation.additionalSettings = { s3: { blockPublicAccess: true } }
  }
  return simulation
}

function describeErrors(errors) {
  const details = { ...errors }
  delete details.message
  const text = JSON.stringify(details)
  return text === '{}' ? errors.message : `${errors.message}: ${text}`
}

async function decide(testCase, simulation) {
  if (simulation instanceof Error) {
    return { id: testCase?.id ?? null, error: simulation.message }
  }
  try {
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (response.resultType === 'error') {
      return { id: testCase.id, error: describeErrors(response.errors) }
    }
    const decision = DECISIONS[response.overallResult]
    if (!decision) {
      return { id: testCase.id, error: `unexpected result ${response.overallResult}` }
    }
    return { id: testCase.id, decision }
  } catch (error) {
    return { id: testCase.id, error: `iam-simulate threw: ${error.message}` }
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2))
  const lines = readFileSync(0, 'utf8').split('\n').filter((line) => line.trim() !== '')
  const cases = []
  const simulations = []
  for (const line of lines) {
    try {
      const testCase = JSON.parse(line)
      cases.push(testCase)
      simulations.push(toSimulation(testCase))
    } catch (error) {
      cases.push(null)
      simulations.push(new Error(`bad input line: ${error.message}`))
    }
  }
  let results = []
  if (options.warmup) {
    for (let i = 0; i < cases.length; i++) {
      await decide(cases[i], simulations[i])
    }
  }
  const started = process.hrtime.bigint()
  const cpuStarted = process.cpuUsage()
  for (let run = 0; run < options.repeat; run++) {
    results = []
    for (let i = 0; i < cases.length; i++) {
      results.push(await decide(cases[i], simulations[i]))
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = process.cpuUsage(cpuStarted)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  process.stdout.write(results.map((result) => JSON.stringify(result)).join('\n') + (results.length ? '\n' : ''))
  if (options.stats) {
    process.stderr.write(
      JSON.stringify({
        cases: cases.length * options.repeat,
        eval_seconds: seconds,
        cpu_seconds: cpuSeconds
      }) + '\n'
    )
  }
}

main().catch((error) => {
  process.stderr.write(`simulate.mjs: ${error.stack ?? error}\n`)
  process.exit(1)
})
