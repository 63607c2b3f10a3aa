# Shared by scripts/setup, scripts/stop and scripts/test (sourced, not run).
#
# Paths: ROOT is the checkout; VAR ($CR_VAR_DIR, default ROOT/var) holds the local
# instance (PostgreSQL cluster, configuration, sockets, logs, pid files, TLS);
# BUILD ($CODERANK_BUILD_DIR, default ROOT/build) is the out-of-tree build.
# Settings of these scripts are CR_* variables, never CODERANK_* (those are
# configuration overrides read by the programs themselves).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR=${CR_VAR_DIR:-$ROOT/var}
BUILD=${CODERANK_BUILD_DIR:-$ROOT/build}
PGBIN=/usr/lib/postgresql/15/bin
DOCKER_SOCK=/var/run/docker.sock

# Debian packages, by role.
DEPS_BUILD="autoconf automake libtool pkg-config gcc make libc6-dev libfcgi-dev libpq-dev
 libjson-c-dev libcurl4-openssl-dev libssl-dev libcunit1-dev libbson-dev python3-markdown"
DEPS_RUN="postgresql postgresql-client nginx-light docker.io debootstrap curl openssl ca-certificates"
DEPS_TEST="python3 python3-pytest python3-psycopg2 python3-yaml wrk jq"

T0=$(date +%s)
say()  { printf '[%4ds] %s\n' "$(($(date +%s) - T0))" "$*"; }
step() { printf '\n==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run this as root (it installs packages and starts services)"; }

# Install the packages that are missing; nothing to do (and no network) when all are there.
install_deps() {
	local missing="" p
	for p in $DEPS_BUILD $DEPS_RUN $DEPS_TEST; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		say "all Debian packages already installed"
		return 0
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=l
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
}

# Configure (once) and build in $1 with configure options $2...; autoreconf when the
# checkout has no configure yet (a fresh clone) or its inputs are newer.
build_tree() {
	local dir=$1; shift
	if [ ! -x "$ROOT/configure" ] || [ "$ROOT/configure.ac" -nt "$ROOT/configure" ]; then
		say "autoreconf"
		(cd "$ROOT" && autoreconf -fi) >/dev/null
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$dir/config.status" -ot "$ROOT/configure" ]; then
		say "configure $* (in $dir)"
		(cd "$dir" && "$ROOT/configure" -q "$@") || return 1
	fi
	say "make (in $dir)"
	make -C "$dir" -s -j"$(nproc)" >"$dir/make.log" 2>&1 || { tail -40 "$dir/make.log" >&2; return 1; }
}

docker_ok() { curl -sf --max-time 3 --unix-socket "$DOCKER_SOCK" http://docker/_ping >/dev/null 2>&1; }

# Start dockerd unless it answers already; pid file VAR/run/dockerd.pid marks that we
# started it (scripts/stop stops only such a dockerd).
ensure_dockerd() {
	if docker_ok; then
		say "dockerd is running"
		return 0
	fi
	command -v dockerd >/dev/null || die "dockerd not found (apt-get install docker.io)"
	mkdir -p "$VAR/run" "$VAR/log"
	say "starting dockerd (log: $VAR/log/dockerd.log)"
	start-stop-daemon --start --background --make-pidfile --pidfile "$VAR/run/dockerd.pid" \
		--output "$VAR/log/dockerd.log" --exec "$(command -v dockerd)" -- \
		|| die "could not start dockerd"
	local i
	for i in $(seq 1 120); do
		docker_ok && { say "dockerd is up"; return 0; }
		sleep 0.5
	done
	tail -20 "$VAR/log/dockerd.log" >&2
	die "dockerd did not answer on $DOCKER_SOCK within 60 s"
}

# Build the language images (cached by docker/build-images itself).
build_images() {
	local runner=$BUILD/coderank-runner
	if [ ! -x "$ROOT/docker/build-images" ]; then
		warn "docker/build-images is missing: no language images"
		return 0
	fi
	[ -x "$runner" ] || { warn "$runner not built: no language images"; return 1; }
	"$ROOT/docker/build-images" --runner "$runner"
}

# Render nginx/coderank.conf.in; every setting is an environment variable (see
# scripts/nginx-conf).
render_nginx() { "$ROOT/scripts/nginx-conf"; }
