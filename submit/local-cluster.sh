#!/usr/bin/env bash
# A one-machine cluster on 127.0.0.1 for trying the cluster path and for tests, from Maven Central jars alone:
# HDFS (a NameNode and a DataNode process) and either Spark standalone (a Master and N Workers of 1 core each) or
# YARN (a ResourceManager and a NodeManager).
#
#   submit/local-cluster.sh up       start HDFS and Spark standalone, wait until HDFS and all Workers are ready
#   submit/local-cluster.sh up yarn  start HDFS and YARN instead, wait until the NodeManager is RUNNING
#   submit/local-cluster.sh down     stop everything (executors and containers too) and delete the cluster's files
#   submit/local-cluster.sh status   what runs, and the URLs to use
#   submit/local-cluster.sh hdfs ARGS  the HDFS shell on this cluster, e.g. hdfs -put corpus.txt /corpora/
#
# Settings (environment): CHARRNN_CLUSTER_DIR (default ${TMPDIR:-/tmp}/charrnn-local-cluster; `up` takes only a new
# or empty one and marks it as the cluster's, since `down` deletes it),
# CHARRNN_CLUSTER_WORKERS (2), CHARRNN_WORKER_MEMORY (2g, executor heap per Worker), CHARRNN_NAMENODE_PORT (9000),
# CHARRNN_MASTER_PORT (7077), CHARRNN_MASTER_UI_PORT (8080), CHARRNN_YARN_MEMORY_MB (6144, what the NodeManager
# offers containers), CHARRNN_RM_PORT (8032; the scheduler, tracker and admin ports are the three below it, the web
# UI 8088); CHARRNN_BUILD=spark-3.5 for Spark 3.5 and its Hadoop (default: the Spark 4 build's versions; see
# submit/build-line.sh).
# Then: --master spark://127.0.0.1:7077 (standalone) or, with the environment and --conf lines that `status` prints,
# --master yarn; and hdfs://127.0.0.1:9000/ for corpora and runs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="${CHARRNN_CLUSTER_DIR:-${TMPDIR:-/tmp}/charrnn-local-cluster}"
workers="${CHARRNN_CLUSTER_WORKERS:-2}"
worker_memory="${CHARRNN_WORKER_MEMORY:-2g}"
nn_port="${CHARRNN_NAMENODE_PORT:-9000}"
master_port="${CHARRNN_MASTER_PORT:-7077}"
master_ui="${CHARRNN_MASTER_UI_PORT:-8080}"
yarn_memory="${CHARRNN_YARN_MEMORY_MB:-6144}"
rm_port="${CHARRNN_RM_PORT:-8032}"
rm_ui=$((rm_port + 56))
hdfs_uri="hdfs://127.0.0.1:$nn_port"
master_url="spark://127.0.0.1:$master_port"
# `up` writes it first; `down` deletes only a directory that has it.
marker="$state/charrnn-local-cluster.marker"

# shellcheck source=submit/build-line.sh
. "$root/submit/build-line.sh"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Spark's launcher (the Worker's executor command) needs the Scala line where no distribution's RELEASE file is.
export SPARK_HOME="$state/spark-home" SPARK_SCALA_VERSION="$(build_property scala.binary)" SPARK_LOCAL_IP=127.0.0.1
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"

log() { echo "local-cluster: $*" >&2; }

start() { # start NAME COMMAND...: run a daemon in its own session, output to logs/NAME.log, PID in pids/NAME.pid
  local name=$1; shift
  # The PID is written from inside the new session (setsid may fork to make one, so $! could be another process).
  # Without the caller's OMP_NUM_THREADS, as on a real cluster: executors get theirs from the job alone
  # (spark.executorEnv.OMP_NUM_THREADS), which the cluster checks then see in doctor's report.
  # shellcheck disable=SC2016
  env -u OMP_NUM_THREADS setsid bash -c 'echo $$ > "$0"; exec "$@"' "$state/pids/$name.pid" "$@" \
    > "$state/logs/$name.log" 2>&1 < /dev/null &
}

alive() { [ -f "$state/pids/$1.pid" ] && kill -0 "$(cat "$state/pids/$1.pid")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "timed out waiting for $what (logs in $state/logs)"; return 1; fi
    sleep 1
  done
}

write_hadoop_conf() {
  mkdir -p "$state/hadoop-conf"
  cat > "$state/hadoop-conf/core-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>$hdfs_uri</value></property>
  <property><name>hadoop.tmp.dir</name><value>$state/hadoop-tmp</value></property>
</configuration>
XML
  cat > "$state/hadoop-conf/hdfs-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>dfs.replication</name><value>1</value></property>
  <property><name>dfs.namenode.name.dir</name><value>file://$state/name</value></property>
  <property><name>dfs.datanode.data.dir</name><value>file://$state/data</value></property>
  <property><name>dfs.namenode.rpc-bind-host</name><value>127.0.0.1</value></property>
  <property><name>dfs.namenode.http-address</name><value>127.0.0.1:0</value></property>
  <property><name>dfs.datanode.address</name><value>127.0.0.1:0</value></property>
  <property><name>dfs.datanode.http.address</name><value>127.0.0.1:0</value></property>
  <property><name>dfs.datanode.ipc.address</name><value>127.0.0.1:0</value></property>
  <property><name>dfs.datanode.hostname</name><value>127.0.0.1</value></property>
  <property><name>dfs.namenode.datanode.registration.ip-hostname-check</name><value>false</value></property>
  <property><name>dfs.namenode.safemode.extension</name><value>0</value></property>
  <property><name>dfs.permissions.enabled</name><value>false</value></property>
</configuration>
XML
  cat > "$state/hadoop-conf/log4j.properties" <<'PROPS'
log4j.rootLogger=INFO,console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{HH:mm:ss} %p %c{1}: %m%n
PROPS
}

write_yarn_conf() {
  # Memory checks as on a production NodeManager (physical on, virtual off: the JVM reserves far more address
  # space than it uses); small allocation steps, so that a container is the size Spark asks for.
  cat > "$state/hadoop-conf/yarn-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>yarn.resourcemanager.hostname</name><value>127.0.0.1</value></property>
  <property><name>yarn.resourcemanager.address</name><value>127.0.0.1:$rm_port</value></property>
  <property><name>yarn.resourcemanager.scheduler.address</name><value>127.0.0.1:$((rm_port - 2))</value></property>
  <property><name>yarn.resourcemanager.resource-tracker.address</name><value>127.0.0.1:$((rm_port - 1))</value></property>
  <property><name>yarn.resourcemanager.admin.address</name><value>127.0.0.1:$((rm_port + 1))</value></property>
  <property><name>yarn.resourcemanager.webapp.address</name><value>127.0.0.1:$rm_ui</value></property>
  <property><name>yarn.resourcemanager.scheduler.class</name><value>org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler</value></property>
  <property><name>yarn.nodemanager.hostname</name><value>127.0.0.1</value></property>
  <property><name>yarn.nodemanager.address</name><value>127.0.0.1:0</value></property>
  <property><name>yarn.nodemanager.localizer.address</name><value>127.0.0.1:0</value></property>
  <property><name>yarn.nodemanager.webapp.address</name><value>127.0.0.1:0</value></property>
  <property><name>yarn.nodemanager.resource.memory-mb</name><value>$yarn_memory</value></property>
  <property><name>yarn.nodemanager.resource.cpu-vcores</name><value>4</value></property>
  <property><name>yarn.nodemanager.pmem-check-enabled</name><value>true</value></property>
  <!-- Else Hadoop 3.5.0 leaves memory limits to cgroups, which this NodeManager has none of (YARN-11967). -->
  <property><name>yarn.nodemanager.resource.memory.enforced</name><value>false</value></property>
  <property><name>yarn.nodemanager.vmem-check-enabled</name><value>false</value></property>
  <property><name>yarn.nodemanager.container-monitor.interval-ms</name><value>1000</value></property>
  <property><name>yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage</name><value>100.0</value></property>
  <property><name>yarn.nodemanager.local-dirs</name><value>$state/yarn/local</value></property>
  <property><name>yarn.nodemanager.log-dirs</name><value>$state/yarn/logs</value></property>
  <property><name>yarn.nodemanager.user-home-dir</name><value>$state/yarn/home</value></property>
  <property><name>yarn.scheduler.minimum-allocation-mb</name><value>128</value></property>
  <property><name>yarn.scheduler.maximum-allocation-mb</name><value>$yarn_memory</value></property>
</configuration>
XML
}

make_spark_home() {
  mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
  local jar
  for jar in $(versions_classpath spark-home | tr ':' ' '); do ln -sf "$jar" "$SPARK_HOME/jars/"; done
  if [ "$manager" = yarn ]; then
    # The containers' classpath too (spark.yarn.jars=local:...): the NodeManager is on this machine.
    for jar in $(versions_classpath spark-yarn | tr ':' ' '); do ln -sf "$jar" "$SPARK_HOME/jars/"; done
  fi
  cp "$root/conf/log4j2.properties" "$SPARK_HOME/conf/log4j2.properties"
}

hdfs_ready() {
  "$java_bin" -Xmx256m -cp "$state/hadoop-conf:$hadoop_cp" org.apache.hadoop.hdfs.tools.DFSAdmin -report 2>/dev/null \
    | grep -q 'Live datanodes (1)'
}

node_running() {
  curl -s "http://127.0.0.1:$rm_ui/ws/v1/cluster/nodes" | grep -q '"state":"RUNNING"'
}

workers_ready() {
  local json
  json=$(curl -s "http://127.0.0.1:$master_ui/json/") || return 1
  [ "$(grep -o '"state" *: *"ALIVE"' <<<"$json" | wc -l)" -ge "$workers" ]
}

up() {
  manager=${1:-standalone}
  case "$manager" in standalone|yarn) ;; *) echo "usage: $0 up [standalone|yarn]" >&2; exit 2 ;; esac
  # Another program's files would be mixed with the cluster's, and `down` would then delete them.
  if [ ! -f "$marker" ] && [ -n "$(ls -A "$state" 2>/dev/null)" ]; then
    log "$state is not empty and not a cluster directory (no $marker); set CHARRNN_CLUSTER_DIR to a new one"; exit 2
  fi
  if alive namenode || alive master || alive resourcemanager; then log "already up (status: $0 status)"; return 0; fi
  mkdir -p "$state"
  echo "made by submit/local-cluster.sh up; submit/local-cluster.sh down deletes this directory" > "$marker"
  mkdir -p "$state/logs" "$state/pids" "$state/name" "$state/data" "$state/work"
  echo "$manager" > "$state/manager"
  hadoop_cp=$(versions_classpath hadoop-home)
  write_hadoop_conf
  make_spark_home
  local hadoop_java=("$java_bin" -Xmx512m --add-opens=java.base/java.lang=ALL-UNNAMED
    -Dhadoop.log.dir="$state/logs" -cp "$state/hadoop-conf:$hadoop_cp")
  if [ -z "$(ls -A "$state/name")" ]; then
    "${hadoop_java[@]}" org.apache.hadoop.hdfs.server.namenode.NameNode -format -nonInteractive \
      > "$state/logs/format.log" 2>&1 || { log "formatting HDFS failed, see $state/logs/format.log"; return 1; }
  fi
  start namenode "${hadoop_java[@]}" org.apache.hadoop.hdfs.server.namenode.NameNode
  start datanode "${hadoop_java[@]}" org.apache.hadoop.hdfs.server.datanode.DataNode
  if [ "$manager" = yarn ]; then
    write_yarn_conf
    mkdir -p "$state/yarn/local" "$state/yarn/logs" "$state/yarn/home"
    local yarn_java=("$java_bin" -Xmx512m --add-opens=java.base/java.lang=ALL-UNNAMED
      -Dhadoop.log.dir="$state/logs" -cp "$state/hadoop-conf:$(versions_classpath yarn-home)")
    start resourcemanager "${yarn_java[@]}" org.apache.hadoop.yarn.server.resourcemanager.ResourceManager
    start nodemanager "${yarn_java[@]}" org.apache.hadoop.yarn.server.nodemanager.NodeManager
  else
    local spark_java=("$java_bin" -Xmx512m @"$root/conf/jvm-options"
      -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*")
    start master "${spark_java[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" \
      --webui-port "$master_ui"
    local i
    for i in $(seq 1 "$workers"); do
      mkdir -p "$state/work/worker$i"
      start "worker$i" "${spark_java[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
        --memory "$worker_memory" --webui-port 0 --work-dir "$state/work/worker$i" "$master_url"
    done
  fi
  wait_for 120 "HDFS with one live DataNode" hdfs_ready
  if [ "$manager" = yarn ]; then
    wait_for 120 "a RUNNING NodeManager" node_running
    log "up: HDFS $hdfs_uri, YARN ResourceManager 127.0.0.1:$rm_port (UI http://127.0.0.1:$rm_ui), files in $state"
  else
    wait_for 120 "$workers Spark Workers" workers_ready
    log "up: HDFS $hdfs_uri, Spark $master_url (UI http://127.0.0.1:$master_ui), files in $state"
  fi
}

down() {
  # Below, every process naming "$state/" is killed and $state deleted: a mistaken CHARRNN_CLUSTER_DIR (say $HOME)
  # must not get that far.
  if [ ! -e "$state" ]; then log "nothing to take down: no $state"; return 0; fi
  if [ ! -f "$marker" ]; then
    log "$state is not a cluster directory (no $marker): not killing its processes nor deleting it (a cluster an older local-cluster.sh started has no marker: touch it, then run down again)"; exit 2
  fi
  # Each daemon was started as the leader of its own session and process group (setsid), and the executors a
  # Worker launches stay in its group: signalling the groups of the recorded PIDs ends exactly this cluster's
  # processes, nobody else's.
  # A PID whose process now is another program (the daemon died and the number was reused) is left alone; one
  # with no process at all may still lead the group of its orphaned executors, which nobody else can have.
  local pidfile pid signal
  for signal in TERM KILL; do
    for pidfile in "$state"/pids/*.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      # (The process may end between the test and the read: then it is not another program.)
      if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "$state" \
         && [ -e "/proc/$pid" ]; then
        continue
      fi
      kill -s "$signal" -- "-$pid" 2>/dev/null || true
    done
    # YARN containers run in sessions of their own; every process of this cluster names its directory.
    for pid in $(pgrep -f -- "$state/" || true); do
      [ "$pid" != $$ ] && kill -s "$signal" "$pid" 2>/dev/null || true
    done
    [ "$signal" = TERM ] && sleep 2
  done
  rm -rf "$state"
  log "down"
}

status() {
  local name any=0 daemons
  manager=$(cat "$state/manager" 2>/dev/null || echo standalone)
  if [ "$manager" = yarn ]; then daemons="resourcemanager nodemanager"
  else daemons="master $(for i in $(seq 1 "$workers"); do echo "worker$i"; done)"; fi
  for name in namenode datanode $daemons; do
    if alive "$name"; then echo "$name: running (pid $(cat "$state/pids/$name.pid"))"; any=1
    else echo "$name: stopped"; fi
  done
  echo "hdfs: $hdfs_uri"
  if [ "$manager" = yarn ]; then
    echo "yarn: export HADOOP_CONF_DIR=$state/hadoop-conf; submit/spark-submit --master yarn --conf spark.yarn.jars=local:$SPARK_HOME/jars/* ... (UI http://127.0.0.1:$rm_ui)"
  else
    echo "spark: $master_url (UI http://127.0.0.1:$master_ui)"
  fi
  [ $any -eq 1 ]
}

hdfs_shell() {
  hadoop_cp=$(versions_classpath hadoop-home)
  "$java_bin" -Xmx256m -cp "$state/hadoop-conf:$hadoop_cp" org.apache.hadoop.fs.FsShell "$@"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  hdfs) shift; hdfs_shell "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [standalone|yarn]|down|status|hdfs ARGS" >&2; exit 2 ;;
esac
