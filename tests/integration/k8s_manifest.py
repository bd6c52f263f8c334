#!/usr/bin/env python3
"""Checks dist/kubernetes/rstsnoop-daemonset.yaml against the facts it rests
on, offline (no cluster, no API schema here: see dist/kubernetes/README.md).

  k8s_manifest.py TOP   prints one "ok WHAT" or "bad WHAT: WHY" line per
                        check; exit 1 when any is bad

The other side of each check is a file of its own: the systemd unit's
capabilities and MemoryMax, the Containerfile's WORKDIR and /bin/test.
"""
import re
import sys

import yaml

TOP = sys.argv[1]
failures = 0


def check(what, ok, why=""):
    global failures
    print(f"ok {what}" if ok else f"bad {what}: {why}")
    failures += not ok


def read(path):
    with open(f"{TOP}/{path}") as f:
        return f.read()


def mebibytes(quantity):
    m = re.fullmatch(r"(\d+)(Mi|Gi)", str(quantity))
    return int(m.group(1)) * (1024 if m.group(2) == "Gi" else 1) if m else None


def millicores(quantity):
    q = str(quantity)
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


docs = [d for d in yaml.safe_load_all(read("dist/kubernetes/rstsnoop-daemonset.yaml")) if d]
kinds = [(d.get("apiVersion"), d.get("kind")) for d in docs]
check("objects: a Namespace and an apps/v1 DaemonSet",
      sorted(kinds) == [("apps/v1", "DaemonSet"), ("v1", "Namespace")], f"{kinds}")
ds = next(d for d in docs if d.get("kind") == "DaemonSet")
ns = next(d for d in docs if d.get("kind") == "Namespace")
check("the DaemonSet is in that Namespace",
      ds["metadata"].get("namespace") == ns["metadata"]["name"], ds["metadata"].get("namespace"))
spec, tmpl = ds["spec"], ds["spec"]["template"]
check("the selector matches the pod labels",
      all(tmpl["metadata"]["labels"].get(k) == v for k, v in spec["selector"]["matchLabels"].items()),
      f"{spec['selector']} vs {tmpl['metadata']['labels']}")
pod = tmpl["spec"]
check("hostPID and hostNetwork", pod.get("hostPID") is True and pod.get("hostNetwork") is True,
      f"{pod.get('hostPID')!r} {pod.get('hostNetwork')!r}")
check("no service account token", pod.get("automountServiceAccountToken") is False, "")
(c,) = pod["containers"]
args = c["args"]

unit = read("dist/rstsnoop.service")
unit_caps = set(re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M).group(1).split())
sc = c["securityContext"]
caps = sc["capabilities"]
check("capabilities: exactly the unit's CapabilityBoundingSet",
      set("CAP_" + x for x in caps.get("add", [])) == unit_caps and caps.get("drop") == ["ALL"],
      f"{caps} vs {sorted(unit_caps)}")
check("not privileged, no privilege escalation",
      sc.get("privileged") is False and sc.get("allowPrivilegeEscalation") is False, f"{sc}")
check("seccomp Unconfined (the default profile refuses bpf())",
      sc.get("seccompProfile", {}).get("type") == "Unconfined", f"{sc.get('seccompProfile')}")

ready = args[args.index("--ready-file") + 1]
probe = c["readinessProbe"]["exec"]["command"]
check("readinessProbe tests the --ready-file", probe == ["/bin/test", "-f", ready], f"{probe} vs {ready}")
containerfile = read("Containerfile")
workdir = re.search(r"^WORKDIR (\S+)", containerfile, re.M).group(1)
check("the ready file is in the image's WORKDIR (a fresh folder per container start)",
      ready.rsplit("/", 1)[0] == workdir, f"{ready} vs WORKDIR {workdir}")
check("the image has /bin/test", re.search(r"^COPY \S+ /bin/test$", containerfile, re.M) is not None, "")
mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
check("nothing mounted over the ready file's folder", all(not ready.startswith(m + "/") for m in mounts),
      f"{mounts}")

listen = args[args.index("--metrics-listen") + 1]
port = int(listen.rsplit(":", 1)[1])
env = {e["name"] for e in c.get("env", [])}
refs = set(re.findall(r"\$\((\w+)\)", listen))
check("the --metrics-listen address's variables are defined", refs <= env, f"{refs - env}")
ports = {p["name"]: p for p in c["ports"]}
check("the metrics port is declared", ports.get("metrics", {}).get("containerPort") == port, f"{c['ports']}")
ann = tmpl["metadata"].get("annotations", {})
check("the scrape annotation names that port", ann.get("prometheus.io/port") == str(port), f"{ann}")

res = c["resources"]
unit_max = mebibytes(re.search(r"^MemoryMax=(\S+)$", unit, re.M).group(1) + "i")
check("memory limit = the unit's MemoryMax", mebibytes(res["limits"]["memory"]) == unit_max,
      f"{res['limits']['memory']} vs {unit_max}Mi")
# bench/results.md: 17.7 MiB peak RSS (the request must cover it)
check("memory request >= 17.7 MiB peak RSS and <= the limit",
      18 <= mebibytes(res["requests"]["memory"]) <= mebibytes(res["limits"]["memory"]), f"{res}")
check("cpu request <= limit", millicores(res["requests"]["cpu"]) <= millicores(res["limits"]["cpu"]), f"{res}")

volumes = {v["name"]: v for v in pod.get("volumes", [])}
for m in c.get("volumeMounts", []):
    v = volumes.get(m["name"])
    check(f"mount {m['mountPath']}: a read-only hostPath of the same path",
          v is not None and v.get("hostPath", {}).get("path") == m["mountPath"] and m.get("readOnly") is True,
          f"{m} {v}")
check("tracefs is mounted (classic programs without CAP_SYS_ADMIN)", "/sys/kernel/tracing" in mounts, f"{mounts}")
sys.exit(1 if failures else 0)
