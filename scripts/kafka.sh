#!/usr/bin/env bash
# kafka.sh - a real Apache Kafka cluster (KRaft, no ZooKeeper) on loopback,
# as plain JVM processes, for the tests and for trying badgeproc by hand.
#
#   kafka.sh start  [--nodes 1|3] [--dir DIR] [--security plaintext|sasl_ssl]
#                   [--heap MB] [--node N]
#   kafka.sh stop   [--dir DIR] [--node N] [--kill]
#   kafka.sh status [--dir DIR]
#   kafka.sh bootstrap [--dir DIR]      prints the bootstrap list
#   kafka.sh bin [--dir DIR]            prints the folder of kafka-*.sh
#   kafka.sh classpath                  resolves the jars, prints the path
#
# The broker's jars come from Maven Central through scripts/kafka/pom.xml
# (org.apache.kafka:kafka_2.13, Kafka 4.3.1 unless KAFKA_VERSION says
# otherwise), resolved once into scripts/kafka/target/classpath.txt.
# `start` on a new DIR picks free loopback ports, writes one
# server.properties per node (each node is broker and controller), formats
# its storage with kafka.tools.StorageTool (a one-node quorum with
# --standalone, three nodes with static voters), starts `kafka.Kafka` and
# waits until every client port accepts connections; it then writes the
# bootstrap list to DIR/bootstrap and the wrappers kafka-topics.sh,
# kafka-acls.sh, kafka-configs.sh, kafka-get-offsets.sh,
# kafka-console-consumer.sh, kafka-dump-log.sh, kafka-storage.sh and
# kafka-producer-perf-test.sh to DIR/bin, so that
# deploy/kafka/*.sh run against it with `--kafka-bin DIR/bin` exactly as an
# operator runs them. `start` on an existing DIR (or `--node N`) starts the
# nodes that are down, never reformatting a node that has data. `stop`
# sends SIGTERM (a controlled shutdown: leadership moves first) to each
# recorded PID and waits for it; `--kill` sends SIGKILL instead.
#
# Settings are those of a small test cluster: every internal topic at the
# replication the node count allows, `group.initial.rebalance.delay.ms=0`,
# `auto.create.topics.enable=false`, `group.min.session.timeout.ms=1000`
# (the tests' members use short sessions), `log.retention.ms=-1` (the
# tests' records carry old event timestamps), the log cleaner on and quick
# (`log.cleaner.backoff.ms=1000`), a heap of 512 MiB for one node and 384
# MiB a node for three by default. With three nodes, a dead broker is
# fenced after 4 s (`broker.session.timeout.ms=4000`, 9 s by default), so
# that a test's broker failure moves its leaderships sooner.
# `--security sasl_ssl` makes a CA and a broker certificate with openssl,
# listens with SASL_SSL (SCRAM-SHA-512) for clients and brokers, turns on
# StandardAuthorizer with User:admin as the super user, creates the SCRAM
# users admin and badgeproc at format time, and writes client property
# files DIR/admin.properties (Java tools) and DIR/badgeproc.conf
# (librdkafka keys, `kafka.` prefixed, for `badgeproc run --config`).
# The client listener takes SASL/PLAIN too, for the same two users, and
# DIR/badgeproc-plain.conf uses it: librdkafka before 2.6.1 cannot
# authenticate with SCRAM to Kafka 4 (see write_config).
# Passwords live in DIR/secrets/ and in files of mode 600; the only
# command line that carries them is the storage format's (--add-scram,
# which has no file form), before the broker starts.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pom_dir="$here/kafka"
cp_file="$pom_dir/target/classpath.txt"

die() {
	echo "kafka.sh: $*" >&2
	exit 1
}
usage() {
	sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# classpath: resolves the broker's jars once (Maven, offline afterwards).
classpath() {
	if [ ! -s "$cp_file" ] || [ "$pom_dir/pom.xml" -nt "$cp_file" ]; then
		command -v mvn >/dev/null || die "mvn not found (scripts/deps.sh installs it)"
		local ver=()
		[ -z "${KAFKA_VERSION:-}" ] || ver=("-Dkafka.version=$KAFKA_VERSION")
		echo "kafka.sh: resolving the Kafka jars with Maven (once)" >&2
		(cd "$pom_dir" && mvn -q -B "${ver[@]}" dependency:build-classpath \
			-Dmdep.outputFile=target/classpath.txt) >&2 ||
			die "Maven could not resolve the Kafka jars (scripts/kafka/pom.xml)"
	fi
	cat "$cp_file"
}

# free_ports N: N distinct free TCP ports on loopback.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# java_run CLASS ARGS...: one JVM on the broker's classpath, with our
# log4j2 configuration (the tools log warnings only).
java_run() {
	local cls=$1
	shift
	# shellcheck disable=SC2086 # the JVM options are words
	exec java ${KAFKA_TOOL_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
		-Dlog4j2.configurationFile="$pom_dir/log4j2-tools.xml" \
		-cp "$(classpath)" "$cls" "$@"
}

# make_certs DIR: a CA, and a broker key and certificate for 127.0.0.1
# and localhost signed by it, in PKCS#12 for the JVM and PEM for clients.
make_certs() {
	local d=$1/tls pass
	mkdir -p "$d"
	pass=$(cat "$1/secrets/keystore")
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=badgeproc-test-ca" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout "$d/broker.key" -out "$d/broker.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
	openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/broker.pem" 2>/dev/null
	openssl pkcs12 -export -in "$d/broker.pem" -inkey "$d/broker.key" \
		-certfile "$d/ca.pem" -name broker -passout "file:$1/secrets/keystore" \
		-out "$d/broker.p12"
	# A truststore holding the CA, for the Java tools.
	keytool -importcert -noprompt -alias ca -file "$d/ca.pem" -storetype PKCS12 \
		-keystore "$d/truststore.p12" -storepass "$pass" >/dev/null 2>&1 ||
		die "keytool could not make the truststore"
	chmod 600 "$d"/*.key
}

# secret NAME: a random password in DIR/secrets/NAME (made once).
secret() {
	local f="$dir/secrets/$1"
	if [ ! -s "$f" ]; then
		(umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$f")
	fi
	cat "$f"
}

# write_config N: DIR/node-N/server.properties from DIR/cluster.env.
write_config() {
	local n=$1 nd="$dir/node-$1" rf voters="" i
	# shellcheck source=/dev/null
	. "$dir/cluster.env"
	rf=$((nodes < 3 ? nodes : 3))
	for ((i = 1; i <= nodes; i++)); do
		local cport_var="ctrl_port_$i"
		voters+="${voters:+,}$i@127.0.0.1:${!cport_var}"
	done
	local bport_var="client_port_$n" cport_var="ctrl_port_$n"
	mkdir -p "$nd/data"
	{
		echo "# node $n of $nodes: broker and controller (KRaft), written by scripts/kafka.sh"
		echo "process.roles=broker,controller"
		echo "node.id=$n"
		echo "log.dirs=$nd/data"
		if [ "$nodes" -eq 1 ]; then
			echo "controller.quorum.bootstrap.servers=127.0.0.1:${!cport_var}"
		else
			echo "controller.quorum.voters=$voters"
		fi
		echo "controller.listener.names=CONTROLLER"
		if [ "$security" = sasl_ssl ]; then
			echo "listeners=SASL_SSL://127.0.0.1:${!bport_var},CONTROLLER://127.0.0.1:${!cport_var}"
			echo "advertised.listeners=SASL_SSL://127.0.0.1:${!bport_var}"
			echo "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
			echo "inter.broker.listener.name=SASL_SSL"
			# PLAIN (over TLS) beside SCRAM, with the same users and
			# passwords: librdkafka before 2.6.1 (Debian bookworm has
			# 2.0.2) repeats the client nonce in its SCRAM final
			# message, which Kafka 4 refuses as invalid credentials
			# (confluentinc/librdkafka#4895).
			echo "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN"
			echo "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512"
			echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(secret admin)\";"
			echo "listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$(secret admin)\" user_admin=\"$(secret admin)\" user_badgeproc=\"$(secret badgeproc)\";"
			echo "ssl.keystore.type=PKCS12"
			echo "ssl.keystore.location=$dir/tls/broker.p12"
			echo "ssl.keystore.password=$(secret keystore)"
			echo "ssl.key.password=$(secret keystore)"
			# The broker is also a client of its own listener (between
			# brokers, and the check at start that a client made with
			# these settings can connect): it trusts the test CA.
			echo "ssl.truststore.type=PKCS12"
			echo "ssl.truststore.location=$dir/tls/truststore.p12"
			echo "ssl.truststore.password=$(secret keystore)"
			echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
			# The controller listener is PLAINTEXT on loopback: the
			# brokers reach it as User:ANONYMOUS.
			echo "super.users=User:admin;User:ANONYMOUS"
			echo "allow.everyone.if.no.acl.found=false"
		else
			echo "listeners=PLAINTEXT://127.0.0.1:${!bport_var},CONTROLLER://127.0.0.1:${!cport_var}"
			echo "advertised.listeners=PLAINTEXT://127.0.0.1:${!bport_var}"
			echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
			echo "inter.broker.listener.name=PLAINTEXT"
		fi
		echo "num.partitions=1"
		echo "default.replication.factor=$rf"
		echo "min.insync.replicas=1"
		echo "offsets.topic.replication.factor=$rf"
		echo "offsets.topic.num.partitions=4"
		echo "transaction.state.log.replication.factor=$rf"
		echo "transaction.state.log.min.isr=$((rf > 1 ? 2 : 1))"
		echo "transaction.state.log.num.partitions=4"
		echo "share.coordinator.state.topic.replication.factor=$rf"
		echo "share.coordinator.state.topic.min.isr=1"
		echo "group.initial.rebalance.delay.ms=0"
		# The tests' members use session timeouts of a few seconds, so
		# that a killed member's partitions move quickly.
		echo "group.min.session.timeout.ms=1000"
		echo "auto.create.topics.enable=false"
		echo "log.cleaner.enable=true"
		echo "log.cleaner.backoff.ms=1000"
		echo "log.cleaner.threads=1"
		echo "log.cleaner.dedupe.buffer.size=8388608"
		# Keep every record: the tests produce histories whose record
		# timestamps (their events' occurred_at) are months old, which a
		# time retention would delete within seconds.
		echo "log.retention.ms=-1"
		echo "log.retention.check.interval.ms=5000"
		echo "num.network.threads=2"
		echo "num.io.threads=4"
		echo "num.recovery.threads.per.data.dir=1"
		echo "unclean.leader.election.enable=false"
		if [ "$nodes" -gt 1 ]; then
			# A broker killed with SIGKILL keeps its leaderships (and
			# the coordinators it hosts) until the controller fences
			# it, broker.session.timeout.ms after its last heartbeat:
			# 9 s by default, during which the partitions it leads
			# take no writes and the transactions touching them wait.
			# The tests kill brokers on purpose; 4 s, with a heartbeat
			# every 0.5 s, keeps each failover to a few seconds while
			# leaving room for a busy machine's pauses.
			echo "broker.session.timeout.ms=4000"
			echo "broker.heartbeat.interval.ms=500"
		fi
	} >"$nd/server.properties"
	# In sasl_ssl mode it holds passwords.
	[ "$security" != sasl_ssl ] || chmod 600 "$nd/server.properties"
}

# format_node N: formats node N's storage, only if it has none.
format_node() {
	local n=$1 nd="$dir/node-$1" extra=()
	[ -e "$nd/data/meta.properties" ] && return 0
	# shellcheck source=/dev/null
	. "$dir/cluster.env"
	[ "$nodes" -eq 1 ] && extra+=(--standalone)
	if [ "$security" = sasl_ssl ]; then
		extra+=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(secret admin)]"
			--add-scram "SCRAM-SHA-512=[name=badgeproc,password=$(secret badgeproc)]")
	fi
	# shellcheck disable=SC2154 # cluster_id comes from cluster.env
	(KAFKA_TOOL_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
		java_run kafka.tools.StorageTool format --cluster-id "$cluster_id" \
		--config "$nd/server.properties" --ignore-formatted "${extra[@]}") \
		>"$nd/format.log" 2>&1 || die "formatting node $n failed: $(tail -n 5 "$nd/format.log")"
}

# node_pid N: the recorded PID of node N if that process still runs.
node_pid() {
	local f="$dir/node-$1/pid" pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	# The PID must still be our JVM, not a reused number.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $dir/node-$1/" || return 1
	echo "$pid"
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_node() {
	local n=$1 nd="$dir/node-$1"
	node_pid "$n" >/dev/null && return 0
	write_config "$n"
	format_node "$n"
	# shellcheck disable=SC2086 # the JVM options are words
	nohup java -Xms"${heap}m" -Xmx"${heap}m" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$pom_dir/log4j2.xml" -Dkafka.logs.dir="$nd" \
		-cp "$(classpath)" kafka.Kafka "$nd/server.properties" \
		>>"$nd/server.out" 2>&1 </dev/null &
	echo $! >"$nd/pid"
	# $! is a subshell that expands the command line (the classpath)
	# before it execs nohup and java: until then its command line is
	# this script's, and node_pid takes it for a node that exited
	# (`start --node N`, whose wait_ready looks at once, reported a node
	# that was starting as dead).
	local i
	for ((i = 0; i < 100; i++)); do
		node_pid "$n" >/dev/null && break
		kill -0 "$(cat "$nd/pid")" 2>/dev/null || break
		sleep 0.05
	done
}

wait_ready() {
	local n=$1 deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120})) pid
	# shellcheck source=/dev/null
	. "$dir/cluster.env"
	local port_var="client_port_$n"
	until port_open "${!port_var}"; do
		pid=$(node_pid "$n") || die "node $n exited at start: $(tail -n 20 "$dir/node-$n/server.out")"
		[ "$SECONDS" -lt "$deadline" ] || die "node $n: port ${!port_var} not open after ${KAFKA_START_TIMEOUT:-120} s"
		sleep 0.2
	done
}

# write_wrappers: DIR/bin/kafka-*.sh, each a JVM on the classpath.
write_wrappers() {
	local b="$dir/bin" name cls
	mkdir -p "$b"
	while read -r name cls; do
		cat >"$b/$name" <<EOF
#!/usr/bin/env bash
# $name of the test cluster in $dir (scripts/kafka.sh).
exec java \${KAFKA_TOOL_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \\
  -Dlog4j2.configurationFile="$pom_dir/log4j2-tools.xml" \\
  -cp "\$(cat "$cp_file")" $cls "\$@"
EOF
		chmod +x "$b/$name"
	done <<'EOF'
kafka-topics.sh org.apache.kafka.tools.TopicCommand
kafka-acls.sh org.apache.kafka.tools.AclCommand
kafka-configs.sh kafka.admin.ConfigCommand
kafka-get-offsets.sh org.apache.kafka.tools.GetOffsetShell
kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer
kafka-dump-log.sh org.apache.kafka.tools.DumpLogSegments
kafka-storage.sh kafka.tools.StorageTool
kafka-producer-perf-test.sh org.apache.kafka.tools.ProducerPerformance
EOF
}

# write_client_files: the admin's and badgeproc's client settings.
write_client_files() {
	(
		umask 077
		cat >"$dir/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret admin)";
ssl.truststore.type=PKCS12
ssl.truststore.location=$dir/tls/truststore.p12
ssl.truststore.password=$(secret keystore)
EOF
		# The password stays in DIR/secrets: the config names it with
		# ${file:PATH}, as a deployment does with a mounted secret.
		secret badgeproc >/dev/null
		# badgeproc-plain.conf: the same over SASL/PLAIN, for
		# librdkafka before 2.6.1 (see write_config).
		for f in badgeproc:SCRAM-SHA-512 badgeproc-plain:PLAIN; do
			mech=${f#*:}
			cat >"$dir/${f%%:*}.conf" <<EOF
# librdkafka client settings of user badgeproc on the test cluster.
kafka.security.protocol = SASL_SSL
kafka.sasl.mechanism = $mech
kafka.sasl.username = badgeproc
kafka.sasl.password = \${file:$dir/secrets/badgeproc}
kafka.ssl.ca.location = $dir/tls/ca.pem
EOF
		done
	)
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
dir=${KAFKA_DIR:-$PWD/build/kafka} nodes=1 security=plaintext heap="" only="" kill_sig=TERM
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dir=$2; shift 2 ;;
	--nodes) nodes=$2; shift 2 ;;
	--security) security=$2; shift 2 ;;
	--heap) heap=$2; shift 2 ;;
	--node) only=$2; shift 2 ;;
	--kill) kill_sig=KILL; shift ;;
	-h | --help) usage ;;
	*) echo "kafka.sh: unknown argument: $1" >&2; usage ;;
	esac
done
case "$nodes" in 1 | 3) ;; *) die "--nodes takes 1 or 3" ;; esac
case "$security" in plaintext | sasl_ssl) ;; *) die "--security takes plaintext or sasl_ssl" ;; esac
[ -z "$heap" ] || { [[ "$heap" =~ ^[0-9]+$ ]] && [ "$heap" -ge 128 ]; } ||
	die "--heap takes MiB, at least 128"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

nodes_of() { # the node numbers a command acts on
	if [ -n "$only" ]; then echo "$only"; else
		# shellcheck source=/dev/null
		. "$dir/cluster.env"
		seq "$nodes"
	fi
}

case "$cmd" in
classpath) classpath ;;
start)
	command -v java >/dev/null || die "java not found (scripts/deps.sh installs it)"
	classpath >/dev/null
	if [ ! -s "$dir/cluster.env" ]; then
		mkdir -p "$dir/secrets"
		chmod 700 "$dir/secrets"
		read -r -a ports <<<"$(free_ports $((2 * nodes)))"
		{
			echo "nodes=$nodes"
			echo "security=$security"
			echo "cluster_id=$(KAFKA_TOOL_OPTS="-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" java_run kafka.tools.StorageTool random-uuid)"
			for ((i = 1; i <= nodes; i++)); do
				echo "client_port_$i=${ports[2 * i - 2]}"
				echo "ctrl_port_$i=${ports[2 * i - 1]}"
			done
		} >"$dir/cluster.env.tmp"
		mv "$dir/cluster.env.tmp" "$dir/cluster.env"
		if [ "$security" = sasl_ssl ]; then
			secret keystore >/dev/null
			make_certs "$dir"
			write_client_files
		fi
	fi
	# shellcheck source=/dev/null
	. "$dir/cluster.env"
	[ -n "$heap" ] || heap=$((nodes == 1 ? 512 : 384))
	write_wrappers
	for n in $(nodes_of); do start_node "$n"; done
	for n in $(nodes_of); do wait_ready "$n"; done
	list=""
	for ((i = 1; i <= nodes; i++)); do
		v="client_port_$i"
		list+="${list:+,}127.0.0.1:${!v}"
	done
	echo "$list" >"$dir/bootstrap"
	echo "$list"
	;;
stop)
	[ -s "$dir/cluster.env" ] || exit 0
	pids=()
	for n in $(nodes_of); do
		if pid=$(node_pid "$n"); then
			kill "-$kill_sig" "$pid"
			pids+=("$pid")
		fi
	done
	deadline=$((SECONDS + 60))
	for pid in "${pids[@]}"; do
		while kill -0 "$pid" 2>/dev/null; do
			if [ "$SECONDS" -ge "$deadline" ]; then
				echo "kafka.sh: pid $pid still running 60 s after SIGTERM, killing it" >&2
				kill -KILL "$pid" 2>/dev/null || true
			fi
			sleep 0.2
		done
	done
	;;
status)
	[ -s "$dir/cluster.env" ] || die "no cluster in $dir"
	rc=0
	for n in $(nodes_of); do
		if pid=$(node_pid "$n"); then echo "node $n: running (pid $pid)"; else
			echo "node $n: stopped"
			rc=3
		fi
	done
	exit $rc
	;;
bootstrap) cat "$dir/bootstrap" 2>/dev/null || die "no cluster in $dir" ;;
bin) echo "$dir/bin" ;;
*) usage ;;
esac
