import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'
const c = JSON.parse(readFileSync(0,'utf8').split('\n')[0])
const sim = {request:{principal:c.principal, action:c.action, resource:{resource:c.resource, accountId:c.resource_account}, contextVariables:c.context}, identityPolicies:c.identity_policies.map((p,i)=>({name:'i'+i,policy:p})), serviceControlPolicies:[], resourceControlPolicies:[], resourcePolicy:c.resource_policy}
const r = await runSimulation(sim,{})
console.log(JSON.stringify(c, null, 1))
console.log(r.overallResult, JSON.stringify(r.result.ignoredContextKeys), JSON.stringify(r.result.analysis.resourceAnalysis, (k,v)=> k==='statement'?undefined:v, 1).slice(0,3000))
