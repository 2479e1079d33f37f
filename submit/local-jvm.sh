# Sourced by submit/charrnn and submit/spark-submit: runs a charrnn JVM on this machine with the project's flags
# (conf/jvm-options, read by the java launcher as an argument file), its memory and one OpenMP thread per task.
# Memory: CHARRNN_MEMORY (default below) sets heap and ND4J's off-heap limits for this one JVM, which in local mode
# hosts the driver and all executors. The default was measured on 2 x 128 (BENCHMARKS.md); give models of 2 x 512
# and up more, e.g. CHARRNN_MEMORY="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=7g".
# Collector: CHARRNN_GC (default below; e.g. CHARRNN_GC=-XX:+UseG1GC). Its live heap is small (~100 MB at 2 x 128),
# but every averaging round drops a few arrays of the model state's size (parameters and Adam's moments, serialized,
# fetched, summed). G1 took each for a humongous object and grew its heap under them, by an amount that changed from
# run to run: the 6,000-symbol benchmark peaked at 0.9-1.7 GB against 0.8-0.95 GB for 65 symbols. The serial
# collector keeps the heap it starts with (the JVM's default initial size) and ran as fast (BENCHMARKS.md).
exec_local_jvm() { # exec_local_jvm JAVA_ARGS...
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  # One OpenMP thread per Spark task (spark.task.cpus, default 1): ND4J's default of 2 per op is ~3x slower here.
  export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
  local memory="${CHARRNN_MEMORY:--Xmx1g -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=3g}"
  local gc="${CHARRNN_GC:--XX:+UseSerialGC}"
  # shellcheck disable=SC2086
  exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" @"$root/conf/jvm-options" $memory $gc \
    -Dlog4j.configurationFile="$root/conf/log4j2.properties" "$@"
}
