import {AuthError, ExternalError, NotFoundError} from '../errors.js'
import {classifyNetworkError} from '../net/errors.js'

/** Docker Hub's API: where it is and who logs in. */
export interface DockerHubApi {
  /** Default https://hub.docker.com (the source names https://cloud.docker.com). */
  apiUrl: string
  username: string
  password: string
  fetch?: typeof fetch
  timeoutMs?: number
}

export interface HubWebhook {
  name: string
  hookUrl: string
}

export interface HubWebhookResult {
  name: string
  slug?: string
}

export const DEFAULT_DOCKER_HUB_API = 'https://hub.docker.com'

/**
 * Docker Hub webhooks as the source describes them: log in for a token
 * (POST /v2/users/login/), then POST /v2/repositories/<namespace>/<repo>/webhook_pipeline/
 * with {name, webhooks: [{name, hook_url}]}; update and delete address the pipeline by its slug.
 */
export class DockerHubClient {
  private token?: string
  constructor(private readonly api: DockerHubApi) {}

  async login(): Promise<string> {
    const response = await this.request('POST', '/v2/users/login/', {username: this.api.username, password: this.api.password}, false)
    if (response.status === 401 || response.status === 403) throw new AuthError(`Docker Hub refused the credentials of "${this.api.username}" (HTTP ${response.status}).`, {hint: 'Check the endpoint\'s username and password (an access token works as the password).'})
    const body = (await json(response)) as {token?: unknown}
    if (!response.ok || typeof body.token !== 'string') throw new ExternalError(`Docker Hub login failed: HTTP ${response.status}.`)
    this.token = body.token
    return body.token
  }

  async createWebhook(namespace: string, repository: string, hook: HubWebhook): Promise<HubWebhookResult> {
    const response = await this.request('POST', `${pipelinesPath(namespace, repository)}`, bodyOf(hook))
    return this.result(response, `create the webhook of ${namespace}/${repository}`, hook.name)
  }

  async updateWebhook(namespace: string, repository: string, slug: string, hook: HubWebhook): Promise<HubWebhookResult> {
    const response = await this.request('PATCH', `${pipelinesPath(namespace, repository)}${encodeURIComponent(slug)}/`, bodyOf(hook))
    return this.result(response, `update webhook "${slug}" of ${namespace}/${repository}`, hook.name)
  }

  /** True when deleted, false when it was already gone. */
  async deleteWebhook(namespace: string, repository: string, slug: string): Promise<boolean> {
    const response = await this.request('DELETE', `${pipelinesPath(namespace, repository)}${encodeURIComponent(slug)}/`)
    await response.arrayBuffer()
    if (response.status === 404) return false
    if (!response.ok) throw new ExternalError(`Docker Hub could not delete webhook "${slug}" of ${namespace}/${repository}: HTTP ${response.status}.`)
    return true
  }

  private async result(response: Response, what: string, name: string): Promise<HubWebhookResult> {
    const body = (await json(response)) as {name?: unknown; slug?: unknown; detail?: unknown}
    if (response.status === 404) throw new NotFoundError(`Docker Hub could not ${what}: no such repository, or no access to it.`)
    if (response.status === 401 || response.status === 403) throw new AuthError(`Docker Hub refused to ${what} (HTTP ${response.status}).`, {hint: 'The endpoint\'s user must be able to administer the repository.'})
    if (!response.ok) throw new ExternalError(`Docker Hub could not ${what}: HTTP ${response.status}${typeof body.detail === 'string' ? `: ${body.detail.slice(0, 200)}` : ''}.`)
    return {name: typeof body.name === 'string' ? body.name : name, ...(typeof body.slug === 'string' ? {slug: body.slug} : {})}
  }

  private async request(method: string, pathname: string, body?: unknown, auth = true): Promise<Response> {
    if (auth && !this.token) await this.login()
    const url = `${this.api.apiUrl.replace(/\/+$/, '')}${pathname}`
    try {
      return await (this.api.fetch ?? fetch)(url, {
        method,
        headers: {accept: 'application/json', ...(body === undefined ? {} : {'content-type': 'application/json'}), ...(auth ? {authorization: `Bearer ${this.token}`} : {})},
        ...(body === undefined ? {} : {body: JSON.stringify(body)}),
        redirect: 'error',
        signal: AbortSignal.timeout(this.api.timeoutMs ?? 30_000),
      })
    } catch (error) {
      throw classifyNetworkError(error, `Docker Hub API ${new URL(url).host}`)
    }
  }
}

function pipelinesPath(namespace: string, repository: string): string {
  return `/v2/repositories/${encodeURIComponent(namespace)}/${encodeURIComponent(repository)}/webhook_pipeline/`
}

function bodyOf(hook: HubWebhook): unknown {
  return {name: hook.name, webhooks: [{name: hook.name, hook_url: hook.hookUrl}]}
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    return {}
  }
}
