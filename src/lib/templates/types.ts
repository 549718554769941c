import type {BerthDocument} from '../state/document.js'
import type {Variable} from './variables.js'

export const TEMPLATE_TYPES = ['k8s', 'helm'] as const
export type TemplateType = (typeof TEMPLATE_TYPES)[number]

export interface TemplateSpec {
  type: TemplateType
  description?: string
  /** Declared variables; `value` is the default. */
  variables: Variable[]
  /** k8s: the template text, with {{.var}} placeholders. */
  yaml?: string
  /** helm: the chart's files, path relative to the chart root → text. */
  chart?: Record<string, string>
}

export type TemplateDocument = BerthDocument<TemplateSpec, Record<string, never>>
