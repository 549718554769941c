import {expect} from 'chai'
import {ESLint} from 'eslint'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The boundary messages ESLint (this repository's eslint.config.js) reports for `code` placed at `file`. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({cwd: root})
  const [result] = await eslint.lintText(code, {filePath: path.join(root, file)})
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message.replace(/^.* by a pattern\. /, ''))
}

describe('eslint layer boundaries', function () {
  this.timeout(60_000)

  it('refuses a protocol module importing a feature (kube → endpoints), static, type-only and dynamic', async () => {
    const errors = await boundaryErrors(
      'src/lib/kube/fixture.ts',
      [
        "import {listEndpoints} from '../endpoints/manage.js'",
        "import type {EndpointSpec} from '../endpoints/types.js'",
        'export type Spec = EndpointSpec',
        'export const list = listEndpoints',
        "export const later = () => import('../endpoints/credentials.js')",
        '',
      ].join('\n'),
    )
    expect(errors).to.deep.equal(Array(3).fill('A protocol or store module (src/lib/<protocol>) must not import from a layer above it (see docs/ARCHITECTURE.md).'))
  })

  it('refuses a store importing the context, and a feature or the library importing a command', async () => {
    expect(await boundaryErrors('src/lib/state/fixture.ts', "export {BerthContext} from '../context.js'\nimport '../context.js'\n")).to.deep.equal(Array(2).fill('A protocol or store module (src/lib/<protocol>) must not import from a layer above it (see docs/ARCHITECTURE.md).'))
    expect(await boundaryErrors('src/lib/services/fixture.ts', "import {endpointFlags} from '../../cli/endpoint-flags.js'\nexport const f = endpointFlags\n")).to.deep.equal([
      'A feature (src/lib/<feature>) must not import from a layer above it (see docs/ARCHITECTURE.md).',
    ])
  })

  it('refuses a ground module importing a protocol module', async () => {
    expect(await boundaryErrors('src/lib/names.ts', "import {parseYaml} from './yaml.js'\nimport {StateStore} from './state/store.js'\nexport const x = [parseYaml, StateStore]\n")).to.deep.equal([
      'A ground module (errors, names, yaml, paths) must not import from a layer above it (see docs/ARCHITECTURE.md).',
    ])
  })

  it('allows imports downward and sideways', async () => {
    expect(await boundaryErrors('src/lib/endpoints/fixture.ts', "import {RegistryClient} from '../registry/client.js'\nimport {quote} from '../names.js'\nimport type {BerthContext} from '../context.js'\nexport type C = BerthContext\nexport const x = [RegistryClient, quote]\n")).to.deep.equal([])
    expect(await boundaryErrors('src/lib/docker/fixture.ts', "import {parseRegistryAddress} from '../registry/address.js'\nexport const x = parseRegistryAddress\n")).to.deep.equal([])
    expect(await boundaryErrors('src/commands/endpoint/fixture.ts', "import {listEndpoints} from '../../lib/endpoints/manage.js'\nexport const x = listEndpoints\n")).to.deep.equal([])
  })

  it('finds no upward import in the repository itself', async () => {
    const eslint = new ESLint({cwd: root})
    const results = await eslint.lintFiles(['src/**/*.ts'])
    const upward = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`))
    expect(upward).to.deep.equal([])
  })
})

describe('eslint layer boundaries: every folder has a layer', () => {
  it('places each folder of src/lib in FEATURES or PROTOCOLS (eslint.config.js), and docs/ARCHITECTURE.md names it', async () => {
    const {readFileSync, readdirSync} = await import('node:fs')
    const config = readFileSync(path.join(root, 'eslint.config.js'), 'utf8')
    const listed = (name: string) => [...(new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(config)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1])
    const layered = new Set([...listed('FEATURES'), ...listed('PROTOCOLS')])
    const architecture = readFileSync(path.join(root, 'docs', 'ARCHITECTURE.md'), 'utf8')
    const folders = readdirSync(path.join(root, 'src', 'lib'), {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
    expect(folders.filter((f) => !layered.has(f)), 'folders in no layer').to.deep.equal([])
    expect(folders.filter((f) => !new RegExp(`\\b${f}\\b`).test(architecture)), 'folders docs/ARCHITECTURE.md does not name').to.deep.equal([])
  })
})
