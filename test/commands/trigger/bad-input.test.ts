import {expect} from 'chai'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'

describe('berth trigger: malformed and hostile input', function () {
  this.timeout(120_000)
  let home: string
  let cleanup: () => void
  let initial: Record<string, string>
  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'c0rrect horse: battery/staple!', REG_PASSWORD: 'p@ss:w0rd/with#symbols', BERTH_PROJECT: 'payments'})

  before(async () => {
    ;({home, cleanup} = tempHome())
    const steps = [
      ['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', 'http://127.0.0.1:35001', '--username', 'ci-bot@payments.example.com', '--password-env', 'REG_PASSWORD'],
      ['endpoint', 'create', 'git', 'app-repo', '--url', 'http://127.0.0.1:3000/payments/app.git', '--username', 'tenant/ci', '--password-env', 'REG_PASSWORD'],
      ['trigger', 'create', 'existing', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'true'],
      ['trigger', 'fire', 'existing', '--tag', '1.0.0'],
    ]
    for (const args of steps) {
      const made = await runBerth(args, {env: env()})
      expect(made.code, made.stderr).to.equal(0)
    }
    initial = await stateFiles(home)
  })
  after(() => cleanup())

  const create = (...extra: string[]) => ['trigger', 'create', 't1', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', ...extra]

  const cases: Array<{title: string; args: string[]; stderr: string | RegExp; code?: number}> = [
    {title: 'a name with upper case', args: ['trigger', 'create', 'Deploy', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'true'], stderr: 'Error: Invalid trigger name "Deploy": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\nHint: Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).\n'},
    {title: 'a path-traversal name', args: ['trigger', 'create', '../../etc/passwd', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'true'], stderr: /^Error: Invalid trigger name "\.\.\/\.\.\/etc\/passwd": /},
    {title: 'an existing name', args: ['trigger', 'create', 'existing', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'true'], stderr: 'Error: Trigger "existing" already exists in project "payments".\nHint: Delete it first with: berth trigger delete existing\n', code: 1},
    {title: 'every missing flag at once', args: ['trigger', 'create', 't1'], stderr: 'Error: Missing required flags: --endpoint, --image, an action (--service, --runtime or --exec).\nHint: See: berth trigger create --help\n'},
    {title: 'two actions', args: create('--exec', 'true', '--runtime', 'r1'), stderr: 'Error: Give one action only: --runtime and --exec were both given.\n'},
    {title: 'a service without a place', args: create('--service', 'checkout'), stderr: 'Error: A --service action needs --env ENVIRONMENT or --cluster KUBERNETES-ENDPOINT.\n'},
    {title: 'a service with both --env and --cluster', args: create('--service', 'checkout', '--env', 'dev', '--cluster', 'dev-k8s'), stderr: 'Error: Give --env or --cluster, not both: an environment already names its cluster.\n'},
    {title: '--container without --service', args: create('--exec', 'true', '--container', 'api'), stderr: 'Error: --container applies only to a --service action.\n'},
    {title: 'a service that does not exist', args: create('--service', 'checkout', '--cluster', 'payments-registry'), stderr: 'Error: The service "checkout" does not exist in project "payments".\nHint: List them with: berth service list\n', code: 1},
    {title: 'a runtime that does not exist', args: create('--runtime', 'ledger-dev'), stderr: 'Error: The runtime "ledger-dev" does not exist in project "payments".\nHint: List them with: berth runtime list\n', code: 1},
    {title: 'an endpoint that does not exist', args: ['trigger', 'create', 't1', '--endpoint', 'nope', '--image', 'payments/checkout-api', '--exec', 'true'], stderr: 'Error: --endpoint names endpoint "nope", which does not exist in project "payments".\nHint: Create it with: berth endpoint create docker-registry nope\n', code: 1},
    {title: 'an endpoint of another type', args: ['trigger', 'create', 't1', '--endpoint', 'app-repo', '--image', 'payments/checkout-api', '--exec', 'true'], stderr: 'Error: --endpoint needs a docker-registry endpoint; "app-repo" is a git endpoint.\n'},
    {title: 'an image with a tag', args: ['trigger', 'create', 't1', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api:1.0', '--exec', 'true'], stderr: 'Error: --image "payments/checkout-api:1.0" must name a repository without a tag or digest, e.g. payments/checkout-api (use --tag-pattern for tags).\n'},
    {title: 'an image without a namespace', args: ['trigger', 'create', 't1', '--endpoint', 'payments-registry', '--image', 'checkout-api', '--exec', 'true'], stderr: 'Error: --image "checkout-api" is not a repository path of the form NAMESPACE/REPOSITORY (lower-case letters, digits, ".", "_", "-"; e.g. payments/checkout-api).\n'},
    {title: 'an image with upper case and a terminal escape', args: ['trigger', 'create', 't1', '--endpoint', 'payments-registry', '--image', 'Payments/\u001b[2Japi', '--exec', 'true'], stderr: 'Error: --image "Payments/\\u001b[2Japi" is not a repository path of the form NAMESPACE/REPOSITORY (lower-case letters, digits, ".", "_", "-"; e.g. payments/checkout-api).\n'},
    {title: 'both tag filters', args: create('--exec', 'true', '--tag-pattern', '1.*', '--tag-regex', '1\\..*'), stderr: 'Error: Give --tag-pattern or --tag-regex, not both.\n'},
    {title: 'a regex that does not compile', args: create('--exec', 'true', '--tag-regex', 'v(1|2'), stderr: 'Error: --tag-regex "v(1|2" is not a valid regular expression: /^(?:v(1|2)$/: Unterminated group.\n'},
    {title: 'a catastrophic regex', args: create('--exec', 'true', '--tag-regex', '(a+)+b'), stderr: 'Error: --tag-regex "(a+)+b" repeats a repeated group or uses a back-reference, which can take exponential time; write it without nesting quantifiers.\n'},
    {title: 'an input without "="', args: create('--exec', 'true', '--input', 'CHANNEL'), stderr: 'Error: --input "CHANNEL" is not of the form KEY=VALUE.\n'},
    {title: 'an input named like a shell injection', args: create('--exec', 'true', '--input', 'A;rm -rf /=x'), stderr: 'Error: --input key "A;rm -rf /" is not a valid environment variable name (letters, digits and "_", not starting with a digit).\n'},
    {title: 'an input overriding an event input', args: create('--exec', 'true', '--input', 'BERTH_TAG=latest'), stderr: 'Error: --input key "BERTH_TAG" is reserved: berth sets it from the event.\n'},
    {title: 'an empty command', args: create('--exec', '   '), stderr: 'Error: --exec needs a command, e.g. --exec "./deploy.sh".\n'},
    {title: 'a public URL with a token in it', args: create('--exec', 'true', '--public-url', 'https://ci.example.com/?secureToken=abc'), stderr: 'Error: --public-url must not have a query or fragment: berth adds the path and the token.\n'},
    {title: 'a public URL that is not http', args: create('--exec', 'true', '--public-url', 'file:///etc/passwd'), stderr: 'Error: --public-url "file:///etc/passwd" uses file://; it needs http:// or https://.\n'},
    {title: 'history with a bad status', args: ['trigger', 'history', 'existing', '--status', 'done'], stderr: 'Error: --status "done" is not one of: queued, running, succeeded, failed, ignored, interrupted.\n'},
    {title: 'history with a bad --since', args: ['trigger', 'history', 'existing', '--since', 'yesterday'], stderr: 'Error: --since "yesterday" is neither a time (2026-11-24T09:30:00Z) nor a duration (30m, 12h, 7d).\n'},
    {title: 'history with a zero limit', args: ['trigger', 'history', 'existing', '--limit', '0'], stderr: 'Error: --limit must be a whole number from 1 to 100000.\n'},
    {title: 'fire with a hostile tag', args: ['trigger', 'fire', 'existing', '--tag', '$(touch /tmp/pwned)'], stderr: 'Error: --tag "$(touch /tmp/pwned)" is not a valid image tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-").\n'},
    {title: 'show of a missing trigger', args: ['trigger', 'show', 'missing'], stderr: 'Error: Trigger "missing" not found in project "payments".\nHint: List them with: berth trigger list\n', code: 1},
    {title: 'token of a bad name', args: ['trigger', 'token', 'A B'], stderr: /^Error: Invalid trigger name "A B": /},
    {title: 'enable of a missing trigger', args: ['trigger', 'enable', 'missing'], stderr: 'Error: Trigger "missing" not found in project "payments".\nHint: List them with: berth trigger list\n', code: 1},
  ]

  for (const c of cases) {
    it(`refuses ${c.title}: exit ${c.code ?? 2}, state unchanged`, async () => {
      const result = await runBerth(c.args, {env: env()})
      expect(result.code, result.stderr).to.equal(c.code ?? 2)
      if (typeof c.stderr === 'string') expect(result.stderr).to.equal(c.stderr)
      else expect(result.stderr).to.match(c.stderr)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.not.match(/\n\s+at /)
      expect(await stateFiles(home)).to.deep.equal(initial)
    })
  }
})
