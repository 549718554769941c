import path from 'node:path'

import {FileSecretStore} from '../../../src/lib/secrets/file.js'
import {StateStore} from '../../../src/lib/state/store.js'

export const FIXTURE_PASSPHRASE = 'test-passphrase'

/**
 * Write a git or codearts-repo endpoint straight into a state directory, its password
 * in the file secret store (BERTH_SECRET_STORE=file, BERTH_PASSPHRASE=FIXTURE_PASSPHRASE).
 * For tests that need values `berth endpoint create` would refuse or that run without the CLI.
 */
export async function writeGitEndpoint(home: string, e: {name: string; type: 'git' | 'codearts-repo'; url: string; username: string; password: string; project?: string}): Promise<void> {
  const project = e.project ?? 'default'
  await new StateStore({home}).create({
    kind: 'Endpoint',
    metadata: {name: e.name, project},
    spec: {
      type: e.type,
      username: e.username,
      ...(e.type === 'git' ? {url: e.url} : {urlPrefix: e.url}),
      secretRefs: {password: {backend: 'file', key: `${project}/Endpoint/${e.name}/password`}},
    },
  })
  await new FileSecretStore({file: path.join(home, 'secrets.enc'), passphrase: FIXTURE_PASSPHRASE}).set({project, kind: 'Endpoint', name: e.name, field: 'password'}, e.password)
}
