# Sourced by submit/charrnn and submit/spark-submit: runs a charrnn JVM on this machine with the project's flags
# (conf/jvm-options, read by the java launcher as an argument file), its memory and one OpenMP thread per task.
# Memory: CHARRNN_MEMORY (default below) sets heap and ND4J's off-heap limits for this one JVM, which in local mode
# hosts the driver and all executors. The default was measured on 2 x 128 (BENCHMARKS.md); give models of 2 x 512
# and up more, e.g. CHARRNN_MEMORY="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=7g".
exec_local_jvm() { # exec_local_jvm JAVA_ARGS...
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  # One OpenMP thread per Spark task (spark.task.cpus, default 1): ND4J's default of 2 per op is ~3x slower here.
  export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
  local memory="${CHARRNN_MEMORY:--Xmx1g -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=3g}"
  # shellcheck disable=SC2086
  exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" @"$root/conf/jvm-options" $memory \
    -Dlog4j.configurationFile="$root/conf/log4j2.properties" "$@"
}
