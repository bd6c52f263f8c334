#!/bin/bash
# dist/kubernetes/: what can be checked without a cluster (the list of what
# is and is not checked is in dist/kubernetes/README.md).  The image itself
# runs with this securityContext in test_image.sh (podman).
. "$(dirname "$0")/../lib.sh"

MANIFEST=$TOP/dist/kubernetes/rstsnoop-daemonset.yaml

begin "kubernetes_daemonset_facts"
if ! python3 -c 'import yaml' 2>/dev/null; then
	skip_scenario "python3-yaml not installed (scripts/setup.sh --test)"
else
	python3 "$TOP/tests/integration/k8s_manifest.py" "$TOP" >"$WORK/facts" 2>&1
	rc=$?
	want "the manifest's facts ($(grep -v '^ok ' "$WORK/facts" | head -n 3 | tr '\n' ' '))" $rc 0
	want_true "every check ran" [ "$(grep -c '^ok ' "$WORK/facts")" -ge 20 ]
fi
finish

begin "kubernetes_kubectl_decodes"
if ! command -v kubectl >/dev/null; then
	skip_scenario "kubectl not installed"
else
	# --local: kubectl's own decoder, no server (it does not check field
	# names or types: that needs the API server's schema)
	kubectl label --local -f "$MANIFEST" rstsnoop-check=1 -o name >"$WORK/kubectl" 2>&1
	rc=$?
	want "kubectl reads the manifest ($(head -c 200 "$WORK/kubectl"))" $rc 0
	want "the objects it read" "$(sort "$WORK/kubectl" | tr '\n' ' ')" "daemonset.apps/rstsnoop namespace/rstsnoop "
fi
finish
