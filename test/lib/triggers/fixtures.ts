import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {BerthContext} from '../../../src/lib/context.js'
import type {ActionRequest, ActionResult, TriggerActionRunner} from '../../../src/lib/triggers/actions.js'
import {execAction} from '../../../src/lib/triggers/actions.js'

/** A context on a temporary home with the encrypted-file secret store (no keychain needed). */
export function fileContext(home: string, project = 'payments'): BerthContext {
  return new BerthContext({project, env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'c0rrect horse: battery/staple!', PATH: process.env.PATH}})
}

/** A docker-registry endpoint document, as `endpoint create` stores it (the password is not needed here). */
export async function storeRegistryEndpoint(ctx: BerthContext, name: string, address = 'http://127.0.0.1:35001'): Promise<void> {
  await ctx.state().create({kind: 'Endpoint', metadata: {name, project: await ctx.project()}, spec: {type: 'docker-registry', address, username: 'ci-bot@payments.example.com', secretRefs: {}}})
}

/**
 * A runner whose service and runtime actions wait until the test lets them go, recording what
 * they were asked; exec is the real one. It stands for the Kubernetes side, which the integration test covers.
 */
export class GatedRunner implements TriggerActionRunner {
  readonly calls: Array<{kind: string; tag: string; image?: string}> = []
  private gates: Array<() => void> = []
  failures: Error[] = []
  gated = true

  async deployService(request: ActionRequest & {image: string}): Promise<ActionResult> {
    this.calls.push({kind: 'service', tag: request.inputs.tag ?? '', image: request.image})
    return this.finish()
  }

  async syncRuntime(request: ActionRequest): Promise<ActionResult> {
    this.calls.push({kind: 'runtime', tag: request.inputs.tag ?? ''})
    return this.finish()
  }

  exec(request: ActionRequest & {action: {command: string}}): Promise<ActionResult> {
    this.calls.push({kind: 'exec', tag: request.inputs.tag ?? ''})
    return execAction(request)
  }

  /** Let the oldest waiting action finish. */
  release(): void {
    this.gates.shift()?.()
  }

  get waiting(): number {
    return this.gates.length
  }

  private async finish(): Promise<ActionResult> {
    const failure = this.failures.shift()
    if (failure) throw failure
    if (this.gated) await new Promise<void>((resolve) => this.gates.push(resolve))
    return {summary: 'done'}
  }
}

/** A local HTTP server that counts what reaches it (a callback target, a fake Docker Hub). */
export async function recordingServer(handler?: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<{url: string; requests: Array<{method: string; url: string; headers: http.IncomingHttpHeaders; body: string}>; close: () => Promise<void>}> {
  const requests: Array<{method: string; url: string; headers: http.IncomingHttpHeaders; body: string}> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      requests.push({method: req.method ?? '', url: req.url ?? '', headers: req.headers, body})
      if (handler) handler(req, body, res)
      else res.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** One event as distribution 2.8 sends it (fields and nesting copied from a real envelope). */
export function distributionEvent(i: number, overrides: {action?: 'push' | 'pull'; tag?: string | null; mediaType?: string; repository?: string; id?: string} = {}): Record<string, unknown> {
  const repository = overrides.repository ?? 'payments/checkout-api'
  const digest = `sha256:${i.toString(16).padStart(64, 'a')}`
  const tag = overrides.tag === null ? {} : {tag: overrides.tag ?? `1.4.${i}`}
  return {
    id: overrides.id ?? `7c1e5f2a-4b8d-4e0a-9f3c-${i.toString().padStart(12, '0')}`,
    timestamp: new Date(Date.UTC(2026, 10, 24, 9, 30, i % 60)).toISOString().replace('.000Z', '.123456789Z'),
    action: overrides.action ?? 'push',
    target: {
      mediaType: overrides.mediaType ?? 'application/vnd.docker.distribution.manifest.v2+json',
      size: 1578,
      digest,
      length: 1578,
      repository,
      url: `http://127.0.0.1:35001/v2/${repository}/manifests/${digest}`,
      ...tag,
    },
    request: {id: `req-${i}`, addr: '127.0.0.1:52344', host: '127.0.0.1:35001', method: overrides.action === 'pull' ? 'GET' : 'PUT', useragent: 'docker/20.10.24+dfsg1 go/go1.19.8 git-commit/5d6db84 kernel/6.1.0 os/linux arch/amd64'},
    actor: {name: 'ci-bot@payments.example.com'},
    source: {addr: 'registry-7f9c:5000', instanceID: 'a1b2c3d4-5678-90ab-cdef-1234567890ab'},
  }
}
