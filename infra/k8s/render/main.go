// Command render is `helm template RELEASE CHART [--set k=v]...` made of Helm's own packages (the
// chart loader, the values' coalescing and schema check, the template engine) and nothing else:
// no Kubernetes client, registry or plugin code, so that it builds from a cold module cache in a
// fraction of the time the helm command takes (docs/deploy.md, "Rendered and validated in CI").
// It renders as `helm template` does without a cluster: namespace "default", Helm's default
// capabilities; each template's output after a `# Source:` line, as helm prints it.
package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "render: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: render RELEASE CHART [--set key=value]...")
	}
	release, chartPath, args := os.Args[1], os.Args[2], os.Args[3:]
	values := map[string]any{}
	for i := 0; i < len(args); i++ {
		var set string
		switch {
		case args[i] == "--set" && i+1 < len(args):
			i++
			set = args[i]
		case strings.HasPrefix(args[i], "--set="):
			set = strings.TrimPrefix(args[i], "--set=")
		default:
			fail("unknown argument %q", args[i])
		}
		if err := strvals.ParseInto(set, values); err != nil {
			fail("--set %s: %v", set, err)
		}
	}
	chart, err := loader.Load(chartPath)
	if err != nil {
		fail("%v", err)
	}
	options := common.ReleaseOptions{Name: release, Namespace: "default", Revision: 1, IsInstall: true}
	top, err := util.ToRenderValuesWithSchemaValidation(chart, values, options, common.DefaultCapabilities, false)
	if err != nil {
		fail("%v", err)
	}
	files, err := engine.Engine{}.RenderWithContext(context.Background(), chart, top)
	if err != nil {
		fail("%v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if path.Base(name) != "NOTES.txt" && strings.TrimSpace(files[name]) != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("---\n# Source: %s\n%s\n", name, strings.TrimSpace(files[name]))
	}
}
