#!/usr/bin/env bash
# Installs the Debian 12 packages yunfn builds, runs and tests with.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libsqlite3-dev libssl-dev libzip-dev libspdlog-dev libfmt-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libseccomp-dev
  librdkafka-dev  # ckafka triggers (consumer groups) and the mock Kafka cluster of their tests
  zlib1g-dev  # gzip of the cls trigger's event (clslogs.data)
  python3 nodejs npm curl zip unzip wrk
  php-cli  # runs every Php* runtime (Debian 12: PHP 8.2) through runtimes/php/bootstrap.php
  openjdk-17-jdk-headless  # javac builds runtimes/java; its java runs Java8 and Java11 functions
  libjackson2-databind-java  # Jackson 2.14: the Java runtime's JSON binding (SCF's semantics)
  golang-go  # builds the Go1 functions of the tests, bench and examples/go-hello (offline, sdk/go/scf-go-lib)
  python3-boto3  # the S3 client of the bucket-service tests (tests/integration/test_cos.py) and the COS examples
  python3-pil  # Pillow for examples/cos-thumbnail and its test (tests/integration/test_cos_examples.py)
  openssl  # test certificates for the API over TLS
  slirp4netns  # outbound network of namespace-isolated instances
  clang-tidy  # static checks of the sources (scripts/tidy.sh, CI)
  nginx-light  # the reference rows of the gateway, peer and bucket-service (WebDAV PUT) benchmarks
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node may come from elsewhere (e.g. a newer Node.js); only install Debian's when absent.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
