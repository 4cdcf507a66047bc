"""Render the chart and validate every object against the Kubernetes and operators' schemas.

    python -m infra.k8s_validate        # what the chart test runs (tests/cluster/test_k8s_chart.py)

Everything comes from Go modules through the Go module proxy, nothing from anywhere else:
`helm` and `kubeconform` are built with `go install` into .state/tools when missing; the
Kubernetes API's OpenAPI document is the one k8s.io/kubernetes ships (api/openapi-spec), turned
into one JSON schema per kind here; CloudNativePG's and KEDA's CRDs are read from their modules'
config/crd/bases. Strimzi publishes its CRDs in neither a Go module nor a Maven artifact (its
`io.strimzi:api` jar holds the Java classes only), so kubeconform skips its kinds; they are
decoded instead by infra/k8s/strimzi-check into Strimzi's Go model
(github.com/RedHatInsights/strimzi-client-go v0.40.0, generated from Strimzi 0.40's CRD schemas),
which refuses unknown fields at the top of each spec, wrong types and values outside an enum.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml

from infra.profile import ROOT

TOOLS = ROOT / ".state" / "tools"
SCHEMAS = ROOT / ".state" / "k8s-schemas"
CHART = ROOT / "infra" / "k8s" / "thidua"
GO_TOOLS = {
    "helm": "helm.sh/helm/v4/cmd/helm@v4.3.2",
    "kubeconform": "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0",
}
KUBERNETES = "k8s.io/kubernetes@v1.34.2"
CRDS = {  # module → the CRD files the chart's kinds need
    "github.com/cloudnative-pg/cloudnative-pg@v1.27.1": (
        "config/crd/bases/postgresql.cnpg.io_clusters.yaml",
        "config/crd/bases/postgresql.cnpg.io_databases.yaml",
    ),
    "github.com/kedacore/keda/v2@v2.21.1": (
        "config/crd/bases/keda.sh_scaledobjects.yaml",
        "config/crd/bases/keda.sh_triggerauthentications.yaml",
    ),
}
NOT_AVAILABLE = ("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser")  # Strimzi: see above
STRIMZI_CHECK = ROOT / "infra" / "k8s" / "strimzi-check"
# The chart as installed, and with every optional part on (the web service, KEDA).
RENDERINGS = {
    "defaults": [],
    "everything": [
        "--set",
        "services.web.enabled=true",
        *[f"--set=services.{s}.keda.enabled=true" for s in ("progress", "awards", "notify")],
    ],
}


def tool(name: str) -> Path:
    found = shutil.which(name)
    if found:
        return Path(found)
    kept = TOOLS / name
    if not kept.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["go", "install", GO_TOOLS[name]], env={**os.environ, "GOBIN": str(TOOLS)}, check=True
        )
    return kept


def strimzi_check() -> Path:
    """infra/k8s/strimzi-check, built once (again when its source changes)."""
    kept = TOOLS / "strimzi-check"
    sources = [STRIMZI_CHECK / n for n in ("main.go", "go.mod", "go.sum")]
    if not kept.exists() or any(s.stat().st_mtime > kept.stat().st_mtime for s in sources):
        TOOLS.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GOBIN": str(TOOLS)}
        subprocess.run(["go", "install", "."], cwd=STRIMZI_CHECK, env=env, check=True)
    return kept


def module_zip(module: str) -> zipfile.ZipFile:
    """A module's zip from the Go module cache, downloaded through the proxy when missing. The
    zip is all we read, so a module that needs a newer Go to build is still usable."""
    done = subprocess.run(
        ["go", "mod", "download", "-json", module], capture_output=True, text=True, cwd="/"
    )
    info = json.loads(done.stdout or "{}")
    if not info.get("Zip") or not Path(info["Zip"]).exists():
        raise SystemExit(f"could not download {module}: {info.get('Error') or done.stderr}")
    return zipfile.ZipFile(info["Zip"])


def _member(archive: zipfile.ZipFile, module: str, path: str) -> bytes:
    return archive.read(f"{module.replace('@', '@', 1)}/{path}")


def _kind_file(kind: str, group: str, version: str) -> str:
    prefix = f"-{group.split('.')[0]}" if group else ""
    return f"{kind.lower()}{prefix}-{version}.json"


def _loosen(node: Any) -> Any:
    """What YAML writes but the OpenAPI types narrowly: int-or-string and quantities, which are
    both strings and numbers; objects with properties take nothing else (strict)."""
    if isinstance(node, list):
        return [_loosen(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("format") == "int-or-string" or node.get("x-kubernetes-int-or-string"):
        return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    out = {k: _loosen(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.removeprefix("#/definitions/"))
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)


def kubernetes_schemas(target: Path) -> int:
    archive = module_zip(KUBERNETES)
    spec = json.loads(_member(archive, KUBERNETES, "api/openapi-spec/swagger.json"))
    definitions = {k: _loosen(v) for k, v in spec["definitions"].items()}
    definitions[QUANTITY] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    written = 0
    for name, definition in definitions.items():
        for gvk in spec["definitions"][name].get("x-kubernetes-group-version-kind", []):
            closure: set[str] = set()
            pending = [name]
            while pending:
                found: set[str] = set()
                _refs(definitions[pending.pop()], found)
                pending += [f for f in found - closure]
                closure |= found
            schema = {
                **definition,
                "definitions": {d: definitions[d] for d in sorted(closure)},
            }
            path = target / _kind_file(gvk["kind"], gvk["group"], gvk["version"])
            path.write_text(json.dumps(schema))
            written += 1
    return written


def crd_schemas(target: Path) -> int:
    written = 0
    for module, paths in CRDS.items():
        archive = module_zip(module)
        for path in paths:
            crd = yaml.safe_load(_member(archive, module, path))
            spec = crd["spec"]
            for version in spec["versions"]:
                schema = _loosen(version["schema"]["openAPIV3Schema"])
                name = _kind_file(spec["names"]["kind"], spec["group"], version["name"])
                (target / name).write_text(json.dumps(schema))
                written += 1
    return written


def schemas() -> Path:
    stamp = SCHEMAS / ".sources"
    sources = json.dumps([KUBERNETES, CRDS], sort_keys=True)
    if stamp.exists() and stamp.read_text() == sources:
        return SCHEMAS
    shutil.rmtree(SCHEMAS, ignore_errors=True)
    SCHEMAS.mkdir(parents=True)
    kubernetes_schemas(SCHEMAS)
    crd_schemas(SCHEMAS)
    stamp.write_text(sources)
    return SCHEMAS


def render(args: list[str]) -> str:
    done = subprocess.run(
        [str(tool("helm")), "template", "thidua", str(CHART), *args],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"helm template failed:\n{done.stderr}")
    return done.stdout


def validate(manifests: str) -> subprocess.CompletedProcess[str]:
    location = str(schemas()) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    return subprocess.run(
        [
            *(str(tool("kubeconform")), "-strict", "-summary", "-output", "json"),
            *("-schema-location", location, "-skip", ",".join(NOT_AVAILABLE), "-"),
        ],
        input=manifests,
        capture_output=True,
        text=True,
    )


def main() -> int:
    failed = 0
    for label, args in RENDERINGS.items():
        manifests = render(args)
        checked = subprocess.run(
            [str(strimzi_check())], input=manifests, capture_output=True, text=True
        )
        print(f"{label}: {checked.stdout.strip()}")
        failed += checked.returncode != 0
        done = validate(manifests)
        summary = json.loads(done.stdout)
        bad = [r for r in summary["resources"] if r["status"] != "statusValid"]
        counts = summary["summary"]
        print(
            f"{label}: {counts['valid']} valid, {counts['skipped']} skipped, "
            f"{counts['invalid'] + counts['errors']} invalid"
        )
        for r in bad:
            if r["status"] != "statusSkipped":
                print(f"  {r['kind']} {r['name']}: {r['status']} {r.get('msg', '')}")
                failed += 1
    print(f"not in kubeconform (no CRD in a module or artifact): {', '.join(NOT_AVAILABLE)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
