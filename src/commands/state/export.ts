import {StateTransferCommand} from '../../cli/state-transfer-command.js'

export default class StateExport extends StateTransferCommand {
  static override summary = 'Copy every object and secret from this machine (the file backend) to the Kubernetes backend.'
  static override description = `Reads the objects under BERTH_HOME and their secrets from the local secret store, and writes them as berth's custom resources and Kubernetes Secrets in the namespace of the kube-* settings (BERTH_KUBECONFIG, BERTH_KUBE_NAMESPACE). Run it again at any time: objects already equal are left alone, changed ones updated; nothing is deleted on either side.`
  static override examples = [
    'BERTH_KUBECONFIG=~/.kube/team.yaml <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  protected readonly direction = 'export'
}
