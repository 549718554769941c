/**
 * Rendered service YAML as Kubernetes objects: each document checked for apiVersion,
 * kind and metadata.name (errors name the document and its line), and the
 * containers read from every workload kind, init containers included.
 */
import {createHash} from 'node:crypto'

import {ValidationError} from '../errors.js'
import type {KubeObject} from '../kube/resources.js'
import {quote} from '../names.js'
import {isPlainObject, parseYamlStream} from '../yaml.js'

export type {KubeObject}

export interface ManifestDocument {
  /** 1-based among the stream's non-empty documents. */
  index: number
  line: number
  object: KubeObject
}

/** The source's Container: name, image, and image_name (the last path segment, no tag or digest). */
export interface Container {
  name: string
  image: string
  image_name: string
}

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024

/** Parse and check a rendered multi-document YAML. `source` names it in errors ("service \"web\""). */
export function parseManifests(text: string, source: string): ManifestDocument[] {
  const docs = parseYamlStream(text, {source, maxBytes: MAX_MANIFEST_BYTES})
  if (docs.length === 0) throw new ValidationError(`${source} has no Kubernetes objects (the YAML is empty).`)
  const seen = new Map<string, number>()
  return docs.map(({index, line, value}) => {
    const at = `${source}, document ${index} (line ${line})`
    if (!isPlainObject(value)) throw new ValidationError(`${at} is not a Kubernetes object: it is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a mapping.`)
    if (value.kind === 'List' && Array.isArray(value.items)) throw new ValidationError(`${at} is a List; write its items as separate documents.`)
    for (const field of ['apiVersion', 'kind'] as const) {
      if (value[field] === undefined) throw new ValidationError(`${at} has no ${field}.`)
      if (typeof value[field] !== 'string' || value[field] === '') throw new ValidationError(`${at}: ${field} must be a non-empty string.`)
    }
    const meta = value.metadata
    if (!isPlainObject(meta) || meta.name === undefined) throw new ValidationError(`${at} (${value.kind}) has no metadata.name.`)
    if (typeof meta.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253) {
      throw new ValidationError(`${at}: metadata.name ${quote(String(meta.name))} is not a valid Kubernetes name (lower-case letters, digits, "-" and ".").`)
    }
    if (meta.namespace !== undefined && typeof meta.namespace !== 'string') throw new ValidationError(`${at}: metadata.namespace must be a string.`)
    const key = `${value.apiVersion}/${value.kind}/${meta.namespace ?? ''}/${meta.name}`
    const first = seen.get(key)
    if (first !== undefined) throw new ValidationError(`${at} repeats ${value.kind} "${meta.name}" of document ${first}.`)
    seen.set(key, index)
    return {index, line, object: value as KubeObject}
  })
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
}

export function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATHS[object.kind]
  if (!path) return undefined
  let node: unknown = object
  for (const part of path) node = isPlainObject(node) ? node[part] : undefined
  return isPlainObject(node) ? node : undefined
}

/** "registry:5000/team/app:1.0@sha256:…" → "app". */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image
  const last = withoutDigest.split('/').at(-1) ?? withoutDigest
  const colon = last.indexOf(':')
  return colon >= 0 ? last.slice(0, colon) : last
}

/** The containers of every workload, init containers first within each, in document order. */
export function containersOf(objects: readonly KubeObject[]): Container[] {
  const out: Container[] = []
  for (const object of objects) {
    const pod = podSpecOf(object)
    if (!pod) continue
    for (const field of ['initContainers', 'containers']) {
      const list = pod[field]
      if (!Array.isArray(list)) continue
      for (const c of list) {
        if (!isPlainObject(c) || typeof c.name !== 'string') continue
        const image = typeof c.image === 'string' ? c.image : ''
        out.push({name: c.name, image, image_name: imageName(image)})
      }
    }
  }
  return out
}

/** sha256 of the rendered text: what a deploy records, to tell later whether it changed. */
export function renderedDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}
