import type {BerthContext} from '../context.js'
import {openSecretStore} from '../secrets/index.js'
import type {SecretBackendName} from '../secrets/store.js'
import {TransferResult, transferState} from '../state/transfer.js'
import {renderTable} from '../output/table.js'

/**
 * `state export` (file → Kubernetes) and `state import` (Kubernetes → file) with the
 * context's two backends: the files under BERTH_HOME with the local secret store (the
 * secret-store setting), and the Kubernetes backend of the kube-* settings with its Secrets.
 */
export async function transferBetweenBackends(ctx: BerthContext, direction: 'export' | 'import'): Promise<TransferResult> {
  const file = ctx.fileState()
  const kube = ctx.kubeState()
  const local = await ctx.localSecrets()
  const sourceSecrets = async (backend: SecretBackendName) => {
    if (backend === 'kubernetes') return ctx.kubeSecrets()
    if (backend === local.backend) return local
    return openSecretStore({backend, home: ctx.home, env: ctx.env, kube: () => ctx.kubeSecrets()})
  }
  return direction === 'export'
    ? transferState({from: file, to: kube, sourceSecrets, targetSecrets: ctx.kubeSecrets()})
    : transferState({from: kube, to: file, sourceSecrets, targetSecrets: local})
}

/** What moved, as a table (empty when nothing was there), and a one-line summary. */
export function renderTransfer(result: TransferResult): {table: string; summary: string} {
  const rows = result.objects.map((o) => {
    const secrets = result.secrets.filter((s) => s.kind === o.kind && s.name === o.name && s.project === o.project)
    return {...o, secrets: secrets.map((s) => `${s.field} ${s.action}`).join(', ')}
  })
  const table = rows.length === 0 ? '' : renderTable(rows, [
    {header: 'action', get: (r) => r.action},
    {header: 'kind', get: (r) => r.kind},
    {header: 'project', get: (r) => r.project ?? '-'},
    {header: 'name', get: (r) => r.name},
    {header: 'secrets', get: (r) => r.secrets},
  ])
  const count = (action: string) => result.objects.filter((o) => o.action === action).length
  const secrets = (action: string) => result.secrets.filter((s) => s.action === action).length
  const missing = secrets('missing')
  const damaged = result.damaged.length
  const summary = `From ${result.from} to ${result.to}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged; secrets: ${secrets('copied')} copied, ${secrets('unchanged')} unchanged${missing ? `, ${missing} missing in the source store (their references were kept)` : ''}${damaged ? `; ${damaged} damaged, skipped` : ''}.`
  return {table, summary}
}
