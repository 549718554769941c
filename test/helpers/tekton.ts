// Tekton's own validation for the tekton fragments of `berth resource-interface resolve -o tekton`:
// the tekton-validate program (test/tekton-validate, built by test/env/build-tekton.sh) and
// Tekton's CRDs from the same module, applied to the real kube-apiserver.
import {execFile} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {stringify} from 'yaml'

import {KubeService} from './services.js'

const exec = promisify(execFile)

export const TEKTON_VERSION = 'v1.6.0'

export function tektonDir(): string {
  return path.join(process.env.BERTH_TEST_CACHE || path.join(os.homedir(), '.cache', 'berth-test'), `tekton-validate-${TEKTON_VERSION}`)
}

/** The validator's path; skips the test (fails under CI) when test/env/build-tekton.sh has not built it. */
export function requireTektonValidate(ctx: Mocha.Context): string {
  const bin = path.join(tektonDir(), 'bin', 'tekton-validate')
  if (!existsSync(bin)) {
    const reason = `${bin} is missing (built by test/env/build-tekton.sh, a step of test/env/up.sh)`
    if (process.env.CI) throw new Error(reason)
    process.stderr.write(`\n!!! SKIPPING "${ctx.test?.fullTitle() ?? 'tekton'}": ${reason}\n\n`)
    ctx.skip()
  }
  return bin
}

export interface Fragment {
  params: Array<{name: string; value: string | string[]}>
  workspaces: Array<Record<string, unknown> & {name: string}>
}

/**
 * A PipelineRun around a fragment, as a user would paste it: an embedded pipelineSpec that
 * declares every param (typed by its value) and workspace, and one task that uses them all.
 */
export function pipelineRunFor(fragment: Fragment, options: {name?: string; declareParams?: string[]; declareWorkspaces?: string[]} = {}): string {
  const params = options.declareParams ?? fragment.params.map((p) => p.name)
  const workspaces = options.declareWorkspaces ?? fragment.workspaces.map((w) => w.name)
  const typeOf = (name: string) => (Array.isArray(fragment.params.find((p) => p.name === name)?.value) ? 'array' : 'string')
  const run = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {name: options.name ?? 'ri-fragment-check'},
    spec: {
      pipelineSpec: {
        params: params.map((name) => ({name, type: typeOf(name)})),
        workspaces: workspaces.map((name) => ({name})),
        tasks: [
          {
            name: 'use-everything',
            params: params.map((name, i) => ({name: `p${i}`, value: typeOf(name) === 'array' ? `$(params.${name}[*])` : `$(params.${name})`})),
            workspaces: workspaces.map((name, i) => ({name: `w${i}`, workspace: name})),
            taskSpec: {
              params: params.map((name, i) => ({name: `p${i}`, type: typeOf(name)})),
              workspaces: workspaces.map((_name, i) => ({name: `w${i}`})),
              steps: [{name: 'show', image: 'busybox', args: params.map((name, i) => (typeOf(name) === 'array' ? `$(params.p${i}[*])` : `$(params.p${i})`))}],
            },
          },
        ],
      },
      params: fragment.params,
      workspaces: fragment.workspaces,
    },
  }
  return stringify(run)
}

export interface TektonVerdict {
  valid: boolean
  errors: string[]
  exitCode: number
}

/** Run Tekton's SetDefaults, Validate and the reconciler's param and workspace checks on a PipelineRun. */
export async function tektonValidate(bin: string, pipelineRunYaml: string): Promise<TektonVerdict> {
  const child = exec(bin, ['-'], {timeout: 30_000})
  child.child.stdin!.end(pipelineRunYaml)
  try {
    const {stdout} = await child
    return {...(JSON.parse(stdout) as {valid: boolean; errors: string[]}), exitCode: 0}
  } catch (error) {
    const e = error as {code?: number; stdout?: string}
    if (e.stdout) return {...(JSON.parse(e.stdout) as {valid: boolean; errors: string[]}), exitCode: e.code ?? 1}
    throw error
  }
}

/** Apply Tekton's CRDs (config/300-crds of the module) to the cluster and wait until they serve. */
export async function applyTektonCrds(kube: KubeService): Promise<void> {
  const crds = path.join(tektonDir(), 'crds')
  if (!existsSync(crds) || readdirSync(crds).length === 0) throw new Error(`${crds} has no CRDs (run test/env/build-tekton.sh)`)
  const kubectl = kube.kubectl ?? 'kubectl'
  await exec(kubectl, ['--kubeconfig', kube.adminKubeconfig, 'apply', '--server-side', '--force-conflicts', '--field-manager=berth-tests', '-f', crds], {timeout: 60_000})
  await exec(kubectl, ['--kubeconfig', kube.adminKubeconfig, 'wait', '--for', 'condition=established', '--timeout=60s', 'crd/pipelineruns.tekton.dev', 'crd/pipelines.tekton.dev'], {timeout: 70_000})
}

/** `kubectl create --dry-run=server` of a PipelineRun: the API server's schema check of Tekton's CRD. */
export async function dryRunCreate(kube: KubeService, yaml: string): Promise<{ok: boolean; output: string}> {
  const kubectl = kube.kubectl ?? 'kubectl'
  const child = exec(kubectl, ['--kubeconfig', kube.adminKubeconfig, 'create', '--dry-run=server', '-n', 'default', '-f', '-', '-o', 'name'], {timeout: 60_000})
  child.child.stdin!.end(yaml)
  try {
    const {stdout} = await child
    return {ok: true, output: stdout.trim()}
  } catch (error) {
    const e = error as {stderr?: string; message: string}
    return {ok: false, output: (e.stderr ?? e.message).trim()}
  }
}
