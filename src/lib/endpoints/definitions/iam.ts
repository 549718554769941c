import type {EndpointDefinition} from '../definition.js'
import {accessKeyIdProblem} from '../fields.js'

export const iam: EndpointDefinition = {
  type: 'iam',
  title: 'Cloud IAM access key (AK/SK)',
  usage: '--access-key-id AK --secret-access-key-stdin|--secret-access-key-env VAR',
  fields: [{key: 'accessKeyId', flag: '--access-key-id', prompt: 'Access key id (AK)', check: accessKeyIdProblem}],
  secretKey: 'secretAccessKey',
  secret: {key: 'secretAccessKey', label: 'secret access key', stdinFlag: '--secret-access-key-stdin', envFlag: '--secret-access-key-env', prompt: 'Secret access key (SK)'},
  flags: {
    'access-key-id': {kind: 'string', summary: 'iam: the access key id (AK).', helpGroup: 'IAM'},
    'secret-access-key-stdin': {kind: 'boolean', summary: 'iam: read the secret access key (SK) from stdin.', helpGroup: 'IAM'},
    'secret-access-key-env': {kind: 'string', summary: 'iam: read the secret access key (SK) from this environment variable.', helpValue: 'VAR', helpGroup: 'IAM'},
  },
}
