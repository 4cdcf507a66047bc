"""Render the chart and validate every object against the Kubernetes and operators' schemas.

    python -m infra.k8s_validate        # what the chart test runs (tests/cluster/test_k8s_chart.py)

Everything comes from Go modules through the Go module proxy and from Maven artifacts, nothing
from anywhere else: infra/k8s/render (`helm template` made of Helm's own chart loader and template
engine, without the helm command's Kubernetes client, registry and plugin code) and `kubeconform`
are built side by side into .state/tools when missing; the Kubernetes API's OpenAPI document is
the one k8s.io/kubernetes ships (api/openapi-spec), turned into one JSON schema per kind here;
CloudNativePG's and KEDA's CRDs are read from their modules' config/crd/bases; Strimzi's are
written by Strimzi's own CRD generator (`io.strimzi:crd-generator`) from its API model
(`io.strimzi:api`, whose jar holds the Java classes only), both fetched by Maven as
infra/k8s/strimzi/pom.xml names them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from infra import maven
from infra.profile import ROOT

TOOLS = ROOT / ".state" / "tools"
SCHEMAS = ROOT / ".state" / "k8s-schemas"
CHART = ROOT / "infra" / "k8s" / "thidua"
KUBECONFORM = "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
RENDER = ROOT / "infra" / "k8s" / "render"  # helm.sh/helm/v4 v4.3.2's packages: see its go.mod
# Compiled without optimisation or inlining and linked without symbol tables: the tools render and
# check some sixty objects in about a second either way, and a cold build (Kubernetes' API and
# client packages, which Helm's need, are most of it) took 554 s instead of 842 s (docs/deploy.md).
# No -trimpath: it makes no build faster, and would set the cache keys apart from other builds'.
GO_BUILD_FLAGS = ("-ldflags=-s -w", "-gcflags=all=-N -l")
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
STRIMZI_POM = ROOT / "infra" / "k8s" / "strimzi" / "pom.xml"
STRIMZI_JARS = TOOLS / "strimzi-jars"
STRIMZI_KINDS = {  # the API model's class of each kind the chart makes
    "Kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "KafkaNodePool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "KafkaTopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "KafkaUser": "io.strimzi.api.kafka.model.user.KafkaUser",
}
# The chart as installed, and with every optional part on (the web service, KEDA).
RENDERINGS = {
    "defaults": [],
    "everything": [
        "--set",
        "services.web.enabled=true",
        *[f"--set=services.{s}.keda.enabled=true" for s in ("progress", "awards", "notify")],
    ],
}


_BUILDING: dict[str, subprocess.Popen[bytes]] = {}


def start_builds(niceness: int = 0) -> None:
    """Start building what is missing of render (again when its source changed) and kubeconform
    (unless on PATH), both at once (two cores build two tools in about the time of the longer),
    unless a build of it is under way: the test session starts them early, at the lowest
    priority, so that they overlap with the tests before the chart's (tests/conftest.py)."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(TOOLS)}
    render = TOOLS / "render"
    sources = [RENDER / n for n in ("main.go", "go.mod", "go.sum")]
    wanted = {}
    if not render.exists() or any(s.stat().st_mtime > render.stat().st_mtime for s in sources):
        wanted["render"] = (["go", "build", *GO_BUILD_FLAGS, "-o", str(render), "."], RENDER)
    if not shutil.which("kubeconform") and not (TOOLS / "kubeconform").exists():
        wanted["kubeconform"] = (["go", "install", *GO_BUILD_FLAGS, KUBECONFORM], Path("/"))
    for name, (command, cwd) in wanted.items():
        if name not in _BUILDING or _BUILDING[name].poll() not in (None, 0):
            nice = ["nice", "-n", str(niceness)] if niceness else []
            _BUILDING[name] = subprocess.Popen([*nice, *command], cwd=cwd, env=env)


def await_builds() -> None:
    for name, build in _BUILDING.items():
        if build.wait():
            raise SystemExit(f"building {name} failed (exit {build.returncode})")


def tool(name: str) -> Path:
    """render or kubeconform, built when missing."""
    start_builds()
    await_builds()
    found = shutil.which(name) if name == "kubeconform" else None
    return Path(found) if found else TOOLS / name


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
    crds = [
        yaml.safe_load(_member(archive, module, path))
        for module, paths in CRDS.items()
        for archive in [module_zip(module)]
        for path in paths
    ]
    written = 0
    for crd in [*crds, *strimzi_crds()]:
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = _loosen(version["schema"]["openAPIV3Schema"])
            name = _kind_file(spec["names"]["kind"], spec["group"], version["name"])
            (target / name).write_text(json.dumps(schema))
            written += 1
    return written


def strimzi_crds() -> list[dict[str, Any]]:
    """Strimzi's CRDs for the chart's kinds, written by its CRD generator from its API model (the
    jars fetched by Maven into .state/tools/strimzi-jars, again when the pom changes)."""
    maven.copy_dependencies(STRIMZI_POM, STRIMZI_JARS, "Strimzi's jars")
    with tempfile.TemporaryDirectory() as out:
        files = {kind: Path(out) / f"{kind}.yaml" for kind in STRIMZI_KINDS}
        done = subprocess.run(
            [
                *("java", "-cp", f"{STRIMZI_JARS}/*", "io.strimzi.crdgenerator.CrdGenerator"),
                *("--yaml", "--crd-api-version", "v1", "--api-versions", "v1beta2"),
                *(f"{cls}={files[kind]}" for kind, cls in STRIMZI_KINDS.items()),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"Strimzi's CRD generator failed:\n{done.stderr}")
        return [yaml.safe_load(f.read_text()) for f in files.values()]


def schemas() -> Path:
    stamp = SCHEMAS / ".sources"
    sources = json.dumps([KUBERNETES, CRDS, STRIMZI_POM.read_text()], sort_keys=True)
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
        [str(tool("render")), "thidua", str(CHART), *args],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"rendering the chart failed:\n{done.stderr}")
    return done.stdout


def validate(manifests: str) -> subprocess.CompletedProcess[str]:
    location = str(schemas()) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    return subprocess.run(
        [
            *(str(tool("kubeconform")), "-strict", "-summary", "-output", "json"),
            *("-schema-location", location, "-"),
        ],
        input=manifests,
        capture_output=True,
        text=True,
    )


def main() -> int:
    start_builds()
    schemas()  # downloaded and converted while the tools build
    await_builds()
    failed = 0
    for label, args in RENDERINGS.items():
        manifests = render(args)
        done = validate(manifests)
        summary = json.loads(done.stdout)
        bad = [r for r in summary["resources"] if r["status"] != "statusValid"]
        counts = summary["summary"]
        print(
            f"{label}: {counts['valid']} valid, {counts['skipped']} skipped, "
            f"{counts['invalid'] + counts['errors']} invalid"
        )
        for r in bad:
            print(f"  {r['kind']} {r['name']}: {r['status']} {r.get('msg', '')}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
