import {parseRegistryAddress} from '../../registry/address.js'
import {PASSWORD_FLAGS, USERNAME_FLAG, type EndpointDefinition} from '../definition.js'
import {PASSWORD, USERNAME, urlField} from '../fields.js'

export const dockerRegistry: EndpointDefinition = {
  type: 'docker-registry',
  title: 'Docker registry (address, username, password)',
  usage: '--address URL --username U --password-stdin|--password-env VAR',
  fields: [
    urlField('address', 'Registry address (http:// or https://)', {flag: '--address', what: 'a docker-registry endpoint', schemes: ['http', 'https']}, parseRegistryAddress),
    USERNAME,
  ],
  secretKey: 'password',
  secret: PASSWORD,
  flags: {
    address: {kind: 'string', summary: 'docker-registry: registry address, http:// or https:// (e.g. https://registry.example.com).', helpGroup: 'DOCKER-REGISTRY'},
    username: USERNAME_FLAG,
    ...PASSWORD_FLAGS,
    'default-for-host': {
      kind: 'boolean',
      summary: 'docker-registry: the endpoint docker gets (berth credential docker) when several serve this registry host; unmarks the others.',
      helpGroup: 'DOCKER-REGISTRY',
    },
  },
}
