#!/usr/bin/env bash
# Installs pgvector into the machine's PostgreSQL (Debian/Ubuntu hosts) by building Debian's
# pgvector source package against postgresql-server-dev-<major>. Idempotent: does nothing when
# the extension is already available. Usage: scripts/install-pgvector.sh [pg-major] (default: 15)
set -euo pipefail
major="${1:-15}"
pg_config="/usr/lib/postgresql/$major/bin/pg_config"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

if [ -f "/usr/share/postgresql/$major/extension/vector.control" ]; then
  echo "pgvector already installed for PostgreSQL $major"
  exit 0
fi

# The deb-src source list is private to this script: the system's own lists stay untouched.
work=$(mktemp -d /tmp/pgvector-build-XXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial"
echo "deb-src http://deb.debian.org/debian trixie main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-"
          -o "Dir::State::Lists=$work/apt/lists" -o "APT::Get::List-Cleanup=0")
apt-get "${apt_opts[@]}" update -qq
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector)
(cd "$work" && dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null)

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "postgresql-server-dev-$major" make gcc >/dev/null
make -s -C "$work/src" PG_CONFIG="$pg_config"
$sudo make -s -C "$work/src" PG_CONFIG="$pg_config" install

# Installing the dev package can upgrade postgresql-<major> to a newer minor version and leave
# the cluster stopped: start it again when it does not answer.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  $sudo pg_ctlcluster --skip-systemctl-redirect "$major" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
echo "pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "/usr/share/postgresql/$major/extension/vector.control") installed for PostgreSQL $major"
