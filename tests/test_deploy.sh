#!/usr/bin/env bash
# test_deploy.sh - lints deploy/ as far as this machine can: nothing here
# has a container engine, a Kubernetes cluster or a real Kafka, so the
# files are checked, not run.
#
#  - shell scripts: `bash -n`, and shellcheck when it is installed; the
#    topic and ACL scripts' --dry-run output holds what operations rely on
#    (replication 3, min.insync.replicas=2, a compacted changelog, the
#    transactional id prefix);
#  - YAML (compose, Kubernetes): parsed with Debian's python3-yaml, and
#    the parts the docs promise are there (3 KRaft brokers, a schema
#    registry, 2 processors; a StatefulSet with a state volume and probes
#    on /healthz and /readyz, a PodDisruptionBudget, a ConfigMap with the
#    config and rules, a Secret);
#  - every badgeproc config (the example, the container's, the
#    ConfigMap's) is accepted by `badgeproc run --print-config`, and the
#    ConfigMap's rules by the rules loader; no password is written in one
#    (each is a ${file:...}), none is in the StatefulSet's args or env,
#    and the ConfigMap's config reads the mounted Secret's files;
#  - the systemd unit passes `systemd-analyze verify` (when systemd is
#    installed) with no complaint;
#  - the Dockerfile has a build and a runtime stage on bookworm-slim and
#    runs as a non-root user.
set -euo pipefail

: "${BP_BIN:?BP_BIN must name the badgeproc binary}"
: "${BP_SRC:?BP_SRC must name the source tree}"
cd "$BP_SRC/deploy"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3

# --- shell
for f in kafka/*.sh; do
        bash -n "$f" || fail "$f: syntax"
done
if command -v shellcheck >/dev/null; then
        shellcheck kafka/*.sh || fail "shellcheck"
else
        echo "note: shellcheck not installed, skipped" >&2
fi
bash kafka/create-topics.sh --bootstrap b:9092 --dry-run >"$work/topics"
[ "$(grep -c -- '--create' "$work/topics")" = 7 ] || fail "expected 7 topics"
[ "$(grep -c -- '--replication-factor 3 --config min.insync.replicas=2' "$work/topics")" = 7 ] ||
        fail "every topic: replication 3, min.insync.replicas=2"
grep -- '--topic badge-state-changelog' "$work/topics" | grep -q 'cleanup.policy=compact' ||
        fail "the changelog must be compacted"
[ "$(grep -c 'cleanup.policy=delete --config retention.ms=' "$work/topics")" = 6 ] ||
        fail "inputs and outputs need a retention"
bash kafka/create-topics.sh --bootstrap b --partitions x --dry-run 2>/dev/null &&
        fail "a bad number must be refused"
bash kafka/acls.sh --bootstrap b:9092 --dry-run >"$work/acls"
for want in '--operation Read --operation Describe --topic profile-updated' \
        '--operation Write --operation Describe --topic badge-events' \
        '--operation Write --operation Describe --topic badge-dlq' \
        '--operation Read --operation Describe --operation Write --topic badge-state-changelog' \
        '--operation Read --operation Describe --group badgeproc' \
        '--transactional-id badgeproc- --resource-pattern-type prefixed'; do
        grep -q -- "$want" "$work/acls" || fail "acls.sh lacks: $want"
done

# --- YAML
WORK="$work" $py - compose.yaml k8s/*.yaml <<'PY' || fail "YAML"
import sys, yaml
def need(cond, what):
    if not cond:
        sys.exit("missing: " + what)
compose = yaml.safe_load(open(sys.argv[1]))
svc = compose["services"]
brokers = [s for s in svc.values()
           if "broker,controller" in str(s.get("environment", {}))]
need(len(brokers) == 3, "3 KRaft brokers")
need(any("schema-registry" in str(s.get("image", "")) for s in svc.values()),
     "a schema registry")
procs = [n for n, s in svc.items() if "badgeproc" in str(s.get("image", ""))]
need(len(procs) == 2, "2 processor instances")
kinds = {}
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        kinds[doc["kind"]] = doc
for k in ("StatefulSet", "PodDisruptionBudget", "ConfigMap", "Secret"):
    need(k in kinds, k)
sts = kinds["StatefulSet"]["spec"]
c = sts["template"]["spec"]["containers"][0]
need(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness /healthz")
need(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness /readyz")
need(any(m["mountPath"] == "/var/lib/badgeproc" and m["name"] == "state"
         for m in c["volumeMounts"]), "state volume mounted")
need(sts["volumeClaimTemplates"][0]["metadata"]["name"] == "state",
     "volumeClaimTemplates for state")
# The credentials: never on the command line (ps shows it), in the
# environment neither; files of the Secret that the config names.
need(not any("password" in a.lower() or "sasl" in a.lower() for a in c["args"]),
     "no SASL setting in the container's args")
need(not any("secretKeyRef" in str(e) for e in c.get("env", [])),
     "no credential in the environment")
vols = {v["name"]: v for v in sts["template"]["spec"]["volumes"]}
creds = [m for m in c["volumeMounts"]
         if vols.get(m["name"], {}).get("secret", {}).get("secretName") ==
         kinds["Secret"]["metadata"]["name"]]
need(len(creds) == 1 and creds[0].get("readOnly"), "the Secret mounted read-only")
cm = kinds["ConfigMap"]["data"]
need("badgeproc.conf" in cm and "platform.yaml" in cm, "config and rules")
for key in kinds["Secret"]["stringData"]:
    need("${file:%s/%s}" % (creds[0]["mountPath"], key) in cm["badgeproc.conf"],
         "the config reads the Secret's %s with ${file:...}" % key)
import os
os.makedirs(os.environ["WORK"] + "/rules", exist_ok=True)
open(os.environ["WORK"] + "/k8s.conf", "w").write(cm["badgeproc.conf"])
for key, text in cm.items():
    if key.endswith(".yaml"):
        open(os.environ["WORK"] + "/rules/" + key, "w").write(text)
PY

# --- badgeproc configs and rules
# A password is never written in a config: each is a ${file:...}, here
# pointed at a stand-in under $work, and --print-config hides what it
# reads.
for conf in badgeproc.conf.example container/badgeproc.conf "$work/k8s.conf"; do
        if grep -E '^[[:space:]]*kafka\.sasl\.password[[:space:]]*=' "$conf" |
                grep -vq '= \${file:/'; then
                fail "$conf: kafka.sasl.password is not a \${file:...}"
        fi
        lint="$work/lint.conf"
        sed "s|\${file:/|\${file:$work/root/|g" "$conf" >"$lint"
        { grep -o "\${file:$work/root/[^}]*}" "$lint" || true; } | while read -r ref; do
                f=${ref#\$\{file:}
                f=${f%\}}
                mkdir -p "$(dirname "$f")"
                printf 'lint-secret-7q\n' >"$f"
        done
        "$BP_BIN" run --config "$lint" --print-config >"$work/print" ||
                fail "$conf is not a valid config"
        ! grep -q lint-secret-7q "$work/print" || fail "$conf: --print-config shows a secret"
done
grep -q '^kafka.sasl.password = \[redacted\] # from \${file:' "$work/print" ||
        fail "the k8s config's password is not read from a file"
"$BP_BIN" replay --quiet --rules "$work/rules" --input /dev/null ||
        fail "the ConfigMap's rules do not load"

# --- systemd
if command -v systemd-analyze >/dev/null; then
        # verify checks that ExecStart exists: point it at this build.
        sed "s|/usr/local/bin/badgeproc|$BP_BIN|" systemd/badgeproc.service \
                >"$work/badgeproc.service"
        systemd-analyze verify "$work/badgeproc.service" >"$work/verify" 2>&1 ||
                fail "systemd-analyze: $(cat "$work/verify")"
        [ ! -s "$work/verify" ] || fail "systemd-analyze: $(cat "$work/verify")"
else
        echo "note: systemd-analyze not installed, unit not verified" >&2
fi

# --- Dockerfile
[ "$(grep -c '^FROM debian:bookworm-slim' Dockerfile)" = 2 ] ||
        fail "Dockerfile: a build and a runtime stage on bookworm-slim"
grep -q '^COPY --from=build ' Dockerfile || fail "Dockerfile: copy from build"
user=$(awk '/^USER / { u = $2 } END { print u }' Dockerfile)
case "$user" in "" | root | 0 | 0:*) fail "Dockerfile: runs as root" ;; esac
echo "PASS: deploy/ linted"
