#!/usr/bin/env bash
# Installs the Debian bookworm packages badgeproc needs to build, test and
# run, skipping the network when they are all present already. Needs root
# (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  librdkafka-dev libavro-dev libcmocka-dev liblmdb-dev lmdb-utils zlib1g-dev
  libyaml-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev
  kcat jq valgrind python3 python3-avro python3-confluent-kafka python3-yaml
  shellcheck openssl time
  # The real Apache Kafka of the tests (scripts/kafka.sh): a JDK and Maven,
  # which resolves the broker's jars from Maven Central.
  openjdk-17-jdk-headless maven
)

# `deps.sh --list` prints the packages, for .ci/run to install in one go.
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
