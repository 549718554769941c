import type {Choice} from './prompter.js'

/** The prompts a dynamic form needs: free text, a select whose options follow what is typed, a multi-select. */
export interface FormPrompter {
  input(options: {message: string; default?: string; validate?: (value: string) => string | true}): Promise<string>
  /** A select whose options `source` computes from the text typed so far. */
  search(options: {message: string; source: (term: string) => Promise<ReadonlyArray<Choice>>}): Promise<string>
  checkbox(options: {message: string; choices: ReadonlyArray<Choice & {checked?: boolean}>}): Promise<string[]>
}

/** The inquirer prompts, on stderr, loaded only when the first prompt is shown. */
export function defaultFormPrompter(): FormPrompter {
  const context = {input: process.stdin, output: process.stderr, clearPromptOnDone: false}
  return {
    async input(options) {
      const {input} = await import('@inquirer/prompts')
      return input({message: options.message, default: options.default, validate: options.validate}, context)
    },
    async search(options) {
      const {search} = await import('@inquirer/prompts')
      return search<string>(
        {
          message: options.message,
          pageSize: 12,
          source: async (term) => (await options.source(term ?? '')).map((c) => ({value: c.value, name: c.name ?? c.value, description: c.description})),
        },
        context,
      )
    },
    async checkbox(options) {
      const {checkbox} = await import('@inquirer/prompts')
      return checkbox<string>({message: options.message, pageSize: 12, choices: options.choices.map((c) => ({value: c.value, name: c.name ?? c.value, checked: c.checked ?? false}))}, context)
    },
  }
}
