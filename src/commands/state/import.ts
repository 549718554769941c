import {StateTransferCommand} from '../../cli/state-transfer-command.js'

export default class StateImport extends StateTransferCommand {
  static override summary = 'Copy every object and secret from the Kubernetes backend to this machine (the file backend).'
  static override description = `Reads berth's custom resources and their Kubernetes Secrets from the namespace of the kube-* settings and writes them under BERTH_HOME, secrets into the local secret store (the secret-store setting). Idempotent: objects already equal are left alone, changed ones updated; nothing is deleted on either side.`
  static override examples = ['<%= config.bin %> <%= command.id %>', 'BERTH_SECRET_STORE=file <%= config.bin %> <%= command.id %> --json']

  protected readonly direction = 'import'
}
