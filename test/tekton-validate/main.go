// tekton-validate checks a PipelineRun with Tekton's own code, the way the Tekton controller
// would before it runs anything: the admission checks (SetDefaults, then Validate of
// pkg/apis/pipeline/v1) and the reconciler's checks that a PipelineRun provides what its
// embedded pipelineSpec declares (required params, param types, object keys, workspaces).
//
// Usage: tekton-validate [FILE]   (YAML or JSON; stdin when FILE is absent or "-")
// Prints {"valid": bool, "errors": [...]} and exits 0 when valid, 1 when invalid,
// 2 when the input cannot be read or is not a PipelineRun.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipelinerun/resources"
	"sigs.k8s.io/yaml"
)

type result struct {
	Valid  bool     `json:"valid"`
	Errors []string `json:"errors"`
}

func emit(r result, code int) {
	if r.Errors == nil {
		r.Errors = []string{}
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	os.Exit(code)
}

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 && os.Args[1] != "-" {
		f, err := os.Open(os.Args[1])
		if err != nil {
			emit(result{Errors: []string{err.Error()}}, 2)
		}
		defer f.Close()
		in = f
	}
	raw, err := io.ReadAll(in)
	if err != nil {
		emit(result{Errors: []string{err.Error()}}, 2)
	}
	var pr v1.PipelineRun
	if err := yaml.UnmarshalStrict(raw, &pr); err != nil {
		emit(result{Errors: []string{"not a PipelineRun: " + err.Error()}}, 2)
	}
	if pr.Kind != "PipelineRun" || !strings.HasPrefix(pr.APIVersion, "tekton.dev/") {
		emit(result{Errors: []string{fmt.Sprintf("not a PipelineRun: apiVersion %q kind %q", pr.APIVersion, pr.Kind)}}, 2)
	}

	ctx := context.Background()
	pr.SetDefaults(ctx)
	var errs []string
	if fe := pr.Validate(ctx); fe != nil {
		errs = append(errs, fe.Error())
	}
	if ps := pr.Spec.PipelineSpec; ps != nil {
		checks := []error{
			resources.ValidateRequiredParametersProvided(&ps.Params, &pr.Spec.Params),
			resources.ValidateParamTypesMatching(ps, &pr),
			resources.ValidateObjectParamRequiredKeys(ps.Params, pr.Spec.Params),
			resources.ValidateWorkspaceBindings(ps, &pr),
		}
		for _, e := range checks {
			if e != nil {
				errs = append(errs, e.Error())
			}
		}
	}
	if len(errs) > 0 {
		emit(result{Errors: errs}, 1)
	}
	emit(result{Valid: true}, 0)
}
