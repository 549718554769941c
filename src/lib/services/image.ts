import {ValidationError} from '../errors.js'

/** What a trigger deploys: the pushed image, into one container or every container running its repository. */
export interface ImageOverride {
  /** The full reference to set, e.g. 127.0.0.1:5000/payments/checkout-api:1.4.2. */
  image: string
  /** Only this container (or init container). */
  container?: string
  /** Without `container`: the containers whose image is this repository (any registry host and tag). */
  repository?: string
}

/** The repository path of an image reference: no registry host, no tag, no digest. */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference
  const parts = withoutDigest.split('/')
  const last = parts.pop() ?? ''
  const name = [...parts, last.split(':')[0]].join('/')
  const first = name.split('/')[0] ?? ''
  // A first segment with a dot or a port, or "localhost", is a registry host.
  return name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? name.slice(first.length + 1) : name
}

function podSpecOf(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, unknown> | undefined
  if (!spec) return undefined
  if (object.kind === 'Pod') return spec
  if (object.kind === 'CronJob') return (((spec.jobTemplate as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined)?.template as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined
  return (spec.template as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined
}

/**
 * Set the image of the matching containers of every workload in `objects` (in place). Fails when
 * nothing matches, so a trigger never reports a deploy that left the old image running.
 */
export function setContainerImage(objects: Array<Record<string, unknown>>, override: ImageOverride, service: string): Array<{kind: string; name: string; container: string; from: string}> {
  const changed: Array<{kind: string; name: string; container: string; from: string}> = []
  const wanted = override.repository ?? repositoryOf(override.image)
  for (const object of objects) {
    const pod = podSpecOf(object)
    if (!pod) continue
    for (const list of [pod.containers, pod.initContainers]) {
      if (!Array.isArray(list)) continue
      for (const container of list as Array<Record<string, unknown>>) {
        const image = typeof container.image === 'string' ? container.image : ''
        const match = override.container ? container.name === override.container : repositoryOf(image) === wanted
        if (!match) continue
        changed.push({kind: String(object.kind), name: String((object.metadata as Record<string, unknown> | undefined)?.name ?? ''), container: String(container.name), from: image})
        container.image = override.image
      }
    }
  }
  if (changed.length === 0) {
    throw new ValidationError(
      override.container
        ? `Service "${service}" has no container named "${override.container}" in its workloads.`
        : `No container of service "${service}" runs ${wanted}; name the container to set with --container.`,
    )
  }
  return changed
}
