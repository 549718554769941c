import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/*
 * Layers point one way (docs/ARCHITECTURE.md):
 *   commands (src/commands, src/cli) → features → protocols and stores → ground.
 * Each layer may import its own layer and the ones below, never one above.
 * Folders that do not exist yet are listed so that code added later is checked too.
 */
const FEATURES = ['endpoints', 'services', 'templates', 'environments', 'runtimes', 'resource-interfaces', 'triggers', 'credential-helpers', 'credentials', 'backends', 'install']
const PROTOCOLS = ['kube', 'registry', 'git', 'iam', 'docker', 'helm', 'gotemplate', 'net', 'process', 'state', 'secrets', 'fs', 'config', 'input', 'output']
const GROUND = ['errors', 'names', 'yaml', 'paths']

/** An import path reaching into one of these src/lib folders. */
const folders = (names) => `(^|/)(${names.join('|')})/`
const COMMANDS = '(^|/)(commands|cli)/'
/** The composition root: builds stores and clients, so only commands and features use it. */
const CONTEXT = '(^|/)context\\.js$'
const LIB_MODULES = `${folders([...FEATURES, ...PROTOCOLS])}|(^|/)(context|index)\\.js$`

function boundary(files, forbidden, layer) {
  const message = `${layer} must not import from a layer above it (see docs/ARCHITECTURE.md).`
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {patterns: forbidden.map((regex) => ({regex, message}))}],
      'no-restricted-syntax': ['error', ...forbidden.map((regex) => ({selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message}))],
    },
  }
}

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', Response: 'readonly', Headers: 'readonly'},
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  boundary([`src/lib/{${FEATURES.join(',')}}/**/*.ts`], [COMMANDS], 'A feature (src/lib/<feature>)'),
  boundary([`src/lib/{${PROTOCOLS.join(',')}}/**/*.ts`], [COMMANDS, folders(FEATURES), CONTEXT], 'A protocol or store module (src/lib/<protocol>)'),
  boundary([`src/lib/{${GROUND.join(',')}}.ts`], [COMMANDS, LIB_MODULES], 'A ground module (errors, names, yaml, paths)'),
  {
    // bin/run.cjs is CommonJS on purpose (it starts faster than an ES module).
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
)
