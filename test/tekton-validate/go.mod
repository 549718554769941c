module berth.local/tekton-validate

go 1.24.0

require github.com/tektoncd/pipeline v1.6.0
