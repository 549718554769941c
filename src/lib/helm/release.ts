/**
 * helm template and helm upgrade --install over a chart given as files (path → text),
 * written to a private temporary directory for the run.
 */
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {HelmDeps, runHelm} from './run.js'

export interface HelmChartRun {
  /** The chart's files, path relative to the chart root → text (Chart.yaml, values.yaml, templates/…). */
  chart: Record<string, string>
  release: string
  namespace: string
  /** Values files' texts, applied in order (-f). */
  values?: string[]
  /** --set-string key=value pairs, applied last. */
  set?: Array<{key: string; value: string}>
  timeoutMs?: number
}

/** Write the chart and values into a new private directory; returns its paths. */
async function materialize(run: HelmChartRun): Promise<{dir: string; chartDir: string; valueFiles: string[]}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-chart-'))
  const chartDir = path.join(dir, 'chart')
  for (const [rel, text] of Object.entries(run.chart)) {
    const file = path.resolve(chartDir, rel)
    if (!file.startsWith(chartDir + path.sep)) throw new Error(`chart file path escapes the chart: ${rel}`)
    await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700})
    await fs.writeFile(file, text, {mode: 0o600})
  }
  const valueFiles: string[] = []
  for (const [i, text] of (run.values ?? []).entries()) {
    const file = path.join(dir, `values-${i}.yaml`)
    await fs.writeFile(file, text, {mode: 0o600})
    valueFiles.push(file)
  }
  return {dir, chartDir, valueFiles}
}

function valueArgs(valueFiles: string[], set: HelmChartRun['set']): string[] {
  const args: string[] = []
  for (const file of valueFiles) args.push('-f', file)
  for (const s of set ?? []) args.push('--set-string', `${s.key}=${s.value}`)
  return args
}

/** `helm template`: the chart rendered to YAML, nothing sent to a cluster. */
export async function helmTemplate(run: HelmChartRun, deps: HelmDeps = {}): Promise<string> {
  const {dir, chartDir, valueFiles} = await materialize(run)
  try {
    const args = ['template', run.release, chartDir, '--namespace', run.namespace, ...valueArgs(valueFiles, run.set)]
    return (await runHelm({args, what: `helm template ${run.release}`, timeoutMs: run.timeoutMs ?? 60_000}, deps)).stdout
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}

export interface HelmUpgradeRun extends HelmChartRun {
  kubeconfig: string
  /** The kubeconfig context (default its current context). */
  kubeContext?: string
  /** Wait for the release's workloads (helm --wait). */
  wait: boolean
  /** Print what would change without changing the cluster (helm --dry-run=server). */
  dryRun?: boolean
}

export interface HelmUpgradeResult {
  revision?: number
  status?: string
  /** The rendered manifest helm applied. */
  manifest: string
}

/** `helm upgrade --install --create-namespace [--wait]`. */
export async function helmUpgradeInstall(run: HelmUpgradeRun, deps: HelmDeps = {}): Promise<HelmUpgradeResult> {
  const {dir, chartDir, valueFiles} = await materialize(run)
  try {
    const timeoutMs = run.timeoutMs ?? 5 * 60_000
    const args = [
      'upgrade', run.release, chartDir, '--install', '--create-namespace', '--namespace', run.namespace,
      ...valueArgs(valueFiles, run.set),
      ...(run.wait ? ['--wait', '--timeout', `${Math.max(1, Math.round(timeoutMs / 1000))}s`] : []),
      ...(run.dryRun ? ['--dry-run=server'] : []),
      ...(run.kubeContext ? ['--kube-context', run.kubeContext] : []),
      '--output', 'json',
    ]
    // helm's own --timeout governs waiting; the process gets a little longer before it is killed.
    const {stdout} = await runHelm({args, what: `helm upgrade --install ${run.release}`, kubeconfig: run.kubeconfig, timeoutMs: timeoutMs + 30_000}, deps)
    let parsed: {version?: number; info?: {status?: string}; manifest?: string} = {}
    try {
      parsed = JSON.parse(stdout) as typeof parsed
    } catch {
      // older helm prints text; the facts are then unknown
    }
    return {revision: parsed.version, status: parsed.info?.status, manifest: parsed.manifest ?? ''}
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}
