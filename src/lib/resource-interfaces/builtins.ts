/**
 * The ResourceInterfaces shipped with berth. Labels and spec are the source document's
 * "示例" (examples) word for word; the annotations come from its other fragments
 * (display name, description, and the listGitRefs descriptor of params.revision) plus a
 * descriptor for params.tags that lists the registry's tags the same way.
 * A user interface with the same name replaces a built-in.
 */
export const BUILTIN_INTERFACES_YAML: Readonly<Record<string, string>> = {
  gitcoderepository: `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: gitcoderepository
  labels:
    resourceinterface.connectors.cpaas.io/category: "GitCodeRepository"
  annotations:
    cpaas.io/display-name: "Git 代码仓库"
    cpaas.io/description: "GitCodeRepository 是 Git 代码仓库的资源接口"
    style.tekton.dev/descriptors: |-
      - path: params.repository
        x-descriptors:
          - urn:alm:descriptor:label:en:Repository
          - urn:alm:descriptor:label:zh:Repository
          - urn:alm:descriptor:description:zh:Repository path including group name or username, e.g. mygroup/my-app.
          - urn:alm:descriptor:description:en:Repository path including group name or username, e.g. mygroup/my-app.
      - path: params.revision
        x-descriptors:
          - urn:alm:descriptor:widgets:select
          - urn:alm:descriptor:expression:props.options:schema:openapi:context.connectorClass.spec.api.openapi:listGitRefs
          - urn:alm:descriptor:label:en:Revision
          - urn:alm:descriptor:label:zh:Revision
          - urn:alm:descriptor:description:zh:Git 修订引用,例如 refs/heads/main。
          - urn:alm:descriptor:description:en:Git 修订引用(例如分支的 refs/heads/main)
spec:
  params:
    - name: repository
      type: string
      description: "仓库名称"
    - name: revision
      type: string
      default: "refs/heads/main"
      description: "Git 修订"
  attributes:
    - name: url
      type: string
      expression: "{connector.spec.address + '/' + params.repository}"
      parameterize:
        name: git-url
      dependsOn:
        - params.repository
        - connector
    - name: revision
      type: string
      expression: "{params.revision}"
      parameterize:
        name: git-revision
      dependsOn:
        - params.revision
  workspaces:
    - name: git-source
      workspaceMapping:
        name: git-source
        value:
          volumeClaimTemplate:
            spec:
              accessModes: [ReadWriteMany]
              resources:
                requests:
                  storage: 200Mi
    - name: git-basic-auth
      workspaceMapping:
        name: git-basic-auth
        value:
          csi:
            driver: connectors-csi
            readOnly: true
            volumeAttributes:
              connector.name: "{connector.metadata.name}"
              connector.namespace: "{connector.metadata.namespace}"
              configuration.names: "gitconfig"
              token.expiration: 30m
`,
  ociartifact: `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: ociartifact
  labels:
    resourceinterface.connectors.cpaas.io/category: "OCIArtifact"
  annotations:
    cpaas.io/display-name: "OCI 工件"
    cpaas.io/description: "OCIArtifact 是 OCI 工件(镜像)的资源接口"
    style.tekton.dev/descriptors: |-
      - path: params.repository
        x-descriptors:
          - urn:alm:descriptor:label:en:Repository
          - urn:alm:descriptor:description:en:Repository path in the registry, e.g. team/app (no host, no tag).
      - path: params.tags
        x-descriptors:
          - urn:alm:descriptor:widgets:select
          - urn:alm:descriptor:expression:props.options:schema:openapi:context.connectorClass.spec.api.openapi:listOCIArtifactTags
          - urn:alm:descriptor:label:en:Tags
          - urn:alm:descriptor:label:zh:镜像标签
          - urn:alm:descriptor:description:en:Image tags of the repository.
spec:
  params:
    - name: repository
      type: string
      description: "仓库名称"
    - name: tags
      type: array
      description: "镜像标签"
  attributes:
    - name: repository-address
      type: string
      expression: "{connector.spec.registry + '/' + params.repository}"
      dependsOn:
        - params.repository
        - connector
    - name: artifact-versions
      type: array
      expression: "{params.tags.map(tag => connector.spec.registry + '/' + params.repository + ':' + tag)}"
      dependsOn:
        - params.repository
        - params.tags
        - connector
  workspaces:
    - name: docker-config
      workspaceMapping:
        name: docker-config
        value:
          csi:
            driver: connectors-csi
            readOnly: true
            volumeAttributes:
              connector.name: "{connector.metadata.name}"
              connector.namespace: "{connector.metadata.namespace}"
              configuration.names: "config"
              token.expiration: 60m
`,
}
