#!/bin/bash
# A throwaway PostgreSQL 15 cluster for the tests and benchmarks of the
# PostgreSQL store: data, socket, log and TLS material all under one
# directory, run by an unprivileged user, with production durability
# (fsync on) so that timings and crash behaviour are those of a real server.
#
#   pg-cluster.sh start DIR [PORT|auto]  initialise if needed, start, and print
#                                        shell assignments to eval:
#                                          PGSOCK_URL  libpq keywords, unix socket
#                                          PGTCP_URL   postgresql:// URI, TLS
#                                                      verify-full, passfile
#                                          PGCA        the CA certificate
#                                          PGSUPER_URL superuser, unix socket
#   pg-cluster.sh stop DIR               stop (fast); nothing to do is no error
#   pg-cluster.sh createdb DIR NAME      a fresh, empty database NAME owned by
#                                        crm (dropped first if it exists);
#                                        prints the assignments for NAME
#   pg-cluster.sh pool DIR [SIZE]        PgBouncer in front of the running
#                                        cluster, in session mode, on a socket
#                                        in DIR/pool, SIZE (default 1) server
#                                        sessions per database and role, each
#                                        kept with its prepared statements as
#                                        the README's fleet set-up says;
#                                        prints PGPOOL_URL (keywords, no
#                                        dbname: every database is served).
#                                        stop stops it too.
#
# PORT defaults to the one DIR last used, else 55432; `auto` takes the first
# free port from 55432 on. As root the server runs as the system user crmpg
# (created if missing) and DIR is handed to it; otherwise it runs as the
# caller.
#
# Authentication: the socket trusts every role. Nothing but this cluster's
# user and root can open it (unix_socket_permissions 0700 in a directory of
# mode 0711), and peer authentication would not do, since the tests connect
# as root, not as a role-named system user. TCP accepts only TLS and only
# SCRAM: the role crm has a random password in DIR/crm.password and
# DIR/pgpass (both 0600, the caller's).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
RUN_USER=crmpg
SUPERUSER=postgres
ROLE=crm
DEFAULT_DB=crmpolicy
DEFAULT_PORT=55432

# The server and our own psql must see only what this script tells them.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGOPTIONS PGDATA \
	PGCONNECT_TIMEOUT PGTARGETSESSIONATTRS

die() {
	echo "pg-cluster: $*" >&2
	exit 1
}

usage() {
	echo "usage: pg-cluster.sh start DIR [PORT|auto]" >&2
	echo "       pg-cluster.sh stop DIR" >&2
	echo "       pg-cluster.sh createdb DIR NAME" >&2
	echo "       pg-cluster.sh pool DIR [SIZE]" >&2
	exit 2
}

# as_pg CMD...: CMD as the cluster's user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$RUN_USER" -- "$@"
	else
		"$@"
	fi
}

# Paths end up inside postgresql.conf strings, libpq keyword strings and a
# URI; refusing odd characters here spares quoting each of them.
set_dir() {
	case "$1" in
	/*) ;;
	*) die "DIR must be an absolute path: $1" ;;
	esac
	[[ "$1" =~ ^[A-Za-z0-9_./+-]+$ ]] ||
		die "DIR may hold only letters, digits and _ . / + -: $1"
	DIR=${1%/}
	DATA=$DIR/data
	TLS=$DIR/tls
	LOG=$DIR/postgresql.log
}

# The socket's path must fit in sun_path (108 bytes with its NUL).
check_socket_path() {
	local sock="$DIR/.s.PGSQL.$1"
	[ "${#sock}" -lt 108 ] ||
		die "socket path $sock is too long for a unix socket; use a shorter DIR"
}

running() {
	[ -f "$DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" status -D "$DATA" \
		> /dev/null 2>&1
}

# The port the running server listens on: line 4 of postmaster.pid.
running_port() {
	sed -n 4p "$DATA/postmaster.pid" 2>/dev/null
}

port_busy() {
	(exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# The cluster's user: the owner of an existing cluster; for a new one,
# crmpg (created if missing) when root runs this, else the caller.
pick_user() {
	local owner
	if [ -d "$DATA" ]; then
		owner=$(stat -c %U "$DATA")
		[ "$owner" != root ] ||
			die "$DATA belongs to root, and PostgreSQL does not run as root"
		[ "$(id -u)" -eq 0 ] || [ "$owner" = "$(id -un)" ] ||
			die "the cluster in $DIR belongs to $owner"
		RUN_USER=$owner
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || { RUN_USER=$(id -un); return 0; }
	id "$RUN_USER" > /dev/null 2>&1 && return 0
	# Two starts at once may both get here; the loser finds the user made.
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin \
		-c "crmpolicy test PostgreSQL" "$RUN_USER" 2> /dev/null ||
		id "$RUN_USER" > /dev/null 2>&1 ||
		die "cannot create the system user $RUN_USER"
}

# DIR belongs to the cluster's user (the server writes its socket, lock file
# and log there); others may only pass through to the CA certificate.
prepare_dir() {
	mkdir -p "$DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$RUN_USER:" "$DIR"
	fi
	chmod 0711 "$DIR"
	as_pg test -w "$DIR" -a -x "$DIR" ||
		die "$RUN_USER cannot write $DIR (is a parent directory closed to it?)"
}

# A CA made for this cluster alone, and a server certificate for the names
# the tests connect with. EC keys: RSA key generation would take most of the
# start-up time.
make_tls() {
	[ -s "$TLS/server.crt" ] && [ -s "$TLS/server.key" ] &&
		[ -s "$TLS/ca.crt" ] && return 0
	rm -rf "$TLS"
	mkdir -m 0755 "$TLS"
	(
		umask 077
		openssl ecparam -name prime256v1 -genkey -noout -out "$TLS/ca.key"
		openssl ecparam -name prime256v1 -genkey -noout -out "$TLS/server.key"
	)
	openssl req -x509 -new -key "$TLS/ca.key" -sha256 -days 30 \
		-subj "/CN=crmpolicy test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$TLS/ca.crt" 2> /dev/null
	openssl req -new -key "$TLS/server.key" -subj "/CN=localhost" \
		-out "$TLS/server.csr" 2> /dev/null
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=DNS:localhost,IP:127.0.0.1" > "$TLS/server.ext"
	openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" \
		-CAkey "$TLS/ca.key" -CAcreateserial -sha256 -days 30 \
		-extfile "$TLS/server.ext" -out "$TLS/server.crt" 2> /dev/null
	rm -f "$TLS/server.csr" "$TLS/server.ext" "$TLS/ca.srl"
	chmod 0644 "$TLS/ca.crt" "$TLS/server.crt"
	# The server refuses a key that others may read.
	[ "$(id -u)" -ne 0 ] || chown "$RUN_USER:" "$TLS/server.key"
	chmod 0600 "$TLS/server.key"
}

# initdb into a side directory, renamed into place once complete, so that a
# run interrupted half-way is redone instead of found "initialised".
init_cluster() {
	[ -f "$DATA/PG_VERSION" ] && return 0
	[ ! -e "$DATA" ] || die "$DATA exists but holds no cluster; remove it"
	rm -rf "$DATA.new"
	# --no-sync skips initdb's closing sync of every file, 2-3 s here, for
	# a cluster that a crash of the machine makes worthless anyway; the
	# server itself keeps fsync on. C locale: text sorts by byte, as in
	# SQLite.
	as_pg "$PG_BIN/initdb" -D "$DATA.new" -U "$SUPERUSER" -E UTF8 \
		--locale=C --auth-local=trust --auth-host=scram-sha-256 \
		--no-sync --no-instructions > "$DIR/initdb.log" 2>&1 ||
		{ cat "$DIR/initdb.log" >&2; die "initdb failed"; }
	as_pg sh -c "cat > '$DATA.new/pg_hba.conf'" <<'EOF'
# Written by pg-cluster.sh. The socket is reachable only by the cluster's
# user and root; TCP only with TLS and a SCRAM password.
# TYPE   DATABASE USER ADDRESS       METHOD
local    all      all                trust
hostssl  all      all  127.0.0.1/32  scram-sha-256
EOF
	as_pg sh -c "echo \"include 'cluster.conf'\" >> '$DATA.new/postgresql.conf'"
	mv "$DATA.new" "$DATA"
}

# Settings that depend on DIR and PORT, rewritten at each start.
write_conf() {
	as_pg sh -c "cat > '$DATA/cluster.conf'" <<EOF
# Written by pg-cluster.sh start; rewritten at each start.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$DIR'
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
ssl_ca_file = '$TLS/ca.crt'
password_encryption = 'scram-sha-256'
# Production durability: the figures measured against this cluster must be
# those of a server that keeps its commits.
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
}

# psql as the superuser over the socket, stopping at the first error.
su_psql() {
	local db=$1
	shift
	as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		"host=$DIR port=$PORT dbname=$db user=$SUPERUSER" "$@"
}

# The role crm and its password, which the role is set to at every start,
# so that the file and the role cannot disagree.
ensure_role() {
	local pw
	if [ ! -s "$DIR/crm.password" ]; then
		(umask 077; openssl rand -hex 24 > "$DIR/crm.password.new")
		mv "$DIR/crm.password.new" "$DIR/crm.password"
	fi
	chmod 0600 "$DIR/crm.password"
	pw=$(cat "$DIR/crm.password")
	# The password goes in on stdin, not in the process list.
	su_psql postgres <<EOF
\set pw '$pw'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm') AS missing \gset
\if :missing
CREATE ROLE crm LOGIN;
\endif
ALTER ROLE crm PASSWORD :'pw';
EOF
	(
		umask 077
		printf '127.0.0.1:%s:*:%s:%s\nlocalhost:%s:*:%s:%s\n' \
			"$PORT" "$ROLE" "$pw" "$PORT" "$ROLE" "$pw" > "$DIR/pgpass.new"
	)
	mv "$DIR/pgpass.new" "$DIR/pgpass"
}

db_exists() {
	[ "$(su_psql postgres -tA -c \
		"SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# A new database from template0, written through the WAL (15's default
# strategy): about 0.2 s here. FILE_COPY, which copies the files around two
# checkpoints, measured anywhere from as fast to five times slower.
create_db() {
	su_psql postgres -c "CREATE DATABASE $1 OWNER $ROLE TEMPLATE template0"
}

print_vars() {
	local db=$1
	printf "PGSOCK_URL='host=%s port=%s dbname=%s user=%s'\n" \
		"$DIR" "$PORT" "$db" "$ROLE"
	printf "PGTCP_URL='postgresql://%s@127.0.0.1:%s/%s?sslmode=verify-full&sslrootcert=%s&passfile=%s'\n" \
		"$ROLE" "$PORT" "$db" "$TLS/ca.crt" "$DIR/pgpass"
	printf "PGCA='%s'\n" "$TLS/ca.crt"
	printf "PGSUPER_URL='host=%s port=%s dbname=%s user=%s'\n" \
		"$DIR" "$PORT" "$db" "$SUPERUSER"
}

pick_port() {
	local want=${1:-} p
	if [ -n "$want" ] && [ "$want" != auto ]; then
		if ! [[ "$want" =~ ^[0-9]+$ ]] || [ "$want" -lt 1024 ] ||
				[ "$want" -gt 65535 ]; then
			die "PORT must be a number from 1024 to 65535: $want"
		fi
		PORT=$want
		return 0
	fi
	if [ -z "$want" ]; then
		if [ -s "$DIR/port" ]; then
			PORT=$(cat "$DIR/port")
		else
			PORT=$DEFAULT_PORT
		fi
		return 0
	fi
	for p in $(seq "$DEFAULT_PORT" $((DEFAULT_PORT + 200))); do
		port_busy "$p" || { PORT=$p; return 0; }
	done
	die "no free port in $DEFAULT_PORT-$((DEFAULT_PORT + 200))"
}

cmd_start() {
	[ -x "$PG_BIN/pg_ctl" ] || die "$PG_BIN/pg_ctl is missing (apt install postgresql-15)"
	command -v openssl > /dev/null || die "openssl is missing"
	set_dir "$1"
	pick_user
	if running; then
		# Started before: the same cluster, whatever port was asked for now.
		PORT=$(running_port)
		[ -z "${2:-}" ] || [ "$2" = auto ] || [ "$2" = "$PORT" ] ||
			die "the cluster in $DIR is already running on port $PORT"
	else
		pick_port "${2:-}"
		check_socket_path "$PORT"
		port_busy "$PORT" && die "port $PORT on 127.0.0.1 is in use"
		prepare_dir
		make_tls
		init_cluster
		write_conf "$PORT"
		echo "$PORT" > "$DIR/port"
		if ! as_pg "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 \
				> /dev/null; then
			tail -n 20 "$LOG" >&2 || true
			die "the server did not start (log: $LOG)"
		fi
	fi
	ensure_role
	db_exists "$DEFAULT_DB" || create_db "$DEFAULT_DB"
	print_vars "$DEFAULT_DB"
}

cmd_stop() {
	set_dir "$1"
	if [ ! -d "$DATA" ]; then
		echo "pg-cluster: no cluster in $DIR" >&2
		return 0
	fi
	pick_user
	stop_pool
	running || return 0
	as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 > /dev/null
}

# The pool's reset between two clients: what DISCARD ALL does but the
# DEALLOCATE ALL and DISCARD PLANS, so that a statement prepared by one
# login serves the next (the README's fleet set-up gives the same line).
POOL_RESET="RESET ALL; SELECT pg_advisory_unlock_all(); CLOSE ALL;\
 UNLISTEN *; DISCARD TEMP; DISCARD SEQUENCES"

stop_pool() {
	local pid
	[ -s "$DIR/pool/pgbouncer.pid" ] || return 0
	pid=$(cat "$DIR/pool/pgbouncer.pid")
	kill "$pid" 2> /dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	rm -f "$DIR/pool/pgbouncer.pid"
}

cmd_pool() {
	local size=${2:-1} pool
	set_dir "$1"
	[[ "$size" =~ ^[1-9][0-9]{0,2}$ ]] || die "SIZE is a number from 1 to 999: $size"
	command -v pgbouncer > /dev/null || die "pgbouncer is missing (apt install pgbouncer)"
	pick_user
	running || die "no cluster running in $DIR (pg-cluster.sh start $DIR)"
	PORT=$(running_port)
	pool=$DIR/pool
	stop_pool
	mkdir -p "$pool"
	[ "$(id -u)" -ne 0 ] || chown "$RUN_USER:" "$pool"
	chmod 0711 "$pool"
	check_socket_path 6432
	# Trust, as the cluster's own socket: only its user and root may open
	# the pool's (0700). The roles it serves must be named in auth_file.
	printf '"%s" ""\n"%s" ""\n' "$SUPERUSER" "$ROLE" > "$pool/users.txt"
	cat > "$pool/pgbouncer.ini" <<EOF
[databases]
* = host=$DIR port=$PORT
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $pool
unix_socket_mode = 0700
auth_type = trust
auth_file = $pool/users.txt
pool_mode = session
server_reset_query = $POOL_RESET
default_pool_size = $size
max_client_conn = 200
logfile = $pool/pgbouncer.log
pidfile = $pool/pgbouncer.pid
EOF
	[ "$(id -u)" -ne 0 ] || chown "$RUN_USER:" "$pool"/*
	as_pg pgbouncer -d -q "$pool/pgbouncer.ini" ||
		die "pgbouncer did not start (log: $pool/pgbouncer.log)"
	for _ in $(seq 1 50); do
		[ -S "$pool/.s.PGSQL.6432" ] && break
		sleep 0.1
	done
	[ -S "$pool/.s.PGSQL.6432" ] ||
		die "pgbouncer did not start (log: $pool/pgbouncer.log)"
	echo "PGPOOL_URL='host=$pool port=6432 user=$SUPERUSER'"
}

cmd_createdb() {
	set_dir "$1"
	[[ "$2" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
		die "a database name is lower-case letters, digits and _: $2"
	case "$2" in
	postgres|template0|template1) die "$2 is not a test database" ;;
	esac
	pick_user
	running || die "no cluster running in $DIR (pg-cluster.sh start $DIR)"
	PORT=$(running_port)
	# Fresh means empty: a database left by an earlier run goes first.
	su_psql postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $2 WITH (FORCE)"
	create_db "$2"
	print_vars "$2"
}

[ $# -ge 2 ] || usage
case "$1" in
start) [ $# -le 3 ] || usage; cmd_start "$2" "${3:-}" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
createdb) [ $# -eq 3 ] || usage; cmd_createdb "$2" "$3" ;;
pool) [ $# -le 3 ] || usage; cmd_pool "$2" "${3:-}" ;;
*) usage ;;
esac
