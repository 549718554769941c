import {InterruptedError, isPromptInterrupt} from '../errors.js'

/** What berth asks a person at a terminal. Implemented with inquirer; replaceable in tests. */
export interface Choice<V extends string = string> {
  value: V
  name?: string
  description?: string
}

export interface Prompter {
  input(options: {message: string; default?: string; validate?: (value: string) => string | true}): Promise<string>
  password(options: {message: string; validate?: (value: string) => string | true}): Promise<string>
  select<V extends string>(options: {message: string; choices: ReadonlyArray<Choice<V>>; default?: V}): Promise<V>
  confirm(options: {message: string; default?: boolean}): Promise<boolean>
}

/** The prompt's answer; Ctrl-C becomes an InterruptedError ("Cancelled; nothing was saved.", exit 130). */
async function answered<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt
  } catch (error) {
    if (isPromptInterrupt(error)) throw new InterruptedError(undefined, {cause: error})
    throw error
  }
}

/** Prompts on stderr (stdout stays for data), through @inquirer/prompts, loaded only when a prompt is shown. */
export class InquirerPrompter implements Prompter {
  private readonly context = {input: process.stdin, output: process.stderr, clearPromptOnDone: false}

  async input(options: {message: string; default?: string; validate?: (value: string) => string | true}): Promise<string> {
    const {input} = await import('@inquirer/prompts')
    return answered(input({message: options.message, default: options.default, validate: options.validate}, this.context))
  }

  async password(options: {message: string; validate?: (value: string) => string | true}): Promise<string> {
    const {password} = await import('@inquirer/prompts')
    return answered(password({message: options.message, mask: '*', validate: options.validate}, this.context))
  }

  async select<V extends string>(options: {message: string; choices: ReadonlyArray<Choice<V>>; default?: V}): Promise<V> {
    const {select} = await import('@inquirer/prompts')
    return answered(select<V>({message: options.message, choices: options.choices.map((c) => ({value: c.value, name: c.name ?? c.value, description: c.description})), default: options.default}, this.context))
  }

  async confirm(options: {message: string; default?: boolean}): Promise<boolean> {
    const {confirm} = await import('@inquirer/prompts')
    return answered(confirm({message: options.message, default: options.default}, this.context))
  }
}
