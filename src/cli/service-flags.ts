import {Flags} from '@oclif/core'

/** Flags shared by the service commands. */
export const productionFlag = Flags.boolean({summary: 'The production set of services (default: the test set).', default: false})

export const varFlag = Flags.string({
  summary: 'Set a variable, KEY=VALUE (repeatable). For helm services: a chart value path, image.tag=1.2.',
  multiple: true,
  default: [],
})
